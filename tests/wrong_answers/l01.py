"""Typical wrong answers to lesson 01's exercises, as a student would write them."""

LESSON = "01_predict_compare_learn"

WRONG_ANSWERS = [
    # (exercise, the student's wrong code, a fragment of the hint its check must give)
    ("predict", "def predict(input, weight):\n    return input + weight", "you added them"),
    ("predict", "def predict(input, weight):\n    return weight", "ignores the input"),
    ("squared_error", "def squared_error(pred, goal_pred):\n    return pred - goal_pred",
     "raw difference"),
    ("squared_error", "def squared_error(pred, goal_pred):\n    return abs(pred - goal_pred)",
     "absolute error"),
    ("gradient_step", "def gradient_step(input, weight, goal_pred, alpha):\n"
     "    return weight + alpha * (predict(input, weight) - goal_pred) * input", "wrong sign"),
    ("gradient_step", "def gradient_step(input, weight, goal_pred, alpha):\n"
     "    return weight - alpha * (predict(input, weight) - goal_pred)", "by the input"),
    ("train", "def train(input, weight, goal_pred, alpha, n_iterations):\n"
     "    history = []\n    for _ in range(n_iterations):\n"
     "        weight = gradient_step(input, weight, goal_pred, alpha)\n"
     "        history.append(squared_error(predict(input, weight), goal_pred))\n"
     "    return history", "*after* each update"),
    ("train", "def train(input, weight, goal_pred, alpha, n_iterations):\n"
     "    history = []\n    for _ in range(n_iterations):\n"
     "        history.append(squared_error(predict(input, weight), goal_pred))\n"
     "        gradient_step(input, weight, goal_pred, alpha)\n"
     "    return history", "never changes"),
    ("critical_alpha", "def critical_alpha(input):\n    return 1 / input**2", "in *one* step"),
    ("critical_alpha", "def critical_alpha(input):\n    return 2 / input", "not 1 / input"),
]
