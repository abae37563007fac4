"""Reference implementations, data, plots and auto-grader checks for *The Mechanics of Learning*.

One module per lesson, named by concept:

- :mod:`course_lib.learning` — lesson 01, predict → compare → learn with a single weight.
- :mod:`course_lib.derivatives` — lesson 02, numerical derivatives (finite differences).
- :mod:`course_lib.linear` — lesson 03, the chain rule and the training loop of a linear model.
- :mod:`course_lib.autograd` — lesson 04, a scalar reverse-mode autograd engine (micrograd-compatible).
- :mod:`course_lib.optim` — lesson 05, PyTorch's autograd and ``torch.optim`` on the same problem.
- :mod:`course_lib.overfitting` — lesson 06, training and validation, overfitting and its remedies.
- :mod:`course_lib.data` — the temperature readings; :mod:`course_lib.datasets` — seeded 2-D
  two-class data sets.

:mod:`course_lib.checks` holds the checks that the notebooks' test cells call,
:mod:`course_lib.plotting` and :mod:`course_lib.widgets` the figures and explorers, and
:mod:`course_lib.grading` wraps nbgrader for the instructor (the ``course`` command).
"""

__version__ = "0.1.0"
