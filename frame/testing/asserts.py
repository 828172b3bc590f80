"""Equality assertions for frames, series and Arrow data (polars-style).

Semantics, the same for every entry point:

- null equals null, NaN equals NaN (any bit pattern), null never equals NaN;
- ``-0.0`` equals ``0.0`` unless ``check_exact=True``;
- floats compare with ``|left - right| <= atol + rtol * |right|`` unless ``check_exact=True``;
  infinities only equal themselves;
- results never depend on chunking: chunks are combined before comparing;
- dictionary columns compare by their decoded values; their types must match unless
  ``categorical_as_str=True``, which compares them as plain strings.

On failure an ``AssertionError`` names the column, the first differing row and both values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "assert_frame_equal",
    "assert_frame_not_equal",
    "assert_series_equal",
    "assert_series_not_equal",
]

# --------------------------------------------------------------------------------------------
# Normalising inputs
# --------------------------------------------------------------------------------------------


def _to_table(obj: Any, side: str) -> pa.Table:
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    to_arrow = getattr(obj, "to_arrow", None)
    if callable(to_arrow):
        out = to_arrow()
        if isinstance(out, pa.RecordBatch):
            out = pa.Table.from_batches([out])
        if isinstance(out, pa.Table):
            return out
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.table(obj)
    msg = f"{side} must be a frame DataFrame or a pyarrow Table, got {type(obj).__name__}"
    raise TypeError(msg)


def _to_series(obj: Any, side: str) -> tuple[str | None, pa.ChunkedArray]:
    name = None
    if isinstance(obj, (pa.Table, pa.RecordBatch)):
        msg = f"{side} is a {type(obj).__name__}; use assert_frame_equal for tables"
        raise TypeError(msg)
    if isinstance(obj, pa.Array):
        return None, pa.chunked_array([obj], type=obj.type)
    if isinstance(obj, pa.ChunkedArray):
        return None, obj
    raw_name = getattr(obj, "name", None)
    if isinstance(raw_name, str):
        name = raw_name
    to_arrow = getattr(obj, "to_arrow", None)
    out: Any = to_arrow() if callable(to_arrow) else None
    if out is None and hasattr(obj, "__arrow_c_stream__"):
        out = pa.chunked_array(obj)
    elif out is None and hasattr(obj, "__arrow_c_array__"):
        out = pa.array(obj)
    if isinstance(out, pa.Array):
        return name, pa.chunked_array([out], type=out.type)
    if isinstance(out, pa.ChunkedArray):
        return name, out
    msg = f"{side} must be a frame Series or a pyarrow Array/ChunkedArray, got {type(obj).__name__}"
    raise TypeError(msg)


def _combine(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.Array):
        return col
    # Empty chunks carry nothing and can be malformed after a C-stream round trip (pyarrow
    # imports a zero-length slice with offset > 0 and a 0-byte buffer, which concat rejects).
    chunks = [c for c in col.chunks if len(c)]
    if not chunks:
        return pa.array([], type=col.type)
    if len(chunks) == 1:
        return chunks[0]
    if pa.types.is_dictionary(col.type):
        # chunks may carry different dictionaries: values are compared decoded anyway
        # (callers check dtypes on the chunked column, before combining)
        return pa.concat_arrays([_decode(c) for c in chunks])
    return pa.concat_arrays(chunks)


def _decode(arr: pa.Array) -> pa.Array:
    if not pa.types.is_dictionary(arr.type):
        return arr
    values = arr.dictionary
    view = pa.types.is_string_view(values.type) or pa.types.is_binary_view(values.type)
    if view:  # pyarrow 26 has no take kernel for view types
        large = pa.large_string() if pa.types.is_string_view(values.type) else pa.large_binary()
        plain = pa.DictionaryArray.from_arrays(arr.indices, values.cast(large))
        return plain.dictionary_decode().cast(values.type)
    return arr.dictionary_decode()


def _has_float(t: pa.DataType) -> bool:
    if pa.types.is_floating(t):
        return True
    if pa.types.is_dictionary(t):
        return _has_float(t.value_type)
    return any(_has_float(t.field(i).type) for i in range(t.num_fields))


# --------------------------------------------------------------------------------------------
# Element comparison
# --------------------------------------------------------------------------------------------


def _scalar_equal(a: Any, b: Any, exact: bool, rtol: float, atol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return False
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if exact:
            return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= atol + rtol * abs(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_scalar_equal(a[k], b[k], exact, rtol, atol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(
            _scalar_equal(x, y, exact, rtol, atol) for x, y in zip(a, b)
        )
    if type(a) is not type(b) and isinstance(a, bool) != isinstance(b, bool):
        return False  # True must not equal 1
    return bool(a == b)


def _float_mismatch(
    left: pa.Array, right: pa.Array, exact: bool, rtol: float, atol: float
) -> np.ndarray:
    """Boolean mask of differing rows for two float arrays of the same length."""
    lnull = np.asarray(left.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    rnull = np.asarray(right.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    lv = np.asarray(left.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.float64)
    rv = np.asarray(right.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.float64)
    lnan, rnan = np.isnan(lv), np.isnan(rv)
    with np.errstate(invalid="ignore", over="ignore"):
        if exact:
            same = (lv == rv) & (np.signbit(lv) == np.signbit(rv))
        else:
            finite = np.isfinite(lv) & np.isfinite(rv)
            close = np.zeros(len(lv), dtype=bool)
            close[finite] = np.abs(lv[finite] - rv[finite]) <= atol + rtol * np.abs(rv[finite])
            same = np.where(finite, close, lv == rv)
    same = np.where(lnan | rnan, lnan & rnan, same)
    same = np.where(lnull | rnull, lnull & rnull, same)
    return ~same


def _mismatch(left: pa.Array, right: pa.Array, exact: bool, rtol: float, atol: float) -> np.ndarray:
    """Boolean mask of differing rows (arrays have the same length)."""
    n = len(left)
    if n == 0:
        return np.zeros(0, dtype=bool)
    left, right = _decode(left), _decode(right)
    if pa.types.is_floating(left.type) and pa.types.is_floating(right.type):
        return _float_mismatch(left, right, exact, rtol, atol)
    if left.type == right.type and not _has_float(left.type):
        if left.equals(right):
            return np.zeros(n, dtype=bool)
        if not pa.types.is_null(left.type):
            try:
                eq = pc.equal(left, right)
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
                pass
            else:
                both_null = pc.and_(left.is_null(), right.is_null())
                same = pc.or_kleene(both_null, pc.fill_null(eq, False))
                return ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)
    lvals, rvals = left.to_pylist(), right.to_pylist()
    return np.array(
        [not _scalar_equal(a, b, exact, rtol, atol) for a, b in zip(lvals, rvals)], dtype=bool
    )


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _compare_columns(
    what: str,
    left: pa.Array,
    right: pa.Array,
    *,
    exact: bool,
    rtol: float,
    atol: float,
    row_note: str,
) -> None:
    bad = _mismatch(left, right, exact, rtol, atol)
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    lval, rval = _decode(left)[i].as_py(), _decode(right)[i].as_py()
    msg = (
        f"{what}: values differ ({int(bad.sum())} of {len(bad)} rows)\n"
        f"  first differing row: {i}{row_note}\n"
        f"  left:  {_fmt(lval)}\n"
        f"  right: {_fmt(rval)}"
    )
    if exact and isinstance(lval, float) and isinstance(rval, float) and lval == rval:
        msg += "\n  (signed zeros differ; pass check_exact=False to treat -0.0 as 0.0)"
    raise AssertionError(msg)


def _normalize_type(t: pa.DataType, categorical_as_str: bool) -> pa.DataType:
    if categorical_as_str and pa.types.is_dictionary(t):
        return t.value_type
    return t


# --------------------------------------------------------------------------------------------
# Row order
# --------------------------------------------------------------------------------------------


def _sort_surrogates(arr: pa.Array, exact: bool) -> list[pa.Array]:
    """Sortable columns that order ``arr`` totally (nulls and NaNs last)."""
    arr = _decode(arr)
    t = arr.type
    if pa.types.is_null(t):
        return []
    if pa.types.is_floating(t):
        keys = [arr.cast(pa.float64())]
        if exact:  # order -0.0 before 0.0 so equal multisets line up
            vals = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.float64)
            keys.append(pa.array(~np.signbit(vals)))
        return keys
    if pa.types.is_string_view(t):
        return [arr.cast(pa.large_string())]
    if pa.types.is_binary_view(t):
        return [arr.cast(pa.large_binary())]
    if (
        pa.types.is_integer(t)
        or pa.types.is_boolean(t)
        or pa.types.is_decimal(t)
        or pa.types.is_temporal(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_fixed_size_binary(t)
    ):
        return [arr]
    # nested or exotic types: order by a textual rendering (deterministic, not meaningful)
    return [pa.array([None if v is None else repr(v) for v in arr.to_pylist()], pa.string())]


def _sort_rows(columns: Sequence[pa.Array], exact: bool) -> list[pa.Array]:
    if not columns or len(columns[0]) <= 1:
        return list(columns)
    keys: list[pa.Array] = []
    for col in columns:
        keys.extend(_sort_surrogates(col, exact))
    if not keys:
        return list(columns)
    names = [f"k{i}" for i in range(len(keys))]
    indices = pc.sort_indices(
        pa.table(dict(zip(names, keys))),
        sort_keys=[(name, "ascending", "at_end") for name in names],
    )
    return [_take(col, indices) for col in columns]


def _take(arr: pa.Array, indices: pa.Array) -> pa.Array:
    try:
        return arr.take(indices)
    except pa.ArrowNotImplementedError:
        # pyarrow has no take kernel for view types (as of 26): go through the large types
        if pa.types.is_string_view(arr.type):
            return arr.cast(pa.large_string()).take(indices).cast(arr.type)
        if pa.types.is_binary_view(arr.type):
            return arr.cast(pa.large_binary()).take(indices).cast(arr.type)
        return pa.array([arr[i].as_py() for i in indices.to_pylist()], arr.type)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _check_tolerances(rtol: float, atol: float) -> None:
    if rtol < 0 or atol < 0:
        msg = f"rtol and atol must be non-negative, got rtol={rtol}, atol={atol}"
        raise ValueError(msg)


def assert_frame_equal(
    left: Any,
    right: Any,
    *,
    check_row_order: bool = True,
    check_column_order: bool = True,
    check_dtypes: bool = True,
    check_exact: bool = False,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    categorical_as_str: bool = False,
) -> None:
    """Assert that two frames hold equal data.

    Parameters
    ----------
    left, right
        frame ``DataFrame`` (converted with ``.to_arrow()``), ``pyarrow.Table`` or
        ``RecordBatch``, or any object exporting ``__arrow_c_stream__``.
    check_row_order
        If False, sort both sides by all columns before comparing (nulls and NaNs last).
    check_column_order
        If False, match columns by name.
    check_dtypes
        Require identical Arrow types per column. If False, values of different types are
        compared as Python values (so ``1 == 1.0`` and ``string`` equals ``large_string``).
    check_exact
        Compare floats exactly (``-0.0 != 0.0``; NaN still equals NaN).
    rtol, atol
        Relative and absolute tolerance for floats when ``check_exact`` is False.
    categorical_as_str
        Treat dictionary columns as their value type (``dictionary<int32, string>`` equals
        ``string``).

    Raises
    ------
    AssertionError
        With the column name, the first differing row index and both values.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame.testing import assert_frame_equal
    >>> assert_frame_equal(pa.table({"a": [1.0, float("nan")]}), pa.table({"a": [1.0, float("nan")]}))
    >>> assert_frame_equal(pa.table({"a": [1, 2]}), pa.table({"a": [2, 1]}), check_row_order=False)
    >>> assert_frame_equal(pa.table({"a": [1, 2]}), pa.table({"a": [1, 3]}))
    Traceback (most recent call last):
    ...
    AssertionError: column 'a': values differ (1 of 2 rows)
      first differing row: 1
      left:  2
      right: 3
    """
    _check_tolerances(rtol, atol)
    lt, rt = _to_table(left, "left"), _to_table(right, "right")
    lnames, rnames = lt.column_names, rt.column_names

    if check_column_order:
        if lnames != rnames:
            msg = f"column names differ\n  left:  {lnames}\n  right: {rnames}"
            raise AssertionError(msg)
        order = list(range(len(rnames)))
    else:
        if sorted(lnames) != sorted(rnames):
            only_l = sorted(set(lnames) - set(rnames))
            only_r = sorted(set(rnames) - set(lnames))
            msg = (
                "column names differ\n"
                f"  only in left:  {only_l}\n  only in right: {only_r}\n"
                f"  left:  {lnames}\n  right: {rnames}"
            )
            raise AssertionError(msg)
        used: set[int] = set()
        order = []
        for name in lnames:  # duplicates: k-th occurrence matches k-th occurrence
            j = next(j for j, r in enumerate(rnames) if r == name and j not in used)
            used.add(j)
            order.append(j)

    if lt.num_rows != rt.num_rows:
        msg = f"number of rows differs\n  left:  {lt.num_rows}\n  right: {rt.num_rows}"
        raise AssertionError(msg)

    if check_dtypes:
        for j_left, (name, j_right) in enumerate(zip(lnames, order)):
            ltype = _normalize_type(lt.schema.field(j_left).type, categorical_as_str)
            rtype = _normalize_type(rt.schema.field(j_right).type, categorical_as_str)
            if ltype != rtype:
                msg = f"column {name!r}: dtypes differ\n  left:  {ltype}\n  right: {rtype}"
                raise AssertionError(msg)

    lcols = [_combine(c) for c in lt.columns]
    rcols = [_combine(rt.column(j)) for j in order]

    row_note = ""
    if not check_row_order:
        lcols = _sort_rows(lcols, check_exact)
        rcols = _sort_rows(rcols, check_exact)
        row_note = " (after sorting both sides by all columns)"

    for name, lc, rc in zip(lnames, lcols, rcols):
        _compare_columns(
            f"column {name!r}", lc, rc, exact=check_exact, rtol=rtol, atol=atol, row_note=row_note
        )


def assert_frame_not_equal(left: Any, right: Any, **kwargs: Any) -> None:
    """Assert that :func:`assert_frame_equal` with the same options would fail."""
    try:
        assert_frame_equal(left, right, **kwargs)
    except AssertionError:
        return
    msg = "frames are equal"
    raise AssertionError(msg)


def assert_series_equal(
    left: Any,
    right: Any,
    *,
    check_names: bool = True,
    check_order: bool = True,
    check_dtypes: bool = True,
    check_exact: bool = False,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    categorical_as_str: bool = False,
) -> None:
    """Assert that two series (columns) hold equal data.

    Parameters
    ----------
    left, right
        frame ``Series`` (converted with ``.to_arrow()``; its ``name`` is kept),
        ``pyarrow.Array`` or ``ChunkedArray`` (no name), or any object exporting
        ``__arrow_c_array__``/``__arrow_c_stream__``.
    check_names
        Compare names when both sides have one.
    check_order
        If False, sort both sides before comparing.
    check_dtypes, check_exact, rtol, atol, categorical_as_str
        As in :func:`assert_frame_equal`.

    Raises
    ------
    AssertionError
        With the first differing index and both values.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame.testing import assert_series_equal
    >>> assert_series_equal(pa.array([0.0, None]), pa.chunked_array([[-0.0], [None]]))
    >>> assert_series_equal(pa.array([0.0]), pa.array([-0.0]), check_exact=True)
    Traceback (most recent call last):
    ...
    AssertionError: series: values differ (1 of 1 rows)
      first differing row: 0
      left:  0.0
      right: -0.0
      (signed zeros differ; pass check_exact=False to treat -0.0 as 0.0)
    """
    _check_tolerances(rtol, atol)
    lname, lcol = _to_series(left, "left")
    rname, rcol = _to_series(right, "right")
    if check_names and lname is not None and rname is not None and lname != rname:
        msg = f"series names differ\n  left:  {lname!r}\n  right: {rname!r}"
        raise AssertionError(msg)
    label = "series" if lname is None else f"series {lname!r}"
    if len(lcol) != len(rcol):
        msg = f"{label}: lengths differ\n  left:  {len(lcol)}\n  right: {len(rcol)}"
        raise AssertionError(msg)
    if check_dtypes:
        ltype = _normalize_type(lcol.type, categorical_as_str)
        rtype = _normalize_type(rcol.type, categorical_as_str)
        if ltype != rtype:
            msg = f"{label}: dtypes differ\n  left:  {ltype}\n  right: {rtype}"
            raise AssertionError(msg)
    la, ra = _combine(lcol), _combine(rcol)
    row_note = ""
    if not check_order:
        (la,) = _sort_rows([la], check_exact)
        (ra,) = _sort_rows([ra], check_exact)
        row_note = " (after sorting both sides)"
    _compare_columns(label, la, ra, exact=check_exact, rtol=rtol, atol=atol, row_note=row_note)


def assert_series_not_equal(left: Any, right: Any, **kwargs: Any) -> None:
    """Assert that :func:`assert_series_equal` with the same options would fail."""
    try:
        assert_series_equal(left, right, **kwargs)
    except AssertionError:
        return
    msg = "series are equal"
    raise AssertionError(msg)
