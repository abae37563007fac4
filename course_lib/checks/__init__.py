"""Checks called by the notebooks' test cells, one module per lesson (mirroring ``course_lib``).

A test cell stays thin::

    from course_lib.checks import learning as check
    check.predict(predict)                  # the public cases
    ### BEGIN HIDDEN TESTS
    check.predict(predict, hidden=True)     # further cases, not shown to students
    ### END HIDDEN TESTS
"""

from .core import Case, Check, Failure, Mistake, evaluate

__all__ = ["Case", "Check", "Failure", "Mistake", "evaluate"]
