"""The instructor's side: nbgrader, configured and wrapped (the ``course`` command).

- :mod:`.config` — the nbgrader configuration of the course.
- :mod:`.grade` — release, and grading a class student by student (results stored as they come).
- :mod:`.execute` — nbgrader's execution step replaced: the notebook runs in a sandbox, verdicts
  are decided outside it; :mod:`.plan` says what replaces each test cell.
- :mod:`.sandbox` — the bubblewrap sandbox; :mod:`.kernel` — a Jupyter kernel inside it;
  :mod:`.run` — fault isolation (restart and replay); :mod:`.answer_key` — the sandbox's copy
  of ``course_lib`` without the lesson's answers.
- :mod:`.feedback`, :mod:`.sanitize`, :mod:`.submissions` — smaller nbgrader steps and checks.
- :mod:`.cli` — the ``course`` command.
"""
