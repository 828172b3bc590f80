"""Pure-Python reference for ``DataFrame.group_by`` and ``Expr.over`` (tests only).

It codes the contract in the group-by spec as directly as possible, one Python loop per rule,
so that it is obviously right and independent of frame and of pyarrow's compute kernels:

- keys: null is one group, every NaN bit pattern is one group, ``-0.0 == 0.0``, dictionary
  columns group by value (also when chunks carry different dictionaries); groups come in
  order of first appearance and show the key of their first row;
- aggregations work on the *physical* Python values of a column: ints for temporal types
  (so timestamps with a time zone, dates and durations compare as their instants), ``Decimal``
  for decimals, ``float`` for floats (NaN payloads all become ``nan``), ``str``/``bytes``;
- exact arithmetic (``int``, ``fractions.Fraction``, ``decimal`` at 80 digits) wherever the
  result is defined exactly, so the tolerance in the tests only absorbs frame's rounding.

Where the spec leaves a detail open, the reference follows the whole-column
``DataFrame.select`` aggregation (the spec says group-by must equal it); each such reading is
marked ``select reading`` below. Where the spec is explicit and ``select`` deviates from it
(min/max/first/last keep the input type, nearest/lower/higher quantiles keep the input type,
an all-NaN quantile is NaN), the reference follows the spec.
"""

from __future__ import annotations

import decimal
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

import frame as fr
from frame.testing import strategies as fst

__all__ = [
    "Agg",
    "Group",
    "SumOverflow",
    "aggregate",
    "canonical",
    "expected_table",
    "group_by_rows",
    "groups",
    "physical",
    "result_type",
    "sort_groups",
    "to_arrow",
]

INTERPOLATIONS = ("nearest", "lower", "higher", "midpoint", "linear")

_INT64 = (-(2**63), 2**63 - 1)
_UINT64 = (0, 2**64 - 1)


class SumOverflow(Exception):
    """An integer sum left the int64/uint64 range: frame must raise ComputeError."""

    def __init__(self, column: str):
        super().__init__(column)
        self.column = column


# --------------------------------------------------------------------------------------------
# Physical values
# --------------------------------------------------------------------------------------------


def _storage_type(t: pa.DataType) -> pa.DataType | None:
    """Integer storage of a temporal type, or None for everything else."""
    if pa.types.is_date32(t) or pa.types.is_time32(t):
        return pa.int32()
    if (
        pa.types.is_date64(t)
        or pa.types.is_timestamp(t)
        or pa.types.is_duration(t)
        or pa.types.is_time64(t)
    ):
        return pa.int64()
    return None


def _physical_array(arr: pa.Array) -> list[Any]:
    t = arr.type
    if pa.types.is_dictionary(t):
        # decode by hand: no take kernel needed, and every chunk uses its own dictionary
        values = _physical_array(arr.dictionary)
        return [None if i is None else values[i] for i in arr.indices.to_pylist()]
    storage = _storage_type(t)
    if storage is not None:
        return arr.view(storage).to_pylist()
    return arr.to_pylist()


def physical(column: pa.Array | pa.ChunkedArray) -> list[Any]:
    """Python values of a column (None for null); temporal types as their integers."""
    if isinstance(column, pa.ChunkedArray):
        out: list[Any] = []
        for chunk in column.chunks:
            out.extend(_physical_array(chunk))
        return out
    return _physical_array(column)


def to_arrow(values: Sequence[Any], t: pa.DataType) -> pa.Array:
    """Inverse of :func:`physical`: an array of type ``t`` from physical Python values."""
    if pa.types.is_dictionary(t):
        plain = to_arrow(values, t.value_type)
        encoded = plain.dictionary_encode()
        return encoded.cast(t) if encoded.type != t else encoded
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        offsets = [0]
        flat: list[Any] = []
        valid = []
        for v in values:
            valid.append(v is not None)
            if v is not None:
                flat.extend(v)
            offsets.append(len(flat))
        inner = to_arrow(flat, t.value_type)
        offset_type = pa.int64() if pa.types.is_large_list(t) else pa.int32()
        mask = pa.array([not ok for ok in valid], pa.bool_())
        cls = pa.LargeListArray if pa.types.is_large_list(t) else pa.ListArray
        out = cls.from_arrays(pa.array(offsets, offset_type), inner, mask=mask)
        return out.cast(t) if out.type != t else out
    storage = _storage_type(t)
    if storage is not None:
        return pa.array(values, storage).view(t)
    return pa.array(values, t)


