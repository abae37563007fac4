"""How long each check takes to answer a right answer, as a student and as the grader meet it.

    .venv/bin/python benchmarks/checks.py [--lesson 05_pytorch_autograd] [--repeat 3]

For every registered check (or a lesson's), with the course's answer as the student's function:

- ``public``: the test cell at the student's desk (observe and verdict in one process), after a
  first call that pays the imports once (a student's kernel has run the lesson's cells before);
- ``hidden``: the hidden cases of one secret seed, observed and judged, as grading does.

Prints the best of ``--repeat`` runs per check in seconds, and the ratio to the limits the course
sets (1 s public, 5 s hidden): a ratio above 1 is a check too slow.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_lib.checks import Check, core, registry  # noqa: E402
from tests.test_check_contract import correct  # noqa: E402

PUBLIC_LIMIT, HIDDEN_LIMIT = 1.0, 5.0


def _best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        core._EXPECTED.clear()  # the reference's answers are computed again, as in a new kernel
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'lesson':<28} {'check':<26} {'public s':>9} {'/ 1 s':>6} {'hidden s':>9} {'/ 5 s':>6}")
    for lesson, name, check in registry.all_checks():
        if (args.lesson and lesson != args.lesson) or not isinstance(check, Check):
            continue
        student = correct(lesson, name)
        with core.quiet():
            check(student)  # the imports and first calls, paid once as in the student's kernel

        def public(check=check, student=student) -> None:
            passed, _ = check.verdict(check.observe(student))
            assert passed

        def hidden(check=check, student=student) -> None:
            observations = check.observe(student, hidden=True, seed=12345)
            passed, _ = check.verdict(observations, hidden=True, seed=12345)
            assert passed

        with core.quiet():
            public_s, hidden_s = _best(args.repeat, public), _best(args.repeat, hidden)
        print(f"{lesson:<28} {name:<26} {public_s:9.3f} {public_s / PUBLIC_LIMIT:6.2f} "
              f"{hidden_s:9.3f} {hidden_s / HIDDEN_LIMIT:6.2f}")


if __name__ == "__main__":
    main()
