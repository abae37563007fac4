"""The instructor's side: nbgrader, configured and wrapped (the ``course`` command).

- :mod:`.config` — the nbgrader configuration of the course.
- :mod:`.feedback` — a feedback preprocessor that keeps hidden-test code out of tracebacks.
- :mod:`.submissions` — checks a submission can be read before nbgrader touches it.
- :mod:`.grade` — release, and grading student by student in isolated processes.
- :mod:`.cli` — the ``course`` command.
"""