# --------------------------------------------------------------------------------------------
# Keys and groups
# --------------------------------------------------------------------------------------------


def canonical(value: Any) -> Any:
    """Hashable identity of a key value: one NaN, ``-0.0 == 0.0``, null is its own value."""
    if isinstance(value, float):
        return ("nan",) if math.isnan(value) else value + 0.0
    return value


@dataclass
class Group:
    key: tuple[Any, ...]  #: physical key values of the group's first row
    rows: list[int] = field(default_factory=list)  #: row positions, ascending


def groups(key_values: Sequence[Sequence[Any]], n_rows: int) -> list[Group]:
    """Groups in order of first appearance; ``key_values`` holds one list per key column."""
    index: dict[tuple[Any, ...], Group] = {}
    out: list[Group] = []
    for i in range(n_rows):
        raw = tuple(col[i] for col in key_values)
        ident = tuple(canonical(v) for v in raw)
        g = index.get(ident)
        if g is None:
            g = index[ident] = Group(raw)
            out.append(g)
        g.rows.append(i)
    return out


def _sort_value(v: Any) -> Any:
    """Frame's sort order: nulls first, NaN after every number, strings by UTF-8 bytes."""
    if v is None:
        return (0,)
    if isinstance(v, float):
        return (2,) if math.isnan(v) else (1, v + 0.0)
    if isinstance(v, str):
        return (1, v.encode("utf-8"))
    return (1, v)


def sort_groups(gs: list[Group]) -> list[Group]:
    """``sort=True`` order (keys are distinct, so stability does not matter)."""
    return sorted(gs, key=lambda g: tuple(_sort_value(v) for v in g.key))


# --------------------------------------------------------------------------------------------
# Aggregations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agg:
    """One aggregation: ``op`` over ``cols`` (two for corr/cov, none for ``len``).

    ``where`` names a boolean column: only rows where it is True are aggregated (the
    ``.filter(...)`` inside ``agg``). ``name`` is the output column name.
    """

    op: str
    cols: tuple[str, ...]
    name: str
    q: float = 0.5
    interpolation: str = "nearest"
    ddof: int = 1
    k: int = 1
    where: str | None = None


def _nonnull(values: Sequence[Any]) -> list[Any]:
    return [v for v in values if v is not None]


def _is_float_list(values: Sequence[Any]) -> bool:
    return any(isinstance(v, float) for v in values)


def _float_sum(xs: Sequence[float]) -> float:
    """Correctly rounded sum with IEEE special values."""
    if any(math.isnan(x) for x in xs):
        return math.nan
    pos, neg = math.inf in xs, -math.inf in xs
    if pos and neg:
        return math.nan
    if pos:
        return math.inf
    if neg:
        return -math.inf
    return math.fsum(xs)


def _sum(values: Sequence[Any], in_type: pa.DataType, column: str) -> Any:
    xs = _nonnull(values)
    if pa.types.is_boolean(in_type):
        return sum(int(x) for x in xs)
    if pa.types.is_integer(in_type):
        total = sum(xs)
        lo, hi = _UINT64 if pa.types.is_unsigned_integer(in_type) else _INT64
        if not lo <= total <= hi:
            raise SumOverflow(column)
        return total
    if pa.types.is_floating(in_type):
        return _float_sum([float(x) for x in xs])
    if pa.types.is_decimal(in_type):
        with decimal.localcontext() as ctx:
            ctx.prec = 80
            return sum(xs, decimal.Decimal(0))
    msg = f"sum is not defined for {in_type}"
    raise TypeError(msg)


