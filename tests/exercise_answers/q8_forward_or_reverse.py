"""Answers to q8_forward_or_reverse for tests/test_exercises.py: written differently, and wrong."""

# -- written differently: must score full marks ------------------------------------------

DIFFERENT = {
    "q8-passes": '''
def passes(n, m):
    return dict(reverse=m, forward=n)

def choose_mode(n, m):
    return "reverse" if m < n else "forward"
''',
    # columns filled into a preallocated array; rows as pullbacks of the rows of an identity
    "q8-jac": '''
def jacobian_by_columns(f, x):
    x = np.asarray(x, dtype=float)
    J = None
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        col = np.asarray(adlab.jvp(f, (x,), (e,))[1])
        if J is None:
            J = np.zeros((col.size, x.size))
        J[:, j] = col
    return J, x.size

def jacobian_by_rows(f, x):
    out, pullback = adlab.vjp(f, np.asarray(x, dtype=float))
    m = np.size(out)
    J = np.vstack([np.asarray(pullback(np.eye(m)[i])[0]) for i in range(m)])
    return J, m
''',
    "q8-memory": '''
def stored_values(f, x):
    return len([row for row in adlab.trace(f, x).rows if not row.is_input])
''',
}

_COLUMNS = '''
def jacobian_by_columns(f, x):
    x = np.asarray(x, dtype=float)
    cols = [np.asarray(adlab.jvp(f, (x,), (e,))[1]) for e in np.eye(x.size)]
    return np.stack(cols, axis=1), len(cols)
'''

_ROWS = '''
def jacobian_by_rows(f, x):
    out, vjp_fn = adlab.vjp(f, np.asarray(x, dtype=float))
    rows = [np.asarray(vjp_fn(e)[0]) for e in np.eye(np.size(out))]
    return np.stack(rows, axis=0), len(rows)
'''

# -- plausible wrong answers: (what, {solution cell: code}, test cells that must lose points) --

WRONG = [
    ("passes and modes the wrong way round", {"q8-passes": '''
def passes(n, m):
    return {"forward": m, "reverse": n}

def choose_mode(n, m):
    return "reverse" if n <= m else "forward"
'''}, {"q8-passes-check"}),
    ("the mode the wrong way round only", {"q8-passes": '''
def passes(n, m):
    return {"forward": n, "reverse": m}

def choose_mode(n, m):
    return "reverse" if n <= m else "forward"   # the wrong way round
'''}, {"q8-passes-check"}),
    ("a tie goes to reverse", {"q8-passes": '''
def passes(n, m):
    return {"forward": n, "reverse": m}

def choose_mode(n, m):
    return "forward" if n < m else "reverse"
'''}, {"q8-passes-check"}),
    ("rows built by columns again", {"q8-jac": _COLUMNS + '''
def jacobian_by_rows(f, x):
    return jacobian_by_columns(f, x)      # columns again: n passes, f run n times
'''}, {"q8-rows-check"}),
    ("columns stacked as rows: J is n x m", {"q8-jac": '''
def jacobian_by_columns(f, x):
    x = np.asarray(x, dtype=float)
    cols = [np.asarray(adlab.jvp(f, (x,), (e,))[1]) for e in np.eye(x.size)]
    return np.stack(cols, axis=0), len(cols)
''' + _ROWS}, {"q8-columns-check"}),
    ("a new adlab.vjp for every row: f runs m times", {"q8-jac": _COLUMNS + '''
def jacobian_by_rows(f, x):
    x = np.asarray(x, dtype=float)
    m = np.size(f(x))
    rows = []
    for e in np.eye(m):
        _, vjp_fn = adlab.vjp(f, x)
        rows.append(np.asarray(vjp_fn(e)[0]))
    return np.stack(rows), len(rows)
'''}, {"q8-rows-check"}),
    ("the number of inputs counted as the number of VJPs", {"q8-jac": _COLUMNS + '''
def jacobian_by_rows(f, x):
    x = np.asarray(x, dtype=float)
    out, vjp_fn = adlab.vjp(f, x)
    rows = [np.asarray(vjp_fn(e)[0]) for e in np.eye(np.size(out))]
    return np.stack(rows), x.size
'''}, {"q8-rows-check"}),
    ("Jacobian by central differences", {"q8-jac": '''
def jacobian_by_columns(f, x):
    x = np.asarray(x, dtype=float)
    h = 1e-6
    cols = [(np.asarray(f(x + h * e)) - np.asarray(f(x - h * e))) / (2 * h) for e in np.eye(x.size)]
    return np.stack(cols, axis=1), len(cols)
''' + _ROWS}, {"q8-columns-check"}),
    ("inputs counted as stored values", {"q8-memory": '''
def stored_values(f, x):
    return len(adlab.trace(f, x).rows)
'''}, {"q8-memory-check"}),
    ("distinct operations counted, not operations", {"q8-memory": '''
def stored_values(f, x):
    return len({row.prim.name for row in adlab.trace(f, x).rows if not row.is_input})
'''}, {"q8-memory-check"}),
]
