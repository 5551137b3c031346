"""Answers to q9_build_your_own for tests/test_exercises.py: written differently, and wrong."""

# -- written differently: must score full marks ------------------------------------------

DIFFERENT = {
    # sigma' as e^-|x| / (1 + e^-|x|)^2, and the VJP taken from the JVP (one input, one slope)
    "q9-rules": '''
import math

def sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)

def sigmoid_jvp(x, x_dot):
    e = math.exp(-abs(x))
    return sigmoid(x), x_dot * e / (1.0 + e) ** 2

def sigmoid_vjp(x, y_bar):
    return sigmoid_jvp(x, y_bar)[1]
''',
    # micrograd style: each node keeps a function that hands out its parents' contributions;
    # backward orders the nodes by Kahn's algorithm (a node is ready once all its users are
    # done), keeps the adjoints in a dict, subtraction and division are composites, tanh's
    # slope is 1/cosh^2 and the logistic function is 0.5 (1 + tanh(x/2)).
    "q9-engine": '''
import math

class Value:
    def __init__(self, data, parents=(), back=None):
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(parents)
        self._back = back            # adjoint -> ((parent, contribution), ...)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def _unary(self, value, slope):
        return Value(value, (self,), lambda g: ((self, g * slope),))

    def __add__(self, other):
        other = Value.lift(other)
        return Value(self.data + other.data, (self, other), lambda g: ((self, g), (other, g)))

    __radd__ = __add__

    def __neg__(self):
        return self._unary(-self.data, -1.0)

    def __sub__(self, other):
        return self + (-Value.lift(other))

    def __rsub__(self, other):
        return Value.lift(other) + (-self)

    def __mul__(self, other):
        other = Value.lift(other)
        return Value(self.data * other.data, (self, other),
                     lambda g: ((self, g * other.data), (other, g * self.data)))

    __rmul__ = __mul__

    def __pow__(self, k):
        return self._unary(self.data ** k, k * self.data ** (k - 1))

    def __truediv__(self, other):
        return self * Value.lift(other) ** -1

    def __rtruediv__(self, other):
        return Value.lift(other) * self ** -1

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e)

    def log(self):
        return self._unary(math.log(self.data), 1.0 / self.data)

    def tanh(self):
        return self._unary(math.tanh(self.data), 1.0 / math.cosh(self.data) ** 2)

    def sigmoid(self):
        t = math.tanh(0.5 * self.data)
        return self._unary(0.5 * (1.0 + t), 0.25 * (1.0 - t * t))

    def backward(self):
        users, seen, stack = {}, {id(self)}, [self]
        while stack:                                   # count every edge into each node
            node = stack.pop()
            for p in node._parents:
                users[id(p)] = users.get(id(p), 0) + 1
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        adjoint = {id(self): 1.0}
        ready = [self]
        while ready:                                   # Kahn: all users done, then the node
            node = ready.pop()
            g = adjoint.pop(id(node))
            if not node._parents:
                node.grad += g                         # an input: accumulate across calls
                continue
            node.grad = g                              # interior: this sweep's adjoint
            for parent, contribution in node._back(g):
                adjoint[id(parent)] = adjoint.get(id(parent), 0.0) + contribution
                users[id(parent)] -= 1
                if users[id(parent)] == 0:
                    ready.append(parent)
''',
}

# -- plausible wrong answers ---------------------------------------------------------------

_RULES = '''
import math

def sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)

def sigmoid_jvp(x, x_dot):
    y = sigmoid(x)
    return y, y * (1.0 - y) * x_dot

def sigmoid_vjp(x, y_bar):
    y = sigmoid(x)
    return y_bar * y * (1.0 - y)
'''

