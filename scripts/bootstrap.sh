#!/usr/bin/env bash
# Create (or refresh) the course's virtual environment in .venv.
# Idempotent: when pyproject.toml and constraints.txt have not changed since the last
# successful install, it does nothing and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp_file="$venv/.course-installed"
stamp=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)

if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" && -x "$venv/bin/course" ]]; then
    exit 0
fi

python=${PYTHON:-}
if [[ -z "$python" ]]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
    done
fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
if [[ "$version" != "3.11" ]]; then
    echo "bootstrap: Python 3.11 is required (nbgrader 0.9.6 needs >= 3.11, torch 2.13.0 is pinned for 3.11);" >&2
    echo "           found '${python:-none}' ($version). Set PYTHON=/path/to/python3.11." >&2
    exit 1
fi

echo "bootstrap: installing the course environment into $venv (first run: under a minute)"
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
pip_install() {
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt "$@"
}
# torch is pinned to 2.13.0 in pyproject.toml: an unpinned torch would pull a multi-GB CUDA build.
# Where the CPU wheel of torch 2.13.0 lies on disk (pip's find-links), uv installs everything from
# it and the pinned constraints, about three times as fast as pip (which unpacks and compiles one
# package at a time); uv is given that file, so it cannot pick another build. Otherwise, or if uv
# fails, pip installs (pip finds the wheel through its own configuration).
torch_wheel=""
for folder in ${PIP_FIND_LINKS:-} /opt/wheels; do
    for wheel in "$folder"/torch-2.13.0+cpu-cp311-*.whl; do
        [[ -f "$wheel" ]] && { torch_wheel=$wheel; break 2; }
    done
done
# (-qq: pip warns about every local index folder that lacks uv)
if [[ -n "$torch_wheel" ]] && pip_install -qq uv \
    && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --compile-bytecode \
        -c constraints.txt "$torch_wheel" -e .; then
    :
else
    echo "bootstrap: installing with pip"
    pip_install -e .
fi
echo "$stamp" > "$stamp_file"
echo "bootstrap: done"
