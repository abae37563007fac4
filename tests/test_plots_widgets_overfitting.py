"""Lesson 06's figures and explorer, headless: the drawn data are the samples of lesson_data(), the
outputs of the model computed here, and runs of run_experiment made here with the same settings; the
best epochs and verdicts are recomputed here with plain loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_lib import overfitting
from course_lib.overfitting import Experiment, lesson_data, make_model, run_experiment
from course_lib.plotting import overfitting as plotting
from course_lib.widgets import base
from course_lib.widgets.overfitting import CapacityExplorer

pytestmark = pytest.mark.filterwarnings("error")  # a warning in a notebook cell lands on stderr


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """The models are tiny: a second thread only adds waiting on a busy machine. Restored afterwards."""
    with overfitting.one_thread():
        yield


@pytest.fixture
def no_images(monkeypatch):
    """The explorer's image left empty, as in a grading kernel: rendering it takes as long as training."""
    monkeypatch.setattr(base, "DRAWN", False)


@pytest.fixture(scope="module")
def data():
    return lesson_data()


def lines(ax) -> dict[str, object]:
    """The lines of ``ax`` by their legend label."""
    return {line.get_label(): line for line in ax.get_lines()}


def first_lowest(values) -> int:
    """Index of the first smallest value, by a plain loop."""
    best = 0
    for i, value in enumerate(values):
        if value < values[best]:
            best = i
    return best


def verdict(train, val) -> str:
    """The lesson's two rules with tolerance 0.1, written out here."""
    if min(train) > 0.9 * train[0]:
        return "underfitting"
    return "overfitting" if val[-1] > 1.1 * min(val) else "fine"


def model_outputs(model: nn.Module, xs: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(xs, dtype=torch.float32).reshape(-1, 1)).numpy()[:, 0]


def assert_samples(line, samples) -> None:
    x, y = samples
    np.testing.assert_array_equal(line.get_xdata(), x.numpy()[:, 0])
    np.testing.assert_array_equal(line.get_ydata(), y.numpy()[:, 0])


def assert_model_curve(ax, model: nn.Module) -> None:
    """The model's line spans [-1.05, 1.05] and is the model's output there."""
    line = next(line for label, line in lines(ax).items() if label.startswith("model"))
    xs = np.asarray(line.get_xdata(), dtype=np.float64)
    assert xs[0] == pytest.approx(-1.05) and xs[-1] == pytest.approx(1.05) and np.all(np.diff(xs) > 0)
    np.testing.assert_allclose(line.get_ydata(), model_outputs(model, xs), rtol=1e-6, atol=1e-6)


# --- the figures -------------------------------------------------------------------------------------


def test_plot_losses_draws_both_curves_from_epoch_1_and_marks_the_first_lowest_validation_loss():
    train = [2.0, 1.0, 0.5, 0.3, 0.2, 0.15, 0.1]
    val = [2.5, 1.2, 0.6, 0.9, 0.6, 0.8, 1.1]  # the lowest, 0.6, comes twice: epochs 3 and 5
    ax = plotting.plot_losses(train, val, title="a run")
    drawn = lines(ax)
    np.testing.assert_array_equal(drawn["training"].get_xdata(), np.arange(1, 8))
    np.testing.assert_array_equal(drawn["training"].get_ydata(), train)
    np.testing.assert_array_equal(drawn["validation"].get_ydata(), val)
    assert drawn["training"].get_linestyle() == "-" and drawn["validation"].get_linestyle() == "--"
    best = first_lowest(val) + 1
    assert best == 3
    dot = drawn[f"lowest validation loss, epoch {best}"]
    np.testing.assert_array_equal(dot.get_xydata(), [[3, 0.6]])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["training", "validation", "lowest validation loss, epoch 3"]
    assert ax.get_yscale() == "log" and ax.get_title() == "a run"


def test_loss_axes_are_labelled_with_plain_numbers():
    ax = plotting.plot_losses([1.0, 0.3, 0.05], [1.2, 0.4, 0.2])
    ax.figure.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True) if t.get_text()]
    assert "0.1" in labels and not any("e" in label for label in labels)


