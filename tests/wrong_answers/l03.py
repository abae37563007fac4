"""Typical wrong answers to lesson 03's exercises, as a student would write them."""

LESSON = "03_chain_rule_training_loop"

_LOOP = ("def training_loop(n_epochs, learning_rate, params, t_u, t_c, print_every=500):\n"
         "    for epoch in range(1, n_epochs + 1):\n"
         "        w, b = params\n"
         "        t_p = model(t_u, w, b)\n"
         "        loss = loss_fn(t_p, t_c)\n"
         "{check}"
         "        grad = grad_fn(t_u, t_c, t_p, w, b)\n"
         "        {step}\n"
         "        if epoch % print_every == 0:\n"
         "            print(f'Epoch {{epoch}}, Loss {{float(loss)}}')\n"
         "    return {result}\n")
_STOP = ("        if not math.isfinite(float(loss)):\n"
         "            print('diverged')\n"
         "            return params\n")


def _loop(check: str = _STOP, step: str = "params = params - learning_rate * grad",
          result: str = "params") -> str:
    return _LOOP.format(check=check, step=step, result=result)


WRONG_ANSWERS = [
    # (exercise, the student's wrong code, a fragment of the hint its check must give)
    ("dloss_fn", "def dloss_fn(t_p, t_c):\n    return (t_p - t_c) / len(t_p)", "you forgot the 2"),
    ("dloss_fn", "def dloss_fn(t_p, t_c):\n    return 2 * (t_c - t_p) / len(t_p)", "the sign is flipped"),
    ("dloss_fn", "def dloss_fn(t_p, t_c):\n    return 2 * (t_p - t_c)", "book's first dloss_fn"),
    ("dloss_fn", "def dloss_fn(t_p, t_c):\n    n = len(t_p)\n    return 2 * (t_p - t_c) / n / n",
     "divided by N twice"),
    ("dloss_fn", "def dloss_fn(t_p, t_c):\n    return (2 * (t_p - t_c) / len(t_p)).mean()",
     "one derivative per sample"),
    ("dmodel_dw", "def dmodel_dw(t_u, w, b):\n    return w", "not w"),
    ("dmodel_dw", "def dmodel_dw(t_u, w, b):\n    return 1.0", "with respect to w it is t_u"),
    ("dmodel_dw", "def dmodel_dw(t_u, w, b):\n    return w * t_u", "d(w * t_u)/dw = t_u"),
    ("dmodel_db", "def dmodel_db(t_u, w, b):\n    return t_u", "t_u is the derivative with respect to w"),
    ("dmodel_db", "def dmodel_db(t_u, w, b):\n    return 0.0", "not 0"),
    ("dmodel_db", "def dmodel_db(t_u, w, b):\n    return b", "not b"),
    ("grad_fn", "def grad_fn(t_u, t_c, t_p, w, b):\n"
     "    dloss_dtp = dloss_fn(t_p, t_c)\n"
     "    return torch.stack([(dloss_dtp * dmodel_dw(t_u, w, b)).mean(),\n"
     "                        (dloss_dtp * dmodel_db(t_u, w, b)).mean()])", "divided by N twice"),
    ("grad_fn", "def grad_fn(t_u, t_c, t_p, w, b):\n"
     "    dloss_dtp = 2 * (t_p - t_c)\n"
     "    return torch.stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])", "N times too large"),
    ("grad_fn", "def grad_fn(t_u, t_c, t_p, w, b):\n"
     "    dloss_dtp = dloss_fn(t_p, t_c)\n"
     "    return torch.stack([dloss_dtp.sum(), dloss_dtp.sum()])", "needs the chain rule"),
    ("grad_fn", "def grad_fn(t_u, t_c, t_p, w, b):\n"
     "    dloss_dtp = dloss_fn(t_p, t_c)\n"
     "    return torch.stack([dloss_dtp.sum(), (dloss_dtp * t_u).sum()])", "components are swapped"),
    ("grad_fn", "def grad_fn(t_u, t_c, t_p, w, b):\n"
     "    dloss_dtp = dloss_fn(t_p, t_c)\n"
     "    return torch.stack([dloss_dtp * dmodel_dw(t_u, w, b),\n"
     "                        dloss_dtp * dmodel_db(t_u, w, b) * torch.ones_like(t_u)])",
     "sum the per-sample products"),
    ("training_loop", _loop(check=""), "does not stop when the loss stops being finite"),
    ("training_loop", _loop(step="params - learning_rate * grad"), "params never change"),
    ("training_loop", _loop(step="params = params + learning_rate * grad"), "step *up* the gradient"),
    ("training_loop", _loop(check="        if math.isnan(float(loss)):\n            return params\n"),
     "you only stop at nan"),
    ("training_loop", _loop(result="loss"), "return the trained params"),
]
