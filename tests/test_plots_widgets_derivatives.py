"""Lesson 02's figures and explorer, headless: the drawn data are the right numbers, derived here
independently (Taylor series of exp, a parabola's secants, the data by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_lib import derivatives
from course_lib.data import temperature
from course_lib.plotting import derivatives as plots
from course_lib.widgets.derivatives import DeltaExplorer

E = math.e


def line(ax, prefix: str):
    """The one line of ``ax`` whose legend label starts with ``prefix``."""
    matches = [artist for artist in ax.get_lines() if artist.get_label().startswith(prefix)]
    assert len(matches) == 1, [artist.get_label() for artist in ax.get_lines()]
    return matches[0]


def slope(artist) -> float:
    x, y = np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)
    return (y[-1] - y[0]) / (x[-1] - x[0])


def fitted_slope(deltas: np.ndarray, errors: np.ndarray) -> float:
    """The slope of the straight line through the points on log–log axes (least squares)."""
    return float(np.polyfit(np.log10(deltas), np.log10(errors), 1)[0])


# --- the explorer -------------------------------------------------------------------------------------


def test_moving_the_delta_slider_redraws_both_secants_and_the_error_marker():
    explorer = DeltaExplorer(delta=1e-2)
    image_before = explorer.image.value
    explorer.delta.value = 1e-1
    delta = 1e-1
    # Exact for exp at 1: the central secant has slope e·sinh(δ)/δ, the forward one e·(e^δ − 1)/δ.
    central, forward = E * math.sinh(delta) / delta, E * math.expm1(delta) / delta
    # The tangent is subtracted by default, so each drawn secant's slope is its estimate's error.
    assert slope(line(explorer.ax_zoom, "central secant")) == pytest.approx(central - E, rel=1e-6)
    assert slope(line(explorer.ax_zoom, "forward secant")) == pytest.approx(forward - E, rel=1e-6)
    assert slope(line(explorer.ax_zoom, "tangent")) == 0.0
    np.testing.assert_allclose(explorer.marker.get_xdata(), [delta, delta])
    np.testing.assert_allclose(explorer.marker.get_ydata(), [forward - E, central - E], rtol=1e-6)
    assert explorer.image.value != image_before
    assert "δ = 1.0e-01 in float64" in explorer.status.value


def test_the_zoom_follows_delta_and_shows_the_bend_of_exp():
    explorer = DeltaExplorer(delta=1e-3)
    curve = line(explorer.ax_zoom, "exp, in float64")
    s, shown = np.asarray(curve.get_xdata()), np.asarray(curve.get_ydata())
    assert s.min() == pytest.approx(-2e-3) and s.max() == pytest.approx(2e-3)
    # e^(1+s) − e − e·s = e·(s²/2 + s³/6 + …)
    np.testing.assert_allclose(shown, E * (np.expm1(s) - s), rtol=1e-6, atol=1e-15)


def test_float32_at_a_tiny_step_collapses_onto_x0_and_estimates_zero():
    explorer = DeltaExplorer(delta=1e-3)
    explorer.dtype.value = "float32"
    explorer.delta.value = 1e-9  # far below the float32 spacing at 1 (1.2e-7): 1 ± δ rounds to 1
    curve = line(explorer.ax_zoom, "exp, in float32")
    assert set(np.asarray(curve.get_xdata()).tolist()) == {0.0}
    assert set(np.asarray(curve.get_ydata()).tolist()) == {0.0}
    np.testing.assert_allclose(explorer.marker.get_ydata(), [E, E], rtol=1e-12)
    assert "float32" in explorer.status.value and "central 0 " in explorer.status.value
    assert explorer.ax_errors.get_title().startswith("float32")


def test_unticking_subtract_the_tangent_shows_the_raw_secants():
    explorer = DeltaExplorer(delta=1e-1)
    explorer.subtract_tangent.value = False
    assert slope(line(explorer.ax_zoom, "tangent")) == pytest.approx(E, rel=1e-12)
    assert slope(line(explorer.ax_zoom, "central secant")) == pytest.approx(E * math.sinh(0.1) / 0.1,
                                                                             rel=1e-9)
    assert explorer.ax_zoom.get_ylabel() == "f(x₀ + s) − f(x₀)"


def test_the_explorer_displays_as_a_widget_with_a_short_text_form():
    bundle = DeltaExplorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Step-size explorer")


# --- error against step size ----------------------------------------------------------------------


def test_error_plot_has_truncation_slopes_one_and_two_on_the_right():
    ax = plots.plot_difference_errors(np.exp, np.exp, 1.0, dtype=np.float64)
    forward, central = line(ax, "forward"), line(ax, "central")
    deltas = np.asarray(forward.get_xdata())
    right = (deltas >= 1e-4) & (deltas <= 1e-1)
    assert fitted_slope(deltas[right], np.asarray(forward.get_ydata())[right]) == pytest.approx(1.0, abs=0.03)
    assert fitted_slope(deltas[right], np.asarray(central.get_ydata())[right]) == pytest.approx(2.0, abs=0.03)
    # and the leading Taylor terms: e·δ/2 and e·δ²/6
    i = int(np.argmin(np.abs(deltas - 1e-3)))
    assert forward.get_ydata()[i] == pytest.approx(E * deltas[i] / 2, rel=1e-2)
    assert central.get_ydata()[i] == pytest.approx(E * deltas[i] ** 2 / 6, rel=1e-2)
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_error_plot_shows_round_off_on_the_left_a_v_and_the_guide():
    ax = plots.plot_difference_errors(np.exp, np.exp, 1.0, dtype=np.float64)
    central = line(ax, "central")
    deltas, errors = np.asarray(central.get_xdata()), np.asarray(central.get_ydata())
    best = deltas[np.nanargmin(errors)]
    assert 1e-7 <= best <= 1e-4  # the bottom of the V, near the cube root of eps (6e-6)
    left = deltas <= 1e-11
    assert np.nanmin(errors[left]) > 100 * np.nanmin(errors)  # tiny steps are far worse
    assert fitted_slope(deltas[left], errors[left]) == pytest.approx(-1.0, abs=0.5)  # noisy, ∝ 1/δ
    guide = line(ax, "round-off")
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(guide.get_ydata(), eps * E / np.asarray(guide.get_xdata()), rtol=1e-12)


def test_float32_errors_plateau_at_the_whole_derivative_and_bottom_out_near_1e_2():
    ax = plots.plot_difference_errors(np.exp, np.exp, 1.0, dtype=np.float32)
    central = line(ax, "central")
    deltas, errors = np.asarray(central.get_xdata()), np.asarray(central.get_ydata())
    exact = E  # evaluated at float32(1.0) = 1.0 exactly
    np.testing.assert_allclose(errors[deltas < 1e-8], exact, rtol=1e-12)
    assert 1e-3 <= deltas[np.nanargmin(errors)] <= 3e-2
    assert ax.get_title().startswith("float32 (ε = 1.2e-07)")


def test_exact_zero_errors_are_hidden_not_plotted_at_minus_infinity():
    square = lambda x: x * x  # noqa: E731 - the central difference of x² is exact in float64 here
    ax = plots.plot_difference_errors(square, lambda x: 2 * x, 0.5, deltas=[0.5, 0.25], roundoff=False)
    assert np.isnan(line(ax, "central").get_ydata()).all()
    np.testing.assert_allclose(line(ax, "forward").get_ydata(), [0.5, 0.25])  # forward error is δ


# --- secants -------------------------------------------------------------------------------------------


def test_secants_of_a_parabola():
    # f(x) = x² at 3: forward secant slope 6 + δ, central exactly 6, points at ±δ rise by ±6δ + δ².
    ax = plots.plot_secants(lambda x: x * x, 3.0, 0.5, slope=6.0)
    assert slope(line(ax, "forward secant")) == pytest.approx(6.5)
    assert slope(line(ax, "central secant")) == pytest.approx(6.0)
    assert slope(line(ax, "tangent")) == pytest.approx(6.0)
    points = line(ax, "x₀ − δ")
    np.testing.assert_allclose(points.get_xdata(), [-0.5, 0.0, 0.5])
    np.testing.assert_allclose(points.get_ydata(), [-2.75, 0.0, 3.25])


def test_secants_with_the_tangent_subtracted_leave_the_bend():
    ax = plots.plot_secants(lambda x: x * x, 3.0, 0.5, slope=6.0, subtract_tangent=True, name="x²")
    curve = line(ax, "x², in float64")
    s = np.asarray(curve.get_xdata())
    np.testing.assert_allclose(curve.get_ydata(), s**2, atol=1e-12)  # (3 + s)² − 9 − 6s = s²
    assert slope(line(ax, "central secant")) == pytest.approx(0.0, abs=1e-12)
    assert slope(line(ax, "forward secant")) == pytest.approx(0.5)


def test_secants_are_computed_in_the_requested_type():
    view = plots.secants(np.exp, 1.0, 1e-6, dtype=np.float32)
    spacing = float(np.spacing(np.float32(1.0)))
    # offsets are multiples of the float32 spacing near 1 (2**-23 above 1, 2**-24 below)
    assert np.allclose(np.round(view.offsets / (spacing / 2)), view.offsets / (spacing / 2))
    assert view.central == pytest.approx(float(derivatives.central_difference(np.exp, np.float32(1.0),
                                                                             np.float32(1e-6))))
    assert abs(view.central - E) > 1e-3  # round-off, not 1e-12 truncation


# --- data, fit and loss ------------------------------------------------------------------------------


def test_temperature_plot_shows_the_eleven_readings():
    t_c, t_u = temperature()
    ax = plots.plot_temperature(t_u, t_c)
    dots = line(ax, "measurements")
    np.testing.assert_allclose(dots.get_xdata(), [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4,
                                                  60.4, 68.4], rtol=1e-6)
    np.testing.assert_allclose(dots.get_ydata(), [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0,
                                                  21.0], rtol=1e-6)


def test_model_fit_draws_the_line_and_one_miss_per_reading():
    t_u, t_c = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([3.0, 4.0, 9.0])
    ax = plots.plot_model_fit(t_u, t_c, 2.0, -1.0)
    model_line = line(ax, "model")
    assert model_line.get_label() == "model: t_p = 2·t_u − 1"
    x, y = np.asarray(model_line.get_xdata()), np.asarray(model_line.get_ydata())
    np.testing.assert_allclose(y, 2.0 * x - 1.0)
    (misses,) = ax.collections
    segments = sorted(tuple(map(tuple, segment)) for segment in misses.get_segments())
    # predictions 1, 3, 7 against 3, 4, 9: each segment joins a reading to its prediction
    assert segments == [((1.0, 3.0), (1.0, 1.0)), ((2.0, 4.0), (2.0, 3.0)), ((4.0, 9.0), (4.0, 7.0))]


def test_loss_curve_plots_each_epoch_on_a_log_scale():
    losses = [80.0, 30.0, 10.0, 3.0]
    ax = plots.plot_loss_curve(losses)
    (curve,) = ax.get_lines()
    np.testing.assert_allclose(curve.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_allclose(curve.get_ydata(), losses)
    assert ax.get_yscale() == "log"
    assert plots.plot_loss_curve(losses, log=False).get_yscale() == "linear"