# The reference engine of the notebook, without the solution markers; each wrong answer
# changes one piece of it.
_ENGINE = '''
def as_value(x):
    return x if isinstance(x, Value) else Value(x)


class Value:
    def __init__(self, data, parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents

    def __add__(self, other):
        other = as_value(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __radd__(self, other):
        return self + other

    def __neg__(self):
        return Value(-self.data, ((self, -1.0),))

    def __sub__(self, other):
        other = as_value(other)
        return Value(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return as_value(other) - self

    def __mul__(self, other):
        other = as_value(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        other = as_value(other)
        return Value(self.data / other.data,
                     ((self, 1.0 / other.data), (other, -self.data / other.data ** 2)))

    def __rtruediv__(self, other):
        return as_value(other) / self

    def __pow__(self, k):
        return Value(self.data ** k, ((self, k * self.data ** (k - 1)),))

    def exp(self):
        y = math.exp(self.data)
        return Value(y, ((self, y),))

    def log(self):
        return Value(math.log(self.data), ((self, 1.0 / self.data),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))

    def sigmoid(self):
        s = sigmoid(self.data)
        return Value(s, ((self, s * (1.0 - s)),))

    def backward(self):
        order = topo_order(self)
        for node in order:
            if node._parents:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, partial in node._parents:
                parent.grad += node.grad * partial


def topo_order(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node._parents if id(p) not in seen)
    return order
'''


def _changed(text: str, old: str, new: str) -> str:
    """TEXT with the one occurrence of OLD replaced by NEW."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


_TOPO = _ENGINE[_ENGINE.index("def topo_order(root):"):]
_BACKWARD = _ENGINE[_ENGINE.index("    def backward(self):"):_ENGINE.index("def topo_order")]

WRONG = [
    ("= instead of += in the sweep: a node used several times keeps one contribution",
     {"q9-engine": _changed(_ENGINE, "parent.grad += node.grad * partial",
                            "parent.grad = node.grad * partial")},
     {"q9-fanout-check", "q9-twice-check"}),
    ("a recursive topological sort: RecursionError on the chains of 5,000 operations",
     {"q9-engine": _changed(_ENGINE, _TOPO, '''def topo_order(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent, _ in node._parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order
''')},
     {"q9-deep-check"}),
    ("no topological order: each node passes its grad on as soon as the search reaches it",
     {"q9-engine": _changed(_ENGINE, _BACKWARD, '''    def backward(self):
        nodes, stack, seen = [], [self], {id(self)}
        while stack:                         # find the interior nodes, to reset them
            node = stack.pop()
            nodes.append(node)
            for p, _ in node._parents:
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        for node in nodes:
            if node._parents:
                node.grad = 0.0
        self.grad = 1.0
        stack, seen = [self], {id(self)}
        while stack:                         # depth-first, no sort
            node = stack.pop()
            for parent, partial in node._parents:
                parent.grad += node.grad * partial
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)


''')},
     {"q9-fanout-check"}),
    ("backward does not reset the interior nodes: a second call adds old adjoints again",
     {"q9-engine": _changed(_ENGINE, '''        for node in order:
            if node._parents:
                node.grad = 0.0
''', "")},
     {"q9-twice-check"}),
    ("backward resets the inputs too: two calls leave one gradient",
     {"q9-engine": _changed(_ENGINE, '''        for node in order:
            if node._parents:
                node.grad = 0.0
''', '''        for node in order:
            node.grad = 0.0
''')},
     {"q9-twice-check"}),
    ("sigmoid's VJP with the wrong sign (the inner derivative of exp(-x) forgotten)",
     {"q9-rules": _changed(_RULES, "return y_bar * y * (1.0 - y)",
                           "return -y_bar * y * (1.0 - y)")},
     {"q9-vjp-check"}),
    ("sigmoid's JVP without the input tangent: the slope, not the tangent",
     {"q9-rules": _changed(_RULES, "return y, y * (1.0 - y) * x_dot",
                           "return y, y * (1.0 - y)")},
     {"q9-jvp-check"}),
    ("central differences instead of sigmoid's rules",
     {"q9-rules": _changed(_changed(_RULES, "return y, y * (1.0 - y) * x_dot",
                                    "h = 1e-6\n    return y, (sigmoid(x + h) - sigmoid(x - h)) "
                                    "/ (2 * h) * x_dot"),
                           "return y_bar * y * (1.0 - y)",
                           "h = 1e-6\n    return y_bar * (sigmoid(x + h) - sigmoid(x - h)) "
                           "/ (2 * h)")},
     {"q9-jvp-check", "q9-vjp-check"}),
]
