"""Key strategies shared by the sort and hashing kernel tests: every key type, small value
pools so values collide, NaN payloads, -0.0, extreme integers, sliced arrays, nulls."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

# ------------------------------------------------------------------------------------------------
# strategies

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
TEMPORAL = [
    pa.date32(),
    pa.date64(),
    pa.time32("s"),
    pa.time64("ns"),
    pa.timestamp("s"),
    pa.timestamp("ns", tz="UTC"),
    pa.timestamp("ms", tz="Asia/Tokyo"),
    pa.duration("us"),
]
FLOAT_TYPES = [pa.float16(), pa.float32(), pa.float64()]
DECIMAL_TYPES = [
    pa.decimal32(7, 2),
    pa.decimal64(15, 3),
    pa.decimal128(38, 4),
    pa.decimal128(10, 0),
    pa.decimal256(76, 5),
]
BYTES_TYPES = [
    pa.string(),
    pa.large_string(),
    pa.string_view(),
    pa.binary(),
    pa.large_binary(),
    pa.binary_view(),
    pa.binary(3),
]

_TEXT = ["", "a", "ab", "abc", "b", "é", "日本", "z" * 13, "a" * 12, "a" * 14, "\x00", "A", "ß"]
_BYTES = [b"", b"\x00", b"\xff", b"a", b"ab", b"\x00\x00", b"\xfe\xff", b"x" * 13, b"x" * 20]


def _int_pool(t: pa.DataType) -> st.SearchStrategy[int]:
    bits = t.bit_width
    lo, hi = (
        (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        if pa.types.is_signed_integer(t)
        else (0, (1 << bits) - 1)
    )
    return st.one_of(
        st.sampled_from([lo, hi, 0, 1, min(hi, 7), max(lo, -1)]),
        st.integers(lo, hi),
        st.integers(max(lo, -3), min(hi, 3)),
    )


def _float_pool(t: pa.DataType) -> st.SearchStrategy[float]:
    width = 16 if t == pa.float16() else (32 if t == pa.float32() else 64)
    special = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.5, -1.5, 1e-5]
    return st.one_of(st.sampled_from(special), st.floats(width=width, allow_nan=True))


@st.composite
def values_for(draw, t: pa.DataType, n: int):
    """n python values (incl. None) for type t; temporal types get their physical integers."""
    t = _physical(t)
    if pa.types.is_null(t):
        return [None] * n
    if pa.types.is_boolean(t):
        return draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n))
    if pa.types.is_integer(t):
        pool = draw(st.lists(_int_pool(t), min_size=1, max_size=6))
        return draw(st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n))
    if pa.types.is_floating(t):
        pool = draw(st.lists(_float_pool(t), min_size=1, max_size=6))
        return draw(st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n))
    if pa.types.is_decimal(t):
        wide = st.integers(-(10**t.precision) + 1, 10**t.precision - 1)
        small = st.integers(-50, 50)
        pool = draw(st.lists(st.one_of(wide, small), min_size=1, max_size=6))
        ints = draw(st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n))
        return [None if v is None else Decimal(f"{v}E-{t.scale}") for v in ints]
    if pa.types.is_fixed_size_binary(t):
        pool = [b"abc", b"\x00\x00\x00", b"\xff\x00\x01", b"ab\x00", b"zzz"]
        return draw(st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n))
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        pool = draw(
            st.lists(
                st.one_of(st.sampled_from(_BYTES), st.binary(max_size=16)), min_size=1, max_size=6
            )
        )
        return draw(st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n))
    pool = draw(
        st.lists(st.one_of(st.sampled_from(_TEXT), st.text(max_size=15)), min_size=1, max_size=6)
    )
    return draw(st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n))


ALL_TYPES = [
    pa.null(),
    pa.bool_(),
    *INT_TYPES,
    *FLOAT_TYPES,
    *TEMPORAL,
    *DECIMAL_TYPES,
    *BYTES_TYPES,
    pa.dictionary(pa.int8(), pa.string()),
    pa.dictionary(pa.uint16(), pa.int64()),
    pa.dictionary(pa.int32(), pa.float64()),
]


def _physical(t: pa.DataType) -> pa.DataType:
    """Integer storage of a temporal type (the type itself otherwise)."""
    if pa.types.is_temporal(t):
        return pa.int32() if t.bit_width == 32 else pa.int64()
    return t


def _build(t: pa.DataType, vals: list) -> pa.Array:
    if pa.types.is_temporal(t):
        return pa.array(vals, _physical(t)).view(t)
    if t == pa.float16():
        mask = np.array([v is None for v in vals], dtype=bool)
        data = np.array([0.0 if v is None else v for v in vals], dtype=np.float16)
        return pa.array(data, type=t, mask=mask)
    return pa.array(vals, t)


@st.composite
def key_arrays(draw, t: pa.DataType | None = None, n: int | None = None):
    """A possibly sliced array of n rows (offset 0..9) of type t."""
    if t is None:
        t = draw(st.sampled_from(ALL_TYPES))
    if n is None:
        n = draw(st.integers(0, 60))
    off = draw(st.integers(0, 9))
    tail = draw(st.integers(0, 3))
    total = off + n + tail
    if pa.types.is_dictionary(t):
        dvals = draw(values_for(t.value_type, draw(st.integers(1, 8))))
        dictionary = _build(t.value_type, dvals)
        idx = draw(
            st.lists(
                st.one_of(st.integers(0, len(dictionary) - 1), st.none()),
                min_size=total,
                max_size=total,
            )
        )
        full = pa.DictionaryArray.from_arrays(pa.array(idx, t.index_type), dictionary)
    else:
        full = _build(t, draw(values_for(t, total)))
    return full.slice(off, n)


def with_garbage_under_nulls(arr: pa.Array, valid: list[bool]) -> pa.Array:
    """Same values, but rows where valid is False become null with their data left in place."""
    bitmap = pa.array([True] * arr.offset + valid, pa.bool_()).buffers()[1]
    bufs = arr.buffers()
    out = pa.Array.from_buffers(arr.type, len(arr), [bitmap, *bufs[1:]], offset=arr.offset)
    out.validate(full=True)
    return out
