"""Lesson 04: typical wrong answers and accepted alternatives, as edits of the solution."""

from ..notebooks import notebook_function
from . import Alternative, Rewritten, Wrong

LESSON = "04_autograd_engine"

# The recursive sort of the notebook's text (section 4), with the limit raised far enough that
# Python does not stop it: still recursive, which the exercise forbids.
_RECURSIVE_ORDER = "import sys\n\nsys.setrecursionlimit(1_000_000)\n\n\n" + notebook_function(
    LESSON, "topological_order_recursive"
).replace("def topological_order_recursive(", "def topological_order(")

_PUSH_SELF = "            stack.append((node, True))\n"
_ZIP = "zip(node._parents, node._local_grads, strict=True)"
_UPDATE = "parent.grad += local_grad * node.grad"
_OWN_LOOP = (
    "            self.grad = 1.0\n"
    "            for node in {order}:\n"
    "                for parent, local_grad in zip(node._parents, node._local_grads):\n"
    "                    parent.grad {update}\n"
)
_CALLS_BACKWARD = "            backward(self)  # your function of Exercise 6\n"


def _own_loop(
    order: str = "reversed(topological_order(self))", update: str = "+= local_grad * node.grad"
) -> str:
    """Value.backward with its own loop in place of the call to the student's backward()."""
    return _OWN_LOOP.format(order=order, update=update)


WRONG_ANSWERS = [
    Wrong("add_mul_local_grads", "return 1.0, 1.0", "return a, b", "those are the inputs themselves"),
    Wrong("add_mul_local_grads", "return b, a", "return a, b", "you swapped them"),
    Wrong("add_mul_local_grads", "return 1.0, 1.0", "return b, a", "(b, a) is the rule for a * b"),
    Wrong("add_mul_local_grads", "return b, a", "return 1.0, 1.0", "(1, 1) is the rule for a + b"),
    Wrong("add_mul_local_grads", "return b, a", "return b * a, a * b", "that is the product"),
    Wrong("pow_local_grad", "return n * x ** (n - 1)", "return x ** (n - 1)", "you forgot the exponent"),
    Wrong("pow_local_grad", "return n * x ** (n - 1)", "return n * x ** n", "the power drops by one"),
    Wrong("pow_local_grad", "return n * x ** (n - 1)", "return n * x * (n - 1)", None),
    Wrong(
        "relu_tanh_local_grads",
        "return 1.0 if x > 0 else 0.0",
        "return 1.0",
        "passes the gradient through for negative inputs",
    ),
    Wrong(
        "relu_tanh_local_grads",
        "return 1.0 if x > 0 else 0.0",
        "return max(0.0, x)",
        "that is relu(x) itself",
    ),
    Wrong(
        "relu_tanh_local_grads", "return 1.0 - t * t", "return 1 - x ** 2", "uses the *output* t = tanh(x)"
    ),
    Wrong("relu_tanh_local_grads", "return 1.0 - t * t", "return 1.0 - t", "square the output"),
    Wrong("relu_tanh_local_grads", "return 1.0 if x > 0 else 0.0", "return 1.0 if x > 1 else 0.0", None),
    Wrong(
        "topological_order", "    return order", "    return order[::-1]", "your list starts with the root"
    ),
    Rewritten("topological_order", _RECURSIVE_ORDER, "your sort is recursive"),
    Wrong("topological_order", _PUSH_SELF, "            order.append(node)\n", "as soon as you reach it"),
    Wrong(
        "topological_order",
        ("order, visited = [], set()", "visited.add(node)"),
        ("order, visited = [], []", "visited.append(node)"),
        "too slow",
    ),  # a list as the visited set
    Wrong(
        "topological_order",
        "for parent in reversed(node._parents):",
        "for parent in node._parents[:1]:",
        None,
    ),
    Wrong(
        "counterexample",
        "    out = x + x",
        "    w = Value(2.0)\n    out = x * w",
        "used by one operation only",
    ),
    Wrong(
        "counterexample",
        "    x = Value(3.0)\n    out = x + x",
        "    x = Value(0.0)\n    out = x * x",
        "happens to give the right number",
    ),
    Wrong(
        "counterexample",
        "    out = x + x",
        "    w = Value(3.0)\n    twice = w + w\n    out = x * twice",
        "does not flow through it",
    ),
    Wrong(
        "counterexample",
        ("def counterexample():", "    x = Value(3.0)\n    out = x + x"),
        ("x = course.Value(3.0)\nout = x + x\n\n\ndef counterexample():", ""),
        None,
    ),  # one graph, built once at module level: no false "which is right"
    Wrong("backward", "parent.grad +=", "parent.grad =", "(b = a + a) must collect the gradient"),
    Wrong(
        "backward",
        "reversed(topological_order(root))",
        "topological_order(root)",
        "*reverse* topological order",
    ),
    Wrong("backward", "    root.grad = 1.0\n", "", "start with root.grad = 1.0"),
    Wrong(
        "backward", _UPDATE, "parent.grad += local_grad", "multiplies the local derivative by the gradient"
    ),
    Wrong("backward", _UPDATE, "node.grad += local_grad * parent.grad", None),  # the chain rule reversed
    Wrong(
        "backward", _ZIP, "zip(node._parents[:1], node._local_grads[:1], strict=True)", None
    ),  # a parent skipped
    Wrong("Value", _CALLS_BACKWARD, _own_loop(update="= local_grad * node.grad"), "`+=`"),
    Wrong(
        "Value",
        "(1.0 if self.data > 0 else 0.0,)",
        "(1.0,)",
        "passes the gradient through for negative inputs",
    ),
    Wrong("Value", "(n * self.data ** (n - 1),)", "(self.data ** (n - 1),)", "you left out n"),
    Wrong(
        "Value", _CALLS_BACKWARD, _own_loop(order="topological_order(self)"), "*reverse* topological order"
    ),
    Wrong(
        "Value",
        "(other.data, self.data)",
        "(self.data, other.data)",
        "each input's slope is the *other* input",
    ),
    Wrong("Value", "return self * other**-1", "return self * (1 / other)", None),  # recurses forever
    Wrong("Value", "        return self * -1\n", "        return Value(-self.data)\n", None),
    Wrong("train_step", "    model.zero_grad()\n", "", "call model.zero_grad() before loss.backward()"),
    Wrong("train_step", "p.data -=", "p.data +=", "you stepped *up* the gradient"),
    Wrong(
        "train_step",
        "    model.zero_grad()\n    loss.backward()\n",
        "    loss.backward()\n    model.zero_grad()\n",
        "the parameters did not change",
    ),
    Wrong("train_step", "p.data -= learning_rate * p.grad", "p.data -= learning_rate * p.data", None),
    Wrong("train_step", "return loss.data, accuracy", "return accuracy, loss.data",
          "in the order the exercise asks for"),
    Wrong("train_step", "    return loss.data, accuracy",
          "    loss, accuracy = hinge_loss(model, X, y)\n    return loss.data, accuracy", "*after* the step"),
    # found by a walk-through as a new student: the text states the slope at the kink
    Wrong("relu_tanh_local_grads", "return 1.0 if x > 0 else 0.0", "return 1.0 if x >= 0 else 0.0",
          "the convention (PyTorch's too) is 0"),
]

