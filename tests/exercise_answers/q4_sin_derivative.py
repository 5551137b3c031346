"""Answers to q4_sin_derivative for tests/test_exercises.py: written differently, and wrong."""

_PLOT = '''
def plot_sin_and_derivative(xs):
    ys, dys = values_and_derivatives(adlab.sin, xs)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(xs, ys, label="sin")
    ax.plot(xs, dys, label="derivative by AD")
    ax.set_xlabel("x")
    ax.legend()
    return fig
'''

_VALUES = '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    x = adlab.tensor(np.asarray(xs, dtype=float), requires_grad=True)
    y = f(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()
'''

# Solution cells (by grade_id) written differently from the reference: must score full marks.
DIFFERENT = {
    # one scalar reverse pass per point with adlab.value_and_grad; the figure made by
    # plt.figure and add_subplot, with line styles
    "q4-code": '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    value_and_slope = adlab.value_and_grad(f)
    pairs = [value_and_slope(float(x)) for x in xs]
    ys = np.array([float(v) for v, _ in pairs])
    dys = np.array([float(d) for _, d in pairs])
    return ys, dys

def plot_sin_and_derivative(xs):
    fig = plt.figure()
    ax = fig.add_subplot()
    ys, dys = values_and_derivatives(adlab.sin, xs)
    ax.plot(xs, ys, "b-", label="sin")
    ax.plot(xs, dys, "r--", label="derivative by AD")
    ax.legend(loc="upper right")
    return fig
''',
}

# Plausible wrong answers: (description, {grade_id: code}, set of test-cell grade_ids that must
# lose points). Every other test cell must keep full marks.
WRONG = [
    ("a central difference with its best step, not AD", {"q4-code": '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    xs = np.asarray(xs, dtype=float)
    h = 6e-6                             # about the cube root of machine epsilon
    ys = f(adlab.tensor(xs)).numpy()
    dys = (f(adlab.tensor(xs + h)).numpy() - f(adlab.tensor(xs - h)).numpy()) / (2 * h)
    return ys, dys
''' + _PLOT}, {"q4-values-check"}),
    ("cos written as sin(x + pi/2), whatever f is", {"q4-code": '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    xs = np.asarray(xs, dtype=float)
    return f(adlab.tensor(xs)).numpy(), np.sin(xs + np.pi / 2)
''' + _PLOT}, {"q4-values-check"}),
    ("cos fetched as getattr(np, 'c' + 'os'), whatever f is", {"q4-code": '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    xs = np.asarray(xs, dtype=float)
    return f(adlab.tensor(xs)).numpy(), getattr(np, "c" + "os")(xs)
''' + _PLOT}, {"q4-values-check"}),
    ("the values are sin(xs) whatever f is; only the derivative uses f", {"q4-code": '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    x = adlab.tensor(np.asarray(xs, dtype=float), requires_grad=True)
    f(x).sum().backward()
    return np.sin(xs), x.grad.numpy()
''' + _PLOT}, {"q4-values-check"}),
    ("the mean of f(x) instead of its sum: every derivative divided by len(xs)", {"q4-code": '''
import matplotlib.pyplot as plt

def values_and_derivatives(f, xs):
    x = adlab.tensor(np.asarray(xs, dtype=float), requires_grad=True)
    y = f(x)
    y.mean().backward()
    return y.detach().numpy(), x.grad.numpy()
''' + _PLOT}, {"q4-values-check", "q4-plot-check"}),
    ("the curves drawn against their index, not against xs",
     {"q4-code": _VALUES + _PLOT.replace("ax.plot(xs, ys,", "ax.plot(ys,")
                                .replace("ax.plot(xs, dys,", "ax.plot(dys,")},
     {"q4-plot-check"}),
    ("no legend", {"q4-code": _VALUES + _PLOT.replace("    ax.legend()\n", "")},
     {"q4-plot-check"}),
]
