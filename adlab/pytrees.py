"""Pytrees: nested tuples, lists and dicts of arrays, as JAX's transforms take them.

A pytree is a leaf (a number, an array, a tensor) or a tuple, list, named
tuple or dict whose entries are pytrees; ``None`` is an empty pytree. The
transforms flatten their arguments to a list of leaves, differentiate with
respect to each leaf, and rebuild the results in the same structure:
``grad(loss)({"W": W, "b": b})`` gives ``{"W": dW, "b": db}``. Dict entries
are visited in sorted key order, as in JAX.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable
from . import errors


@dataclass(frozen=True)
class TreeDef:
    """The structure of a pytree without its leaves.

    Attributes:
        kind: "leaf", "none", "tuple", "list", "namedtuple" or "dict".
        children: the structures of the entries, in flattening order.
        meta: the named tuple's type, or the dict's keys in flattening order.
    """

    kind: str
    children: tuple = ()
    meta: Any = None

    @functools.cached_property
    def num_leaves(self) -> int:
        """How many leaves the structure holds (counted once, without recursion)."""
        count, stack = 0, [self]
        while stack:
            t = stack.pop()
            if t.kind == "leaf":
                count += 1
            else:
                stack.extend(t.children)
        return count

    def __str__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = [str(c) for c in self.children]
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.meta, inner)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        name = self.meta.__name__ if self.kind == "namedtuple" else ""
        return name + "(" + ", ".join(inner) + ("," if len(inner) == 1 and not name else "") + ")"


LEAF = TreeDef("leaf")


def _sorted_keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:  # keys of mixed types: keep their order
        return tuple(d)


def tree_flatten(tree, is_leaf: Callable | None = None) -> tuple[list, TreeDef]:
    """The leaves of `tree` in order, and its structure.

    `is_leaf`, if given, marks subtrees to keep whole as leaves.
    """
    leaves: list = []
    # an explicit stack: ("visit", node) expands a node, ("build", ...) assembles a TreeDef
    stack: list = [("visit", tree)]
    built: list = []
    while stack:
        op, *rest = stack.pop()
        if op == "build":
            kind, n, meta = rest
            children = tuple(built[len(built) - n:]) if n else ()
            del built[len(built) - n:]
            built.append(TreeDef(kind, children, meta))
            continue
        node = rest[0]
        if is_leaf is not None and is_leaf(node):
            leaves.append(node)
            built.append(LEAF)
        elif node is None:
            built.append(TreeDef("none"))
        elif isinstance(node, tuple) and hasattr(node, "_fields"):
            stack.append(("build", "namedtuple", len(node), type(node)))
            stack.extend(("visit", c) for c in reversed(node))
        elif isinstance(node, (tuple, list)):
            kind = "tuple" if isinstance(node, tuple) else "list"
            stack.append(("build", kind, len(node), None))
            stack.extend(("visit", c) for c in reversed(node))
        elif isinstance(node, dict):
            keys = _sorted_keys(node)
            stack.append(("build", "dict", len(keys), keys))
            stack.extend(("visit", node[k]) for k in reversed(keys))
        else:
            leaves.append(node)
            built.append(LEAF)
    return leaves, built[0]


def tree_unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a pytree of structure `treedef` from its leaves, in order."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise errors.AdlabValueError(
            f"tree_unflatten: the structure {treedef} has {treedef.num_leaves} leaves, "
            f"but {len(leaves)} were given."
        )
    it = iter(leaves)
    # post-order with an explicit stack: children are built before their parent
    stack: list = [(treedef, False)]
    out: list = []
    while stack:
        node, expanded = stack.pop()
        if node.kind == "leaf":
            out.append(next(it))
        elif node.kind == "none":
            out.append(None)
        elif not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children))
        else:
            n = len(node.children)
            children = out[len(out) - n:] if n else []
            del out[len(out) - n:]
            if node.kind == "tuple":
                out.append(tuple(children))
            elif node.kind == "list":
                out.append(list(children))
            elif node.kind == "namedtuple":
                out.append(node.meta(*children))
            else:
                out.append(dict(zip(node.meta, children)))
    return out[0]


def tree_flatten_up_to(treedef: TreeDef, tree, what: str = "tree") -> list:
    """The subtrees of `tree` at the leaves of `treedef` (a prefix of tree's structure).

    A list where `treedef` has a leaf is kept whole: a tangent given as a list
    for an array primal is one leaf. Raises ValueError naming `what` on a mismatch.
    """
    out = []
    stack = [(treedef, tree)]
    while stack:
        d, t = stack.pop()
        if d.kind == "leaf":
            out.append(t)
            continue
        if d.kind == "none":
            if t is not None:
                raise errors.AdlabValueError(f"{what}: expected None, got {type(t).__name__}.")
            continue
        if d.kind == "dict":
            if not isinstance(t, dict) or set(t) != set(d.meta):
                raise errors.AdlabValueError(
                    f"{what}: expected a dict with keys {list(d.meta)}, got "
                    f"{sorted(t) if isinstance(t, dict) else type(t).__name__}.")
            children = [t[k] for k in d.meta]
        else:
            if not isinstance(t, (tuple, list)) or len(t) != len(d.children):
                got = f"{type(t).__name__} of length {len(t)}" if isinstance(t, (tuple, list)) \
                    else type(t).__name__
                raise errors.AdlabValueError(
                    f"{what}: expected a {d.kind} of length {len(d.children)} (structure {d}), "
                    f"got {got}.")
            children = list(t)
        stack.extend(reversed(list(zip(d.children, children))))
    return out


def tree_leaves(tree) -> list:
    """The leaves of `tree`, in flattening order."""
    return tree_flatten(tree)[0]


def tree_structure(tree) -> TreeDef:
    """The structure of `tree`."""
    return tree_flatten(tree)[1]


def tree_map(f: Callable, tree, *rest) -> Any:
    """Apply f to every leaf of `tree` (and the matching leaves of `rest`), keeping the structure."""
    leaves, treedef = tree_flatten(tree)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r)
        if r_def != treedef:
            raise errors.AdlabValueError(
                f"tree_map: the trees have different structures, {treedef} and {r_def}."
            )
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


__all__ = ["TreeDef", "tree_flatten", "tree_unflatten", "tree_flatten_up_to", "tree_leaves",
           "tree_structure", "tree_map"]
