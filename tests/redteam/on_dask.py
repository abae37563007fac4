"""``python on_dask.py COURSE-ARGS…``: ``course COURSE-ARGS… --scheduler ADDRESS`` on a Dask cluster
this process starts (``distributed.LocalCluster``, 2 worker processes) and stops afterwards.

The red-team harness runs it in place of ``course`` when ``REDTEAM_SCHEDULER=dask``, under its
reaper: the cluster's workers, and every kernel they start, are then descendants of the reaper, so
the check that grading leaves no process behind covers them too. The workers' working directory
is an empty temporary folder: nothing of the course is where they run.
"""

from __future__ import annotations

import os
import sys
import tempfile

WORKERS = 2


def main(arguments: list[str]) -> int:
    from distributed import LocalCluster

    from course_lib.grading.cli import main as course

    with tempfile.TemporaryDirectory(prefix="redteam-dask-") as empty:
        os.chdir(empty)
        with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None,
                          local_directory=empty) as cluster:
            return course([*arguments, "--scheduler", cluster.scheduler_address])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
