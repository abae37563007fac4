"""Run one command as a *child subreaper*, then report and end every process it left behind.

``python reaper.py < spec.json`` (spec: ``argv``, ``env``, ``cwd``, ``stdout``, ``stderr`` paths,
``timeout`` and ``settle`` seconds). Linux reparents an orphan to its nearest subreaper ancestor,
so whatever the command starts — double-forked daemons, ``setsid`` children, ``nohup sleep`` —
stays a descendant of this process, however it detaches. After the command exits (or is killed
at ``timeout``, with everything under it), the reaper waits ``settle`` seconds, records every
descendant still alive, kills them by pid, reaps them, and prints a JSON report on stdout.

It is a separate process so that the test itself never becomes a subreaper, and so that its
command line names neither the course directory nor the grader (the attacks kill those).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def _stat(pid: int) -> tuple[int, str] | None:
    """``(ppid, state)`` of ``pid``, or ``None`` if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), fields[0]


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(ancestor: int) -> list[int]:
    """Every live process below ``ancestor`` (zombies included)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                parents[int(entry)] = stat[0]
    found, frontier = [], [ancestor]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def main() -> None:
    spec = json.load(sys.stdin)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    me = os.getpid()
    start = time.monotonic()
    timed_out = False
    with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
        process = subprocess.Popen(spec["argv"], env=spec["env"], cwd=spec["cwd"], stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err)
        try:
            returncode = process.wait(timeout=spec["timeout"])
        except subprocess.TimeoutExpired:
            timed_out = True
            for _ in range(3):  # kill from the top, repeatedly: stopped processes die to SIGKILL too
                _kill_all([process.pid, *descendants(me)])
                time.sleep(0.5)
            returncode = process.wait()
    elapsed = time.monotonic() - start
    time.sleep(spec["settle"])
    left = []
    for pid in descendants(me):
        stat = _stat(pid)
        if stat is not None and stat[1] != "Z":
            left.append({"pid": pid, "cmdline": _cmdline(pid)[:300], "state": stat[1]})
    for _ in range(3):
        _kill_all(descendants(me))
        time.sleep(0.3)
        _reap()
    json.dump({"returncode": returncode, "timed_out": timed_out, "elapsed": elapsed, "left": left},
              sys.stdout)


if __name__ == "__main__":
    main()
