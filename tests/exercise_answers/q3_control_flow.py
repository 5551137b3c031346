"""Answers to q3_control_flow for tests/test_exercises.py: written differently, and wrong."""

_REFERENCE = '''
def gradient_of_sum(a0):
    a = adlab.tensor(a0, requires_grad=True)
    d = f(a)
    d.backward(gradient=np.ones(d.shape))
    return a.grad.numpy()

def jacobian(a0):
    return np.asarray(adlab.jacrev(f)(a0))

def weighted_gradient(a0, v):
    a = adlab.tensor(a0, requires_grad=True)
    f(a).backward(gradient=v)
    return a.grad.numpy()
'''

# Solution cells (by grade_id) written differently from the reference: must score full marks.
DIFFERENT = {
    # backward of the sum (a scalar), forward mode for the Jacobian, v passed as a tensor
    "q3-code": '''
def gradient_of_sum(a0):
    a = adlab.tensor(np.asarray(a0, dtype=float), requires_grad=True)
    f(a).sum().backward()
    return a.grad.numpy()

def jacobian(a0):
    return np.asarray(adlab.jacfwd(f)(np.asarray(a0, dtype=float)))

def weighted_gradient(a0, v):
    a = adlab.tensor(np.asarray(a0, dtype=float), requires_grad=True)
    d = f(a)
    d.backward(gradient=adlab.tensor(np.asarray(v, dtype=float)))
    return a.grad.detach().numpy()
''',
}

# Plausible wrong answers: (description, {grade_id: code}, set of test-cell grade_ids that must
# lose points). Every other test cell must keep full marks.
WRONG = [
    ("central differences instead of AD, and the gradient given as the Jacobian", {"q3-code": '''
def gradient_of_sum(a0):
    a0 = np.asarray(a0, dtype=float)
    g = np.zeros_like(a0)
    h = 1e-6
    for i in np.ndindex(a0.shape):
        e = np.zeros_like(a0)
        e[i] = h
        g[i] = (f(adlab.tensor(a0 + e)).numpy().sum()
                - f(adlab.tensor(a0 - e)).numpy().sum()) / (2 * h)
    return g

def jacobian(a0):
    return gradient_of_sum(a0)          # a gradient is not the Jacobian

def weighted_gradient(a0, v):
    a = adlab.tensor(a0, requires_grad=True)
    f(a).backward(gradient=v)
    return a.grad.numpy()
'''}, {"q3-sum-check", "q3-jacobian-check"}),
    ("the d2l check d / a used as the answer: not defined where an entry of a is 0", {"q3-code": '''
def _k(a0):
    a0 = np.asarray(a0, dtype=float)
    return f(adlab.tensor(a0)).numpy() / a0

def gradient_of_sum(a0):
    return _k(a0)

def jacobian(a0):
    return np.diag(_k(a0))

def weighted_gradient(a0, v):
    return _k(a0) * np.asarray(v)
'''}, {"q3-sum-check", "q3-jacobian-check", "q3-weighted-check"}),
    ("the gradient flattened: the wrong shape for a matrix",
     {"q3-code": _REFERENCE.replace("    return a.grad.numpy()\n\ndef jacobian",
                                    "    return a.grad.numpy().ravel()\n\ndef jacobian")},
     {"q3-sum-check"}),
    ("the mean of d instead of its sum", {"q3-code": _REFERENCE.replace(
        "    d.backward(gradient=np.ones(d.shape))", "    d.mean().backward()")},
     {"q3-sum-check"}),
    ("every row of the Jacobian is the gradient of the sum", {"q3-code": _REFERENCE.replace(
        "    return np.asarray(adlab.jacrev(f)(a0))",
        "    g = gradient_of_sum(a0)\n    return np.tile(g, (len(g), 1))")},
     {"q3-jacobian-check"}),
    ("v ignored: backward with a vector of ones", {"q3-code": _REFERENCE.replace(
        "    f(a).backward(gradient=v)", "    d = f(a)\n    d.backward(gradient=np.ones(d.shape))")},
     {"q3-weighted-check"}),
]

for _desc, _code, _ in WRONG:    # each replacement above must have found its text
    assert _code["q3-code"] != _REFERENCE, _desc
