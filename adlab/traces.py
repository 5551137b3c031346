"""Evaluation traces (Wengert lists): one recording of a function, as plain data.

`trace(f, *inputs)` runs f once on recording boxes and returns a `Trace`: one
frozen `Row` per input and per primitive application, numbered as in Baydin
et al. (2018): inputs v_{1-n} .. v_0, intermediates v_1 .. v_l in execution
order. `Trace.by_level` renumbers the same computation in rounds, as the paper
does (the operations of the inputs alone first); ``adlab trace`` and the
stepper use it for a typed formula, so ``ln(x1) + x1*x2 - sin(x2)`` gets the
paper's numbering there even though Python runs its sum before its sine.

`Trace.forward(seed)` and `Trace.reverse(seed)` then compute every row's
tangent or adjoint with the primitives' own JVP and VJP rules, and return
plain data as well. The reverse sweep visits the rows from last to first
and, for each row, its arguments in argument order; that order is the order
of `Adjoints.steps` and of the lines of the reverse table (for f in the
paper's order, the lines of Baydin et al.'s Table 3, which prints them bottom to top). Renderers
(`adlab.tables`, `adlab.graphs`) read only these records.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from . import errors
from ._dispatch import Primitive, apply, new_level, raw, register, shape_of
from .arraymethods import ArrayMethods
from .primitives import broadcast_to, unbroadcast


@dataclass(frozen=True)
class Const:
    """A constant argument of an operation (not a row of the trace)."""

    value: Any


@dataclass(frozen=True)
class Row:
    """One line of an evaluation trace.

    Attributes:
        index: Baydin's number i of v_i (1-n .. 0 for inputs, 1 .. l after).
        prim: the primitive applied, or None for an input row.
        args: the arguments, each a row index (int) or a `Const`.
        params: the primitive's keyword parameters (axis, shape, ...).
        value: the primal value (a float or a read-only array).
        name: the input's name (``x1``) for input rows, else None.
    """

    index: int
    prim: Primitive | None
    args: tuple
    params: Mapping = field(default_factory=lambda: MappingProxyType({}))
    value: Any = None
    name: str | None = None

    @property
    def is_input(self) -> bool:
        return self.prim is None

    @property
    def shape(self) -> tuple:
        return shape_of(self.value)

    @property
    def arg_rows(self) -> tuple:
        """Indices of the rows this row depends on, in argument order."""
        return tuple(a for a in self.args if isinstance(a, int))


@dataclass(frozen=True)
class Step:
    """One accumulation of the reverse sweep: v̄_target += v̄_source · ∂v_source/∂v_target.

    Attributes:
        target: row receiving the contribution.
        source: row whose adjoint is propagated.
        position: which argument of `source` the target is.
        partial: the local partial ∂v_source/∂v_target where it is a number
            (None when it is a Jacobian).
        contribution: v̄_source · ∂v_source/∂v_target.
        total: v̄_target after this step.
        first: True for the first contribution to target (v̄_t = ...), False
            for an accumulation onto an earlier one (v̄_t = v̄_t + ...).
    """

    target: int
    source: int
    position: int
    partial: Any
    contribution: Any
    total: Any
    first: bool


@dataclass(frozen=True)
class Tangents:
    """Every row's tangent v̇_i for one seed direction (a forward sweep)."""

    trace: "Trace"
    seed: tuple
    values: tuple

    def __getitem__(self, index: int):
        return self.values[self.trace.position(index)]

    def table(self, **options):
        """The forward (primal and tangent) table of this sweep; see `Trace.table`."""
        return self.trace.table("forward", seed=self.seed, **options)


@dataclass(frozen=True)
class Adjoints:
    """Every row's adjoint v̄_i after one reverse sweep, and the sweep's steps in order."""

    trace: "Trace"
    seed: Any
    values: tuple
    steps: tuple

    def __getitem__(self, index: int):
        return self.values[self.trace.position(index)]

    @property
    def gradient(self) -> tuple:
        """The adjoints of the inputs, x̄_1 .. x̄_n."""
        return tuple(self[i] for i in self.trace.inputs)


