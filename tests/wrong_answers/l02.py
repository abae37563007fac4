"""Lesson 02: typical wrong answers and accepted alternatives, as edits of the solution."""

from . import Alternative, Wrong

LESSON = "02_numerical_derivatives"

_QUOTIENT = "(f(x + delta) - f(x - delta)) / (2 * delta)"
_STEP = (
    "        step = params * 0.0\n"
    "        step[i] = delta\n"
    "        grad[i] = (loss_of_params(params + step) - loss_of_params(params - step)) / (2 * delta)\n"
)


def _shifted(copy: str, minus: str = "params[i] - delta", restore: str = "") -> str:
    """The loop body of a numerical_grad that shifts element i of ``copy`` (``shifted = <copy>``)."""
    return (
        f"        shifted = {copy}\n"
        "        shifted[i] = params[i] + delta\n"
        "        loss_plus = loss_of_params(shifted)\n"
        f"        shifted[i] = {minus}\n"
        "        loss_minus = loss_of_params(shifted)\n"
        f"{restore}"
        "        grad[i] = (loss_plus - loss_minus) / (2 * delta)\n"
    )


_IN_PLACE = (
    "        params[i] += delta\n"
    "        loss_plus = loss_of_params(params)\n"
    "        params[i] -= 2 * delta\n"
    "        loss_minus = loss_of_params(params)\n"
    "        grad[i] = (loss_plus - loss_minus) / (2 * delta)\n"
)
_PUT_BACK = (
    "        original = float(params[i])\n"
    "        params[i] = original + delta\n"
    "        loss_plus = loss_of_params(params)\n"
    "        params[i] = original - delta\n"
    "        loss_minus = loss_of_params(params)\n"
    "        params[i] = original\n"
    "        grad[i] = (loss_plus - loss_minus) / (2 * delta)\n"
)
_ERRORS = "errors = [abs(float(central_difference(f, dtype(x), dtype(delta))) - float(dfdx(x)))"
_PICK = "return DELTAS[int(np.argmin(errors))]"

WRONG_ANSWERS = [
    Wrong("central_difference", _QUOTIENT, "(f(x + delta) - f(x)) / delta", "that is the forward difference"),
    Wrong("central_difference", "/ (2 * delta)", "/ delta", "divide by 2 * delta, not by delta"),
    Wrong("central_difference", "/ (2 * delta)", "/ 2 * delta", "group left to right"),
    Wrong(
        "central_difference", _QUOTIENT, f"float({_QUOTIENT})", None
    ),  # the text asks for arrays and tensors
    Wrong("central_difference", _QUOTIENT, "(f(x + delta) + f(x - delta)) / (2 * delta)", None),
    Wrong(
        "numerical_grad",
        "loss_of_params(params - step)) / (2 * delta)",
        "loss_of_params(params)) / delta",
        "that is the forward difference",
    ),
    Wrong("numerical_grad", _STEP, _IN_PLACE, "did not put params[i] back"),
    Wrong(
        "numerical_grad",
        _STEP,
        _shifted("params  # meant as a copy", minus="params[i] - 2 * delta"),
        "did not put params[i] back",
    ),  # overwrites the caller's params: no copy, no restore
    Wrong(
        "numerical_grad",
        "params + step) - loss_of_params(params - step)",
        "params + delta) - loss_of_params(params - delta)",
        "shifted *all* parameters at once",
    ),
    Wrong(
        "numerical_grad", "/ (2 * delta)", "/ 2 * delta", "multiplied by delta instead of dividing by 2*delta"
    ),
    Wrong("numerical_grad", "    grad = params * 0.0", "    grad = params", None),
    Wrong("fixed_central_difference", "/ (2.0 * delta)", "/ 2.0 * delta", "this is still the bug"),
    Wrong("fixed_central_difference", "/ (2.0 * delta)", "/ 2.0", "you dropped delta"),
    Wrong("fixed_central_difference", "/ (2.0 * delta)", "/ delta", "divide by 2 * delta, not by delta"),
    Wrong("fixed_central_difference", "/ (2.0 * delta)", "/ (2.0 * delta ** 2)", None),
    Wrong(
        "best_delta",
        "central_difference(f, dtype(x), dtype(delta))",
        "central_difference(f, x, delta)",
        "computed in float64 whatever dtype was asked",
    ),
    Wrong("best_delta", _PICK, "return min(DELTAS)", "smaller is not always better"),
    Wrong(
        "best_delta",
        "float(central_difference(f, dtype(x), dtype(delta)))",
        "float((f(dtype(x) + dtype(delta)) - f(dtype(x))) / dtype(delta))",
        "you swept the forward difference",
    ),
    Wrong("best_delta", "errors = [abs(", "errors = [(", "take abs(estimate - dfdx(x))"),  # no abs
    Wrong("best_delta", _PICK, "return int(np.argmin(errors))", None),  # the index: no claim on truncation
    Wrong("best_delta", _PICK, "return errors[int(np.argmin(errors))]", None),
    # found by a walk-through as a new student: shifting back by delta leaves a rounding error
    Wrong("numerical_grad",
          ("        step = params * 0.0\n        step[i] = delta\n",
           "        grad[i] = (loss_of_params(params + step) - loss_of_params(params - step)) / (2 * delta)"),
          ("", "        params[i] += delta\n        high = loss_of_params(params)\n"
               "        params[i] -= 2 * delta\n        low = loss_of_params(params)\n"
               "        params[i] += delta\n        grad[i] = (high - low) / (2 * delta)"),
          "before the call: [4.0, -10.0]"),
]

ALTERNATIVES = [
    Alternative("central_difference", "/ (2 * delta)", "/ 2 / delta"),
    Alternative("central_difference", _QUOTIENT, "0.5 * (f(x + delta) - f(x - delta)) / delta"),
    Alternative(
        "numerical_grad",
        ("def numerical_grad", _STEP),
        ("import copy\n\n\ndef numerical_grad", _shifted("copy.deepcopy(params)")),
    ),
    Alternative(
        "numerical_grad",
        _STEP,
        _shifted("params.clone() if isinstance(params, torch.Tensor) else params.copy()"),
    ),
    Alternative("numerical_grad", _STEP, _PUT_BACK),
    Alternative("fixed_central_difference", "/ (2.0 * delta)", "/ 2.0 / delta"),
    Alternative(
        "best_delta", _ERRORS, "errors = [abs(central_difference(f, dtype(x), dtype(delta)) - dfdx(x))"
    ),
    Alternative(
        "best_delta",
        (_ERRORS, "for delta in DELTAS]", _PICK),
        (
            _ERRORS.replace("errors = [", "errors = np.array(["),
            "for delta in DELTAS])",
            "return DELTAS[errors.argmin()]",
        ),
    ),
]
