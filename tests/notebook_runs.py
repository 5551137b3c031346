"""The course notebooks executed once per test session, shared by the tests that read outputs."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from adlab.course import execute


@functools.lru_cache(maxsize=None)
def _executed(path: str):
    return execute(Path(path), timeout=60)


def executed(path) -> object:
    """A fresh copy of notebook PATH run top to bottom in a fresh kernel (run once a session)."""
    return copy.deepcopy(_executed(str(Path(path).resolve())))
