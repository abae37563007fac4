"""Typical wrong answers to lesson 04's exercises, as a student would write them."""

LESSON = "04_autograd_engine"

_ADD = "def add_local_grads(a, b):\n    return {add}\n"
_MUL = "def mul_local_grads(a, b):\n    return {mul}\n"


def _add_mul(add: str = "1.0, 1.0", mul: str = "b, a") -> str:
    return _ADD.format(add=add) + "\n\n" + _MUL.format(mul=mul)


def _relu_tanh(relu: str = "1.0 if x > 0 else 0.0", tanh: str = "1 - math.tanh(x) ** 2") -> str:
    return (f"def relu_local_grad(x):\n    return {relu}\n\n\n"
            f"def tanh_local_grad(x):\n    return {tanh}\n")


_RECURSIVE_ORDER = """\
def topological_order(root):
    order, visited = [], set()

    def build(node):
        if node not in visited:
            visited.add(node)
            for parent in node._parents:
                build(parent)
            order.append(node)

    build(root)
    return order
"""

_ROOT_FIRST_ORDER = """\
def topological_order(root):
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            for parent in node._parents:
                stack.append((parent, False))
    return order[::-1]
"""

_PREORDER = """\
def topological_order(root):
    order, visited = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in visited:
            visited.add(node)
            order.append(node)
            for parent in node._parents:
                stack.append(parent)
    return order
"""

_BACKWARD = """\
def backward(root):
{seed}    for node in {order}:
        for parent, local_grad in zip(node._parents, node._local_grads):
            parent.grad {update}
"""


def _backward(seed: str = "    root.grad = 1.0\n", order: str = "reversed(topological_order(root))",
              update: str = "+= local_grad * node.grad") -> str:
    return _BACKWARD.format(seed=seed, order=order, update=update)


_VALUE = """\
class Value:
    def __init__(self, data, _parents=(), _local_grads=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._parents = _parents
        self._local_grads = _local_grads
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), {mul_grads}, "*")

    def __pow__(self, n):
        return Value(self.data**n, (self,), ({pow_grad},), f"**{{n}}")

    def relu(self):
        return Value(max(0.0, self.data), (self,), ({relu_grad},), "relu")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t**2,), "tanh")

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return Value(other) / self

    def backward(self):
        self.grad = 1.0
        for node in {order}:
            for parent, local_grad in zip(node._parents, node._local_grads):
                parent.grad {update}
"""


def _value(mul_grads: str = "(other.data, self.data)", pow_grad: str = "n * self.data ** (n - 1)",
           relu_grad: str = "1.0 if self.data > 0 else 0.0", order: str = "reversed(topological_order(self))",
           update: str = "+= local_grad * node.grad") -> str:
    return _VALUE.format(mul_grads=mul_grads, pow_grad=pow_grad, relu_grad=relu_grad, order=order,
                         update=update)


_STEP = """\
def train_step(model, X, y, learning_rate):
    loss, accuracy = hinge_loss(model, X, y)
{before}    loss.backward()
{after}    for p in model.parameters():
        p.data {update}
    return loss.data, accuracy
"""


def _step(before: str = "    model.zero_grad()\n", after: str = "",
          update: str = "-= learning_rate * p.grad") -> str:
    return _STEP.format(before=before, after=after, update=update)


WRONG_ANSWERS = [
    # (exercise, the student's wrong code, a fragment of the hint its check must give)
    ("add_mul_local_grads", _add_mul(add="a, b"), "those are the inputs themselves"),
    ("add_mul_local_grads", _add_mul(mul="a, b"), "you swapped them"),
    ("add_mul_local_grads", _add_mul(add="b, a"), "(b, a) is the rule for a * b"),
    ("add_mul_local_grads", _add_mul(mul="1.0, 1.0"), "(1, 1) is the rule for a + b"),
    ("pow_local_grad", "def pow_local_grad(x, n):\n    return x ** (n - 1)", "you forgot the exponent"),
    ("pow_local_grad", "def pow_local_grad(x, n):\n    return n * x ** n", "the power drops by one"),
    ("relu_tanh_local_grads", _relu_tanh(relu="1.0"), "passes the gradient through for negative inputs"),
    ("relu_tanh_local_grads", _relu_tanh(relu="max(0.0, x)"), "that is relu(x) itself"),
    ("relu_tanh_local_grads", _relu_tanh(tanh="1 - x ** 2"), "uses the *output* t = tanh(x)"),
    ("relu_tanh_local_grads", _relu_tanh(tanh="1 - math.tanh(x)"), "square the output"),
    ("topological_order", _ROOT_FIRST_ORDER, "your list starts with the root"),
    ("topological_order", _RECURSIVE_ORDER, "your sort is recursive"),
    ("topological_order", _PREORDER, "as soon as you reach it"),
    ("counterexample", "def counterexample():\n    x = Value(2.0)\n    w = Value(3.0)\n    return x, x * w",
     "used by one operation only"),
    ("counterexample", "def counterexample():\n    x = Value(0.0)\n    return x, x * x",
     "happens to give the right number"),
    ("counterexample", "def counterexample():\n    x = Value(2.0)\n    w = Value(3.0)\n"
     "    twice = w + w\n    return x, x * twice", "does not flow through it"),
    ("backward", _backward(update="= local_grad * node.grad"), "(b = a + a) must collect the gradient"),
    ("backward", _backward(order="topological_order(root)"), "*reverse* topological order"),
    ("backward", _backward(seed=""), "start with root.grad = 1.0"),
    ("backward", _backward(update="+= local_grad"), "multiplies the local derivative by the gradient"),
    ("Value", _value(update="= local_grad * node.grad"), "`+=`"),
    ("Value", _value(relu_grad="1.0"), "passes the gradient through for negative inputs"),
    ("Value", _value(pow_grad="self.data ** (n - 1)"), "you left out n"),
    ("Value", _value(order="topological_order(self)"), "*reverse* topological order"),
    ("Value", _value(mul_grads="(self.data, other.data)"), "each input's slope is the *other* input"),
    ("train_step", _step(before=""), "call model.zero_grad() before loss.backward()"),
    ("train_step", _step(update="+= learning_rate * p.grad"), "you stepped *up* the gradient"),
    ("train_step", _step(before="", after="    model.zero_grad()\n"), "the parameters did not change"),
]
