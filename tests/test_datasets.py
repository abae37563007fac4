"""The seeded two-class data sets of lesson 04."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.datasets import two_blobs, two_moons

GENERATORS = [two_moons, two_blobs]


@pytest.mark.parametrize("generate", GENERATORS)
@pytest.mark.parametrize("n", [2, 7, 100])
def test_shapes_dtypes_and_balanced_labels(generate, n):
    X, y = generate(n, seed=1)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype.kind == "i"
    assert set(np.unique(y)) == {-1, 1}
    assert abs(int(np.sum(y == 1)) - int(np.sum(y == -1))) <= 1


@pytest.mark.parametrize("generate", GENERATORS)
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(generate):
    X1, y1 = generate(50, seed=3)
    X2, y2 = generate(50, seed=3)
    X3, _ = generate(50, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("generate", GENERATORS)
def test_the_samples_come_shuffled(generate):
    _, y = generate(100, seed=0)
    assert 0 < np.sum(y[:50] == -1) < 50


@pytest.mark.parametrize("generate", GENERATORS)
def test_fewer_than_two_samples_is_refused(generate):
    with pytest.raises(ValueError, match="at least 2"):
        generate(1)


def test_without_noise_the_moons_are_two_half_circles_of_radius_one():
    X, y = two_moons(60, noise=0.0, seed=0)
    outer, inner = X[y == -1], X[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0)
    assert np.all(outer[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0)
    assert np.all(inner[:, 1] <= 0.5 + 1e-12)


def test_the_moons_are_not_linearly_separable():
    """The best least-squares line through the labels still misclassifies some points."""
    X, y = two_moons(200, noise=0.0, seed=0)
    features = np.column_stack([X, np.ones(len(X))])
    weights, *_ = np.linalg.lstsq(features, y, rcond=None)
    assert np.mean(np.sign(features @ weights) == y) < 1.0


def test_the_blobs_sit_around_their_centres():
    X, y = two_blobs(2000, distance=3.0, spread=0.5, seed=0)
    centre = np.full(2, 1.5 / np.sqrt(2))
    np.testing.assert_allclose(X[y == -1].mean(axis=0), -centre, atol=0.05)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), centre, atol=0.05)
    np.testing.assert_allclose(X[y == 1].std(axis=0), 0.5, atol=0.03)
    assert np.linalg.norm(X[y == 1].mean(axis=0) - X[y == -1].mean(axis=0)) == pytest.approx(3.0, abs=0.1)
