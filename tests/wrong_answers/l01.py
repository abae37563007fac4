"""Lesson 01: typical wrong answers and accepted alternatives, as edits of the solution."""

from . import Alternative, Wrong

LESSON = "01_predict_compare_learn"

_RECORD_THEN_STEP = (
    "        error = squared_error(predict(input, weight), goal_pred)\n"
    "        history.append(error)\n"
    "        weight = gradient_step(input, weight, goal_pred, alpha)\n"
)
_STEP_THEN_RECORD = (
    "        weight = gradient_step(input, weight, goal_pred, alpha)\n"
    "        error = squared_error(predict(input, weight), goal_pred)\n"
    "        history.append(error)\n"
)

WRONG_ANSWERS = [
    Wrong("predict", "return input * weight", "return input + weight", "you added them"),
    Wrong("predict", "return input * weight", "return weight", "ignores the input"),
    Wrong("predict", "return input * weight", "return input * 0.5", None),  # not "divided by the weight"
    Wrong("predict", "return input * weight", "return input ** weight", None),
    Wrong("squared_error", "return (pred - goal_pred) ** 2", "return pred - goal_pred", "raw difference"),
    Wrong(
        "squared_error", "return (pred - goal_pred) ** 2", "return abs(pred - goal_pred)", "absolute error"
    ),
    Wrong("squared_error", "return (pred - goal_pred) ** 2", "return (pred - goal_pred) * 2", None),
    Wrong("gradient_step", "return weight - alpha", "return weight + alpha", "wrong sign"),
    Wrong("gradient_step", "(pred - goal_pred) * input", "(pred - goal_pred)", "by the input"),
    Wrong("gradient_step", "(pred - goal_pred) * input", "(pred - goal_pred) * input * input", None),
    Wrong(
        "gradient_step",
        "return weight - alpha * direction_and_amount",
        "return alpha * direction_and_amount - weight",
        None,
    ),
    Wrong("train", _RECORD_THEN_STEP, _STEP_THEN_RECORD, "*after* each update"),
    Wrong("train", "        weight = gradient_step(", "        gradient_step(", "never changes"),
    Wrong("train", "        history.append(error)", "        history = [error]", None),
    Wrong(
        "train", "        history.append(error)", "        history = []\n        history.append(error)", None
    ),
    Wrong("train", "range(n_iterations)", "range(n_iterations - 1)", None),
    Wrong("train", "    return history", "    return error", None),
    Wrong("critical_alpha", "return 2 / input**2", "return 1 / input**2", "in *one* step"),
    Wrong("critical_alpha", "return 2 / input**2", "return 2 / input", "not 1 / input"),
    Wrong("critical_alpha", "return 2 / input**2", "return 0.5 / input**2", None),  # no "1/input**2" hint
    Wrong("critical_alpha", "return 2 / input**2", "return 2 * input**2", None),
    # found by a walk-through as a new student
    Wrong("predict", "return input * weight", "return round(input * weight, 2)", None),
    Wrong("train",
          ("    history = []\n", "        error = squared_error(predict(input, weight), goal_pred)\n"),
          ("    history = []\n    pred = predict(input, weight)\n",
           "        error = squared_error(pred, goal_pred)\n"), "every iteration records the same error"),
]

ALTERNATIVES = [
    Alternative("predict", "return input * weight", "return weight * input"),
    Alternative("squared_error", "return (pred - goal_pred) ** 2", "return (goal_pred - pred) ** 2"),
    Alternative(
        "squared_error", "return (pred - goal_pred) ** 2", "diff = pred - goal_pred\n    return diff * diff"
    ),
    Alternative("gradient_step", "(pred - goal_pred) * input", "input * (pred - goal_pred)"),
    Alternative(
        "gradient_step",
        "return weight - alpha * direction_and_amount",
        "weight -= alpha * direction_and_amount\n    return weight",
    ),
    Alternative("train", "        history.append(error)", "        history = history + [error]"),
    Alternative("train", "    for _ in range(n_iterations):", "    while len(history) < n_iterations:"),
    Alternative("critical_alpha", "return 2 / input**2", "return 2.0 / (input * input)"),
]