def test_plot_fit_draws_the_samples_the_truth_and_the_model(data):
    train, val = data
    train = (train[0][:10], train[1][:10])
    model = make_model(4, seed=3)
    ax = plotting.plot_fit(model, train, val, title="four hidden units")
    drawn = lines(ax)
    assert_samples(drawn["training samples (10)"], train)
    assert_samples(drawn["validation samples (40)"], val)
    assert drawn["training samples (10)"].get_markerfacecolor() != "none"
    assert drawn["validation samples (40)"].get_markerfacecolor() == "none"
    truth = drawn["truth: cos(πx)"]
    xs = np.asarray(truth.get_xdata(), dtype=np.float64)
    np.testing.assert_allclose(truth.get_ydata(), np.cos(np.pi * xs), atol=1e-6)
    assert truth.get_linestyle() == "--"
    assert "model (13 parameters)" in drawn  # 4 weights and 4 biases in, 4 weights and 1 bias out
    assert_model_curve(ax, model)
    assert ax.get_ylim() == plotting.Y_LIMITS == (-2.2, 2.2)
    assert ax.get_xlim() == pytest.approx((-1.05, 1.05))
    assert ax.get_title() == "four hidden units"


def test_a_wild_curve_is_cut_off_by_the_fixed_limits(data):
    wild = nn.Linear(1, 1)
    with torch.no_grad():
        wild.weight.fill_(50.0)
        wild.bias.fill_(1.0)
    ax = plotting.plot_fit(wild, *data)
    assert_model_curve(ax, wild)
    assert max(abs(y) for y in lines(ax)["model (2 parameters)"].get_ydata()) > 50
    assert ax.get_ylim() == (-2.2, 2.2)


def test_plot_capacity_puts_the_sizes_at_even_positions_and_rings_the_best():
    sizes = [0, 2, 8, 32]
    train_final, val_final = [0.3, 0.2, 0.1, 0.05], [0.35, 0.25, 0.22, 0.4]
    ax = plotting.plot_capacity(sizes, train_final, val_final)
    drawn = lines(ax)
    np.testing.assert_array_equal(drawn["training"].get_xydata(), np.column_stack([range(4), train_final]))
    np.testing.assert_array_equal(drawn["validation"].get_xydata(), np.column_stack([range(4), val_final]))
    best = first_lowest(val_final)
    ring = drawn[f"lowest validation loss: {sizes[best]} hidden units"]
    np.testing.assert_array_equal(ring.get_xydata(), [[best, val_final[best]]])
    np.testing.assert_array_equal(ax.get_xticks(), range(4))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "8", "32"]
    assert ax.get_yscale() == "log" and "straight line" in ax.get_xlabel()


def test_plot_loss_pairs_draws_one_titled_panel_per_run_on_a_shared_y_axis():
    runs = {"too simple": ([1.0, 0.5, 0.4], [1.1, 0.6, 0.5]),
            "no information": ([1.0, 0.99, 0.98], [0.9, 1.0, 1.1]),
            "too flexible": ([1.0, 0.1, 0.01], [1.0, 0.3, 0.6])}
    axes = plotting.plot_loss_pairs(runs)
    assert [ax.get_title() for ax in axes] == list(runs)
    for ax, (train, val) in zip(axes, runs.values(), strict=True):
        drawn = lines(ax)
        np.testing.assert_array_equal(drawn["training"].get_ydata(), train)
        np.testing.assert_array_equal(drawn["validation"].get_ydata(), val)
        assert f"lowest validation loss, epoch {first_lowest(val) + 1}" in drawn
    assert len({ax.get_ylim() for ax in axes}) == 1
    assert axes[0].get_ylabel() and not axes[1].get_ylabel()
    with pytest.raises(ValueError, match="3 runs"):
        plotting.plot_loss_pairs(runs, axes=axes[:2])


# --- the explorer ------------------------------------------------------------------------------------


