"""Grading the exercises with the student's code isolated and the verdict given outside it.

Instructor tooling: ``import adlab`` does not load it. The parts:
sandbox (bubblewrap, prlimit, setpriv), run (one notebook in the sandbox, then
the key's verdicts), key (what a key file is), nbgrader (nbgrader's autograde
step that uses them) and __main__ (``python -m adlab.autograde``, behind
``make autograde``: every submission, in parallel, with a summary and grades.csv).
"""
