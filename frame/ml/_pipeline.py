"""Pipeline: sequential composition of steps, the schema check, and the batch and row paths."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import frame as fr
from frame.dtypes import type_name
from frame.exceptions import (
    ColumnNotFoundError,
    ComputeError,
    DuplicateError,
    FrameError,
    InvalidOperationError,
    SchemaError,
    ShapeError,
)
from frame.ml._base import (
    FLOAT,
    NO_UNKNOWN,
    NotFittedError,
    RowUnknown,
    Step,
    as_selector,
    family,
    to_float,
)
from frame.ml._layout import BlockSlice, FeatureList, Schema, block_names
from frame.ml._output import (
    OUTPUT_DTYPES,
    FeatureRanges,
    assemble_sparse,
    check_dense_size,
    convert_output,
    dequantize_params,
    feature_ranges,
    fill_blocks,
    quantize_batch,
    quantize_params,
    quantize_row,
)
from frame.ml._temporal import temporal_hint

__all__ = ["Pipeline", "as_frame"]


def as_frame(data: Any) -> fr.DataFrame:
    """A frame DataFrame from frame, pyarrow, pandas or polars input."""
    if isinstance(data, fr.DataFrame):
        return data
    try:
        return fr.DataFrame(data)
    except FrameError:
        raise
    except Exception as err:  # pragma: no cover - depends on the foreign object
        raise InvalidOperationError(
            f"cannot use a {type(data).__name__} as a frame; pass a frame, pyarrow, pandas or "
            "polars DataFrame"
        ) from err


def _compatible(train: pa.DataType, serve: pa.DataType, keyed: bool) -> bool:
    ft, fs = family(train), family(serve)
    if ft == fs or "null" in (ft, fs):
        return True
    # numbers used as numbers: int and float interchange (pandas turns int+NaN into float)
    return not keyed and {ft, fs} == {"int", "float"}


def _narrow_op(specs: list[tuple[str, str]]) -> Any:
    pack, unpack = struct.pack, struct.unpack
    inf = float("inf")

    def op(v: dict) -> None:
        for n, code in specs:
            x = v[n]
            if x is None:
                continue
            x = float(x)
            try:
                v[n] = unpack(code, pack(code, x))[0]
            except OverflowError:  # beyond the type's range: inf, as a cast would give
                v[n] = inf if x > 0 else -inf

    return op


# One-hot blocks (see frame.ml._layout). A block step (``step._blocks()``: OneHot,
# Hash(output="onehot")) emits a block as ONE working column (a ``Block`` under
# ``step._block_key(input)``) on the batch path, and on the row path writes only its nonzeros
# into the row dict, ``v[key] = ((j, value), ...)`` meaning feature ``j`` of the block is
# ``value`` and every other 0.0. Block features that a later step reads by name are
# *extracted* right after the block's step (batch: an Indicator column each; row: a named
# value each); the rest reach the output as block runs of the FeatureList.
ROW_EXPAND_MAX = 64  # row path: blocks up to this width are written as named values


def _block_plan(steps: Sequence[tuple[str, Step]]) -> list[list[tuple[Any, Any, list[tuple[str, int]]]]]:
    """Per step, its blocks: ``(key, names, [(name, j) read by a later step, ...])``."""
    plan = []
    for k, (_, step) in enumerate(steps):
        blocks = []
        for n, names in step._blocks():
            names = block_names(names)
            read: dict[str, int] = {}
            for _, later in steps[k + 1:]:
                for c in (*later.columns_in_, *getattr(later, "_extra_inputs", list)()):
                    j = names.find(c)
                    if j >= 0:
                        read[c] = j
            blocks.append((step._block_key(n), names, sorted(read.items(), key=lambda t: t[1])))
        plan.append(blocks)
    return plan


def _row_plan(plan: list[list[tuple[Any, Any, list[tuple[str, int]]]]], step_ops: Sequence[Any],
              features: FeatureList) -> tuple[list[Any], Any, list[str]]:
    """The row ops (block expansions/extractions inserted after their step), the row layout
    and the flat feature names (when the layout is None).

    A block wider than ``ROW_EXPAND_MAX`` is scattered straight into the output vector (O(1)
    per record), its extracted features written as named values; a narrower one is expanded
    into named values (the row is then a plain list when no block is scattered). The layout
    is None when no block is scattered (a row is ``[v[f] for f in flat]``), else
    ``(positions of the named features, their names, ((key, base, lo, hi), ...))``.
    """
    ops: list[Any] = []
    scatter: set[Any] = set()
    for blocks, op in zip(plan, step_ops, strict=True):
        ops.append(op)
        for key, names, read in blocks:
            if len(names) > ROW_EXPAND_MAX:
                scatter.add(key)
                if read:
                    ops.append(_extract_op(key, read))
            else:
                ops.append(_expand_op(key, list(names)))
    if not any(isinstance(e, BlockSlice) and e.key in scatter for e in features.entries):
        return ops, None, list(features)
    pos: list[int] = []
    names: list[str] = []
    runs: list[tuple[Any, int, int, int]] = []
    for e, p in features.starts():
        if isinstance(e, str):
            pos.append(p)
            names.append(e)
        elif e.key in scatter:
            runs.append((e.key, p - e.lo, e.lo, e.hi))
        else:
            pos.extend(range(p, p + e.width))
            names.extend(e.names.iter(e.lo, e.hi))
    return ops, (np.asarray(pos, dtype=np.int64), tuple(names), tuple(runs)), []


def _expand_op(key: Any, names: list[str]) -> Any:
    """A row op writing a block's features as named values (the nonzeros, the rest 0.0)."""
    zeros = dict.fromkeys(names, 0.0)

    def op(v: dict) -> None:
        v.update(zeros)
        for j, x in v[key]:
            v[names[j]] = x

    return op


def _extract_op(key: Any, read: list[tuple[str, int]]) -> Any:
    """A row op writing the block features later steps read as named values."""
    zeros = dict.fromkeys((name for name, _ in read), 0.0)
    by_j = {j: name for name, j in read}

    def op(v: dict) -> None:
        v.update(zeros)
        for j, x in v[key]:
            name = by_j.get(j)
            if name is not None:
                v[name] = x

    return op


