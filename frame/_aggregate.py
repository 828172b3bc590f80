"""Grouped evaluation: turn key columns into groups and aggregation expressions into one value
per group.

The plan for ``group_by(keys).agg(exprs)`` and for window expressions (``expr.over(keys)``):

1. ``make_grouping`` evaluates nothing itself: it receives the key columns, factorizes them once
   into dense int64 codes (first-appearance order; optionally re-numbered in key order), and keeps
   the first row of every group (for the output keys).
2. ``aggregate`` walks an expression. Every aggregation node (``sum``, ``quantile``, ``top_k``,
   ``corr``...) is computed by a ``frame._core.groupby`` kernel over the codes, on the column its
   argument evaluates to (with ``.filter`` predicates applied to values and codes together).
   Arithmetic over aggregations is evaluated afterwards on the small table of per-group results,
   by the ordinary expression evaluator; a bare column becomes a list per group.

Kernels see NumPy views of Arrow buffers (``_numeric``): bool, temporal and duration columns are
viewed as integers and viewed back; strings and other orderable types go through their rank codes
(``sort.rank_codes``) for min/max/arg_min/arg_max and through a stable sort for top_k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from frame import _eval, _ops
from frame._core import groupby as _gb
from frame.dtypes import is_numeric, type_name
from frame.exceptions import ComputeError, InvalidOperationError, SchemaError, UnsupportedTypeError
from frame.expr import AGGREGATIONS, Expr, col

_INTERP = {
    "linear": _gb.INTERP_LINEAR,
    "lower": _gb.INTERP_LOWER,
    "higher": _gb.INTERP_HIGHER,
    "nearest": _gb.INTERP_NEAREST,
    "midpoint": _gb.INTERP_MIDPOINT,
}


@dataclass(frozen=True)
class Grouping:
    """Rows mapped to groups: ``codes[i]`` is the group of row ``i``."""

    codes: np.ndarray  # int64[height]
    n_groups: int
    first: np.ndarray  # int64[n_groups], first row of each group (-1 for an empty whole-column group)

    @property
    def height(self) -> int:
        return len(self.codes)


def make_grouping(keys: list[pa.ChunkedArray], *, sort: bool = False) -> Grouping:
    """Group the rows by the tuple of ``keys`` (null one value, NaN one value, -0.0 == 0.0)."""
    if len(keys[0]) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Grouping(empty, 0, empty)
    codes, n_groups, first = _ops.factorize(keys)
    if sort and n_groups > 1:
        firsts = [pa.chunked_array([_ops.take_column(k, first, check_bounds=False)]) for k in keys]
        perm = _ops.argsort(firsts, [False] * len(keys), [False] * len(keys))
        remap = np.empty(n_groups, dtype=np.int64)
        remap[perm] = np.arange(n_groups, dtype=np.int64)
        codes = remap[codes]
        first = first[perm]
    return Grouping(np.ascontiguousarray(codes, dtype=np.int64), int(n_groups), first)


def whole(height: int) -> Grouping:
    """Every row in one group (the whole-column form of a grouped aggregation)."""
    first = np.zeros(1, dtype=np.int64) if height else np.full(1, -1, dtype=np.int64)
    return Grouping(np.zeros(height, dtype=np.int64), 1, first)


def group_keys(keys: list[pa.ChunkedArray], grouping: Grouping) -> list[pa.Array]:
    """The key value of every group (its first row's)."""
    return [_ops.take_column(k, grouping.first, check_bounds=False) for k in keys]


def group_rows(grouping: Grouping) -> tuple[np.ndarray, np.ndarray]:
    """Rows ordered by group (stable) and the offsets of each group in that order."""
    return _gb.group_order(grouping.codes, grouping.n_groups)


def contains_aggregation(expr: Expr) -> bool:
    if _is_aggregation(expr):
        return True
    if expr.op == "over":
        return False
    return any(contains_aggregation(a) for a in expr.args)


def _is_aggregation(expr: Expr) -> bool:
    return expr.op in AGGREGATIONS


# ------------------------------------------------------------------------------------ planning
def aggregate(expr: Expr, table: pa.Table, grouping: Grouping) -> pa.Array:
    """One value per group (``grouping.n_groups`` rows) for ``expr``."""
    if expr.op == "alias":
        return aggregate(expr.args[0], table, grouping)
    if _is_aggregation(expr):
        return _aggregation(expr, table, grouping)
    if not contains_aggregation(expr):
        if not _references_columns(expr):
            value = _eval.evaluate(expr, table)
            if isinstance(value, pa.Scalar):
                return pa.repeat(value, grouping.n_groups)
        values, codes = _rows(expr, table, grouping)  # .filter(...) keeps only some rows
        return _implode_rows(values, codes, grouping.n_groups)
    rewritten, results = _rewrite(expr, lambda e: aggregate(e, table, grouping), grouping.n_groups)
    value = _eval.evaluate(rewritten, results)
    return _eval.broadcast(value, grouping.n_groups, expr.output_name()).combine_chunks()


def window(expr: Expr, table: pa.Table, grouping: Grouping) -> pa.ChunkedArray:
    """``expr`` with every aggregation computed per group and broadcast to the group's rows."""
    if not contains_aggregation(expr):
        return _eval.broadcast(_eval.evaluate(expr, table), table.num_rows, expr.output_name())
    height = table.num_rows
    codes = grouping.codes

    def per_row(e: Expr) -> pa.Array:
        per_group = aggregate(e, table, grouping)
        return _ops.take_column(pa.chunked_array([per_group]), codes, check_bounds=False)

    rewritten, extra = _rewrite(expr, per_row, height, allow_columns=True)
    augmented = table
    for name, column in zip(extra.column_names, extra.columns):
        augmented = augmented.append_column(name, column)
    return _eval.broadcast(_eval.evaluate(rewritten, augmented), height, expr.output_name())


def _references_columns(expr: Expr) -> bool:
    if expr.op in ("col", "cols", "series"):
        return True
    return any(_references_columns(a) for a in expr.args)


def _rewrite(expr: Expr, compute, height: int, allow_columns: bool = False) -> tuple[Expr, pa.Table]:
    """Replace every aggregation subtree by a reference to a computed column."""
    computed: dict[str, pa.Array] = {}

    def walk(e: Expr) -> Expr:
        if _is_aggregation(e):
            name = f"__frame_agg_{len(computed)}"
            computed[name] = compute(e)
            return col(name)
        if e.op in ("col", "cols", "series") and not allow_columns:
            raise InvalidOperationError(
                f"{expr!r} mixes aggregated values with the plain column {e!r}; aggregate it "
                f"too (e.g. {e!r}.first()), or use .over(...) for a per-row result"
            )
        if not e.args:
            return e
        return Expr(e.op, tuple(walk(a) for a in e.args), e.params)

    rewritten = walk(expr)
    if not computed:
        return rewritten, pa.table({"__frame_h": pa.nulls(height)}).drop(["__frame_h"])
    return rewritten, pa.table(computed)


# ------------------------------------------------------------------------------------ inputs
def _rows(expr: Expr, table: pa.Table, grouping: Grouping) -> tuple[pa.Array, np.ndarray]:
    """The values an aggregation reads, with their group codes (``.filter`` applied)."""
    predicates = []
    while expr.op == "filter":
        predicates.append(expr.args[1])
        expr = expr.args[0]
    if _contains_op(expr, "filter"):
        raise InvalidOperationError(
            f"{expr!r}: put .filter(...) directly before the aggregation, e.g. "
            "col('v').filter(col('w') > 0).sum()"
        )
    if contains_aggregation(expr):
        raise InvalidOperationError(
            f"{expr!r} nests an aggregation inside another; aggregate a column or an elementwise "
            "expression"
        )
    height = grouping.height
    values = _ops.single(_per_row(expr, table, grouping))
    codes = grouping.codes
    if predicates:
        mask = None
        for p in predicates:
            m = _ops.as_mask(_per_row(p, table, grouping), height)
            m = pc.fill_null(m, False)
            mask = m if mask is None else pc.and_(mask, m)
        keep = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
        values = _ops.filter_array(values, mask)
        codes = codes[keep]
    return values, codes


def _per_row(expr: Expr, table: pa.Table, grouping: Grouping) -> pa.ChunkedArray:
    """``expr`` on every row; window functions (``cum_sum``, ``shift``, ...) run along each
    group's rows, so ``agg(col('v').cum_sum().max())`` sees per-group running sums."""
    if _eval._contains_window_fn(expr):
        return _eval._over_windows(expr, table, grouping)
    return _eval.broadcast(_eval.evaluate(expr, table), grouping.height, expr.output_name())


def _contains_op(expr: Expr, op: str) -> bool:
    return expr.op == op or any(_contains_op(a, op) for a in expr.args)


@dataclass
class _Numeric:
    """A NumPy view of an Arrow column for the kernels, and how to turn results back."""

    values: np.ndarray
    valid: np.ndarray | None
    offset: int
    arrow_type: pa.DataType  # type of the original column (results of min/max/first are this type)
    physical: pa.DataType  # the integer/float type the values are viewed as


_VIEW_AS = {1: pa.int8(), 2: pa.int16(), 4: pa.int32(), 8: pa.int64()}


def _numeric(arr: pa.Array) -> _Numeric | None:
    """Zero-copy NumPy view of a numeric / bool / temporal array; None for other types."""
    t = arr.type
    physical = arr
    if pat.is_dictionary(t):
        value_type = t.value_type
        if not (is_numeric(value_type) or pat.is_boolean(value_type)):
            return None
        physical = arr.cast(value_type)
        t = value_type
    if pat.is_boolean(t):
        physical = pc.cast(physical, pa.uint8())
    elif pat.is_float16(t):
        physical = pc.cast(physical, pa.float32())
    elif pat.is_temporal(t) or pat.is_duration(t):
        physical = physical.view(_VIEW_AS[t.bit_width // 8])
    elif not (pat.is_integer(t) or pat.is_floating(t)):
        return None
    dtype = np.dtype(physical.type.to_pandas_dtype())
    n = len(physical)
    buffers = physical.buffers()
    if n == 0 or buffers[1] is None:
        values = np.empty(0, dtype=dtype)
    else:
        values = np.frombuffer(buffers[1], dtype=dtype, count=physical.offset + n)[physical.offset :]
    valid = None
    if physical.null_count and buffers[0] is not None:
        valid = np.frombuffer(buffers[0], dtype=np.uint8)
    return _Numeric(values, valid, physical.offset, arr.type, physical.type)


def _to_arrow(values: np.ndarray, has_value: np.ndarray | None, arrow_type: pa.DataType) -> pa.Array:
    """Kernel output back to Arrow (``has_value`` False -> null), viewed as ``arrow_type``."""
    mask = None if has_value is None or has_value.all() else ~has_value
    if pat.is_temporal(arrow_type) or pat.is_duration(arrow_type):
        return pa.array(values, mask=mask).view(arrow_type)
    if pat.is_boolean(arrow_type):
        return pa.array(values.astype(bool), mask=mask, type=pa.bool_())
    return pa.array(values, mask=mask).cast(arrow_type)


def _name(expr: Expr) -> str:
    try:
        return repr(expr.args[0]) if expr.args else repr(expr)
    except Exception:  # pragma: no cover - repr never fails on built expressions
        return "the column"


# ------------------------------------------------------------------------------------ aggregations
def _aggregation(expr: Expr, table: pa.Table, grouping: Grouping) -> pa.Array:
    op = expr.op
    ng = grouping.n_groups
    if op == "len" and not expr.args:
        return pa.array(_gb.group_count(grouping.codes, ng), pa.int64())
    if op in ("corr", "cov"):
        return _corr_cov(expr, table, grouping)
    values, codes = _rows(expr.args[0], table, grouping)
    fn = _DISPATCH.get(op)
    if fn is None:  # pragma: no cover - every name in AGGREGATIONS is dispatched
        raise InvalidOperationError(f"{op} cannot be computed per group")
    return fn(expr, values, codes, ng)


def _valid_count(values: pa.Array, codes: np.ndarray, ng: int) -> np.ndarray:
    if values.null_count == 0:
        return _gb.group_count(codes, ng)
    if pat.is_null(values.type):
        return np.zeros(ng, dtype=np.int64)
    valid = np.frombuffer(values.buffers()[0], dtype=np.uint8)
    return _gb.group_count(codes, ng, valid, values.offset)


def _agg_len(expr, values, codes, ng):
    return pa.array(_gb.group_count(codes, ng), pa.int64())


def _agg_count(expr, values, codes, ng):
    return pa.array(_valid_count(values, codes, ng), pa.int64())


def _agg_null_count(expr, values, codes, ng):
    return pa.array(_gb.group_count(codes, ng) - _valid_count(values, codes, ng), pa.int64())


def _require_numeric(expr: Expr, values: pa.Array, what: str) -> _Numeric | None:
    """The numeric view, None for an all-null (null-typed) column, or a clear error."""
    if pat.is_null(values.type):
        return None
    num = _numeric(values)
    t = values.type.value_type if pat.is_dictionary(values.type) else values.type
    if num is None or not (is_numeric(t) or pat.is_boolean(t) or pat.is_duration(t)):
        raise UnsupportedTypeError(
            f"{what} needs a numeric column, but {_name(expr)} is {type_name(values.type)}; "
            "cast it first, e.g. .cast(fr.Float64)"
        )
    return num


def _agg_sum(expr, values, codes, ng):
    if pat.is_decimal(values.type):
        return _pyarrow_grouped(values, codes, ng, "sum", fill=0)
    num = _require_numeric(expr, values, "sum")
    if num is None:
        return pa.array(np.zeros(ng, dtype=np.int64))
    out = _checked(_gb.group_sum, expr, num, codes, ng)
    if pat.is_duration(num.arrow_type):
        return pa.array(out).view(num.arrow_type)
    if pat.is_boolean(num.arrow_type):
        return pa.array(out.view(np.int64))  # counts of true: int64, like the column sum
    return pa.array(out)


def _checked(kernel, expr: Expr, num: _Numeric, codes: np.ndarray, ng: int) -> np.ndarray:
    """Run an integer sum/product kernel; overflow becomes a ComputeError naming the column."""
    try:
        return kernel(num.values, codes, ng, num.valid, num.offset)
    except OverflowError:
        unsigned = pat.is_unsigned_integer(num.physical) and not pat.is_boolean(num.arrow_type)
        raise ComputeError(
            f"{expr.op} of {_name(expr)} overflows {'uint64' if unsigned else 'int64'} in at least "
            "one group; cast the column to float64 (or decimal128) first"
        ) from None


def _agg_mean(expr, values, codes, ng):
    if pat.is_decimal(values.type):
        return _pyarrow_grouped(values, codes, ng, "mean")  # exact, in the decimal type
    num = _require_numeric(expr, values, "mean")
    if num is None:
        return pa.nulls(ng, pa.float64())
    sums = None
    if pat.is_integer(num.physical) and not pat.is_duration(num.arrow_type):
        # exact integer sums first (128-bit for 64-bit input): a mean of int64 values near the
        # limits must not lose the units to float64 rounding on the way
        try:
            sums = _gb.group_sum(num.values, codes, ng, num.valid, num.offset).astype(np.float64)
            counts = _valid_count(values, codes, ng)
        except OverflowError:
            sums = None
    if sums is None:
        sums, counts = _gb.group_sum_count(num.values, codes, ng, num.valid, num.offset)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return _to_arrow(means, counts > 0, pa.float64())


def _agg_std_var(expr, values, codes, ng):
    if pat.is_decimal(values.type):
        values = pc.cast(values, pa.float64())
    num = _require_numeric(expr, values, expr.op)
    if num is None:
        return pa.nulls(ng, pa.float64())
    ddof = expr.params["ddof"]
    counts, _means, m2 = _gb.group_m2(num.values, codes, ng, num.valid, num.offset)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = m2 / (counts - ddof)
        out = np.sqrt(var) if expr.op == "std" else var
    return _to_arrow(out, counts > ddof, pa.float64())


def _agg_product(expr, values, codes, ng):
    if pat.is_decimal(values.type):
        values = pc.cast(values, pa.float64())
    if pat.is_duration(values.type):
        raise UnsupportedTypeError(
            f"product of {_name(expr)} ({type_name(values.type)}) has no meaning; cast it to an "
            "integer first"
        )
    num = _require_numeric(expr, values, "product")
    if num is None:
        return pa.array(np.ones(ng, dtype=np.int64))
    out = _checked(_gb.group_product, expr, num, codes, ng)
    if pat.is_boolean(num.arrow_type):
        return pa.array(out.view(np.int64))
    return pa.array(out)


def _agg_bool(expr, values, codes, ng):
    if not (pat.is_boolean(values.type) or pat.is_null(values.type)):
        raise UnsupportedTypeError(
            f"{expr.op} needs a boolean column, but {_name(expr)} is {type_name(values.type)}"
        )
    if pat.is_null(values.type):
        return pa.array(np.full(ng, expr.op == "all"))
    num = _numeric(values)
    trues = _gb.group_sum(num.values, codes, ng, num.valid, num.offset)
    if expr.op == "any":
        return pa.array(trues > 0)
    return pa.array(trues == _valid_count(values, codes, ng).astype(np.uint64))


def _orderable(values: pa.Array) -> _Numeric:
    """Numeric view, or order-preserving rank codes (with the original validity) for strings,
    decimals and other sortable types."""
    num = _numeric(values)
    if num is not None:
        return num
    if not _ops.has_kernel_layout(values.type) or pat.is_null(values.type):
        raise UnsupportedTypeError(f"ordering values of type {type_name(values.type)} is not supported")
    codes = _ops.rank_codes(values)
    valid = None
    if values.null_count:
        valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=np.uint8)
        valid = np.packbits(valid, bitorder="little")
    return _Numeric(codes, valid, 0, values.type, pa.uint64())


def _agg_min_max(expr, values, codes, ng):
    if pat.is_null(values.type):
        return pa.nulls(ng, values.type)
    want_max = expr.op == "max"
    num = _numeric(values)
    if num is not None:
        out, has = _gb.group_min_max(num.values, codes, ng, want_max, num.valid, num.offset)
        return _to_arrow(out, has, num.arrow_type)
    rows = _arg_rows(values, codes, ng, want_max)
    return _ops.take_column(pa.chunked_array([values]), rows, check_bounds=False)


def _arg_rows(values: pa.Array, codes: np.ndarray, ng: int, want_max: bool) -> np.ndarray:
    """Row of the first min (max) non-null value of each group; -1 when none."""
    try:
        num = _orderable(values)
    except ValueError:  # no 64-bit rank codes (wide decimals): a stable sort instead
        return _sorted_pick(values, codes, ng, descending=want_max, position=None)
    return _gb.group_arg_extreme(num.values, codes, ng, want_max, num.valid, num.offset)


def _sorted_pick(values: pa.Array, codes: np.ndarray, ng: int, *, descending: bool,
                 position: float | None, interpolation: str = "lower") -> np.ndarray:
    """Rows chosen from each group's non-null values in sorted order, for types the numeric
    kernels do not cover: the first (``position=None``), or the quantile position."""
    order = _ops.argsort(
        [pa.chunked_array([pa.array(codes)]), pa.chunked_array([values])],
        [False, descending],
        [False, True],
    )
    sorted_codes = codes[order]
    valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    counts = np.bincount(codes[valid], minlength=ng) if valid.any() else np.zeros(ng, np.int64)
    starts = np.searchsorted(sorted_codes, np.arange(ng), side="left")
    if position is None:
        pick = np.zeros(ng, dtype=np.int64)
    else:
        exact = position * np.maximum(counts - 1, 0)
        if interpolation == "lower":
            pick = np.floor(exact)
        elif interpolation == "higher":
            pick = np.ceil(exact)
        else:  # nearest, ties to even (np.rint)
            pick = np.rint(exact)
        pick = pick.astype(np.int64)
    rows = np.full(ng, -1, dtype=np.int64)
    has = counts > 0
    rows[has] = order[starts[has] + pick[has]]
    return rows


def _agg_arg(expr, values, codes, ng):
    if pat.is_null(values.type):
        return pa.nulls(ng, pa.int64())
    rows = _arg_rows(values, codes, ng, expr.op == "arg_max")
    position = _gb.group_cumcount(codes, ng)
    found = rows >= 0
    out = np.where(found, position[np.where(found, rows, 0)] if len(position) else 0, 0)
    return _to_arrow(out.astype(np.int64), found, pa.int64())


def _agg_first_last(expr, values, codes, ng):
    first, last = _gb.group_first_last(codes, ng)
    rows = first if expr.op == "first" else last
    return _ops.take_column(pa.chunked_array([values]), rows, check_bounds=False)


def _agg_n_unique(expr, values, codes, ng):
    if len(values) == 0:
        return pa.array(np.zeros(ng, dtype=np.int64))
    pair_codes, _n, first = _ops.factorize(
        [pa.chunked_array([pa.array(codes)]), pa.chunked_array([values])]
    )
    del pair_codes
    return pa.array(np.bincount(codes[first], minlength=ng).astype(np.int64))


def _agg_quantile(expr, values, codes, ng):
    interp = expr.params["interpolation"]
    exact_result = interp in ("lower", "higher", "nearest")
    if pat.is_null(values.type):
        return pa.nulls(ng, pa.float64())
    if pat.is_boolean(values.type):
        values = pc.cast(values, pa.float64())  # like the whole-column quantile
        exact_result = False
    if pat.is_decimal(values.type):
        if exact_result:  # an element of the column: chosen in sorted order, kept exact
            rows = _sorted_pick(values, codes, ng, descending=False,
                                position=float(expr.params["q"]), interpolation=interp)
            return _ops.take_column(pa.chunked_array([values]), rows, check_bounds=False)
        values = pc.cast(values, pa.float64())
    num = _require_numeric(expr, values, "quantile")
    exact, as_float, state = _gb.group_quantile(
        num.values, codes, ng, float(expr.params["q"]), _INTERP[interp], num.valid, num.offset
    )
    if exact_result:
        if pat.is_floating(num.physical):
            exact = np.where(state == 2, np.nan, exact).astype(exact.dtype)
        return _to_arrow(exact, state > 0, num.arrow_type)
    as_float = np.where(state == 2, np.nan, as_float)
    return _to_arrow(as_float, state > 0, pa.float64())


def _agg_top_k(expr, values, codes, ng):
    k = expr.params["k"]
    largest = expr.op == "top_k"
    num = _numeric(values) if not pat.is_null(values.type) else None
    if num is not None:
        out, offsets = _gb.group_top_k(num.values, codes, ng, k, largest, num.valid, num.offset)
        flat = _to_arrow(out, None, num.arrow_type)
        return pa.LargeListArray.from_arrays(pa.array(offsets), flat)
    # other orderable types: a stable sort by (group, value), nulls dropped, k rows per group
    keep = pc.is_valid(values)
    kept_rows = np.flatnonzero(np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool))
    sub_values = _ops.take_column(pa.chunked_array([values]), kept_rows, check_bounds=False)
    sub_codes = codes[kept_rows]
    order = _ops.argsort(
        [pa.chunked_array([pa.array(sub_codes)]), pa.chunked_array([sub_values])],
        [False, largest],
        [False, False],
    )
    sorted_codes = sub_codes[order]
    rank = _gb.group_cumcount(np.ascontiguousarray(sorted_codes), ng)
    chosen = order[rank < k]
    counts = np.bincount(sub_codes[chosen], minlength=ng) if len(chosen) else np.zeros(ng, np.int64)
    offsets = np.zeros(ng + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = _ops.take_column(pa.chunked_array([sub_values]), chosen, check_bounds=False)
    return pa.LargeListArray.from_arrays(pa.array(offsets), flat)


def _implode_rows(values: pa.Array, codes: np.ndarray, ng: int) -> pa.Array:
    order, offsets = _gb.group_order(codes, ng)
    flat = _ops.take_column(pa.chunked_array([values]), order, check_bounds=False)
    return pa.LargeListArray.from_arrays(pa.array(offsets), flat)


def _agg_implode(expr, values, codes, ng):
    return _implode_rows(values, codes, ng)


def _as_float64(arr: pa.Array, expr: Expr) -> pa.Array:
    t = arr.type.value_type if pat.is_dictionary(arr.type) else arr.type
    if not (is_numeric(t) or pat.is_boolean(t) or pat.is_null(t)):
        raise UnsupportedTypeError(
            f"{expr.op} needs numeric columns, but {expr!r} has a {type_name(arr.type)} input"
        )
    return pc.cast(arr, pa.float64())


def _corr_cov(expr: Expr, table: pa.Table, grouping: Grouping) -> pa.Array:
    ng = grouping.n_groups
    x, codes = _rows(expr.args[0], table, grouping)
    y, codes_y = _rows(expr.args[1], table, grouping)
    if len(codes_y) != len(codes) or (len(codes) and not np.array_equal(codes, codes_y)):
        raise SchemaError(f"{expr.op}: both inputs must select the same rows; filter both alike")
    x = _as_float64(x, expr)
    y = _as_float64(y, expr)
    both = None  # one byte per row: both inputs present
    if x.null_count or y.null_count:
        present = pc.and_(pc.is_valid(x), pc.is_valid(y))
        both = np.asarray(present.to_numpy(zero_copy_only=False), dtype=np.uint8)
        x = pc.fill_null(x, 0.0)
        y = pc.fill_null(y, 0.0)
    counts, cxx, cyy, cxy = _gb.group_comoments(_numeric(x).values, _numeric(y).values, codes, ng, both)
    with np.errstate(invalid="ignore", divide="ignore"):
        if expr.op == "cov":
            ddof = expr.params["ddof"]
            return _to_arrow(cxy / (counts - ddof), counts > ddof, pa.float64())
        r = cxy / np.sqrt(cxx * cyy)
    return _to_arrow(r, counts >= 2, pa.float64())


def _pyarrow_grouped(values: pa.Array, codes: np.ndarray, ng: int, fn: str, fill=None) -> pa.Array:
    """Fallback through pyarrow's hash aggregation (types the kernels do not cover)."""
    grouped = pa.table({"g": pa.array(codes), "v": values}).group_by("g").aggregate([("v", fn)])
    result = grouped.column(f"v_{fn}").combine_chunks()
    positions = np.full(ng, -1, dtype=np.int64)
    positions[grouped.column("g").to_numpy()] = np.arange(grouped.num_rows)
    out = _ops.take_column(pa.chunked_array([result], type=result.type), positions, check_bounds=False)
    if fill is not None:
        out = pc.fill_null(out, pa.scalar(fill).cast(out.type))
    return out


_DISPATCH = {
    "len": _agg_len,
    "count": _agg_count,
    "null_count": _agg_null_count,
    "sum": _agg_sum,
    "mean": _agg_mean,
    "std": _agg_std_var,
    "var": _agg_std_var,
    "product": _agg_product,
    "any": _agg_bool,
    "all": _agg_bool,
    "min": _agg_min_max,
    "max": _agg_min_max,
    "arg_min": _agg_arg,
    "arg_max": _agg_arg,
    "first": _agg_first_last,
    "last": _agg_first_last,
    "n_unique": _agg_n_unique,
    "quantile": _agg_quantile,
    "median": _agg_quantile,
    "top_k": _agg_top_k,
    "bottom_k": _agg_top_k,
    "implode": _agg_implode,
}
