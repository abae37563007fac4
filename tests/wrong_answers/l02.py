"""Typical wrong answers to lesson 02's exercises, as a student would write them."""

LESSON = "02_numerical_derivatives"

WRONG_ANSWERS = [
    # (exercise, the student's wrong code, a fragment of the hint its check must give)
    ("central_difference", "def central_difference(f, x, delta):\n"
     "    return (f(x + delta) - f(x)) / delta", "that is the forward difference"),
    ("central_difference", "def central_difference(f, x, delta):\n"
     "    return (f(x + delta) - f(x - delta)) / delta", "divide by 2 * delta, not by delta"),
    ("central_difference", "def central_difference(f, x, delta):\n"
     "    return (f(x + delta) - f(x - delta)) / 2 * delta", "group left to right"),
    ("numerical_grad", "def numerical_grad(loss_of_params, params, delta):\n"
     "    grad = params * 0.0\n"
     "    for i in range(len(params)):\n"
     "        step = params * 0.0\n"
     "        step[i] = delta\n"
     "        grad[i] = (loss_of_params(params + step) - loss_of_params(params)) / delta\n"
     "    return grad", "that is the forward difference"),
    ("numerical_grad", "def numerical_grad(loss_of_params, params, delta):\n"
     "    grad = []\n"
     "    for i in range(len(params)):\n"
     "        params[i] += delta\n"
     "        loss_plus = loss_of_params(params)\n"
     "        params[i] -= 2 * delta\n"
     "        loss_minus = loss_of_params(params)\n"
     "        grad.append((loss_plus - loss_minus) / (2 * delta))\n"
     "    return grad", "did not put params[i] back"),
    ("numerical_grad", "def numerical_grad(loss_of_params, params, delta):\n"
     "    grad = params * 0.0\n"
     "    for i in range(len(params)):\n"
     "        grad[i] = (loss_of_params(params + delta) - loss_of_params(params - delta)) / (2 * delta)\n"
     "    return grad", "shifted *all* parameters at once"),
    ("numerical_grad", "def numerical_grad(loss_of_params, params, delta):\n"
     "    grad = params * 0.0\n"
     "    for i in range(len(params)):\n"
     "        step = params * 0.0\n"
     "        step[i] = delta\n"
     "        grad[i] = (loss_of_params(params + step) - loss_of_params(params - step)) / 2 * delta\n"
     "    return grad", "multiplied by delta instead of dividing by 2*delta"),
    ("fixed_central_difference", "def fixed_central_difference(f, x, delta):\n"
     "    return (f(x + delta) - f(x - delta)) / 2.0 * delta", "this is still the bug"),
    ("fixed_central_difference", "def fixed_central_difference(f, x, delta):\n"
     "    return (f(x + delta) - f(x - delta)) / 2.0", "you dropped delta"),
    ("fixed_central_difference", "def fixed_central_difference(f, x, delta):\n"
     "    return (f(x + delta) - f(x - delta)) / delta", "divide by 2 * delta, not by delta"),
    ("best_delta", "from course_lib.derivatives import DELTAS\n\n\n"
     "def best_delta(f, dfdx, x, dtype):\n"
     "    errors = [abs(central_difference(f, x, delta) - dfdx(x)) for delta in DELTAS]\n"
     "    return DELTAS[int(np.argmin(errors))]", "computed in float64 whatever dtype was asked"),
    ("best_delta", "from course_lib.derivatives import DELTAS\n\n\n"
     "def best_delta(f, dfdx, x, dtype):\n"
     "    return min(DELTAS)", "smaller is not always better"),
    ("best_delta", "from course_lib.derivatives import DELTAS\n\n\n"
     "def best_delta(f, dfdx, x, dtype):\n"
     "    errors = [abs((f(dtype(x) + dtype(delta)) - f(dtype(x))) / dtype(delta) - dfdx(x))\n"
     "              for delta in DELTAS]\n"
     "    return DELTAS[int(np.argmin(errors))]", "you swept the forward difference"),
]
