"""The temperature data of *Deep Learning with PyTorch* (ch. 4/5), from course_lib.data.temperature."""

import torch

from course_lib.data import temperature

# Transcribed from the book's listing, independently of course_lib/data.py.
BOOK_T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
BOOK_T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def test_returns_celsius_first_then_unknown_units_as_float32():
    t_c, t_u = temperature()
    for tensor in (t_c, t_u):
        assert isinstance(tensor, torch.Tensor)
        assert tensor.dtype == torch.float32
        assert tensor.shape == (11,)
        assert not tensor.requires_grad


def test_values_are_the_books():
    t_c, t_u = temperature()
    assert t_c.tolist() == torch.tensor(BOOK_T_C).tolist()
    assert t_u.tolist() == torch.tensor(BOOK_T_U).tolist()


def test_every_call_returns_new_tensors():
    t_c, t_u = temperature()
    t_c.zero_()
    t_u.mul_(0.1)
    fresh_c, fresh_u = temperature()
    assert fresh_c.tolist() == torch.tensor(BOOK_T_C).tolist()
    assert fresh_u.tolist() == torch.tensor(BOOK_T_U).tolist()
    assert fresh_c.data_ptr() != t_c.data_ptr()


def test_the_relation_is_close_to_linear_and_increasing():
    # Pearson correlation in plain Python floats: the lessons fit a straight line to these points.
    n = len(BOOK_T_C)
    mean_c, mean_u = sum(BOOK_T_C) / n, sum(BOOK_T_U) / n
    cov = sum((c - mean_c) * (u - mean_u) for c, u in zip(BOOK_T_C, BOOK_T_U, strict=True))
    var_c = sum((c - mean_c) ** 2 for c in BOOK_T_C)
    var_u = sum((u - mean_u) ** 2 for u in BOOK_T_U)
    assert cov / (var_c * var_u) ** 0.5 > 0.97  # 0.981: a line explains most of it, with noise