def _row_vector(v: dict, n: int, layout: Any, dtype: Any = np.float64) -> np.ndarray:
    """The features of a row with scattered blocks (see :func:`_row_plan`), as ``dtype``.

    Written straight into the output dtype: fresh zeroed memory, then the named features
    (float64 values rounded once by the assignment, as ``astype`` rounds) and each block's
    nonzeros, so a wide block costs only the pages its values touch.
    """
    dense, names, runs = layout
    out = np.zeros(n, dtype=dtype)
    if names:  # the same conversion as np.array(list, dtype=float64) on the list path
        with np.errstate(over="ignore"):  # float32/16 overflow to inf is the documented result
            out[dense] = np.array([v[f] for f in names], dtype=np.float64)
    for key, base, lo, hi in runs:
        for j, x in v[key]:
            if lo <= j < hi:
                out[base + j] = x
    return out


def _block_feature_lineage(rec: dict[str, Any], step: Step, name: str) -> dict[str, Any]:
    """The lineage of one feature of a block, from the block's record."""
    return {"inputs": rec["inputs"], "steps": [*rec["steps"], {
        "step": rec["step"], "class": type(step).__name__,
        "params": step._lineage_params(rec["input"], name)}]}


def _lineage_line(name: str, e: dict[str, Any]) -> str:
    chain = " -> ".join(
        f"{s['step']}({', '.join(f'{k}={v!r}' for k, v in s['params'].items())})"
        for s in e["steps"]
    ) or "passthrough"
    return f"{name} <- {', '.join(e['inputs'])}: {chain}"


class _Span:
    """A parameter that runs over a block ("0..1023"), shown by ``lineage(as_text=True)``."""

    def __init__(self, lo: int, hi: int):
        self.lo, self.hi = lo, hi

    def __repr__(self) -> str:
        return repr(self.lo) if self.hi == self.lo else f"{self.lo}..{self.hi}"


_PLACEHOLDER = "\x00feature\x00"  # stands for the per-feature parameter in a block's lineage
_LINEAGE_CHUNK = 1 << 20  # features per Arrow chunk of a block's lineage


