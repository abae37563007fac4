"""Lesson 03's figures and explorer, headless: the drawn data are the training runs, computed apart."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib import linear
from course_lib.data import temperature
from course_lib.plotting import linear as plotting
from course_lib.widgets.linear import TrainingExplorer

pytestmark = pytest.mark.filterwarnings("error")  # a warning in a notebook cell lands on stderr


def start() -> torch.Tensor:
    return torch.tensor([1.0, 0.0])


def reference_run(n_epochs: int, learning_rate: float, t_u: torch.Tensor,
                  t_c: torch.Tensor) -> tuple[torch.Tensor, list[float]]:
    losses: list[float] = []
    params = linear.training_loop(n_epochs, learning_rate, start(), t_u, t_c, print_every=0, history=losses)
    return params, losses


# --- descent_path, least_squares, loss_grid ------------------------------------------------------------


def test_descent_path_follows_the_training_loop_step_for_step():
    t_c, t_u = temperature()
    path, losses = plotting.descent_path(300, 1e-2, start(), 0.1 * t_u, t_c)
    params, expected_losses = reference_run(300, 1e-2, 0.1 * t_u, t_c)
    assert path.shape == (301, 2) and len(losses) == 300
    assert losses == expected_losses
    np.testing.assert_array_equal(path[0], [1.0, 0.0])
    np.testing.assert_array_equal(path[-1], params.numpy())
    # every point is one gradient step from the one before
    w, b = torch.tensor(path[5], dtype=torch.float32)
    step = torch.tensor(path[5], dtype=torch.float32) - 1e-2 * linear.grad_fn(
        0.1 * t_u, t_c, linear.model(0.1 * t_u, w, b), w, b)
    np.testing.assert_allclose(path[6], step.numpy(), rtol=1e-6)


def test_descent_path_stops_where_the_loop_stops_when_it_diverges():
    t_c, t_u = temperature()
    path, losses = plotting.descent_path(100, 1e-2, start(), t_u, t_c)
    params, expected_losses = reference_run(100, 1e-2, t_u, t_c)
    assert len(path) == len(losses) == 11
    assert math.isinf(losses[-1]) and losses[:-1] == expected_losses[:-1]
    np.testing.assert_array_equal(path[-1], params.numpy())


def test_least_squares_is_the_bottom_of_the_loss():
    t_c, t_u = temperature()
    w, b = plotting.least_squares(t_u, t_c)
    slope, intercept = np.polyfit(t_u.double().numpy(), t_c.double().numpy(), 1)
    assert (w, b) == pytest.approx((slope, intercept), rel=1e-10)
    assert plotting.least_squares(0.1 * t_u.double(), t_c) == pytest.approx((10 * w, b), rel=1e-9)


def test_loss_grid_is_the_mean_squared_error_with_b_along_the_rows():
    t_c, t_u = temperature()
    ws, bs = np.array([0.5, 1.0, 2.0]), np.array([-3.0, 0.0])
    grid = plotting.loss_grid(t_u, t_c, ws, bs)
    assert grid.shape == (2, 3)
    t_u64, t_c64 = t_u.double(), t_c.double()
    for j, b in enumerate(bs):
        for i, w in enumerate(ws):
            assert grid[j, i] == pytest.approx(float(linear.loss_fn(linear.model(t_u64, w, b), t_c64)))


# --- the figures ---------------------------------------------------------------------------------------


def test_plot_fit_draws_the_data_and_each_line_in_the_original_units():
    t_c, t_u = temperature()
    ax = plotting.plot_fit(t_u, t_c, {"rescaled": (torch.tensor([5.0, -17.0]), 0.1),
                                      "raw": (torch.tensor([0.25, -1.0]), 1.0)})
    data, rescaled, raw = ax.get_lines()
    np.testing.assert_allclose(data.get_xdata(), t_u.numpy())
    np.testing.assert_allclose(data.get_ydata(), t_c.numpy())
    x = rescaled.get_xdata()
    np.testing.assert_allclose(rescaled.get_ydata(), 5.0 * 0.1 * x - 17.0)
    np.testing.assert_allclose(raw.get_ydata(), 0.25 * raw.get_xdata() - 1.0)
    assert x.min() < t_u.min() and x.max() > t_u.max()


def test_plot_loss_curves_draws_the_finite_losses_and_marks_where_a_run_diverged():
    t_c, t_u = temperature()
    _, exploded = reference_run(100, 1e-2, t_u, t_c)
    _, slow = reference_run(50, 1e-4, t_u, t_c)
    ax = plotting.plot_loss_curves({"exploded": exploded, "slow": slow}, best=2.93)
    exploded_line, cross, slow_line, best = ax.get_lines()
    np.testing.assert_array_equal(exploded_line.get_xdata(), np.arange(1, 11))
    np.testing.assert_allclose(exploded_line.get_ydata(), exploded[:10])
    np.testing.assert_allclose(cross.get_xydata(), [[10, exploded[9]]])
    np.testing.assert_allclose(slow_line.get_ydata(), slow)
    assert best.get_ydata()[0] == 2.93
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[0] == "exploded (not finite at epoch 11)" and labels[1] == "slow"
    assert ax.get_yscale() == "log"


def test_plot_loss_landscape_draws_the_contours_the_minimum_and_the_path():
    t_c, t_u = temperature()
    path, _ = plotting.descent_path(50, 1e-4, start(), t_u, t_c)
    ax = plotting.plot_loss_landscape(t_u, t_c, (-0.1, 1.2), (-25.0, 5.0), path=path, resolution=60)
    star, line, first, last = ax.get_lines()
    np.testing.assert_allclose(star.get_xydata(), [plotting.least_squares(t_u, t_c)])
    np.testing.assert_allclose(line.get_xydata(), path)
    np.testing.assert_allclose(first.get_xydata(), path[:1])
    np.testing.assert_allclose(last.get_xydata(), path[-1:])
    filled, lines = ax.collections[:2]
    levels = lines.levels
    assert np.all(np.diff(np.log(levels)) == pytest.approx(np.log(levels[1] / levels[0])))  # log-spaced
    grid = plotting.loss_grid(t_u, t_c, np.linspace(-0.1, 1.2, 60), np.linspace(-25.0, 5.0, 60))
    assert levels[-1] == pytest.approx(grid.max()) and levels[0] > grid.min()
    assert ax.get_xlim() == (-0.1, 1.2) and ax.get_ylim() == (-25.0, 5.0)


def test_plot_loss_landscape_without_a_path():
    t_c, t_u = temperature()
    ax = plotting.plot_loss_landscape(0.1 * t_u, t_c, (0.0, 10.0), (-20.0, 0.0), resolution=30)
    assert len(ax.get_lines()) == 1  # the minimum only


# --- the explorer --------------------------------------------------------------------------------------


def test_moving_the_learning_rate_slider_redraws_the_loss_curve():
    t_c, t_u = temperature()
    explorer = TrainingExplorer(learning_rate=1e-2, input="t_un = 0.1 · t_u", n_epochs=200)
    _, expected = reference_run(200, 1e-2, 0.1 * t_u, t_c)
    np.testing.assert_allclose(explorer.line.get_ydata(), expected)
    image_before = explorer.image.value
    explorer.learning_rate.value = 3e-2
    _, expected = reference_run(200, 3e-2, 0.1 * t_u, t_c)
    np.testing.assert_array_equal(explorer.line.get_xdata(), np.arange(1, 201))
    np.testing.assert_allclose(explorer.line.get_ydata(), expected)
    assert explorer.image.value != image_before
    assert "Epoch 200: loss" in explorer.status.value and "Diverged" not in explorer.status.value


def test_switching_the_input_redraws_with_the_raw_readings():
    t_c, t_u = temperature()
    explorer = TrainingExplorer(learning_rate=1e-4, input="t_un = 0.1 · t_u", n_epochs=100)
    explorer.input.value = "raw t_u"
    params, expected = reference_run(100, 1e-4, t_u, t_c)
    np.testing.assert_allclose(explorer.line.get_ydata(), expected)
    assert f"w = {float(params[0]):.4g}" in explorer.status.value
    best_w, best_b = plotting.least_squares(t_u, t_c)
    best = plotting.loss_grid(t_u, t_c, np.array([best_w]), np.array([best_b]))[0, 0]
    assert explorer.best_line.get_ydata()[0] == pytest.approx(best)


def test_divergence_stops_the_curve_at_the_last_finite_loss_and_says_so():
    t_c, t_u = temperature()
    explorer = TrainingExplorer(learning_rate=1e-3, input="raw t_u", n_epochs=300)
    explorer.learning_rate.value = 1e-2
    _, expected = reference_run(300, 1e-2, t_u, t_c)
    assert len(expected) == 11 and math.isinf(expected[-1])
    np.testing.assert_allclose(explorer.line.get_ydata(), expected[:10])
    np.testing.assert_allclose(np.column_stack(explorer.cross.get_data()), [[10, expected[9]]])
    assert "Diverged" in explorer.status.value and "epoch 11" in explorer.status.value
    assert "epoch 11" in explorer.note.get_text()
    explorer.learning_rate.value = 1e-4  # back to a stable rate: the mark and the note go away
    assert len(explorer.cross.get_xdata()) == 0 and explorer.note.get_text() == ""


def test_the_explorer_displays_as_a_widget_with_a_short_text_form():
    bundle = TrainingExplorer(n_epochs=10)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Training explorer")


# --- drawn to scale, and the explorer's labels -----------------------------------------------------------


def test_a_square_window_is_centred_on_the_points_and_equally_wide_in_w_and_b():
    w_range, b_range = plotting.square_window([[1.0, 0.0], [0.5, -17.0]], half_width=14.0)
    assert w_range == pytest.approx((0.75 - 14, 0.75 + 14))
    assert b_range == pytest.approx((-8.5 - 14, -8.5 + 14))


def test_the_landscape_in_equal_units_draws_one_unit_of_w_as_long_as_one_of_b():
    t_c, t_u = temperature()
    w_range, b_range = plotting.square_window([[1.0, 0.0], plotting.least_squares(t_u, t_c)], 14.0)
    ax = plotting.plot_loss_landscape(t_u, t_c, w_range, b_range, resolution=40, equal_units=True,
                                      legend_loc="lower right")
    ax.figure.draw_without_rendering()
    (x0, y0), (x1, y1) = ax.transData.transform([[w_range[0], b_range[0]], [w_range[1], b_range[1]]])
    assert x1 - x0 == pytest.approx(y1 - y0, rel=1e-6)
    assert ax.get_aspect() == 1.0
    assert ax.get_legend()._loc == 4  # "lower right"


def test_the_lowest_possible_loss_is_labelled_under_its_line():
    explorer = TrainingExplorer(learning_rate=1e-2, input="t_un = 0.1 · t_u", n_epochs=50)
    best = explorer.best_line.get_ydata()[0]
    assert explorer.best_label.get_text() == f"lowest possible: {best:.4g}"
    assert explorer.best_label.get_position()[1] == best and explorer.best_label.get_va() == "top"
    assert explorer.ax.get_ylim()[0] < best / 1.5  # room for the label below the line


def test_the_divergence_note_sits_away_from_the_cross():
    explorer = TrainingExplorer(learning_rate=1e-2, input="raw t_u", n_epochs=50)
    explorer.figure.draw_without_rendering()
    cross = explorer.ax.transData.transform(np.column_stack(explorer.cross.get_data()))[0]
    note = explorer.note.get_window_extent()
    assert "epoch 11" in explorer.note.get_text()
    assert not note.padded(10).contains(*cross)
    assert explorer.note.get_position()[0] < 0.5  # the upper left; a diverging curve ends upper right


def test_the_standardised_input_converges_in_a_few_dozen_epochs():
    t_c, t_u = temperature()
    explorer = TrainingExplorer(learning_rate=0.1, input="standardised", n_epochs=100)
    t_us = (t_u - t_u.mean()) / t_u.std()
    _, expected = reference_run(100, 0.1, t_us, t_c)
    np.testing.assert_allclose(explorer.line.get_ydata(), expected)
    assert expected[-1] == pytest.approx(explorer.best_line.get_ydata()[0], rel=1e-5)


def test_the_explorer_ticks_whole_epochs_even_for_a_short_run():
    explorer = TrainingExplorer(learning_rate=1e-2, input="raw t_u", n_epochs=50)  # diverges at epoch 11
    explorer.figure.draw_without_rendering()
    low, high = explorer.ax.get_xlim()
    ticks = [t for t in explorer.ax.get_xticks() if low <= t <= high]
    assert ticks and all(float(t).is_integer() for t in ticks)