def _exact(xs: Sequence[Any]) -> list[Fraction]:
    return [Fraction(int(x)) if isinstance(x, bool) else Fraction(x) for x in xs]


def _finite(xs: Sequence[Any]) -> bool:
    return not any(isinstance(x, float) and not math.isfinite(x) for x in xs)


def _mean(values: Sequence[Any]) -> float | None:
    xs = _nonnull(values)
    if not xs:
        return None
    if not _finite(xs):
        return _float_sum([float(x) for x in xs]) / len(xs)
    return float(sum(_exact(xs)) / len(xs))


def _var(values: Sequence[Any], ddof: int) -> float | None:
    xs = _nonnull(values)
    n = len(xs)
    if n <= ddof:
        return None
    if not _finite(xs):
        return math.nan
    fx = _exact(xs)
    mean = sum(fx) / n
    return float(sum((x - mean) ** 2 for x in fx) / (n - ddof))


def _std(values: Sequence[Any], ddof: int) -> float | None:
    v = _var(values, ddof)
    return None if v is None else math.sqrt(v)


def _min_max(values: Sequence[Any], which: str) -> Any:
    """NaN is ignored unless every non-null value is NaN; strings compare by code point,
    which is UTF-8 byte order."""
    xs = _nonnull(values)
    if not xs:
        return None
    numbers = [x for x in xs if not (isinstance(x, float) and math.isnan(x))]
    if not numbers:
        return math.nan
    return min(numbers) if which == "min" else max(numbers)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _arg(values: Sequence[Any], which: str) -> int | None:
    """Position in the group (nulls count as positions) of the first min/max non-null value."""
    target = _min_max(values, which)
    if target is None:
        return None
    for i, v in enumerate(values):
        if v is not None and _same(v, target):
            return i
    raise AssertionError("unreachable")


def _quantile(values: Sequence[Any], q: float, interpolation: str) -> Any:
    """Exact quantile over the sorted non-null, non-NaN values; NaN when every non-null value
    is NaN (spec: "ignore NaN unless all are NaN"; select gives null there), null when there
    is no non-null value.

    The position is computed in double precision exactly as Arrow does: ``index = (n-1)*q``,
    ``lo = int(index)``, ``fraction = index - lo``; ``nearest`` rounds a fraction of exactly 0.5
    to the even position; ``linear`` is ``fraction*hi + (1-fraction)*lo`` (``lo`` when the
    fraction is 0); ``midpoint`` is ``lo/2 + hi/2`` (``lo`` when the fraction is 0).
    """
    present = _nonnull(values)
    xs = sorted(x for x in present if not (isinstance(x, float) and math.isnan(x)))
    n = len(xs)
    if n == 0:
        return math.nan if present else None
    index = (n - 1) * q
    lo = int(index)
    fraction = index - lo
    if interpolation in ("lower", "higher", "nearest"):
        pos = lo
        if interpolation == "higher" and fraction != 0:
            pos = lo + 1
        elif interpolation == "nearest":
            if fraction > 0.5 or (fraction == 0.5 and lo % 2 == 1):
                pos = lo + 1
        return xs[pos]
    low = float(xs[lo])
    if fraction == 0:
        return low
    high = float(xs[lo + 1])
    if interpolation == "linear":
        return fraction * high + (1 - fraction) * low
    return low / 2 + high / 2


def _product(values: Sequence[Any], in_type: pa.DataType) -> Any:
    xs = _nonnull(values)
    if pa.types.is_floating(in_type):
        out = 1.0
        for x in xs:
            out *= x
        return out
    out_i = 1
    for x in xs:
        out_i *= int(x)
    return out_i


def _pairs(a: Sequence[Any], b: Sequence[Any]) -> list[tuple[Any, Any]]:
    return [(x, y) for x, y in zip(a, b) if x is not None and y is not None]


