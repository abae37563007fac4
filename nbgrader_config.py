"""nbgrader configuration of the course (read by the ``course`` command and by ``nbgrader``).

Layout: ``solutions/<lesson>/<lesson>.ipynb`` is the instructor's source (nbgrader's *source*
step), ``notebooks/<lesson>/`` the student release. Submissions, autograded copies, feedback and
the gradebook live beside them in the course directory (the repository root by default; the
``course`` command takes ``--root`` to grade elsewhere).
"""

from course_lib.grading.config import configure

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file
configure(c)
