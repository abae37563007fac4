"""Lesson 05's figures and explorer, headless: the drawn data are the runs of course_lib.optim, and the
numbers in labels and status lines are recomputed here in numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_lib import optim
from course_lib.plotting import optim as plotting
from course_lib.widgets import OptimizerExplorer

pytestmark = pytest.mark.filterwarnings("error")  # a warning in a notebook cell lands on stderr

T_C = np.array([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
T_U = np.array([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])


def numpy_loss(params, scaled: bool) -> float:
    w, b = np.asarray(params, dtype=np.float64)
    return float(np.mean((w * (0.1 if scaled else 1.0) * T_U + b - T_C) ** 2))


def first_outside(path: torch.Tensor, window) -> int:
    """Index of the first row outside ``window``, by a plain loop (len(path) if none)."""
    (w_low, w_high), (b_low, b_high) = window
    for i, (w, b) in enumerate(path.tolist()):
        if not (w_low <= w <= w_high and b_low <= b <= b_high):
            return i
    return len(path)


# --- pieces -------------------------------------------------------------------------------------------


def test_visible_part_keeps_the_rows_up_to_the_first_outside_the_window():
    window = ((0.0, 1.0), (0.0, 1.0))
    path = torch.tensor([[0.5, 0.5], [0.9, 0.1], [2.0, 0.5], [0.5, 0.5], [1e9, 1e9]])
    assert plotting.visible_part(path, window).tolist() == path[:3].tolist()
    assert plotting.visible_part(path[:2], window).tolist() == path[:2].tolist()


def test_describe_path_gives_steps_and_loss_or_where_it_diverged():
    path = optim.descent_path("SGD", 1e-2, 40, scaled=True)
    assert plotting.describe_path(path, True) == f"40 steps: loss {numpy_loss(path[-1], True):.4g}"
    assert plotting.describe_path(optim.descent_path("SGD", 1e-2, 40, scaled=False), False) == \
        "diverged at step 10"


def test_lowest_loss_is_the_least_squares_loss():
    for scaled in (False, True):
        w, b = np.polyfit((0.1 if scaled else 1.0) * T_U, T_C, 1)
        assert plotting.lowest_loss(scaled) == pytest.approx(numpy_loss((w, b), scaled), rel=1e-6)


# --- the descent-path figure ---------------------------------------------------------------------------


def test_plot_descent_paths_draws_each_path_on_the_landscape():
    paths = {"SGD": optim.descent_path("SGD", 1e-4, 60, scaled=False),
             "Adam": optim.descent_path("Adam", 1e-1, 60, scaled=False),
             "too fast": optim.descent_path("SGD", 1e-2, 60, scaled=False)}
    ax = plotting.plot_descent_paths(paths, scaled=False)
    star, *artists = ax.get_lines()
    assert len(artists) == 9  # line, start, end for each path
    w_best, b_best = np.polyfit(T_U, T_C, 1)
    np.testing.assert_allclose(star.get_xydata(), [[w_best, b_best]], rtol=1e-6)
    for (label, path), (line, first, last) in zip(paths.items(), np.reshape(artists, (3, 3)), strict=True):
        np.testing.assert_allclose(first.get_xydata(), [[1.0, 0.0]])
        if label == "too fast":  # diverged: drawn until it leaves the window, no end circle
            cut = first_outside(path, plotting.WINDOWS[False])
            assert 0 < cut < len(path) - 1
            np.testing.assert_allclose(line.get_xydata(), path[:cut + 1].numpy())
            assert len(last.get_xdata()) == 0
        else:
            np.testing.assert_allclose(line.get_xydata(), path.numpy())
            np.testing.assert_allclose(last.get_xydata(), path[-1:].numpy())
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[1] == f"SGD: 60 steps: loss {numpy_loss(paths['SGD'][-1], False):.4g}"
    assert labels[3] == "too fast: diverged at step 10"
    assert (ax.get_xlim(), ax.get_ylim()) == plotting.WINDOWS[False]
    assert len(ax.collections) >= 2  # filled and line contours


def test_plot_descent_paths_on_the_rescaled_input_draws_that_landscape():
    path = optim.descent_path("SGD with momentum", 1e-2, 30, scaled=True)
    ax = plotting.plot_descent_paths({"momentum": path}, scaled=True)
    star = ax.get_lines()[0]
    w_best, b_best = np.polyfit(0.1 * T_U, T_C, 1)
    np.testing.assert_allclose(star.get_xydata(), [[w_best, b_best]], rtol=1e-6)
    assert (ax.get_xlim(), ax.get_ylim()) == plotting.WINDOWS[True]
    assert "0.1" in ax.get_title()


# --- the batch-size figure -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def problem_and_fits():
    problem = optim.make_regression(torch.Generator().manual_seed(0))
    return problem, optim.compare_batch_sizes(problem, 60, 0.05, torch.Generator().manual_seed(1))


def test_plot_batch_sizes_draws_every_loss_history_with_the_learned_and_true_weights(problem_and_fits):
    problem, fits = problem_and_fits
    ax = plotting.plot_batch_sizes(fits, problem)
    *curves, floor = ax.get_lines()
    assert len(curves) == 3
    for curve, fit in zip(curves, fits.values(), strict=True):
        np.testing.assert_array_equal(curve.get_xdata(), np.arange(61))
        np.testing.assert_allclose(curve.get_ydata(), fit.losses)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    stochastic = fits[list(fits)[0]]
    w1, w2 = stochastic.weight.tolist()
    assert labels[0].endswith(f"w = ({w1:.3f}, {w2:.3f}), b = {stochastic.bias:.3f}")
    assert "w = (2, -3), b = 1" in ax.get_title()
    # the floor: the least-squares loss, here by the normal equations
    design = np.column_stack([problem.X.double().numpy(), np.ones(len(problem.X))])
    y = problem.y.double().numpy()[:, 0]
    best = np.linalg.solve(design.T @ design, design.T @ y)
    assert floor.get_ydata()[0] == pytest.approx(np.mean((design @ best - y) ** 2), rel=1e-9)
    assert ax.get_yscale() == "log"


def test_plot_batch_sizes_against_samples_processed(problem_and_fits):
    problem, fits = problem_and_fits
    ax = plotting.plot_batch_sizes(fits, problem, x="samples")
    for curve, fit in zip(ax.get_lines()[:3], fits.values(), strict=True):
        np.testing.assert_array_equal(curve.get_xdata(), np.arange(1, 61) * fit.batch_size)
        np.testing.assert_allclose(curve.get_ydata(), fit.losses[1:])
    assert ax.get_xscale() == "log" and "samples" in ax.get_xlabel()


# --- the explorer ----------------------------------------------------------------------------------------


def path_line(explorer: OptimizerExplorer) -> np.ndarray:
    return explorer.line.get_xydata()


def test_each_control_redraws_the_path_of_descent_path():
    explorer = OptimizerExplorer(optimizer="SGD", learning_rate=1e-4, scaled=False, n_steps=50)
    np.testing.assert_allclose(path_line(explorer), optim.descent_path("SGD", 1e-4, 50, False).numpy())
    image = explorer.image.value
    explorer.optimizer.value = "Adam"
    np.testing.assert_allclose(path_line(explorer), optim.descent_path("Adam", 1e-4, 50, False).numpy())
    assert explorer.image.value != image
    explorer.learning_rate.value = 1e-1
    np.testing.assert_allclose(path_line(explorer), optim.descent_path("Adam", 1e-1, 50, False).numpy())
    explorer.n_steps.value = 120
    expected = optim.descent_path("Adam", 1e-1, 120, False)
    np.testing.assert_allclose(path_line(explorer), expected.numpy())
    assert len(path_line(explorer)) == 121
    w_end, b_end = expected[-1].tolist()
    status = explorer.status.value
    assert f"After 120 steps: w = {w_end:.4g}, b = {b_end:.4g}" in status
    assert f"loss {numpy_loss(expected[-1], False):.4g}" in status
    explorer.optimizer.value = "SGD with momentum"
    explorer.learning_rate.value = 1e-2
    explorer.input.value = True
    expected = optim.descent_path("SGD with momentum", 1e-2, 120, True)
    np.testing.assert_allclose(path_line(explorer), expected.numpy())
    assert "momentum" in explorer.ax.get_title() and "0.1" in explorer.ax.get_title()


def test_switching_the_input_redraws_the_landscape_without_piling_up_artists():
    explorer = OptimizerExplorer(optimizer="SGD", learning_rate=1e-2, scaled=True, n_steps=20)
    assert (explorer.ax.get_xlim(), explorer.ax.get_ylim()) == plotting.WINDOWS[True]
    star = explorer.ax.get_lines()[0]
    np.testing.assert_allclose(star.get_xydata(), [np.polyfit(0.1 * T_U, T_C, 1)], rtol=1e-6)
    explorer.input.value = False
    explorer.input.value = True
    explorer.input.value = False
    assert (explorer.ax.get_xlim(), explorer.ax.get_ylim()) == plotting.WINDOWS[False]
    star = explorer.ax.get_lines()[0]
    np.testing.assert_allclose(star.get_xydata(), [np.polyfit(T_U, T_C, 1)], rtol=1e-6)
    assert len(explorer.ax.get_lines()) == 4 and len(explorer.ax.texts) == 1


def test_divergence_is_reported_with_its_step_and_drawn_until_the_path_leaves_the_window():
    explorer = OptimizerExplorer(optimizer="SGD", learning_rate=1e-4, scaled=False, n_steps=100)
    explorer.learning_rate.value = 1e-2
    path = optim.descent_path("SGD", 1e-2, 100, False)
    assert len(path) == 11
    cut = first_outside(path, plotting.WINDOWS[False])
    np.testing.assert_allclose(path_line(explorer), path[:cut + 1].numpy())
    assert "Diverged at step 10" in explorer.status.value
    assert "diverged at step 10" in explorer.note.get_text()
    assert len(explorer.artists[2].get_xdata()) == 0
    explorer.learning_rate.value = 1e-4  # back to a stable rate: the note goes, the end circle returns
    assert explorer.note.get_text() == "" and "Diverged" not in explorer.status.value
    assert len(explorer.artists[2].get_xdata()) == 1


def test_the_explorer_starts_with_adam_on_the_raw_readings_and_displays_as_a_widget():
    explorer = OptimizerExplorer(n_steps=10)
    assert (explorer.optimizer.value, explorer.input.value) == ("Adam", False)
    assert explorer.learning_rate.value == pytest.approx(0.1)
    assert list(explorer.optimizer.options) == list(optim.OPTIMIZERS)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Optimizer explorer")
