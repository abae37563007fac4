#!/usr/bin/env bash
# Start JupyterLab on the course, as a student or as an instructor.
#
#   scripts/lab.sh student      (`make start`)      notebooks/, lesson 01 open; nbgrader's instructor
#                                                    tools hidden, Validate kept
#   scripts/lab.sh instructor   (`make instructor`)  the repository root, every nbgrader tool
#                                                    (Formgrader, Create Assignment, Course List, ...)
#
# Both listen on 127.0.0.1 only, with token authentication; the URL with its token is printed.
# A directory may follow the mode (default: notebooks/, or the repository root for an instructor);
# further arguments go to `jupyter lab` (the browser tests add --port=0 --no-browser).
# Nothing is written to .venv or ~/.jupyter: the two setups differ only by JUPYTER_CONFIG_PATH,
# which puts scripts/jupyter/student (the disabled nbgrader plugins) in front of the usual
# configuration. Both leave out JupyterLab's "receive official Jupyter news?" prompt
# (scripts/jupyter/common).
set -euo pipefail

mode=${1:-}
[[ $# -gt 0 ]] && shift
directory=
if [[ $# -gt 0 && "$1" != -* ]]; then directory=$(cd "$1" && pwd); shift; fi
cd "$(dirname "$0")/.."
root=$(pwd)

case "$mode" in
    student)
        config="$root/scripts/jupyter/student:$root/scripts/jupyter/common"
        notebook_dir=${directory:-$root/notebooks}
        lessons=""            # the lessons' folders, relative to notebook_dir
        ;;
    instructor)
        config="$root/scripts/jupyter/common"
        notebook_dir=${directory:-$root}
        lessons="solutions/"
        ;;
    *)
        echo "usage: scripts/lab.sh student|instructor [DIRECTORY] [jupyter lab options]" >&2
        exit 2
        ;;
esac

jupyter="$root/.venv/bin/jupyter"
[[ -x "$jupyter" ]] || jupyter=jupyter   # the conda route: the activated environment's jupyter

options=()
[[ "$(id -u)" == 0 ]] && options+=(--allow-root)
# open the first lesson (lessons are the numbered folders): /lab/tree/01_x/01_x.ipynb
first_lesson=$(cd "$notebook_dir/$lessons" 2>/dev/null && ls -d [0-9]*/ 2>/dev/null | head -n 1 || true)
first_lesson=${first_lesson%/}
if [[ -n "$first_lesson" ]]; then
    options+=(--LabApp.default_url="/lab/tree/$lessons$first_lesson/$first_lesson.ipynb")
fi

export JUPYTER_CONFIG_PATH="$config${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
# nbgrader reads nbgrader_config.py, and takes the course directory, from the working directory: the
# repository root for a student (Validate runs with the course's settings); for an instructor, the
# directory served, which is the course directory (the repository root unless one is given)
[[ "$mode" == instructor ]] && cd "$notebook_dir"
# (${options[@]+...}: an empty array is "unbound" to macOS's bash 3.2 under set -u)
exec "$jupyter" lab --ip=127.0.0.1 --ServerApp.root_dir="$notebook_dir" ${options[@]+"${options[@]}"} "$@"