def _cov(a: Sequence[Any], b: Sequence[Any], ddof: int) -> float | None:
    pairs = _pairs(a, b)
    n = len(pairs)
    if n <= ddof:
        return None
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    if not (_finite(xs) and _finite(ys)):
        return math.nan
    fx, fy = _exact(xs), _exact(ys)
    mx, my = sum(fx) / n, sum(fy) / n
    return float(sum((x - mx) * (y - my) for x, y in zip(fx, fy)) / (n - ddof))


def _corr(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    pairs = _pairs(a, b)
    n = len(pairs)
    if n < 2:
        return None
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    if not (_finite(xs) and _finite(ys)):
        return math.nan
    fx, fy = _exact(xs), _exact(ys)
    mx, my = sum(fx) / n, sum(fy) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(fx, fy))
    sxx = sum((x - mx) ** 2 for x in fx)
    syy = sum((y - my) ** 2 for y in fy)
    if sxx == 0 or syy == 0:
        return math.nan
    return float(sxy) / math.sqrt(float(sxx * syy))


def _top_key(v: Any) -> Any:
    """Order for top_k/bottom_k: NaN larger than every number."""
    if isinstance(v, float):
        return (1, 0.0) if math.isnan(v) else (0, v)
    return (0, v)


def _top_k(values: Sequence[Any], k: int, largest: bool) -> list[Any]:
    xs = sorted(_nonnull(values), key=_top_key, reverse=largest)
    return xs[:k]


def aggregate(agg: Agg, columns: dict[str, list[Any]], types: dict[str, pa.DataType]) -> Any:
    """Value of ``agg`` over one group; ``columns`` holds the group's physical values."""
    op = agg.op
    if agg.where is not None:
        keep = [m is True for m in columns[agg.where]]
        columns = {name: [v for v, k in zip(vals, keep) if k] for name, vals in columns.items()}
    if op == "len":
        if agg.cols:
            return len(columns[agg.cols[0]])
        return len(next(iter(columns.values()))) if columns else 0
    if op in ("corr", "cov"):
        a, b = columns[agg.cols[0]], columns[agg.cols[1]]
        return _corr(a, b) if op == "corr" else _cov(a, b, agg.ddof)
    (name,) = agg.cols
    values = columns[name]
    t = types[name]
    if op == "median" and pa.types.is_boolean(t):
        values = [None if v is None else float(v) for v in values]
    handlers: dict[str, Callable[[], Any]] = {
        "sum": lambda: _sum(values, t, name),
        "mean": lambda: _mean(values),
        "min": lambda: _min_max(values, "min"),
        "max": lambda: _min_max(values, "max"),
        "count": lambda: len(_nonnull(values)),
        "null_count": lambda: sum(v is None for v in values),
        "n_unique": lambda: len({canonical(v) for v in values}),
        "first": lambda: values[0] if values else None,
        "last": lambda: values[-1] if values else None,
        "std": lambda: _std(values, agg.ddof),
        "var": lambda: _var(values, agg.ddof),
        "median": lambda: _quantile(values, 0.5, "linear"),
        "quantile": lambda: _quantile(values, agg.q, agg.interpolation),
        "product": lambda: _product(values, t),
        "any": lambda: any(_nonnull(values)),
        "all": lambda: all(_nonnull(values)),
        "arg_min": lambda: _arg(values, "min"),
        "arg_max": lambda: _arg(values, "max"),
        "top_k": lambda: _top_k(values, agg.k, largest=True),
        "bottom_k": lambda: _top_k(values, agg.k, largest=False),
        "list": lambda: list(values),
    }
    return handlers[op]()


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def result_type(agg: Agg, types: dict[str, pa.DataType]) -> pa.DataType:
    """Arrow type of an aggregation's output column (spec, plus select readings)."""
    op = agg.op
    if op in ("len", "count", "null_count", "n_unique", "arg_min", "arg_max"):
        return pa.int64()
    if op in ("corr", "cov", "mean", "std", "var", "median"):
        return pa.float64()
    if op in ("any", "all"):
        return pa.bool_()
    t = types[agg.cols[0]]
    if op == "sum":
        if pa.types.is_unsigned_integer(t):
            return pa.uint64()
        if pa.types.is_integer(t) or pa.types.is_boolean(t):
            return pa.int64()
        if pa.types.is_floating(t):
            return pa.float64()
        if pa.types.is_decimal(t):  # select reading
            return pa.decimal128(38, t.scale)
    if op == "product":
        if pa.types.is_unsigned_integer(t):  # select reading (the spec says int64)
            return pa.uint64()
        if pa.types.is_integer(t) or pa.types.is_boolean(t):
            return pa.int64()
        return pa.float64()
    if op == "quantile":
        # nearest/lower/higher keep the input type, except bool, which is ranked as 0.0/1.0
        if agg.interpolation in ("linear", "midpoint") or pa.types.is_boolean(t):
            return pa.float64()
        return t
    if op in ("min", "max", "first", "last"):
        # spec: same type as input (select gives large_string for string_view input and the
        # value type for dictionaries; see test_reference_agrees_with_whole_column_select)
        return t
    if op in ("top_k", "bottom_k", "list"):
        return pa.large_list(t)
    msg = f"no result type for {op}"
    raise ValueError(msg)


