"""Pipeline: sequential composition of steps, the schema check, and the batch and row paths."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

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
from frame.ml._output import (
    OUTPUT_DTYPES,
    assemble_sparse,
    convert_output,
    dequantize_params,
    feature_ranges,
    fill_indicators,
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


# Sparse row blocks. A block step (``step._row_blocks()`` lists ``(key, names)``; e.g.
# ``Hash(output="onehot")``) writes only its nonzeros into the row dict,
# ``v[key] = ((j, value), ...)`` meaning ``names[j] = value`` and every other name 0.0, so a
# 2**20-feature block costs O(1) per record. A block that reaches the output untouched (its
# names are a run of the output features, in order, and no later step reads any of them) is
# scattered straight into the output vector; otherwise it is expanded into named values
# right after its step (O(block) per record, only for such pipelines).
def _row_plan(steps: Sequence[tuple[str, Step]], step_ops: Sequence[Any],
              features: list[str]) -> tuple[list[Any], Any]:
    """The row ops (expansions inserted after their step) and the row layout.

    The layout is None when no block is scattered (a row is ``[v[f] for f in features]``),
    else ``(positions of the other features, their names, ((key, offset), ...))``.
    """
    ops: list[Any] = []
    direct: list[tuple[Any, int, int]] = []
    pos: dict[str, int] = {}
    for k, ((_, step), op) in enumerate(zip(steps, step_ops, strict=True)):
        ops.append(op)
        for key, names in getattr(step, "_row_blocks", list)():
            if not pos:
                pos = {f: i for i, f in enumerate(features)}
            block = set(names)
            read_later = any(
                not block.isdisjoint([*s.columns_in_, *getattr(s, "_extra_inputs", list)()])
                for _, s in steps[k + 1:]
            )
            off = pos.get(names[0], -1) if names else -1
            if off >= 0 and features[off:off + len(names)] == names and not read_later:
                direct.append((key, off, len(names)))
            else:
                ops.append(_expand_op(key, names))
    if not direct:
        return ops, None
    in_block = np.zeros(len(features), dtype=bool)
    for _, off, n in direct:
        in_block[off:off + n] = True
    dense = np.flatnonzero(~in_block)
    return ops, (dense, tuple(features[i] for i in dense), tuple((key, off) for key, off, _ in direct))


def _expand_op(key: Any, names: list[str]) -> Any:
    """A row op writing a block's nonzeros as named values (the rest of the block 0.0)."""
    zeros = dict.fromkeys(names, 0.0)

    def op(v: dict) -> None:
        v.update(zeros)
        for j, x in v[key]:
            v[names[j]] = x

    return op


