"""Widgets and figures, headless: set a slider, read the redrawn data."""

from __future__ import annotations

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