# --------------------------------------------------------------------------------------------
# Whole group-by
# --------------------------------------------------------------------------------------------


def _columns_needed(aggs: Sequence[Agg]) -> set[str]:
    out: set[str] = set()
    for a in aggs:
        out.update(a.cols)
        if a.where is not None:
            out.add(a.where)
    return out


def group_by_rows(
    table: pa.Table, keys: Sequence[str], aggs: Sequence[Agg], *, sort: bool = False
) -> tuple[list[Group], list[tuple[Any, ...]]]:
    """Groups and result rows (physical key values, then one value per aggregation).

    Raises :class:`SumOverflow` when an integer sum leaves its result range in any group.
    """
    key_values = [physical(table.column(k)) for k in keys]
    gs = groups(key_values, table.num_rows)
    if sort:
        gs = sort_groups(gs)
    needed = _columns_needed(aggs)
    full = {name: physical(table.column(name)) for name in needed}
    types = {name: table.schema.field(name).type for name in table.column_names}
    rows = []
    for g in gs:
        sub = {name: [vals[i] for i in g.rows] for name, vals in full.items()}
        if not sub:  # fr.len() needs the group size even without value columns
            sub = {"": [None] * len(g.rows)}
        rows.append((*g.key, *(aggregate(a, sub, types) for a in aggs)))
    return gs, rows


def expected_table(
    table: pa.Table, keys: Sequence[str], aggs: Sequence[Agg], *, sort: bool = False
) -> pa.Table:
    """The frame group-by result the spec prescribes, as a pyarrow Table."""
    _, rows = group_by_rows(table, keys, aggs, sort=sort)
    types = {name: table.schema.field(name).type for name in table.column_names}
    names = [*keys, *(a.name for a in aggs)]
    out_types = [types[k] for k in keys] + [result_type(a, types) for a in aggs]
    columns = [to_arrow([row[j] for row in rows], out_types[j]) for j in range(len(names))]
    return pa.Table.from_arrays(columns, schema=pa.schema(list(zip(names, out_types))))


# --------------------------------------------------------------------------------------------
# Shared by test_group_by.py and test_over.py: the frame expression of each reference
# aggregation, comparison tolerances and value strategies (kept here so that no test module
# imports another)
# --------------------------------------------------------------------------------------------

RTOL, ATOL = 1e-9, 1e-12
NAN = float("nan")
INF = float("inf")


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


NAN_PAYLOADS = [_f64(b) for b in (0x7FF8000000000000, 0x7FF8000000000001, 0xFFF8000000000000)]
SIGNALLING_NAN = _f64(0x7FF0000000000001)


