"""Reference implementations, data, plots and auto-grader checks for *The Mechanics of Learning*.

One module per lesson, named by concept:

- :mod:`course_lib.learning` — lesson 01, predict → compare → learn with a single weight.

:mod:`course_lib.checks` holds the checks that the notebooks' test cells call, and
:mod:`course_lib.grading` wraps nbgrader for the instructor (the ``course`` command).
"""

__version__ = "0.1.0"
