"""Answers to q1_second_derivative for tests/test_exercises.py: written differently, and wrong."""

# Solution cells (by grade_id) written differently from the reference: must score full marks.
DIFFERENT = {
    # the derivatives built in a loop, the counts converted to int
    "q1-counts": '''
def operation_counts(f, x):
    counts = []
    g = f
    for _ in range(3):
        counts.append(int(adlab.trace(g, x).count()))
        g = adlab.grad(g)
    return tuple(counts)
''',
    # the times in a list comprehension, the median from the statistics module
    "q1-time": '''
import statistics
import time

def seconds_per_call(f, x, repeat=200):
    def once():
        start = time.perf_counter()
        f(x)
        return time.perf_counter() - start
    return statistics.median([once() for _ in range(repeat)])
''',
}

# Plausible wrong answers: (description, {grade_id: code}, set of test-cell grade_ids that must
# lose points). Every other test cell must keep full marks.
WRONG = [
    ("f'' never built: f' is traced twice", {"q1-counts": '''
def operation_counts(f, x):
    first = adlab.grad(f)
    return tuple(adlab.trace(g, x).count() for g in (f, first, first))
'''}, {"q1-counts-check", "q1-counts-hidden"}),
    ("the inputs counted too: len(trace) instead of count()", {"q1-counts": '''
def operation_counts(f, x):
    first = adlab.grad(f)
    return tuple(len(adlab.trace(g, x)) for g in (f, first, adlab.grad(first)))
'''}, {"q1-counts-check", "q1-counts-hidden"}),
    ("the operations each derivative adds, not the totals", {"q1-counts": '''
def operation_counts(f, x):
    first = adlab.grad(f)
    n0, n1, n2 = (adlab.trace(g, x).count() for g in (f, first, adlab.grad(first)))
    return (n0, n1 - n0, n2 - n1)
'''}, {"q1-counts-check", "q1-counts-hidden"}),
    ("the total time of all calls, not one call", {"q1-time": '''
import time

def seconds_per_call(f, x, repeat=200):
    start = time.perf_counter()
    for _ in range(repeat):
        f(x)
    return time.perf_counter() - start
'''}, {"q1-time-check"}),
    ("a warm-up call before the timed ones: repeat + 1 calls", {"q1-time": '''
import time

def seconds_per_call(f, x, repeat=200):
    f(x)                                  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f(x)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
'''}, {"q1-time-check"}),
    ("milliseconds instead of seconds", {"q1-time": '''
import time

def seconds_per_call(f, x, repeat=200):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f(x)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000
'''}, {"q1-time-check"}),
]