@dataclass(frozen=True)
class Trace:
    """An evaluation trace: rows, which of them are inputs and outputs, and their names.

    Attributes:
        rows: every `Row`, inputs first, then in execution order.
        inputs: indices of the input rows (1-n .. 0).
        outputs: indices of the output rows, in the order f returned them.
        function: the traced function's name.
    """

    rows: tuple
    inputs: tuple
    outputs: tuple
    function: str = "f"

    # -- lookup -------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of inputs."""
        return len(self.inputs)

    def position(self, index: int) -> int:
        """Position in `rows` of row v_index."""
        return index + self.n - 1

    def row(self, index: int) -> Row:
        """The row v_index."""
        return self.rows[self.position(index)]

    @property
    def input_names(self) -> tuple:
        return tuple(self.row(i).name for i in self.inputs)

    @property
    def output(self) -> Row:
        """The (first) output row."""
        return self.row(self.outputs[0])

    def __len__(self) -> int:
        return len(self.rows)

    def count(self) -> int:
        """Number of primitive applications (rows that are not inputs)."""
        return len(self.rows) - self.n

    # -- sweeps ---------------------------------------------------------------

    def _seed_tuple(self, seed) -> tuple:
        names = self.input_names
        shapes = [self.row(i).shape for i in self.inputs]
        if seed is None:
            seed = {names[0]: 1.0}
        if isinstance(seed, Mapping):
            unknown = set(seed) - set(names)
            if unknown:
                raise errors.AdlabValueError(
                    f"forward: seed names {sorted(unknown)} are not inputs of the trace; "
                    f"the inputs are {list(names)}."
                )
            seed = [seed.get(nm, None) for nm in names]
            seed = [np.ones(s) if (v is not None and s and np.ndim(v) == 0) else v
                    for v, s in zip(seed, shapes)]
            seed = [(0.0 if not s else np.zeros(s)) if v is None else v for v, s in zip(seed, shapes)]
        seed = list(seed)
        if len(seed) != self.n:
            raise errors.AdlabValueError(
                f"forward: the seed has {len(seed)} entries but the trace has {self.n} inputs "
                f"({', '.join(names)}); give one tangent per input or a dict by name."
            )
        out = []
        for k, (v, s) in enumerate(zip(seed, shapes)):
            v = raw(v)
            v = float(v) if not s and np.ndim(v) == 0 else np.asarray(v, dtype=float)
            if shape_of(v) != s:
                raise errors.AdlabValueError(
                    f"forward: the tangent of input {names[k]} has shape {shape_of(v)} but the "
                    f"input has shape {s}."
                )
            out.append(v)
        return tuple(out)

    def forward(self, seed=None) -> Tangents:
        """Tangents of every row for a seed direction, by the primitives' JVP rules.

        Args:
            seed: a dict by input name (missing inputs get 0), or one tangent per
                input; default: 1 for the first input and 0 for the others.
        Returns:
            A `Tangents` record.
        """
        seed = self._seed_tuple(seed)
        tangents = list(seed)
        for row in self.rows[self.n:]:
            vals = self._arg_values(row)
            t = None
            for k, a in enumerate(row.args):
                if isinstance(a, int):
                    c = row.prim.jvp[k](tangents[self.position(a)], row.value, *vals, **row.params)
                    t = c if t is None else t + c
            t = 0.0 if t is None else t
            if shape_of(t) != row.shape:
                t = np.array(broadcast_to(t, row.shape))
            tangents.append(_frozen(t))
        return Tangents(self, seed, tuple(tangents))

    def reverse(self, seed=1.0) -> Adjoints:
        """Adjoints of every row by the primitives' VJP rules, and each accumulation step.

        Args:
            seed: the output's adjoint ȳ (default 1.0; an array of the output's
                shape for a non-scalar output).
        Returns:
            An `Adjoints` record whose `steps` list every contribution in sweep
            order: rows from last to first, and for each row one step per
            argument that is a row, in argument order (an argument used twice,
            as in x * x, gets two steps).
        """
        out = self.output
        seed = raw(seed)
        if shape_of(seed) != out.shape:
            if shape_of(seed) == ():
                seed = np.full(out.shape, float(seed))
            else:
                raise errors.AdlabValueError(
                    f"reverse: the seed has shape {shape_of(seed)} but the output has shape "
                    f"{out.shape}."
                )
        adjoints: list = [None] * len(self.rows)
        adjoints[self.position(out.index)] = seed
        steps = []
        for row in reversed(self.rows[self.n:]):
            g = adjoints[self.position(row.index)]
            if g is None:
                continue
            vals = self._arg_values(row)
            for k, a in enumerate(row.args):
                if not isinstance(a, int):
                    continue
                target = self.row(a)
                c = unbroadcast(row.prim.vjp[k](g, row.value, *vals, **row.params), target.shape)
                pos = self.position(a)
                first = adjoints[pos] is None
                adjoints[pos] = c if first else adjoints[pos] + c
                steps.append(Step(a, row.index, k, self._partial(row, k, vals), _frozen(c),
                                  _frozen(adjoints[pos]), first))
        zeros = [0.0 if not r.shape else np.zeros(r.shape) for r in self.rows]
        values = tuple(_frozen(z if v is None else v) for v, z in zip(adjoints, zeros))
        return Adjoints(self, seed, values, tuple(steps))

    def partial(self, index: int, position: int):
        """The local partial ∂v_index/∂(argument `position`) where it is a number, else None."""
        row = self.row(index)
        return self._partial(row, position, self._arg_values(row))

    def _partial(self, row, k, vals):
        if row.shape != () or any(shape_of(v) != () for v in vals):
            return None
        return float(row.prim.jvp[k](1.0, row.value, *vals, **row.params))

    def _arg_values(self, row):
        return [self.row(a).value if isinstance(a, int) else a.value for a in row.args]

    def by_level(self) -> "Trace":
        """The same computation renumbered in rounds, as Baydin et al. (2018) number it.

        Round 1 holds every operation whose arguments are all inputs, round 2
        every operation that needs a result of round 1, and so on (a row's
        round is one more than its latest argument's); within a round the rows
        keep their execution order. For ln(x1) + x1*x2 - sin(x2) this gives the
        paper's v_1 = ln v_-1, v_2 = v_-1 v_0, v_3 = sin v_0, v_4 = v_1 + v_2,
        v_5 = v_4 - v_3, whatever order the operations ran in. `adlab trace`
        and the stepper number a typed formula this way; `trace` itself keeps
        the order the program ran.
        """
        rounds = {i: 0 for i in self.inputs}
        for row in self.rows[self.n:]:
            rounds[row.index] = 1 + max((rounds[a] for a in row.arg_rows), default=0)
        ops = sorted(self.rows[self.n:], key=lambda r: (rounds[r.index], r.index))
        new = {i: i for i in self.inputs}
        new.update({row.index: k + 1 for k, row in enumerate(ops)})
        rows = list(self.rows[:self.n])
        for row in ops:
            args = tuple(new[a] if isinstance(a, int) else a for a in row.args)
            rows.append(Row(new[row.index], row.prim, args, row.params, row.value, row.name))
        return Trace(tuple(rows), self.inputs, tuple(new[i] for i in self.outputs),
                     self.function)

    # -- renderers ------------------------------------------------------------

    def table(self, kind: str = "primal", seed=None, digits: int = 4):
        """A trace table: primal, tangent, adjoint, forward or reverse.

        ``forward`` (primal beside tangent) and ``reverse`` (primal beside
        adjoint) are in the format of Baydin et al.'s Tables 2 and 3.

        See `adlab.tables.TraceTable`: display it in Jupyter, or call
        ``.markdown()``, ``.latex()`` or ``.html()``.
        """
        from .tables import TraceTable

        return TraceTable(self, kind, seed=seed, digits=digits)

    def graph(self, **options):
        """The dependency graph as a `graphviz.Digraph`; see `adlab.graphs.trace_graph`."""
        from .graphs import trace_graph

        return trace_graph(self, **options)

    def _repr_markdown_(self):
        return self.table("primal").markdown()