def assert_shows(explorer: CapacityExplorer, experiment: Experiment, data) -> None:
    """The explorer's panels and status are those of ``experiment``, run here."""
    train, val = data
    run = run_experiment(experiment, train, val)
    n = experiment.n_train
    drawn = lines(explorer.fit_ax)
    assert_samples(drawn[f"training samples ({n})"], (train[0][:n], train[1][:n]))
    assert_samples(drawn["validation samples (40)"], val)
    assert_model_curve(explorer.fit_ax, run.model)
    losses = lines(explorer.ax)
    np.testing.assert_allclose(losses["training"].get_ydata(), run.train_losses, rtol=1e-6)
    np.testing.assert_allclose(losses["validation"].get_ydata(), run.val_losses, rtol=1e-6)
    best = first_lowest(run.val_losses)
    np.testing.assert_allclose(losses[f"lowest validation loss, epoch {best + 1}"].get_xydata(),
                               [[best + 1, run.val_losses[best]]], rtol=1e-6)
    status = explorer.status.value
    assert f"training loss {run.train_losses[-1]:.4f}" in status
    assert f"validation loss {run.val_losses[-1]:.4f}" in status
    assert f"at epoch {best + 1}." in status
    assert f"<b>{verdict(run.train_losses, run.val_losses)}</b>" in status


def test_the_default_explorer_shows_32_hidden_units_overfitting_10_points(data):
    explorer = CapacityExplorer()
    assert explorer.experiment() == Experiment(hidden=32, n_train=10, penalty=0.0, input_noise=0.0)
    assert_shows(explorer, Experiment(hidden=32, n_train=10), data)
    assert "<b>overfitting</b>" in explorer.status.value
    assert explorer.fit_ax.get_title() == "32 hidden units, 10 training points"
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    image = bytes(explorer.image.value)
    explorer.hidden.value = 0
    assert bytes(explorer.image.value).startswith(b"\x89PNG") and bytes(explorer.image.value) != image


def test_each_control_retrains_and_redraws(data, no_images):
    explorer = CapacityExplorer(hidden=0, n_train=10)
    assert_shows(explorer, Experiment(hidden=0, n_train=10), data)
    model_line = lines(explorer.fit_ax)["model (2 parameters)"]
    assert np.allclose(np.diff(model_line.get_ydata(), 2), 0, atol=1e-5)  # a straight line
    explorer.n_train.value = 40
    train = data[0]
    assert_samples(lines(explorer.fit_ax)["training samples (40)"], (train[0][:40], train[1][:40]))
    explorer.hidden.value = 2
    assert "model (7 parameters)" in lines(explorer.fit_ax)  # 2 + 2 in, 2 + 1 out
    explorer.penalty.value = 1e-2
    assert explorer.fit_ax.get_title() == "2 hidden units, 40 training points, λ = 0.01"
    explorer.input_noise.value = 0.1
    assert_shows(explorer, Experiment(hidden=2, n_train=40, penalty=1e-2, input_noise=0.1), data)
    assert "noisy copies" in explorer.status.value
    assert len(explorer.fit_ax.get_lines()) == 4 and len(explorer.ax.get_lines()) == 3  # nothing piles up


def test_the_sliders_offer_the_lesson_settings_and_redraw_on_release(no_images):
    explorer = CapacityExplorer(hidden=1, n_train=5, penalty=0.1, input_noise=0.3)
    assert explorer.experiment() == Experiment(hidden=1, n_train=5, penalty=0.1, input_noise=0.3)
    options = {slider.description: [value for _, value in slider.options] for slider in explorer.controls}
    assert options == {"hidden units": [0, 1, 2, 4, 8, 16, 32, 64],
                       "L2 penalty λ": [0.0, 1e-4, 1e-3, 1e-2, 1e-1],
                       "input noise σ": [0.0, 0.05, 0.1, 0.2, 0.3],
                       "training points": [5, 10, 20, 40, 80, 160]}
    assert not any(slider.continuous_update for slider in explorer.controls)
    assert math.isfinite(explorer.trained.val_losses[-1])
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Capacity explorer")