class Pipeline:
    """An ordered list of steps, fitted together; serves batches and single records.

    Each step selects its input columns (by name, dtype class or pattern; see
    :class:`Selector`) among the columns present at that point: the inputs not yet consumed by
    an earlier step plus the features earlier steps produced. Most steps replace their inputs
    in place (``OneHot`` replaces ``c`` by ``c=a, c=b, ...``); ``GroupAgg`` and crossed
    ``Hash`` append. The output features are, in column order, every column produced by a
    step, plus untouched numeric input columns when ``remainder="passthrough"``.

    Parameters
    ----------
    steps
        Steps, or ``(name, step)`` pairs; default names are the lower-case class names.
    remainder
        ``"drop"`` (default): input columns no step touched are ignored (and not required at
        serving time). ``"passthrough"``: untouched numeric/boolean inputs are output as is (other untouched
        inputs are still dropped).
    dtype
        Default output dtype: ``"float32"`` (default), ``"float64"`` or ``"float16"``.
        Computation is in float64 and rounded once to the output dtype; a float32 input is
        never silently widened in the output.
    strict
        Serving-time schema check: ``False`` ignores extra columns/keys; ``True`` raises on
        them. Missing or mistyped required columns always raise.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"age": [20.0, None, 40.0], "city": ["Oslo", "Lima", "Oslo"]})
    >>> pipe = ml.Pipeline([
    ...     ml.Impute("age", strategy="mean"),
    ...     ml.Standardize("age"),
    ...     ml.OneHot("city"),
    ... ]).fit(df)
    >>> pipe.get_feature_names_out()
    ['age', 'city=Lima', 'city=Oslo']
    >>> pipe.transform(df)
    array([[-1.2247449,  0.       ,  1.       ],
           [ 0.       ,  1.       ,  0.       ],
           [ 1.2247449,  0.       ,  1.       ]], dtype=float32)
    >>> pipe.transform_row({"age": 40.0, "city": "Lima"})
    array([1.2247449, 1.       , 0.       ], dtype=float32)
    """

    def __init__(
        self, steps: Sequence[Step | tuple[str, Step]], *, remainder: str = "drop",
        dtype: str = "float32", strict: bool = False,
    ):
        named: list[tuple[str, Step]] = []
        used: set[str] = set()
        for item in steps:
            if isinstance(item, tuple):
                name, step = item
            else:
                step = item
                base = type(step).__name__.lower()
                name, i = base, 2
                while name in used:
                    name, i = f"{base}_{i}", i + 1
            if not isinstance(step, Step):
                raise InvalidOperationError(
                    f"Pipeline steps must be frame.ml steps, got {type(step).__name__}"
                )
            if name in used:
                raise DuplicateError(f"two pipeline steps are named {name!r}")
            used.add(name)
            named.append((name, step))
        if remainder not in ("drop", "passthrough"):
            raise InvalidOperationError(f"remainder must be 'drop' or 'passthrough', got {remainder!r}")
        self._check_dtype(dtype)
        self.steps = named
        self.remainder = remainder
        self.dtype = dtype
        self.strict = strict
        self.steps_: list[tuple[str, Step]] | None = None
        self.input_schema_: dict[str, pa.DataType] = {}
        self.keyed_inputs_: list[str] = []
        self.features_: FeatureList = FeatureList([])
        self.lineage_: dict[str, dict[str, Any]] = {}  # plain features
        self.block_lineage_: dict[Any, dict[str, Any]] = {}  # block key -> its record
        self.feature_ranges_: Any = {}
        self.quantization_: dict[str, Any] | None = None
        self._ops: list[Any] = []
        self._row_layout: Any = None
        self._flat: list[str] = []  # the feature names when the row layout is None
        self._block_plan: list[Any] = []
        self._qrow: Any = None
        self._checked_ops: list[tuple[Any, Any, Any]] = []  # (op, unknown check, names)
        self._unknown_keys: list[str] = []  # the unknown_mask columns (without "any")
        self._unknown_pos: dict[str, int] = {}
        self._required: tuple[str, ...] = ()
        self._train_cols: dict[str, Any] | None = None

    @staticmethod
    def _check_dtype(dtype: str) -> None:
        if dtype not in OUTPUT_DTYPES:
            raise InvalidOperationError(
                f"unknown output dtype {dtype!r}; use one of {', '.join(OUTPUT_DTYPES)}"
            )

    def __repr__(self) -> str:
        inner = ",\n".join(f"    ({n!r}, {s!r})" for n, s in self.steps)
        state = "fitted" if self.steps_ is not None else "not fitted"
        return f"Pipeline([\n{inner}\n], remainder={self.remainder!r})  # {state}"

    # ------------------------------------------------------------------ fitting
    def fit(self, data: Any, y: Any = None) -> Pipeline:
        """Fit every step in order on ``data``.

        Parameters
        ----------
        data
            A frame, pyarrow, pandas or polars DataFrame.
        y
            The target for supervised steps: a column name of ``data`` (excluded from the
            features) or an array-like of length ``height``.

        Returns
        -------
        Pipeline
            ``self``, fitted. The fitted steps (copies of the given ones) are in ``steps_``.

        Raises
        ------
        ColumnNotFoundError
            A selected column (or the target) does not exist.
        SchemaError
            A step cannot use a selected column's type, or a non-numeric column would reach
            the output.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> df = fr.DataFrame({"c": ["a", "b", "a"], "label": [1.0, 0.0, 1.0]})
        >>> pipe = ml.Pipeline([ml.TargetEncode("c", smooth=0.0)]).fit(df, y="label")
        >>> pipe.named_steps["targetencode"].state_["c"]["values"]
        [1.0, 0.0]
        """
        self._fit(data, y, clone=True)
        self._train_cols = None
        return self

    def fit_transform(self, data: Any, y: Any = None, *, dtype: str | None = None) -> np.ndarray:
        """Fit, and return the training features (out-of-fold for ``TargetEncode``).

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> ml.Pipeline([ml.MinMaxScale()]).fit_transform(fr.DataFrame({"x": [0.0, 2.0]}))
        array([[0.],
               [1.]], dtype=float32)
        """
        return self._fit_transform(data, y, dtype, clone=True)

    def _fit_transform(self, data: Any, y: Any, dtype: str | None, *, clone: bool) -> np.ndarray:
        self._fit(data, y, clone=clone)
        cols, self._train_cols = self._train_cols, None
        return self._assemble(cols, self.dtype if dtype is None else dtype)

    def _target(self, df: fr.DataFrame, y: Any) -> tuple[fr.DataFrame, np.ndarray | None]:
        if y is None:
            return df, None
        if isinstance(y, str):
            if y not in df.columns:
                raise ColumnNotFoundError.for_name(y, df.columns)
            target = to_float(df._table.column(y))
            return df.drop(y), target
        if isinstance(y, fr.Series):
            target = to_float(y.to_arrow_chunked())
        else:
            target = np.asarray(y, dtype=np.float64)
        if target.ndim != 1 or len(target) != df.height:
            raise ShapeError(f"y has shape {target.shape}; expected ({df.height},)")
        return df, target

    def _fit(self, data: Any, y: Any, *, clone: bool) -> Pipeline:
        with np.errstate(all="ignore"):  # inf/NaN inputs are data, not warnings
            return self._fit_impl(data, y, clone=clone)

    def _fit_impl(self, data: Any, y: Any, *, clone: bool) -> Pipeline:
        df, target = self._target(as_frame(data), y)
        schema = Schema.of(dict(df.schema))
        cols: dict[Any, Any] = {n: df._table.column(n) for n in schema.types}
        raw = set(schema.types)  # names still holding raw input values
        required: dict[str, pa.DataType] = {}
        keyed: set[str] = set()  # raw inputs used as categories / keys
        produced: set[str] = set()
        lineage: dict[str, dict[str, Any]] = {
            n: {"inputs": [n], "steps": []} for n in schema.types
        }
        block_lineage: dict[Any, dict[str, Any]] = {}
        fitted: list[tuple[str, Step]] = []
        by_name: dict[str, Step] = {}
        for sname, step0 in self.steps:
            step = step0._clone() if clone else step0
            step._cache = {}
            if step.needs_y and target is None:
                raise InvalidOperationError(
                    f"step {sname!r} ({type(step).__name__}) needs a target: fit(df, y=...)"
                )
            extra = list(getattr(step, "_extra_inputs", list)())
            if extra:
                step._check_extra(schema)
            names = as_selector(step.columns, step.default_columns).resolve(schema.without(extra))
            if not names:
                raise InvalidOperationError(
                    f"step {sname!r} ({type(step).__name__}) selected no columns; columns "
                    f"available at this point: {', '.join(schema.hint_names()) or '(none)'}"
                )
            # block features read by name become columns of their own
            schema, pulled = schema.extract(names)
            for name, piece, j in pulled:
                cols[name] = cols[piece.key].indicator(j)
                lineage[name] = _block_feature_lineage(block_lineage[piece.key], by_name[piece.step], name)
            for n in names:
                step._check_input(n, schema[n])
            step.columns_in_ = names
            step.types_in_ = {n: schema[n] for n in names}
            for n in [*names, *extra]:
                if n in raw:
                    required[n] = schema[n]
                    if step.input_kind == "categorical" or n in extra:
                        keyed.add(n)
            outs = step._fit_transform(cols, target)
            step.outputs_ = {n: step._output_names(n) for n in names}
            blocks = {n: block_names(b) for n, b in step._blocks()}
            consumed = set(names) if step.consumes else set()
            self._check_new_names(sname, step, names, blocks, schema.without(consumed))
            # new schema: consumed inputs are replaced in place; appended outputs go last
            out_type = getattr(step, "_out_type", None)
            types = dict(schema.types)

            def entries_of(n: str, step: Step = step, blocks: dict = blocks, out_type: Any = out_type,
                           types: dict = types, sname: str = sname) -> list[Any]:
                if n in blocks:
                    b = blocks[n]
                    return [BlockSlice(sname, n, step._block_key(n), b, 0, len(b))] if len(b) else []
                for o in step.outputs_[n]:
                    types[o] = out_type(n, o) if out_type else FLOAT
                return list(step.outputs_[n])

            entries: list[Any] = []
            for e in schema.entries:
                entries.extend(entries_of(e) if isinstance(e, str) and e in consumed else (e,))
            if not step.consumes:
                for n in names:
                    entries.extend(entries_of(n))
            # lineage: a record per plain output, one per block
            sources = getattr(step, "_sources", None)
            for n in names:
                if n in blocks:
                    b = blocks[n]
                    if len(b):
                        inputs, chain = self._chain(lineage, sources(b[0]) if sources else [n])
                        block_lineage[step._block_key(n)] = {"step": sname, "input": n,
                                                             "inputs": inputs, "steps": chain}
                    continue
                for o in step.outputs_[n]:
                    inputs, chain = self._chain(lineage, sources(o) if sources else [n])
                    chain = [*chain, {"step": sname, "class": type(step).__name__,
                                      "params": step._lineage_params(n, o)}]
                    lineage[o] = {"inputs": inputs, "steps": chain}
            for n in consumed:
                raw.discard(n)
            for n in names:
                if n not in blocks:
                    for o in step.outputs_[n]:
                        raw.discard(o)
                        produced.add(o)
            cols.update(outs)
            schema = Schema(entries, types)
            fitted.append((sname, step))
            by_name[sname] = step
        features: list[Any] = []
        for e in schema.entries:
            if isinstance(e, BlockSlice):
                features.append(e)  # block features are produced float features
                continue
            t = schema.types[e]
            passthrough = (self.remainder == "passthrough" and e in raw
                           and family(t) in ("float", "int", "bool"))
            if e in produced or passthrough:
                if family(t) not in ("float", "int", "bool", "null"):
                    raise SchemaError(
                        f"column {e!r} reaches the output as {type_name(t)}; encode it "
                        "(OneHot, Ordinal, TargetEncode, CountEncode, Hash) or leave it to "
                        "remainder='drop'"
                    )
                if e in raw:
                    required[e] = t
                features.append(e)
        if not features:
            raise InvalidOperationError("the pipeline produces no features")
        self.steps_ = fitted
        self.features_ = FeatureList(features)
        self.input_schema_ = {n: required[n] for n in df.columns if n in required}
        self.keyed_inputs_ = sorted(keyed)
        self.lineage_ = {f: lineage[f] for f in features if isinstance(f, str)}
        self.block_lineage_ = {e.key: block_lineage[e.key] for e in features if isinstance(e, BlockSlice)}
        self._train_cols = cols  # for fit_transform; released by fit / fit_transform
        # training range of every feature (int8 quantization, lineage)
        self.feature_ranges_ = FeatureRanges(*feature_ranges(cols, self.features_), self.features_)
        self.quantization_ = None
        self._compile()
        return self

    @staticmethod
    def _chain(lineage: dict[str, dict[str, Any]], sources: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
        """The inputs and the step chain behind ``sources`` (deduplicated, in order)."""
        inputs: list[str] = []
        chain: list[dict[str, Any]] = []
        for s in sources:
            for i in lineage[s]["inputs"]:
                if i not in inputs:
                    inputs.append(i)
            for c in lineage[s]["steps"]:
                if c not in chain:
                    chain.append(c)
        return inputs, chain

    @staticmethod
    def _check_new_names(sname: str, step: Step, names: list[str], blocks: dict[str, Any],
                         rest: Schema) -> None:
        """Raise DuplicateError if a new output name exists already or twice among the new."""
        new = Schema([], {})
        for n in names:
            if n in blocks:
                b = blocks[n]
                hit = rest.collision(block=b)
                if hit is not None:
                    raise DuplicateError(
                        f"step {sname!r} would create column {hit!r}, which already exists; "
                        "rename the input or drop it first"
                    )
                if new.collision(block=b) is not None:
                    raise DuplicateError(f"step {sname!r} produces duplicate feature names")
                new = Schema([*new.entries, BlockSlice(sname, n, step._block_key(n), b, 0, len(b))], new.types)
                continue
            outs = list(step.outputs_[n])
            for o in outs:
                if o in rest:
                    raise DuplicateError(
                        f"step {sname!r} would create column {o!r}, which already exists; "
                        "rename the input or drop it first"
                    )
            if len(set(outs)) != len(outs) or new.collision(outs) is not None:
                raise DuplicateError(f"step {sname!r} produces duplicate feature names")
            new = Schema([*new.entries, *outs], {**new.types, **dict.fromkeys(outs, FLOAT)})

    def _compile(self) -> None:
        """Build the row path: one closure per step, fixed required keys and feature order."""
        assert self.steps_ is not None
        step_ops = [step._row_op() for _, step in self.steps_]
        self._block_plan = _block_plan(self.steps_)
        self._ops, self._row_layout, self._flat = _row_plan(self._block_plan, step_ops, self.features_)
        self._qrow = None
        narrow = [(n, "f" if t.bit_width == 32 else "e") for n, t in self.input_schema_.items()
                  if pa.types.is_floating(t) and t.bit_width < 64 and n not in self.keyed_inputs_]
        if narrow:  # a float32/float16 input: round the record's value as the batch column is
            self._ops.insert(0, _narrow_op(narrow))
        raw = [f for _, f in self.features_.plain() if f in self.input_schema_]  # passthrough inputs
        if raw:
            def passthrough(v: dict, raw: list = raw, nan: float = float("nan")) -> None:
                for n in raw:
                    x = v[n]
                    v[n] = nan if x is None else float(x)

            self._ops.append(passthrough)
        self._required = tuple(self.input_schema_)
        self._required_set = frozenset(self._required)
        # the row-path "I don't know" report (used only with return_unknown=True): each
        # step's check runs on the row dict just before the step's op, as the batch path
        # calls _unknown(cols) just before _batch(cols)
        checks: dict[Any, tuple[Any, dict[str, str]]] = {}
        self._unknown_keys = []
        for (sname, step), op in zip(self.steps_, step_ops, strict=True):
            cols, check = step._row_unknown_op()
            names = {c: f"{sname}.{c}" for c in cols}
            self._unknown_keys.extend(names.values())
            if check is not None:
                checks[op] = (check, names)
        self._checked_ops = [(op, *checks.get(op, (None, None))) for op in self._ops]
        # checks are matched to the step ops by identity: none may be lost if ops get wrapped
        assert sum(c is not None for _, c, _ in self._checked_ops) == len(checks)
        self._unknown_pos = {k: j for j, k in enumerate(self._unknown_keys)}

    # ------------------------------------------------------------------ checks
    def _require_fitted(self) -> list[tuple[str, Step]]:
        if self.steps_ is None:
            raise NotFittedError("Pipeline is not fitted yet; call fit(df) first")
        return self.steps_

    def check_schema(self, data: Any) -> None:
        """Raise if ``data`` lacks a required column or has one of the wrong type.

        Columns are matched by name (order does not matter). Type families must agree:
        integer widths, float widths and ``string``/``large_string``/``dictionary<string>`` are
        interchangeable; integer and float are interchangeable for columns used as numbers
        (not for category/key columns); a column of nulls fits any type. Timestamps of any
        unit and any time zone are interchangeable (the instant counts), naive and
        time-zone-aware timestamps are not; ``date32`` and ``date64`` are interchangeable.

        Raises
        ------
        ColumnNotFoundError
            A required column is missing (the message suggests close names).
        SchemaError
            A column has an incompatible type, or (``strict=True``) an extra column.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.Standardize("price")]).fit(fr.DataFrame({"price": [1.0, 2.0]}))
        >>> pipe.check_schema(fr.DataFrame({"prices": [1.0]}))
        Traceback (most recent call last):
        ...
        frame.exceptions.ColumnNotFoundError: column 'price' not found; did you mean 'prices'?
        """
        df = as_frame(data)
        self._check(df)

    def _check(self, df: fr.DataFrame) -> dict[str, Any]:
        self._require_fitted()
        schema = df.schema
        cols = {}
        for n, t in self.input_schema_.items():
            if n not in schema:
                raise ColumnNotFoundError.for_name(n, schema)
            if not _compatible(t, schema[n], n in self.keyed_inputs_):
                raise SchemaError(
                    f"column {n!r} is {type_name(schema[n])}; the pipeline was fitted on "
                    f"{type_name(t)}{temporal_hint(t, schema[n])}"
                )
            cols[n] = df._table.column(n)
        if self.strict:
            extra = [n for n in schema if n not in self.input_schema_]
            if extra:
                raise SchemaError(
                    f"unexpected column(s) {', '.join(map(repr, extra))} (strict=True); "
                    f"expected {', '.join(map(repr, self.input_schema_))}"
                )
        return cols

    # ------------------------------------------------------------------ batch path
    def _run(self, cols: dict[str, Any], unknown: dict[str, np.ndarray] | None) -> dict[str, Any]:
        with np.errstate(all="ignore"):  # inf/NaN inputs are data, not warnings
            for (sname, step), blocks in zip(self._require_fitted(), self._block_plan, strict=True):
                if unknown is not None:
                    for c, m in step._unknown(cols).items():
                        unknown[f"{sname}.{c}"] = m
                cols.update(step._batch(cols))
                for key, _, read in blocks:  # block features later steps read by name
                    if read:
                        block = cols[key]
                        cols.update((name, block.indicator(j)) for name, j in read)
        return cols

    def _assemble(self, cols: dict[str, Any], dtype: str) -> np.ndarray:
        n = len(next(iter(cols.values()))) if cols else 0
        # features are written straight into the output type: NumPy's float64 -> float32/16
        # assignment rounds to nearest like the row path's single rounding, so no float64
        # matrix is built (int8 quantizes from float64)
        target = np.float64 if dtype == "int8" else OUTPUT_DTYPES[dtype]
        check_dense_size(n, len(self.features_), np.dtype(target).itemsize)
        x = np.empty((len(self.features_), n), dtype=target)
        with np.errstate(over="ignore"):  # float16 overflow to inf is the documented result
            for p, name in fill_blocks(x, cols, self.features_):  # blocks: one scatter each
                x[p] = to_float(cols[name])
        if dtype == "int8":
            q = self._quant()
            return quantize_batch(x, q["scale"], q["zero_point"]).T
        return x.T

    def transform(self, data: Any, *, dtype: str | None = None, return_unknown: bool = False,
                  output: str = "numpy") -> Any:
        """Transform a batch.

        Parameters
        ----------
        data
            A frame, pyarrow, pandas or polars DataFrame with (at least) the input columns;
            matched by name, in any order.
        dtype
            ``"float32"`` (the pipeline default), ``"float64"``, ``"float16"`` or ``"int8"``
            (after :meth:`quantize`).
        return_unknown
            Also return :meth:`unknown_mask` (as a second value).
        output
            ``"numpy"`` (rows x features), ``"frame"`` (a DataFrame named by feature),
            ``"sparse"`` (``scipy.sparse.csr_matrix``) or ``"torch"`` (a tensor).

        Returns
        -------
        numpy.ndarray or DataFrame or scipy.sparse.csr_matrix or torch.Tensor
            Bit-for-bit equal to :meth:`transform_rows` on the same records.

        Raises
        ------
        NotFittedError, ColumnNotFoundError, SchemaError
            Not fitted; a missing or mistyped column.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.OneHot("c")]).fit(fr.DataFrame({"c": ["a", "b"]}))
        >>> pipe.transform(fr.DataFrame({"c": ["b", "z"]}), output="frame").rows()
        [(0.0, 1.0), (0.0, 0.0)]
        >>> pipe.transform(fr.DataFrame({"c": ["b"]}), output="sparse").nnz
        1
        """
        dtype = self.dtype if dtype is None else dtype
        if dtype != "int8":
            self._check_dtype(dtype)
        df = as_frame(data)
        cols = self._check(df)
        if output != "sparse" or dtype == "int8":  # fail before the work, not after
            check_dense_size(df.height, len(self.features_), 8 if dtype == "int8" else np.dtype(OUTPUT_DTYPES[dtype]).itemsize)
        unknown: dict[str, np.ndarray] | None = {} if return_unknown else None
        cols = self._run(cols, unknown)
        if output == "sparse" and dtype != "int8":
            out = assemble_sparse(cols, self.features_, df.height, OUTPUT_DTYPES[dtype])
        else:
            if df.height:
                x = self._assemble(cols, dtype)
            else:
                x = np.empty((0, len(self.features_)), dtype=np.dtype(OUTPUT_DTYPES.get(dtype, "int8")))
            out = convert_output(x, self.features_, output)
        if unknown is not None:
            return out, self._unknown_frame(unknown, df.height)
        return out

    def _unknown_frame(self, unknown: dict[str, np.ndarray], n: int) -> fr.DataFrame:
        anyv = np.zeros(n, dtype=bool)
        for m in unknown.values():
            anyv |= m
        return fr.DataFrame({**unknown, "any": anyv})

    def unknown_mask(self, data: Any) -> fr.DataFrame:
        """The "I don't know" report: per row, per step and input column, a flag.

        A flag is set where the value a step receives is outside its fitted support: a
        category never seen at fit, a number outside the fitted [min, max], or a missing value
        (null/NaN) where training had none. Columns are ``"<step>.<column>"`` plus ``"any"``.
        This runs the batch path (about a millisecond even for one record); for a live record
        use ``transform_row(row, return_unknown=True)``, which gives the same flags on the row
        path in microseconds (and ``transform_rows(rows, return_unknown=True)`` this frame).

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> train = fr.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})
        >>> pipe = ml.Pipeline([ml.Standardize("x"), ml.OneHot("c")]).fit(train)
        >>> pipe.unknown_mask(fr.DataFrame({"x": [5.0, 11.0], "c": ["a", "z"]})).rows()
        [(False, False, False), (True, True, True)]
        >>> pipe.unknown_mask([{"x": 5.0, "c": None}]).rows()  # records work too
        [(False, True, True)]
        """
        df = self._records_frame(data) if isinstance(data, list | tuple) else as_frame(data)
        cols = self._check(df)
        unknown: dict[str, np.ndarray] = {}
        self._run(cols, unknown)
        return self._unknown_frame(unknown, df.height)

    def _records_frame(self, rows: Sequence[Mapping[str, Any]]) -> fr.DataFrame:
        """Records as a frame typed by the input schema (for the mask of live records)."""
        self._require_fitted()
        data = {}
        for n, t in self.input_schema_.items():
            try:
                values = [r[n] for r in rows]
            except KeyError:
                missing = next(r for r in rows if n not in r)
                raise ColumnNotFoundError.for_name(n, list(missing)) from None
            try:
                data[n] = pa.array(values, type=t if not pa.types.is_dictionary(t) else t.value_type)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
                raise SchemaError(f"column {n!r}: {err}; the pipeline was fitted on {type_name(t)}") from err
        return fr.DataFrame(data) if data else fr.DataFrame({"_": [None] * len(rows)})

    # ------------------------------------------------------------------ row path
    def _row_values(self, row: Mapping[str, Any], flagged: list[str] | None = None,
                    dtype: Any = np.float64) -> list[float] | np.ndarray:
        """The feature values of one record; with ``flagged``, append its unknown-mask names.

        A list of floats, or with scattered blocks a vector of ``dtype``.
        """
        try:
            v = {n: row[n] for n in self._required}
        except KeyError:
            missing = [n for n in self._required if n not in row]
            raise ColumnNotFoundError.for_name(missing[0], list(row)) from None
        if self.strict and len(row) != len(self._required):
            extra = [k for k in row if k not in self._required_set]
            raise SchemaError(f"unexpected key(s) {', '.join(map(repr, extra))} (strict=True)")
        try:
            if flagged is None:
                for op in self._ops:
                    op(v)
            else:
                for op, check, names in self._checked_ops:
                    if check is not None:
                        bad = check(v)
                        if bad:
                            for c in bad:
                                flagged.append(names[c])
                    op(v)
        except FrameError:
            raise
        except (TypeError, ValueError, AttributeError) as err:
            raise self._diagnose(row) from err
        if self._row_layout is not None:  # sparse blocks: a float64 vector
            return _row_vector(v, len(self.features_), self._row_layout, dtype)
        return [v[f] for f in self._flat]

    def _diagnose(self, row: Mapping[str, Any]) -> SchemaError:
        for n, t in self.input_schema_.items():
            value = row[n]
            if value is None:
                continue
            f = family(t)
            ok = {
                "float": (isinstance(value, int | float) and not isinstance(value, bool)) or isinstance(value, np.floating | np.integer),
                "int": isinstance(value, int | np.integer) or (f == "int" and isinstance(value, float)),
                "bool": isinstance(value, bool | np.bool_),
                "string": isinstance(value, str),
            }.get(f, True)
            if not ok:
                return SchemaError(
                    f"column {n!r}: got {type(value).__name__} {value!r}; the pipeline was "
                    f"fitted on {type_name(t)}"
                )
        return SchemaError("a record value has a type the pipeline cannot use")

    def transform_row(self, row: Mapping[str, Any], *, dtype: str | None = None,
                      return_unknown: bool = False) -> np.ndarray | tuple[np.ndarray, RowUnknown]:
        """Transform one record (a mapping of column name to Python value).

        The row path runs precompiled closures over Python floats and dicts (no DataFrame,
        no per-value NumPy) and gives exactly the batch result. Keys are matched by name;
        extra keys are ignored unless ``strict=True``. ``None`` (and NaN for numbers) is a
        missing value. A value for a float32/float16 input is rounded to that type first, as
        the batch column would hold it.

        Parameters
        ----------
        row
            The record.
        dtype
            The output dtype (default: the pipeline's), as in :meth:`transform`.
        return_unknown
            Also return the record's "I don't know" report, computed on the row path in the
            same pass (a few microseconds; the default path does no extra work).

        Returns
        -------
        numpy.ndarray or tuple of (numpy.ndarray, RowUnknown)
            The features; with ``return_unknown=True``, ``(features, report)`` where
            ``report`` is a :class:`RowUnknown`: the tuple of ``"<step>.<column>"`` names
            that :meth:`unknown_mask` flags for this record (empty, and false, when none),
            with ``report.any`` as the overall flag.

        Raises
        ------
        ColumnNotFoundError
            A required key is missing.
        SchemaError
            A value of an unusable type (the message names the column), or an extra key
            under ``strict=True``.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 2.0]}))
        >>> pipe.transform_row({"x": 3.0, "ignored": "yes"})
        array([2.], dtype=float32)
        >>> x, report = pipe.transform_row({"x": 3.0}, return_unknown=True)  # 3.0 > fitted max
        >>> report, report.any
        (('standardize.x',), True)
        >>> pipe.transform_row({"x": 1.0}, return_unknown=True)[1]  # nothing flagged
        ()
        """
        self._require_fitted()
        flagged: list[str] | None = [] if return_unknown else None
        dtype = self.dtype if dtype is None else dtype
        if dtype != "int8":
            self._check_dtype(dtype)
        vals = self._row_values(row, flagged, OUTPUT_DTYPES.get(dtype, np.float64))
        if isinstance(vals, np.ndarray) and dtype != "int8":
            out = vals  # a wide row, written in the output dtype
        elif dtype == "float64":
            out = np.array(vals, dtype=np.float64)
        elif dtype == "float32":
            try:
                out = np.array(vals, dtype=np.float32)
            except RuntimeWarning:  # overflow to inf under warnings-as-errors: same result
                with np.errstate(over="ignore"):
                    out = np.array(vals, dtype=np.float32)
        elif dtype == "int8":
            out = np.array(quantize_row(vals, *self._quant_row()), dtype=np.int8)
        else:
            self._check_dtype(dtype)
            with np.errstate(over="ignore"):
                out = np.array(vals, dtype=np.float64).astype(OUTPUT_DTYPES[dtype])
        if flagged is None:
            return out
        if not flagged:
            return out, NO_UNKNOWN
        return out, RowUnknown(sorted(flagged, key=self._unknown_pos.__getitem__))  # mask order

    def transform_rows(self, rows: Sequence[Mapping[str, Any]], *, dtype: str | None = None,
                       return_unknown: bool = False) -> np.ndarray | tuple[np.ndarray, fr.DataFrame]:
        """Transform a list of records on the row path (rows x features).

        With ``return_unknown=True`` also returns the row-path "I don't know" report as a
        DataFrame equal to ``unknown_mask(rows)`` (same columns, same values).

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 2.0]}))
        >>> pipe.transform_rows([{"x": 0.0}, {"x": None}])
        array([[-1.],
               [nan]], dtype=float32)
        >>> pipe.transform_rows([{"x": 0.0}, {"x": None}], return_unknown=True)[1].rows()
        [(False, False), (True, True)]
        """
        self._require_fitted()
        dtype = self.dtype if dtype is None else dtype
        check_dense_size(len(rows), len(self.features_), 8)
        if return_unknown:
            flags: list[list[str]] = [[] for _ in rows]
            vals = [self._row_values(r, f) for r, f in zip(rows, flags, strict=True)]
        else:
            vals = [self._row_values(r) for r in rows]
        if dtype == "int8":
            scale, zero_point = self._quant_row()
            x = np.array([quantize_row(v, scale, zero_point) for v in vals],
                         dtype=np.int8).reshape(len(rows), len(self.features_))
        else:
            self._check_dtype(dtype)
            x = np.array(vals, dtype=np.float64).reshape(len(rows), len(self.features_))
            if dtype != "float64":
                with np.errstate(over="ignore"):
                    x = x.astype(OUTPUT_DTYPES[dtype])
        if not return_unknown:
            return x
        pos = self._unknown_pos
        mask = np.zeros((len(pos), len(rows)), dtype=bool)
        for i, flagged in enumerate(flags):
            for k in flagged:
                mask[pos[k], i] = True
        return x, self._unknown_frame({k: mask[j] for k, j in pos.items()}, len(rows))

    def check_parity(self, data: Any, *, dtype: str | None = None) -> None:
        """Check that ``transform(data)`` equals ``transform_rows`` on the same records.

        Equality is bit for bit, except that every NaN equals every NaN. Meant for tests and
        for validating a deployed pipeline on a sample of live records.

        Raises
        ------
        ComputeError
            Naming the first differing row and feature, with both values.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> df = fr.DataFrame({"x": [1.0, None, 4.0], "c": ["a", None, "b"]})
        >>> pipe = ml.Pipeline([ml.Log1p("x"), ml.OneHot("c")]).fit(df)
        >>> pipe.check_parity(df)
        """
        df = as_frame(data)
        batch = self.transform(df, dtype=dtype)
        rows = self.transform_rows(df.to_dicts(), dtype=dtype)
        bits = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[batch.dtype.itemsize]
        same = batch.view(bits) == rows.view(bits)
        if batch.dtype.kind == "f":
            same |= np.isnan(batch) & np.isnan(rows)
        if not same.all():
            i, j = (int(v) for v in np.argwhere(~same)[0])
            raise ComputeError(
                f"batch/row mismatch at row {i}, feature {self.features_[j]!r}: "
                f"{batch[i, j]!r} (batch) vs {rows[i, j]!r} (row)"
            )

    # ------------------------------------------------------------------ introspection
    def get_feature_names_out(self) -> list[str]:
        """Names of the output features, in output order.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> df = fr.DataFrame({"x": [1.0, None]})
        >>> ml.Pipeline([ml.Impute(add_indicator=True)]).fit(df).get_feature_names_out()
        ['x', 'x__missing']
        """
        self._require_fitted()
        return list(self.features_)

    @property
    def named_steps(self) -> dict[str, Step]:
        """Fitted steps by name (unfitted specs before ``fit``).

        Examples
        --------
        >>> from frame import ml
        >>> list(ml.Pipeline([ml.Clip(), ("scale", ml.Standardize())]).named_steps)
        ['clip', 'scale']
        """
        return dict(self.steps_ if self.steps_ is not None else self.steps)

    def lineage(self, *, as_text: bool = False) -> Any:
        """Map every output feature to its input columns, the steps and their parameters.

        Returns
        -------
        DataFrame or str
            Columns ``feature``, ``inputs`` (list of input column names), ``steps`` (the
            chain of step names) and ``params`` (JSON: each step's fitted parameters for
            this feature): one row per feature, also for a 2**20-bucket ``Hash`` block (its
            rows are built by Arrow from the block's one record). ``as_text=True`` gives a
            readable string instead: a line per feature, except that a run of numbered
            block features (``Hash(output="onehot")``), which differ only in their number,
            is one line ``"s#0..s#1023 <- s: hash(..., bucket=0..1023)"``. OneHot features
            keep a line each: each names its category.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> df = fr.DataFrame({"x": [1.0, 3.0], "c": ["a", "b"]})
        >>> pipe = ml.Pipeline([ml.Standardize("x"), ml.OneHot("c")]).fit(df)
        >>> print(pipe.lineage(as_text=True))
        x <- x: standardize(mean=2.0, scale=1.0, min=1.0, max=3.0, missing=False)
        c=a <- c: onehot(category='a', handle_unknown='ignore')
        c=b <- c: onehot(category='b', handle_unknown='ignore')
        >>> hashed = ml.Pipeline([ml.Hash("c", n_buckets=1 << 20, output="onehot")]).fit(df)
        >>> print(hashed.lineage(as_text=True))
        c#0..c#1048575 <- c: hash(n_buckets=1048576, seed=0, cross=False, output='onehot', alternate_sign=False, bucket=0..1048575)
        >>> hashed.lineage().height
        1048576
        """
        self._require_fitted()
        steps = dict(self.steps_)
        if as_text:
            lines = []
            for e in self.features_.entries:
                if isinstance(e, str):
                    lines.append(_lineage_line(e, self.lineage_[e]))
                    continue
                rec = self.block_lineage_[e.key]
                step = steps[rec["step"]]
                spec = step._lineage_block(rec["input"])
                if spec is None:  # named features (OneHot categories): a line each
                    lines.extend(_lineage_line(f, _block_feature_lineage(rec, step, f))
                                 for f in e.names.iter(e.lo, e.hi))
                    continue
                params, key = spec
                one = _block_feature_lineage(rec, step, e.names[e.lo])
                one["steps"][-1]["params"] = {**params, key: _Span(e.lo, e.hi - 1)}
                lines.append(_lineage_line(e.label(), one))
            return "\n".join(lines)
        feature: list[pa.Array] = []
        inputs: list[pa.Array] = []
        chains: list[pa.Array] = []
        params: list[pa.Array] = []
        run: list[tuple[str, dict[str, Any]]] = []  # features given by a record each

        def flush() -> None:
            if run:
                feature.append(pa.array([f for f, _ in run], type=pa.string()))
                inputs.append(pa.array([r["inputs"] for _, r in run], type=pa.list_(pa.string())))
                chains.append(pa.array([[s["step"] for s in r["steps"]] for _, r in run],
                                       type=pa.list_(pa.string())))
                params.append(pa.array([json.dumps(r["steps"], default=str) for _, r in run],
                                       type=pa.string()))
                run.clear()

        for e in self.features_.entries:
            if isinstance(e, str):
                run.append((e, self.lineage_[e]))
                continue
            rec = self.block_lineage_[e.key]
            step = steps[rec["step"]]
            spec = step._lineage_block(rec["input"])
            if spec is None:
                run.extend((f, _block_feature_lineage(rec, step, f)) for f in e.names.iter(e.lo, e.hi))
                continue
            flush()  # numbered block: every column built by Arrow, no Python object per feature
            one = _block_feature_lineage(rec, step, e.names[e.lo])
            one["steps"][-1]["params"] = {**spec[0], spec[1]: _PLACEHOLDER}
            head, tail = json.dumps(one["steps"], default=str).split(json.dumps(_PLACEHOLDER))
            one_inputs = pa.array([one["inputs"]], type=pa.list_(pa.string()))
            one_chain = pa.array([[s["step"] for s in one["steps"]]], type=pa.list_(pa.string()))
            for lo in range(e.lo, e.hi, _LINEAGE_CHUNK):  # chunks: a string array holds < 2 GB
                hi = min(lo + _LINEAGE_CHUNK, e.hi)
                same = pa.array(np.zeros(hi - lo, dtype=np.int64))
                nums = pc.cast(pa.array(np.arange(lo, hi, dtype=np.int64)), pa.string())
                feature.append(e.names.arrow(lo, hi))
                inputs.append(one_inputs.take(same))
                chains.append(one_chain.take(same))
                params.append(pc.binary_join_element_wise(head, nums, tail, ""))
        flush()
        return fr.DataFrame(pa.table({
            "feature": pa.chunked_array(feature, type=pa.string()),
            "inputs": pa.chunked_array(inputs, type=pa.list_(pa.string())),
            "steps": pa.chunked_array(chains, type=pa.list_(pa.string())),
            "params": pa.chunked_array(params, type=pa.string()),
        }))

    # ------------------------------------------------------------------ output helpers
    def _quant(self) -> dict[str, Any]:
        if self.quantization_ is None:
            raise InvalidOperationError(
                "dtype='int8' needs quantization parameters; call pipeline.quantize() first"
            )
        return self.quantization_

    def _quant_row(self) -> tuple[Any, Any]:
        """(scale, zero_point) for the row path: Python lists (a plain row is a list of
        Python floats), built once per set of parameters."""
        q = self._quant()
        if self._qrow is None or self._qrow[0] is not q:
            self._qrow = (q, np.asarray(q["scale"], dtype=np.float64).tolist(),
                          np.asarray(q["zero_point"], dtype=np.int64).tolist())
        return self._qrow[1], self._qrow[2]

    def quantize(self, dtype: str = "int8", data: Any = None) -> fr.DataFrame:
        """Fix per-feature int8 scale and zero-point, stored in the pipeline (and saved).

        The range of each feature is the training range (recorded at fit) or, when ``data``
        is given, the range of ``transform(data)``; it is widened to include 0 so that 0 is
        exact. ``q = clip(round_half_even(x / scale) + zero_point, -128, 127)``; a missing
        value (NaN) becomes the zero point. Afterwards ``transform(..., dtype="int8")`` and
        ``transform_row(..., dtype="int8")`` return int8.

        Returns
        -------
        DataFrame
            ``feature``, ``scale``, ``zero_point``, ``min``, ``max``.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.MinMaxScale()]).fit(fr.DataFrame({"x": [0.0, 5.0, 10.0]}))
        >>> pipe.quantize().rows()
        [('x', 0.00392156862745098, -128, 0.0, 1.0)]
        >>> pipe.transform(fr.DataFrame({"x": [0.0, 5.0, 10.0]}), dtype="int8")[:, 0]
        array([-128,    0,  127], dtype=int8)
        """
        self._require_fitted()
        if dtype != "int8":
            raise InvalidOperationError(f"only dtype='int8' quantization is supported, got {dtype!r}")
        if data is not None:
            x = self.transform(data, dtype="float64")
            with np.errstate(invalid="ignore"):
                lo = np.nanmin(np.where(np.isnan(x), np.inf, x), axis=0)
                hi = np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=0)
        else:
            lo, hi = self.feature_ranges_.min, self.feature_ranges_.max
        self.quantization_ = quantize_params(lo, hi)
        return dequantize_params(self.quantization_, self.features_)

    def to_torch(self, data: Any, *, dtype: str | None = None) -> Any:
        """Transform and hand the matrix to torch (DLPack, zero-copy from the NumPy result).

        Requires ``torch``; raises ``ImportError`` otherwise.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 2.0]}))
        >>> pipe.to_torch(fr.DataFrame({"x": [2.0]}))  # doctest: +SKIP
        tensor([[1.]])
        """
        return self.transform(data, dtype=dtype, output="torch")

    # ------------------------------------------------------------------ persistence
    def save(self, path: Any) -> None:
        """Save the fitted pipeline to the directory ``path`` (JSON manifest + Arrow IPC).

        No pickle: :func:`frame.ml.load` reads only data and never executes code.

        Examples
        --------
        >>> import tempfile, os, frame as fr
        >>> from frame import ml
        >>> pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 2.0]}))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     pipe.save(d)
        ...     sorted(os.listdir(d))
        ['manifest.json', 'state.arrow']
        """
        from frame.ml._persist import save

        save(self, path)