ALTERNATIVES = [
    Alternative(
        "add_mul_local_grads", ("return 1.0, 1.0", "return b, a"), ("return (1, 1)", "return (b, a)")
    ),
    Alternative("pow_local_grad", "return n * x ** (n - 1)", "return n * pow(x, n - 1)"),
    Alternative(
        "relu_tanh_local_grads",
        ("return 1.0 if x > 0 else 0.0", "return 1.0 - t * t"),
        ("return float(x > 0)", "return 1 - math.tanh(x) ** 2"),
    ),
    Alternative(
        "topological_order", "for parent in reversed(node._parents):", "for parent in node._parents:"
    ),
    Alternative(
        "topological_order",
        "                if parent not in visited:\n                    stack",
        "                stack",
    ),
    Alternative("counterexample", "    out = x + x", "    out = x * x"),
    Alternative("counterexample", "    out = x + x", "    out = x + x + x"),
    Alternative(
        "backward",
        ("reversed(topological_order(root))", _ZIP),
        ("topological_order(root)[::-1]", "zip(node._parents, node._local_grads)"),
    ),
    Alternative(
        "backward",
        f"for parent, local_grad in {_ZIP}:\n            {_UPDATE}",
        "for i, parent in enumerate(node._parents):\n"
        "            parent.grad = parent.grad + node._local_grads[i] * node.grad",
    ),
    Alternative(
        "Value",
        ("        return self * -1\n", "return self + (-other)"),
        ("        return -1 * self\n", "return self + (-1) * other"),
    ),
    Alternative("Value", _CALLS_BACKWARD, _own_loop()),
    Alternative("train_step", "p.data -= learning_rate * p.grad", "p.data = p.data - learning_rate * p.grad"),
    Alternative(
        "train_step", "    model.zero_grad()\n", "    for p in model.parameters():\n        p.grad = 0.0\n"
    ),
]