def _frozen(v):
    if isinstance(v, np.ndarray):
        v = v.copy()
        v.flags.writeable = False
        return v
    if isinstance(v, np.generic):
        return v.item()
    return v


# -- recording ------------------------------------------------------------------


class _Recorder:
    def __init__(self):
        self.rows = []
        self.n_inputs = 0


class TraceVar(ArrayMethods):
    """A value being traced: its value and the row that produced it."""

    __slots__ = ("_level", "_value", "_row", "_recorder")

    def __init__(self, level, value, row, recorder):
        self._level = level
        self._value = value
        self._row = row
        self._recorder = recorder

    _kind = "a value being recorded by adlab.trace"

    def _primal_value(self):
        return self._value

    def __repr__(self):
        return f"TraceVar(v_{self._row}, {raw(self._value)!r})"


def _record_row(top, prim, args, params):
    """Processor for trace variables: apply one level down, append a row."""
    level, rec = top._level, top._recorder
    vals, refs = [], []
    for a in args:
        if type(a) is TraceVar and a._level == level:
            vals.append(a._value)
            refs.append(a._row)
        else:
            vals.append(a)
            refs.append(Const(_frozen(np.array(raw(a)) if np.ndim(raw(a)) else raw(a))))
    value = apply(prim, vals, params)
    index = len(rec.rows) - rec.n_inputs + 1
    rec.rows.append(Row(index, prim, tuple(refs), MappingProxyType(dict(params)),
                        _frozen(raw(value))))
    return TraceVar(level, value, index, rec)


