"""One Jupyter kernel for one student, in a sandbox (or, for trusted work, without one).

The kernel runs inside bubblewrap (:mod:`.sandbox`); the grader drives it from outside over
IPC sockets in a folder both sides see (``io_dir``). The kernel is never interrupted: a cell that
runs too long, or a kernel that dies, ends the session (:meth:`KernelSession.close` kills the
whole sandbox, every process in it) and the grader starts a new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError
from nbformat import NotebookNode
from traitlets import List

from ..checks.harvest import MIME
from . import sandbox

MAX_OUTPUT_BYTES = 2 * 2**20
"""Output kept per cell (text, images, …); a cell printing more is cut with a note."""
IO_OWNER = 65533
"""Owner of the socket folder once the kernel is up (not the sandbox's uid): it cannot be written."""


class SandboxKernelManager(AsyncKernelManager):
    """Starts ``python -m ipykernel_launcher`` through the sandbox launcher."""

    launch_argv = List()

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [arg.replace("{connection_file}", self.connection_file) for arg in self.launch_argv]


class LimitedClient(NotebookClient):
    """nbclient's executor, keeping at most :data:`MAX_OUTPUT_BYTES` of output per run, and setting
    the harvest's observations aside as they arrive (so no later output or ``clear_output`` of
    the student's can remove them)."""

    output_bytes = 0
    observations: list[NotebookNode]

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str,
               cell_index: int) -> NotebookNode | None:
        data = msg.get("content", {}).get("data", {})
        if isinstance(data, dict) and MIME in data:
            if len(self.observations) < 64:
                self.observations.append(nbformat.v4.new_output("display_data", data={MIME: data[MIME]}))
            return None
        if self.output_bytes > MAX_OUTPUT_BYTES:
            return None
        self.output_bytes += len(json.dumps(msg.get("content", {}), default=str))
        if self.output_bytes > MAX_OUTPUT_BYTES:
            cut = nbformat.v4.new_output("stream", name="stdout", text="[… output cut: too much of it]\n")
            outs.append(cut)
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        # Each run is a fresh one-cell notebook: a display made by an earlier cell (updated, say,
        # from a student's thread) is no longer there to update.
        with contextlib.suppress(IndexError, KeyError, TypeError):
            super()._update_display_id(display_id, msg)


@dataclass
class Outcome:
    """What running one piece of code gave: ``ok``, ``error`` (it raised), ``timeout`` or ``died``."""

    status: str
    outputs: list[NotebookNode] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.status in ("ok", "error")


KERNEL_ARGS = ["-m", "ipykernel_launcher", "-f", "{connection_file}",
               "--HistoryManager.hist_file=:memory:", "--HistoryManager.enabled=False"]


class KernelSession:
    """A kernel in a fresh sandbox (``library`` given) or, with ``library=None``, a plain kernel."""

    def __init__(self, library: str | None, limits: sandbox.Limits, work_root: Path,
                 extra_ro: tuple[tuple[str, str], ...] = (), startup_timeout: int = 120,
                 warm: list[str] | None = None, connect: bool = True) -> None:
        """``warm``: statements the kernel runs as it starts (imports), before any student code;
        ``connect=False`` launches the kernel and returns at once (:meth:`connect` later)."""
        self.io_dir = Path(tempfile.mkdtemp(prefix="kernel-", dir=work_root))
        self.cgroups: tuple[str, ...] = ()
        km = SandboxKernelManager(kernel_name="python3", transport="ipc",
                                  ip=str(self.io_dir / "kernel"),
                                  connection_file=str(self.io_dir / "kernel.json"))
        command = [sys.executable, *KERNEL_ARGS]
        if warm:
            command.append("--IPKernelApp.exec_lines=" + "; ".join(warm))
        if library is None:
            km.launch_argv = command
        else:
            self.cgroups = sandbox.make_cgroups(self.io_dir.name, limits)
            spec = sandbox.Spec(library=library, io_dir=str(self.io_dir), limits=limits,
                                cgroups=self.cgroups, extra_ro=extra_ro)
            km.launch_argv = sandbox.launcher_command(spec, command)
        self.notebook = nbformat.v4.new_notebook()
        self.client = LimitedClient(self.notebook, km=km, allow_errors=True, interrupt_on_timeout=False,
                                    raise_on_iopub_timeout=False, iopub_timeout=5,
                                    startup_timeout=startup_timeout,
                                    store_widget_state=False, record_timing=False, coalesce_streams=True,
                                    shutdown_kernel="immediate")
        self.sandboxed = library is not None
        self.connected = False
        try:
            # The kernel's own stdout/stderr go nowhere: a student's process must not hold the grader's.
            self.client.start_new_kernel(cwd=str(self.io_dir), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            self.close()
            raise
        if connect:
            self.connect()

    def connect(self) -> None:
        """Wait until the kernel answers; then close its folder to the sandbox."""
        if self.connected:
            return
        try:
            self.client.start_new_kernel_client()
        except BaseException:
            self.close()
            raise
        self.connected = True
        if self.sandboxed and os.geteuid() == 0:
            # The sockets exist; from now on the sandbox cannot add files here (it is not the owner).
            os.chown(self.io_dir, IO_OWNER, IO_OWNER)
            self.io_dir.chmod(0o555)

    def run(self, source: str, timeout: float) -> Outcome:
        """Execute ``source``; its outputs, and whether it finished."""
        cell = nbformat.v4.new_code_cell(source)
        self.notebook.cells = [cell]
        self.client.timeout = max(1, int(timeout))
        self.client.output_bytes = 0
        self.client.observations = observations = []
        self.client._display_id_map.clear()
        try:
            self.client.execute_cell(cell, 0)
        except CellTimeoutError:
            return Outcome("timeout", list(cell.outputs) + observations)
        except Exception:  # noqa: BLE001 - a dead kernel, or messages no honest kernel sends: a fault
            return Outcome("died", list(cell.outputs) + observations)
        failed = any(out.output_type == "error" for out in cell.outputs)
        return Outcome("error" if failed else "ok", list(cell.outputs) + observations)

    def close(self) -> None:
        """Kill the kernel and everything else in its sandbox; remove its folder."""
        km = self.client.km
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None:
            try:
                process.kill()  # bwrap: its PID namespace, every process of the student, ends with it
                process.wait(timeout=10)
            except Exception:  # noqa: BLE001, S110 - already gone
                pass
        try:
            if self.client.kc is not None:
                self.client.kc.stop_channels()
            if km is not None:
                if getattr(km, "_control_socket", None) is not None:
                    km._control_socket.close(linger=0)
                km.context.destroy(linger=0)  # else the sockets' context is left to the collector
        except Exception:  # noqa: BLE001, S110 - nothing left to clean
            pass
        sandbox.kill_cgroups(self.cgroups)
        shutil.rmtree(self.io_dir, ignore_errors=True)
