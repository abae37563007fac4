"""Lesson 03: typical wrong answers and accepted alternatives, as edits of the solution."""

from . import Alternative, Wrong

LESSON = "03_chain_rule_training_loop"

_DLOSS = "return 2 * (t_p - t_c) / len(t_p)"
_SUMS = "torch.stack([dloss_dw.sum(), dloss_db.sum()])"
_STOP = (
    "        if not math.isfinite(float(loss)):\n"
    '            print(f"Epoch {epoch}, Loss {float(loss)}: not finite, so training diverged. Stopping.")\n'
    "            return params\n"
)
_STEP = "params = params - learning_rate * grad"
_PRINT = '        if epoch % print_every == 0:\n            print(f"Epoch {epoch}, Loss {float(loss):.7g}")\n'

WRONG_ANSWERS = [
    Wrong("dloss_fn", _DLOSS, "return (t_p - t_c) / len(t_p)", "you forgot the 2"),
    Wrong("dloss_fn", _DLOSS, "return 2 * (t_c - t_p) / len(t_p)", "the sign is flipped"),
    Wrong("dloss_fn", _DLOSS, "return 2 * (t_p - t_c)", "book's first dloss_fn"),
    Wrong("dloss_fn", _DLOSS, "return 2 * (t_p - t_c) / len(t_p) / len(t_p)", "divided by N twice"),
    Wrong(
        "dloss_fn", _DLOSS, f"return ({_DLOSS.removeprefix('return ')}).mean()", "one derivative per sample"
    ),
    Wrong("dloss_fn", _DLOSS, "return 2 * (t_p - t_c) / 11", None),  # N of this data set only
    Wrong("dmodel_dw", "return t_u", "return w", "not w"),
    Wrong("dmodel_dw", "return t_u", "return 1.0", "with respect to w it is t_u"),
    Wrong("dmodel_dw", "return t_u", "return w * t_u", "d(w * t_u)/dw = t_u"),
    Wrong("dmodel_dw", "return t_u", "return t_u.mean()", None),
    Wrong("dmodel_db", "return 1.0", "return t_u", "t_u is the derivative with respect to w"),
    Wrong("dmodel_db", "return 1.0", "return 0.0", "not 0"),
    Wrong("dmodel_db", "return 1.0", "return b", "not b"),
    Wrong("dmodel_db", "return 1.0", "return torch.ones(11)", None),  # the data set's size, not t_u's
    Wrong("grad_fn", _SUMS, "torch.stack([dloss_dw.mean(), dloss_db.mean()])", "divided by N twice"),
    Wrong("grad_fn", "dloss_dtp = dloss_fn(t_p, t_c)", "dloss_dtp = 2 * (t_p - t_c)", "N times too large"),
    Wrong(
        "grad_fn",
        "dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)",
        "dloss_dw = dloss_dtp",
        "needs the chain rule",
    ),
    Wrong("grad_fn", _SUMS, "torch.stack([dloss_db.sum(), dloss_dw.sum()])", "components are swapped"),
    Wrong(
        "grad_fn",
        _SUMS,
        "torch.stack([dloss_dw, dloss_db * torch.ones_like(t_u)])",
        "sum the per-sample products",
    ),
    Wrong(
        "grad_fn",
        "dloss_db = dloss_dtp * dmodel_db(t_u, w, b)",
        "dloss_db = dmodel_db(t_u, w, b) * t_u",
        None,
    ),
    Wrong("training_loop", _STOP, "", "does not stop at the first loss that is not finite"),
    Wrong("training_loop", _STEP, "params - learning_rate * grad", "nothing changed them"),
    Wrong("training_loop", _STEP, "params = params + learning_rate * grad", "step *up* the gradient"),
    Wrong(
        "training_loop",
        "if not math.isfinite(float(loss)):",
        "if math.isnan(float(loss)):",
        "you only stop at nan",
    ),
    Wrong("training_loop", "\n    return params", "\n    return loss", "return the trained params"),
    Wrong("training_loop", _STEP, "params -= learning_rate * grad", None),  # changes the caller's tensor
    Wrong("training_loop", _PRINT, "", None),  # never prints
    # returns before the first step: the params are never changed, and the hint says just that
    Wrong("training_loop", "            return params\n", "            break\n        return params\n",
          "nothing changed them"),
    # found by a walk-through as a new student
    Wrong("dloss_fn", _DLOSS, "return [2 * (p - c) / len(t_p) for p, c in zip(t_p, t_c)]", None),
    Wrong("grad_fn", _SUMS, "dloss_dw.sum(), dloss_db.sum()", None),  # a tuple, not a tensor
    Wrong("training_loop", "if not math.isfinite(float(loss)):", "if math.isinf(float(loss)):",
          "you only stop at inf"),
]

ALTERNATIVES = [
    Alternative("dloss_fn", _DLOSS, "return 2 * (t_p - t_c) / t_p.shape[0]"),
    Alternative("dloss_fn", _DLOSS, "n = t_p.numel()\n    return (t_p - t_c) * (2 / n)"),
    Alternative("dmodel_dw", "return t_u", "return 0 * w + t_u"),
    Alternative("dmodel_db", "return 1.0", "return torch.ones_like(t_u)"),
    Alternative("dmodel_db", "return 1.0", "return 1"),
    Alternative(
        "grad_fn", _SUMS, "torch.stack([torch.sum(dloss_dw), torch.sum(dloss_db * torch.ones_like(t_u))])"
    ),
    Alternative(
        "training_loop",
        (
            "for epoch in range(1, n_epochs + 1):",
            'f"Epoch {epoch}, Loss {float(loss)}:',
            "if epoch % print_every == 0:",
            'f"Epoch {epoch}, Loss {float(loss):.7g}"',
        ),
        (
            "for epoch in range(n_epochs):",
            'f"Epoch {epoch + 1}, Loss {float(loss)}:',
            "if (epoch + 1) % print_every == 0:",
            'f"Epoch {epoch + 1}, Loss {float(loss):.7g}"',
        ),
    ),
    Alternative("training_loop", "            return params\n", "            break\n"),
    Alternative("training_loop", _STEP, "params = params - grad * learning_rate"),
]