register(TraceVar, _record_row)


def _input_names(f, n, names):
    if names is not None:
        names = tuple(names)
        if len(names) != n:
            raise errors.AdlabValueError(
                f"trace: {len(names)} names for {n} inputs; give one name per input."
            )
        return names
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) >= n:
        return tuple(params[:n])
    return tuple(f"x{i + 1}" for i in range(n))


def trace(f, *inputs, names=None) -> Trace:
    """Run f once on `inputs` and record every primitive it applies.

    Args:
        f: a function of len(inputs) arguments built from adlab operations.
        inputs: the point (floats or arrays).
        names: input names; default: f's parameter names (x1, x2, ...).
    Returns:
        A `Trace`, numbered as Baydin et al. (2018): v_{1-n} .. v_0 for the
        inputs and v_1 .. v_l for the operations in execution order.
    """
    names = _input_names(f, len(inputs), names)
    level = new_level()
    rec = _Recorder()
    n = len(inputs)
    rec.n_inputs = n
    boxes = []
    for k, (x, nm) in enumerate(zip(inputs, names)):
        if isinstance(x, (list, tuple)):
            x = np.asarray(x, dtype=float)
        errors.check_float(raw(x), "trace", f"input {nm}")
        index = k + 1 - n
        rec.rows.append(Row(index, None, (), MappingProxyType({}), _frozen(raw(x)), nm))
        boxes.append(TraceVar(level, x, index, rec))
    out = f(*boxes)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    indices = []
    for o in outs:
        if not (type(o) is TraceVar and o._level == level):
            raise errors.AdlabValueError(
                f"trace: {getattr(f, '__name__', 'f')} returned {errors._describe(o)}, which "
                f"does not depend on its inputs; return a value computed from them."
            )
        indices.append(o._row)
    return Trace(tuple(rec.rows), tuple(range(1 - n, 1)), tuple(indices),
                 getattr(f, "__name__", "f"))
