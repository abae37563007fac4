"""Lesson 05: typical wrong answers and accepted alternatives, as edits of the solution."""

from . import Alternative, Wrong

LESSON = "05_pytorch_autograd"

_ADD = "grad = g.clone() if grad is None else grad + g"
_ZERO_ = "grad = torch.zeros_like(grad)"
_ZERO_GRAD = 'elif call == "zero_grad":\n            grad = None'
_NEW_LEAF = "return (params - learning_rate * params.grad).detach().requires_grad_()"
_ZEROING = "        if params.grad is not None:\n            params.grad.zero_()\n"
_NO_GRAD_STEP = "        with torch.no_grad():\n            params -= learning_rate * params.grad\n"
_LOSS = "loss = loss_fn(model(t_u, *params), t_c)"
_ORDER = "        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n"
_BATCH_LOSS = "loss = mse(layer(X[batch]), y[batch])"

WRONG_ANSWERS = [
    Wrong("grad_after", _ADD, "grad = g.clone()", "it *adds* the new gradient"),
    Wrong("grad_after", _ZERO_, "grad = None", "fills the tensor .grad with zeros"),
    Wrong("grad_after", _ZERO_GRAD,
          'elif call == "zero_grad":\n            grad = None if grad is None else torch.zeros_like(grad)',
          "optimizer.zero_grad() sets .grad to None"),
    Wrong("grad_after", _ADD, "grad = g.clone() if grad is None else 2 * grad", None),  # doubles
    Wrong("updated", _NEW_LEAF, "return (params * learning_rate * params.grad).detach().requires_grad_()",
          "misprinted update"),
    Wrong("updated", _NEW_LEAF, "return params - learning_rate * params.grad", "still part of the graph"),
    Wrong("updated", _NEW_LEAF, "return (params - learning_rate * params.grad).data",
          "autograd no longer tracks them"),
    Wrong("updated", _NEW_LEAF, "return (params + learning_rate * params.grad).detach().requires_grad_()",
          "you step *up* the gradient"),
    Wrong("updated", _NEW_LEAF, "return (params - params.grad).detach().requires_grad_()", None),  # no lr
    Wrong("updated", _NEW_LEAF,
          "with torch.no_grad():\n        params -= learning_rate * params.grad\n    return params", None),
    Wrong("manual_training_loop", _ZEROING, "", "backward() adds to .grad"),
    Wrong("manual_training_loop", _NO_GRAD_STEP, "        params = params - learning_rate * params.grad\n",
          "the update is recorded by autograd"),
    Wrong("manual_training_loop", _NO_GRAD_STEP, "        params -= learning_rate * params.grad\n",
          "autograd refuses to change a leaf"),
    Wrong("manual_training_loop", _NO_GRAD_STEP,
          "        params = (params - learning_rate * params.grad).data\n",
          ".data gives a tensor autograd does not track"),
    Wrong("manual_training_loop", _NO_GRAD_STEP,
          "        params = (params * learning_rate * params.grad).detach().requires_grad_()\n",
          "misprinted update"),
    Wrong("manual_training_loop", _NO_GRAD_STEP,
          "        with torch.no_grad():\n            params += learning_rate * params.grad\n",
          "you step *up* the gradient"),
    Wrong("manual_training_loop", _LOSS, "loss = (model(t_u, *params) - t_c) ** 2", "needs one number"),
    Wrong("manual_training_loop", _LOSS, "loss = ((model(t_u, *params) - t_c) ** 2).sum()", "N times larger"),
    Wrong("manual_training_loop", _NO_GRAD_STEP,
          "        with torch.no_grad():\n            params -= params.grad\n", None),  # no learning rate
    Wrong("training_loop", "        optimizer.zero_grad()\n", "", "backward() adds to .grad"),
    Wrong("training_loop", _ORDER,
          "        optimizer.step()\n        optimizer.zero_grad()\n        loss.backward()\n",
          "optimizer.step() uses the gradient in .grad"),
    Wrong("training_loop", "        optimizer.step()\n",
          "        with torch.no_grad():\n"
          '            params -= optimizer.param_groups[0]["lr"] * params.grad\n',
          "updates params itself instead of calling optimizer.step()"),
    Wrong("training_loop", _LOSS, "loss = (model(t_u, *params) - t_c) ** 2", "needs one number"),
    Wrong("training_loop", _LOSS, "loss = ((model(t_u, *params) - t_c) ** 2).sum()", "N times larger"),
    Wrong("training_loop", _ORDER,
          "        optimizer.zero_grad()\n        optimizer.step()\n        loss.backward()\n",
          "right after zero_grad() there is none"),
    Wrong("training_loop", "        optimizer.step()\n",
          "        with torch.no_grad():\n            params -= 1e-2 * params.grad\n", None),  # own rate
    Wrong("train_minibatches", _BATCH_LOSS, "loss = mse(layer(X), y)", "only its batch"),
    Wrong("train_minibatches", "        optimizer.zero_grad()\n", "", "backward() adds to .grad"),
    Wrong("train_minibatches", "mse = nn.MSELoss()", 'mse = nn.MSELoss(reduction="sum")',
          "averages over the batch"),
    Wrong("train_minibatches", "        losses.append(loss.item())\n",
          "        losses.append(mse(layer(X[batch]), y[batch]).item())\n", None),  # loss after the step
]

ALTERNATIVES = [
    Alternative("grad_after", _ADD, "grad = g * 1.0 if grad is None else g + grad"),
    Alternative("updated", _NEW_LEAF,
                "new = params.detach() - learning_rate * params.grad\n    return new.requires_grad_()"),
    Alternative("manual_training_loop", _NO_GRAD_STEP,
                "        params = (params - learning_rate * params.grad).detach().requires_grad_()\n"),
    Alternative("manual_training_loop", _ZEROING, "        params.grad = None\n"),
    Alternative("training_loop", "        optimizer.zero_grad()\n",
                "        optimizer.zero_grad(set_to_none=False)\n"),
    Alternative("train_minibatches", _BATCH_LOSS, "loss = ((layer(X[batch]) - y[batch]) ** 2).mean()"),
]
