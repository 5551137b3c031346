"""Answers to q2_backward_twice for tests/test_exercises.py: written differently, and wrong."""

# Solution cells (by grade_id) written differently from the reference: must score full marks.
DIFFERENT = {
    # y written as dot(x, x) * 2, both calls in one loop, only RuntimeError caught
    "q2-error": '''
def second_backward_error(x0):
    x = adlab.tensor(np.asarray(x0, dtype=float), requires_grad=True)
    y = adlab.dot(x, x) * 2
    error = None
    for _ in range(2):
        try:
            y.backward()
        except RuntimeError as e:
            error = e
    return error
''',
    # a helper builds x and y; x.grad is reset by setting it to None; copies of x.grad returned
    "q2-retain": '''
def _x_and_y(x0):
    x = adlab.tensor(np.asarray(x0, dtype=float), requires_grad=True)
    return x, 2 * adlab.dot(x, x)

def gradient_after_two_backwards(x0):
    x, y = _x_and_y(x0)
    for keep in (True, False):
        y.backward(retain_graph=keep)
    return np.array(x.grad.detach().numpy(), copy=True)

def gradient_of_second_call(x0):
    x, y = _x_and_y(x0)
    y.backward(retain_graph=True)
    x.grad = None
    y.backward()
    return np.array(x.grad.detach().numpy(), copy=True)
''',
}

_REFERENCE_RETAIN = '''
def gradient_after_two_backwards(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    y.backward()
    return x.grad.numpy()

def gradient_of_second_call(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    x.grad.zero_()
    y.backward()
    return x.grad.numpy()
'''

# Plausible wrong answers: (description, {grade_id: code}, set of test-cell grade_ids that must
# lose points). Every other test cell must keep full marks.
WRONG = [
    ("x.grad reset between the calls in Q2.2 too: 4x instead of 8x", {"q2-retain": '''
def gradient_after_two_backwards(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    x.grad.zero_()                      # drops the accumulation asked for
    y.backward()
    return x.grad.numpy()

def gradient_of_second_call(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    x.grad.zero_()
    y.backward()
    return x.grad.numpy()
'''}, {"q2-retain-check"}),
    ("no reset in Q2.3: 8x instead of 4x",
     {"q2-retain": _REFERENCE_RETAIN.replace("    x.grad.zero_()\n", "")},
     {"q2-zero-check"}),
    ("y = x.x without the factor 2: 4x and 2x",
     {"q2-retain": _REFERENCE_RETAIN.replace("2 * adlab.dot(x, x)", "adlab.dot(x, x)")},
     {"q2-retain-check", "q2-zero-check"}),
    ("the exception's message returned instead of the exception", {"q2-error": '''
def second_backward_error(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward()
    try:
        y.backward()
    except Exception as error:
        return str(error)
'''}, {"q2-error-check"}),
    ("the exception's class returned instead of the exception", {"q2-error": '''
def second_backward_error(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward()
    try:
        y.backward()
    except Exception as error:
        return type(error)
'''}, {"q2-error-check"}),
    ("retain_graph=True in the first call, so nothing is raised", {"q2-error": '''
def second_backward_error(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward(retain_graph=True)
    try:
        y.backward()
    except Exception as error:
        return error
    return None
'''}, {"q2-error-check"}),
    ("an error of one's own that names retain_graph, not adlab's", {"q2-error": '''
def second_backward_error(x0):
    x = adlab.tensor(x0, requires_grad=True)
    y = 2 * adlab.dot(x, x)
    y.backward()
    try:
        y.backward()
    except Exception:
        return RuntimeError("call backward(retain_graph=True) the first time")
'''}, {"q2-error-check"}),
]
