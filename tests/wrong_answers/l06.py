"""Lesson 06: typical wrong answers and accepted alternatives, as edits of the solution."""

from . import Alternative, Wrong

LESSON = "06_overfitting"

_CUT = "    n_train = n_samples - int(val_fraction * n_samples)\n    return perm[:n_train], perm[n_train:]"
_NO_GRAD_VAL = "        with torch.no_grad():\n            val_loss = loss_fn(model(x_val), y_val)\n"
_IN_GRAPH_VAL = "        val_loss = loss_fn(model(x_val), y_val)\n"
_OBJECTIVE = "objective = train_loss if penalty is None else train_loss + penalty()"
_STEP = "        optimizer.step()\n"
_WEIGHTS = 'if name.endswith("weight")'
_SQUARES = "(p ** 2).sum()"
_FIRST_COPY = ('best_epoch, best_loss, best_state, waited = 0, float("inf"), '
               'copy.deepcopy(model.state_dict()), 0')
_BEST_COPY = "epoch, loss, copy.deepcopy(model.state_dict()), 0"
_LAST = "parameters of the last epoch trained"
_RULE_1 = '    if min(train_losses) > (1 - tolerance) * train_losses[0]:\n        return "underfitting"\n'
_RULE_2 = '    if val_losses[-1] > (1 + tolerance) * min(val_losses):\n        return "overfitting"\n'