def _row_vector(v: dict, n: int, layout: Any) -> np.ndarray:
    """The float64 features of a row with scattered blocks (see :func:`_row_plan`)."""
    dense, names, blocks = layout
    out = np.zeros(n)
    if names:  # the same conversion as np.array(list, dtype=float64) on the list path
        out[dense] = np.array([v[f] for f in names], dtype=np.float64)
    for key, off in blocks:
        for j, x in v[key]:
            out[off + j] = x
    return out


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
        self.features_: list[str] = []
        self.lineage_: dict[str, dict[str, Any]] = {}
        self.feature_ranges_: dict[str, list[float]] = {}
        self.quantization_: dict[str, Any] | None = None
        self._ops: list[Any] = []
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
        schema: dict[str, pa.DataType] = dict(df.schema)
        cols: dict[str, Any] = {n: df._table.column(n) for n in schema}
        raw = set(schema)  # names still holding raw input values
        required: dict[str, pa.DataType] = {}
        keyed: set[str] = set()  # raw inputs used as categories / keys
        produced: set[str] = set()
        lineage: dict[str, dict[str, Any]] = {
            n: {"inputs": [n], "steps": []} for n in schema
        }
        fitted: list[tuple[str, Step]] = []
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
            avail = {n: t for n, t in schema.items() if n not in extra}
            names = as_selector(step.columns, step.default_columns).resolve(avail)
            if not names:
                raise InvalidOperationError(
                    f"step {sname!r} ({type(step).__name__}) selected no columns; columns "
                    f"available at this point: {', '.join(schema) or '(none)'}"
                )
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
            # new schema: consumed inputs are replaced in place; appended outputs go last
            new_names = [o for n in names for o in step.outputs_[n]]
            consumed = set(names) if step.consumes else set()
            for o in new_names:
                if o in schema and o not in consumed:
                    raise DuplicateError(
                        f"step {sname!r} would create column {o!r}, which already exists; "
                        "rename the input or drop it first"
                    )
            if len(set(new_names)) != len(new_names):
                raise DuplicateError(f"step {sname!r} produces duplicate feature names")
            out_type = getattr(step, "_out_type", None)
            new_schema: dict[str, pa.DataType] = {}
            for n, t in schema.items():
                if n in consumed:
                    for o in step.outputs_[n]:
                        new_schema[o] = out_type(n, o) if out_type else FLOAT
                else:
                    new_schema[n] = t
            if not step.consumes:
                for n in names:
                    for o in step.outputs_[n]:
                        new_schema[o] = out_type(n, o) if out_type else FLOAT
            # lineage
            sources = getattr(step, "_sources", None)
            for n in names:
                for o in step.outputs_[n]:
                    src = sources(o) if sources else [n]
                    inputs: list[str] = []
                    chain: list[dict[str, Any]] = []
                    for s in src:
                        for i in lineage[s]["inputs"]:
                            if i not in inputs:
                                inputs.append(i)
                        for c in lineage[s]["steps"]:
                            if c not in chain:
                                chain.append(c)
                    chain = [*chain, {"step": sname, "class": type(step).__name__,
                                      "params": step._lineage_params(n, o)}]
                    lineage[o] = {"inputs": inputs, "steps": chain}
            for n in consumed:
                raw.discard(n)
            for o in new_names:
                raw.discard(o)
                produced.add(o)
            cols.update(outs)
            schema = new_schema
            fitted.append((sname, step))
        features = []
        for n, t in schema.items():
            passthrough = (self.remainder == "passthrough" and n in raw
                           and family(t) in ("float", "int", "bool"))
            if n in produced or passthrough:
                if family(t) not in ("float", "int", "bool", "null"):
                    raise SchemaError(
                        f"column {n!r} reaches the output as {type_name(t)}; encode it "
                        "(OneHot, Ordinal, TargetEncode, CountEncode, Hash) or leave it to "
                        "remainder='drop'"
                    )
                if n in raw:
                    required[n] = t
                features.append(n)
        if not features:
            raise InvalidOperationError("the pipeline produces no features")
        self.steps_ = fitted
        self.features_ = features
        self.input_schema_ = {n: required[n] for n in df.columns if n in required}
        self.keyed_inputs_ = sorted(keyed)
        self.lineage_ = {f: lineage[f] for f in features}
        self._train_cols = cols  # for fit_transform; released by fit / fit_transform
        # training range of every feature (int8 quantization, lineage)
        self.feature_ranges_ = feature_ranges(cols, features)
        self.quantization_ = None
        self._compile()
        return self

    def _compile(self) -> None:
        """Build the row path: one closure per step, fixed required keys and feature order."""
        assert self.steps_ is not None
        step_ops = [step._row_op() for _, step in self.steps_]
        self._ops, self._row_layout = _row_plan(self.steps_, step_ops, self.features_)
        narrow = [(n, "f" if t.bit_width == 32 else "e") for n, t in self.input_schema_.items()
                  if pa.types.is_floating(t) and t.bit_width < 64 and n not in self.keyed_inputs_]
        if narrow:  # a float32/float16 input: round the record's value as the batch column is
            self._ops.insert(0, _narrow_op(narrow))
        raw = [f for f in self.features_ if f in self.input_schema_]  # passthrough inputs
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
            for sname, step in self._require_fitted():
                if unknown is not None:
                    for c, m in step._unknown(cols).items():
                        unknown[f"{sname}.{c}"] = m
                cols.update(step._batch(cols))
        return cols

    def _assemble(self, cols: dict[str, Any], dtype: str) -> np.ndarray:
        n = len(next(iter(cols.values()))) if cols else 0
        # features are written straight into the output type: NumPy's float64 -> float32/16
        # assignment rounds to nearest like the row path's single rounding, so no float64
        # matrix is built (int8 quantizes from float64)
        target = np.float64 if dtype == "int8" else OUTPUT_DTYPES[dtype]
        x = np.empty((len(self.features_), n), dtype=target)
        with np.errstate(over="ignore"):  # float16 overflow to inf is the documented result
            for j in fill_indicators(x, cols, self.features_):  # one-hot blocks: one scatter each
                x[j] = to_float(cols[self.features_[j]])
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
    def _row_values(self, row: Mapping[str, Any],
                    flagged: list[str] | None = None) -> list[float] | np.ndarray:
        """The feature values of one record; with ``flagged``, append its unknown-mask names."""
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
            return _row_vector(v, len(self.features_), self._row_layout)
        return [v[f] for f in self.features_]

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
        vals = self._row_values(row, flagged)
        dtype = self.dtype if dtype is None else dtype
        if dtype == "float64":
            out = np.array(vals, dtype=np.float64)
        elif dtype == "float32":
            try:
                out = np.array(vals, dtype=np.float32)
            except RuntimeWarning:  # overflow to inf under warnings-as-errors: same result
                with np.errstate(over="ignore"):
                    out = np.array(vals, dtype=np.float32)
        elif dtype == "int8":
            q = self._quant()
            out = np.array(quantize_row(vals, q["scale"], q["zero_point"]), dtype=np.int8)
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
        if return_unknown:
            flags: list[list[str]] = [[] for _ in rows]
            vals = [self._row_values(r, f) for r, f in zip(rows, flags, strict=True)]
        else:
            vals = [self._row_values(r) for r in rows]
        if dtype == "int8":
            q = self._quant()
            x = np.array([quantize_row(v, q["scale"], q["zero_point"]) for v in vals],
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
            this feature). ``as_text=True`` gives a readable multi-line string instead.

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
        """
        self._require_fitted()
        if as_text:
            lines = []
            for f in self.features_:
                e = self.lineage_[f]
                chain = " -> ".join(
                    f"{s['step']}({', '.join(f'{k}={v!r}' for k, v in s['params'].items())})"
                    for s in e["steps"]
                ) or "passthrough"
                lines.append(f"{f} <- {', '.join(e['inputs'])}: {chain}")
            return "\n".join(lines)
        return fr.DataFrame({
            "feature": list(self.features_),
            "inputs": [self.lineage_[f]["inputs"] for f in self.features_],
            "steps": [[s["step"] for s in self.lineage_[f]["steps"]] for f in self.features_],
            "params": [json.dumps(self.lineage_[f]["steps"], default=str) for f in self.features_],
        })

    # ------------------------------------------------------------------ output helpers
    def _quant(self) -> dict[str, Any]:
        if self.quantization_ is None:
            raise InvalidOperationError(
                "dtype='int8' needs quantization parameters; call pipeline.quantize() first"
            )
        return self.quantization_

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
                lo = [float(v) for v in np.nanmin(np.where(np.isnan(x), np.inf, x), axis=0)]
                hi = [float(v) for v in np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=0)]
        else:
            lo = [self.feature_ranges_[f][0] for f in self.features_]
            hi = [self.feature_ranges_[f][1] for f in self.features_]
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