def to_expr(a: Agg) -> fr.Expr:
    """The frame expression for one reference aggregation, aliased to ``a.name``."""
    if a.op == "len" and not a.cols:
        return fr.len().alias(a.name)
    if a.op == "corr":
        return fr.corr(a.cols[0], a.cols[1]).alias(a.name)
    if a.op == "cov":
        return fr.cov(a.cols[0], a.cols[1], ddof=a.ddof).alias(a.name)
    base = fr.col(a.cols[0])
    if a.where is not None:
        base = base.filter(fr.col(a.where))
    build: dict[str, Callable[[fr.Expr], fr.Expr]] = {
        "sum": lambda e: e.sum(),
        "mean": lambda e: e.mean(),
        "min": lambda e: e.min(),
        "max": lambda e: e.max(),
        "count": lambda e: e.count(),
        "len": lambda e: e.len(),
        "null_count": lambda e: e.null_count(),
        "n_unique": lambda e: e.n_unique(),
        "first": lambda e: e.first(),
        "last": lambda e: e.last(),
        "std": lambda e: e.std(ddof=a.ddof),
        "var": lambda e: e.var(ddof=a.ddof),
        "median": lambda e: e.median(),
        "quantile": lambda e: e.quantile(a.q, a.interpolation),
        "product": lambda e: e.product(),
        "any": lambda e: e.any(),
        "all": lambda e: e.all(),
        "arg_min": lambda e: e.arg_min(),
        "arg_max": lambda e: e.arg_max(),
        "top_k": lambda e: e.top_k(a.k),
        "bottom_k": lambda e: e.bottom_k(a.k),
        "list": lambda e: e,
    }
    return build[a.op](base).alias(a.name)


# aggregations whose value the spec pins to one row: compared exactly (sign of zero included)
EXACT_OPS = frozenset({"first", "last", "list"})


def _int_range(t: pa.DataType) -> tuple[int, int]:
    bits = t.bit_width
    if pa.types.is_signed_integer(t):
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def bounded_values(t: pa.DataType, bound: int) -> st.SearchStrategy[Any]:
    """Values of numeric type ``t`` within ``[-bound, bound]``: exact in float64 arithmetic
    (floats are multiples of 1/4), so sums do not depend on the summation order."""
    if pa.types.is_boolean(t):
        return st.booleans()
    if pa.types.is_integer(t):
        lo, hi = _int_range(t)
        return st.integers(max(lo, -bound), min(hi, bound))
    return st.one_of(
        st.integers(-4 * bound, 4 * bound).map(lambda i: i / 4), st.sampled_from([0.0, -0.0])
    )


def wild_floats(t: pa.DataType) -> st.SearchStrategy[float]:
    """Bounded floats plus every special value the contract talks about."""
    specials = [*NAN_PAYLOADS, SIGNALLING_NAN, INF, -INF, 0.0, -0.0]
    if pa.types.is_float32(t):
        specials = [s for s in specials if s is not SIGNALLING_NAN]  # payload lost by casting
    return st.one_of(bounded_values(t, 1000), st.sampled_from(specials))


INT_TYPES = [
    pa.int8(),
    pa.int16(),
    pa.int32(),
    pa.int64(),
    pa.uint8(),
    pa.uint16(),
    pa.uint32(),
    pa.uint64(),
]
FLOAT_TYPES = [pa.float32(), pa.float64()]
NUMERIC_TYPES = [*INT_TYPES, *FLOAT_TYPES, pa.bool_()]
STRING_TYPES = [
    pa.string(),
    pa.large_string(),
    pa.string_view(),
    pa.dictionary(pa.int32(), pa.string()),
]
ORDERED_OTHER = st.one_of(
    st.sampled_from([pa.date32(), pa.decimal128(12, 3), pa.decimal128(38, 0), pa.binary()]),
    st.builds(
        pa.timestamp,
        st.sampled_from(["s", "ms", "us", "ns"]),
        st.sampled_from([None, "UTC", "Asia/Kolkata"]),
    ),
    st.builds(pa.duration, st.sampled_from(["s", "ns"])),
)
PRODUCT_TYPES = [pa.int8(), pa.int64(), pa.uint8(), pa.uint64(), pa.float64(), pa.bool_()]
KEY_TYPES = fst.arrow_types(excluded=["null"])
CARDINALITY = st.one_of(st.integers(1, 3), st.integers(10, 40))