WRONG_ANSWERS = [
    Wrong("split", _CUT, "    n_val = int(val_fraction * n_samples)\n    return perm[:-n_val], perm[-n_val:]",
          "perm[:-0] is perm[:0], empty"),
    Wrong("split", "n_samples - int(val_fraction * n_samples)", "n_samples - round(val_fraction * n_samples)",
          "which rounds *down*"),
    Wrong("split", "torch.randperm(n_samples, generator=generator)", "torch.randperm(n_samples)",
          "does not come from the generator it was given"),
    Wrong("split", "perm[n_train:]", "perm[n_train - 1:]", "indices overlap"),
    Wrong("split", "perm[n_train:]", "perm[n_train + 1:]", "are in neither part"),
    Wrong("split", "perm[n_train:]", "torch.randperm(n_samples, generator=generator)[n_train:]",
          "come from two permutations"),
    Wrong("split", "return perm[:n_train], perm[n_train:]",
          "return perm[n_samples - n_train:], perm[:n_samples - n_train]",
          "*first* n_val of the permutation"),
    Wrong("train_and_validate", _NO_GRAD_VAL, _IN_GRAPH_VAL, "the validation pass was recorded by autograd"),
    Wrong("train_and_validate", (_NO_GRAD_VAL, _OBJECTIVE),
          (_IN_GRAPH_VAL, "objective = val_loss if penalty is None else val_loss + penalty()"),
          "learns from the validation samples"),
    Wrong("train_and_validate", (_NO_GRAD_VAL, _OBJECTIVE),
          (_IN_GRAPH_VAL, "objective = train_loss + val_loss + (0 if penalty is None else penalty())"),
          "the sum of the training and the validation loss"),
    Wrong("train_and_validate", "train_loss if penalty is None else train_loss",
          "val_loss if penalty is None else val_loss", "no graph to go back through"),
    Wrong("train_and_validate", _OBJECTIVE, "objective = train_loss", "the penalty is missing"),
    Wrong("train_and_validate", "            val_loss = loss_fn(model(x_val), y_val)\n",
          "            val_loss = loss_fn(model(x_val), y_val)\n"
          "            if penalty is not None:\n                val_loss = val_loss + penalty()\n",
          "the penalty is added to the validation loss"),
    Wrong("train_and_validate", "        train_losses.append(train_loss.item())\n",
          "        train_losses.append(objective.item())\n",
          "the training losses returned include the penalty"),
    Wrong("train_and_validate", "        optimizer.zero_grad()\n", "", "backward() adds to .grad"),
    Wrong("train_and_validate", "return train_losses, val_losses", "return val_losses, train_losses",
          "come back swapped"),
    Wrong("train_and_validate", (_NO_GRAD_VAL, "        train_losses.append(train_loss.item())\n"),
          ("", "        with torch.no_grad():\n"
               "            train_losses.append(loss_fn(model(x_train), y_train).item())\n"
               "            val_loss = loss_fn(model(x_val), y_val)\n"),
          "both losses are measured after the epoch's optimizer.step()"),
    Wrong("train_and_validate", (_NO_GRAD_VAL, _STEP), ("", _STEP + _NO_GRAD_VAL),
          "measured after the epoch's optimizer.step()"),
    Wrong("train_and_validate", "        val_losses.append(val_loss.item())\n",
          "        val_losses.append(val_loss)\n", "use loss.item()"),
    Wrong("l2_penalty", "return lam *", "return -lam *", "the wrong sign"),
    Wrong("l2_penalty", " " + _WEIGHTS, "", "the biases are included"),
    Wrong("l2_penalty", _WEIGHTS, 'if name.endswith("bias")', "on the biases only"),
    Wrong("l2_penalty", _SQUARES, "p.abs().sum()", "L1 penalty"),
    Wrong("l2_penalty", _SQUARES, "(p ** 2).sum().item()", "not .item()"),
    Wrong("l2_penalty", "return lam *", "return 0.5 * lam *", "without the ½"),
    Wrong("l2_penalty", ("return lam * sum(", ".sum() for name", 'endswith("weight"))'),
          ("return torch.tensor(lam * sum(", ".sum().item() for name",
           'endswith("weight")), requires_grad=True)'),
          "has no link to them"),
    Wrong("early_stopping", "    model.load_state_dict(best_state)\n", "", _LAST),
    Wrong("early_stopping", _BEST_COPY, "epoch, loss, model.state_dict(), 0", _LAST),
    Wrong("early_stopping", "if waited == patience:", "if waited == 1:",
          "the first epoch that does not improve"),
    Wrong("early_stopping", "if loss < best_loss:", "if loss <= best_loss:", "only equals the best loss"),
    Wrong("early_stopping", _BEST_COPY, "epoch, loss, copy.deepcopy(model.state_dict()), waited",
          "must start again at 0"),
    Wrong("early_stopping", "if waited == patience:", "if waited > patience:", "waits one epoch too many"),
    Wrong("early_stopping", "return best_epoch", "return best_loss", "expected the best epoch as an int"),
    Wrong("early_stopping", 'float("inf"), copy', "val_loss(), copy", "the untrained model is no candidate"),
    Wrong("diagnose", "min(val_losses)", "train_losses[-1]", "not overfitting by itself"),
    Wrong("diagnose", _RULE_1 + _RULE_2, _RULE_2 + _RULE_1, "check rule 1 first"),
    Wrong("diagnose", "min(val_losses)", "val_losses[0]", "with the *first*"),
    Wrong("diagnose", "min(train_losses) >", "train_losses[-1] >", "looks at the *lowest* training loss"),
    Wrong("diagnose", ("(1 - tolerance)", "(1 + tolerance)"), ("0.9", "1.1"), "use the `tolerance`"),
    Wrong("diagnose", 'return "fine"', 'return "ok"',
          "expected one of 'underfitting', 'overfitting', 'fine'"),
]

ALTERNATIVES = [
    Alternative("split", "return perm[:n_train], perm[n_train:]",
                "return tuple(torch.split(perm, [n_train, n_samples - n_train]))"),
    Alternative("train_and_validate", _NO_GRAD_VAL,
                "        with torch.set_grad_enabled(False):\n"
                "            val_loss = loss_fn(model(x_val), y_val)\n"),
    Alternative("l2_penalty", _SQUARES, "p.square().sum()"),
    Alternative("early_stopping", (_FIRST_COPY, _BEST_COPY),
                ('best_epoch, best_loss, best_state, waited = 0, float("inf"), None, 0',
                 "epoch, loss, {k: v.clone() for k, v in model.state_dict().items()}, 0")),
    Alternative("diagnose", "min(train_losses) > (1 - tolerance) * train_losses[0]",
                "min(train_losses) / train_losses[0] > 1 - tolerance"),
]
