"""Widgets and figures, headless: set a slider, read the redrawn data."""

from __future__ import annotations

import io

import numpy as np
import pytest

from course_lib import learning
from course_lib.plotting import learning as plotting
from course_lib.widgets.learning import LearningRateExplorer


def test_moving_the_alpha_slider_redraws_the_error_curve():
    explorer = LearningRateExplorer(input=2.0, alpha=0.1, n_iterations=10)
    before = explorer.line.get_ydata().copy()
    image_before = explorer.image.value
    explorer.alpha.value = 1.0
    after = explorer.line.get_ydata()
    np.testing.assert_allclose(after, learning.train(2.0, 0.5, 0.8, 1.0, 10))
    assert not np.allclose(before, after)
    assert explorer.image.value != image_before
    assert "grows" in explorer.status.value


def test_moving_the_input_slider_redraws_and_updates_the_verdict():
    explorer = LearningRateExplorer(input=2.0, alpha=0.4, n_iterations=5)
    assert "shrinks" in explorer.status.value
    explorer.input.value = 3.0  # 0.4 > 2 / 9: now unstable
    np.testing.assert_allclose(explorer.line.get_ydata(), learning.train(3.0, 0.5, 0.8, 0.4, 5))
    assert "grows" in explorer.status.value
    assert "0.222" in explorer.status.value


def test_the_explorer_displays_as_a_widget_with_a_short_text_form():
    bundle = LearningRateExplorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Learning-rate explorer")


def test_error_curves_plot_one_line_per_run():
    ax = plotting.plot_training_errors(2.0, 0.5, 0.8, alphas=[0.1, 0.3], n_iterations=7)
    lines = ax.get_lines()
    assert [len(line.get_ydata()) for line in lines] == [7, 7]
    np.testing.assert_allclose(lines[1].get_ydata(), learning.train(2.0, 0.5, 0.8, 0.3, 7))
    assert ax.get_yscale() == "log"


def test_error_landscape_marks_the_visited_weights_and_the_best_one():
    ax = plotting.plot_error_landscape(0.5, 0.8, [0.5, 0.775, 0.98])
    curve, visited, best = ax.get_lines()
    np.testing.assert_allclose(visited.get_xdata(), [0.5, 0.775, 0.98])
    np.testing.assert_allclose(visited.get_ydata(), [(0.5 * w - 0.8) ** 2 for w in [0.5, 0.775, 0.98]])
    assert best.get_xdata()[0] == pytest.approx(1.6)
    assert min(curve.get_ydata()) == pytest.approx(0.0, abs=1e-4)


def test_an_exact_hit_is_left_out_of_the_log_plot_without_a_warning(recwarn):
    explorer = LearningRateExplorer(input=2.0, alpha=0.25, n_iterations=4)  # one step reaches the goal
    explorer.redraw()
    assert np.isnan(explorer.line.get_ydata()[1:]).all()
    assert not [w for w in recwarn if "log" in str(w.message).lower()]


# --- the zig-zag is in the weight: the weight panel, the regimes, the exact borders ----------------


def test_the_explorer_draws_the_weight_of_every_iteration_next_to_the_error():
    explorer = LearningRateExplorer(input=2.0, alpha=0.4, n_iterations=8)
    expected = plotting.weight_history(2.0, 0.5, 0.8, 0.4, 8)
    np.testing.assert_allclose(explorer.weight_line.get_ydata(), expected)
    assert expected[1] < 0.4 < expected[2]  # alpha = 0.4 zig-zags across the best weight
    assert explorer.best_line.get_ydata()[0] == pytest.approx(0.4)
    assert "zig-zags in" in explorer.status.value


@pytest.mark.parametrize(("alpha", "verdict", "weight_does"), [
    (0.25, "shrinks", "lands in one step"),
    (0.5, "stays put", "bounces for ever"),
])
def test_the_alpha_slider_stops_exactly_on_the_borders(alpha, verdict, weight_does):
    explorer = LearningRateExplorer(input=2.0, alpha=0.1, n_iterations=6)
    explorer.alpha.value = alpha
    assert explorer.alpha.value == alpha
    assert verdict in explorer.status.value and weight_does in explorer.status.value
    if alpha == 0.5:
        np.testing.assert_allclose(explorer.weight_line.get_ydata(), [0.5, 0.3] * 3)
    else:
        assert "exactly 0 from iteration 1" in explorer.note.get_text()


def test_the_explorer_ticks_whole_iterations_and_keeps_its_axis_when_a_line_stops():
    explorer = LearningRateExplorer(input=2.0, alpha=0.25, n_iterations=20)
    for ax in (explorer.weight_ax, explorer.ax):
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)
        assert ax.get_xlim() == (-0.5, 19.5)


@pytest.mark.parametrize(("alpha", "expected"), [
    (0.1, "creeps in from one side"), (0.25, "lands in one step"), (0.4, "zig-zags in"),
    (0.5, "bounces for ever"), (0.6, "zig-zags out: explodes"), (0.0, "never gets closer"),
])
def test_the_regime_follows_from_the_factor_on_the_miss(alpha, expected):
    assert plotting.regime(2.0, alpha) == expected


def test_the_regimes_figure_shows_the_weight_left_and_the_error_right():
    alphas = [0.05, 0.25, 0.4, 0.5, 0.52]
    left, right = plotting.plot_learning_rate_regimes(2.0, 0.5, 0.8, alphas, n_iterations=12)
    weight_lines = left.get_lines()[:len(alphas)]
    for line, alpha in zip(weight_lines, alphas, strict=True):
        np.testing.assert_allclose(line.get_ydata(), plotting.weight_history(2.0, 0.5, 0.8, alpha, 12))
        assert line.get_label().startswith(f"alpha = {alpha:g}: {plotting.regime(2.0, alpha)}")
    error_lines = right.get_lines()[:len(alphas)]
    np.testing.assert_allclose(error_lines[2].get_ydata(), learning.train(2.0, 0.5, 0.8, 0.4, 12))
    assert right.get_yscale() == "log" and left.get_yscale() == "linear"
    notes = [t.get_text() for t in right.texts]
    assert any(n.startswith("alpha = 0.25: error exactly 0") for n in notes)  # the run that leaves the plot
    assert left.figure.legends and right.get_legend() is None
    left.figure.savefig(io.BytesIO(), format="png")


def test_the_error_landscape_on_a_log_scale_numbers_the_steps():
    weights = [0.5, 0.1, 1.3, -2.3, 8.5]  # input 2, alpha 1: the miss is multiplied by -3 each step
    ax = plotting.plot_error_landscape(2.0, 0.8, weights, log=True, number_steps=True)
    curve, visited, _ = ax.get_lines()
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(visited.get_ydata(), [(2 * w - 0.8) ** 2 for w in weights])
    assert min(curve.get_ydata()) > 0  # cut off below the smallest error, not down to 0
    assert [t.get_text() for t in ax.texts] == ["start", "step 1", "step 2", "step 3", "step 4"]
