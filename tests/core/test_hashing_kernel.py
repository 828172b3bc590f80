"""Tests of frame._core.hashing: factorize, factorize_multi and the stable row hash.

Oracles: a pure-Python dict-based factorize with explicit semantics (first appearance, null is one
value, every NaN one value, -0.0 == 0.0, dictionaries by value), ``pc.unique`` counts for types
whose equality Arrow shares, and a pure-Python XXH64 over the documented canonical bytes.
"""

from __future__ import annotations

import math
import struct
from decimal import Context, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frame._core import hashing
from tests.core._key_cases import ALL_TYPES, key_arrays, with_garbage_under_nulls

# ------------------------------------------------------------------------------------------------
# references

_NAN = object()


def _canonical(v):
    if isinstance(v, float) and math.isnan(v):
        return _NAN
    return v


def _values(arr: pa.Array) -> list:
    t = arr.type
    if pa.types.is_dictionary(t):
        return _values(arr.dictionary.take(arr.indices))
    if pa.types.is_null(t):
        return [None] * len(arr)
    if pa.types.is_temporal(t):
        return arr.view(pa.int32() if t.bit_width == 32 else pa.int64()).to_pylist()
    if pa.types.is_floating(t):
        return [None if v is None else _canonical(float(v)) for v in arr.to_pylist()]
    return arr.to_pylist()


def reference_factorize(rows: list) -> tuple[list[int], int, list[int]]:
    seen: dict = {}
    codes, first = [], []
    for i, v in enumerate(rows):
        key = ("null",) if v is None else ("v", v)
        if key not in seen:
            seen[key] = len(seen)
            first.append(i)
        codes.append(seen[key])
    return codes, len(seen), first


def check_factorize(arr: pa.Array):
    codes, nu, first = hashing.factorize(arr)
    exp_codes, exp_nu, exp_first = reference_factorize(_values(arr))
    assert codes.dtype == np.int64 and first.dtype == np.int64
    assert nu == exp_nu
    np.testing.assert_array_equal(codes, np.array(exp_codes, dtype=np.int64))
    np.testing.assert_array_equal(first, np.array(exp_first, dtype=np.int64))


M64 = (1 << 64) - 1
P1, P2, P3, P4, P5 = (
    0x9E3779B185EBCA87,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0x85EBCA77C2B2AE63,
    0x27D4EB2F165667C5,
)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & M64


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * P2) & M64, 31) * P1) & M64


def xxh64(data: bytes, seed: int = 0) -> int:
    """Reference XXH64 (xxHash specification), pure Python."""
    n, p = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed, (seed - P1) & M64]
        while p + 32 <= n:
            for k in range(4):
                v[k] = _round(v[k], int.from_bytes(data[p : p + 8], "little"))
                p += 8
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & M64
        for k in range(4):
            h = ((h ^ _round(0, v[k])) * P1 + P4) & M64
    else:
        h = (seed + P5) & M64
    h = (h + n) & M64
    while p + 8 <= n:
        h ^= _round(0, int.from_bytes(data[p : p + 8], "little"))
        h = (_rotl(h, 27) * P1 + P4) & M64
        p += 8
    if p + 4 <= n:
        h ^= (int.from_bytes(data[p : p + 4], "little") * P1) & M64
        h = (_rotl(h, 23) * P2 + P3) & M64
        p += 4
    while p < n:
        h ^= (data[p] * P5) & M64
        h = (_rotl(h, 11) * P1) & M64
        p += 1
    h ^= h >> 33
    h = (h * P2) & M64
    h ^= h >> 29
    h = (h * P3) & M64
    h ^= h >> 32
    return h


def canonical_bytes(t: pa.DataType, v) -> bytes:
    """The documented byte image hash_array feeds to XXH64 (v is a to_pylist value, not None)."""
    if pa.types.is_dictionary(t):
        return canonical_bytes(t.value_type, v)
    if pa.types.is_boolean(t):
        return struct.pack("<q", int(v))
    if pa.types.is_unsigned_integer(t):
        return struct.pack("<Q", v)
    if pa.types.is_integer(t):
        return struct.pack("<q", v)
    if pa.types.is_floating(t):
        f = float(v)
        if math.isnan(f):
            return struct.pack("<Q", 0x7FF8000000000000)
        return struct.pack("<d", f + 0.0)
    if pa.types.is_decimal(t):
        unscaled = int(v.scaleb(t.scale, Context(prec=200)))
        return unscaled.to_bytes(32 if t.bit_width == 256 else 16, "little", signed=True)
    if isinstance(v, str):
        return v.encode("utf-8")
    return bytes(v)


NULL_SEED_XOR = 0x9E3779B97F4A7C15


def reference_hash(arr: pa.Array, seed: int) -> list[int]:
    t = arr.type
    s = seed & M64
    null = xxh64(b"", s ^ NULL_SEED_XOR)
    if pa.types.is_temporal(t):
        arr = arr.view(pa.int32() if t.bit_width == 32 else pa.int64())
        t = arr.type
    if pa.types.is_null(t):
        return [null] * len(arr)
    vals = arr.to_pylist()
    return [null if v is None else xxh64(canonical_bytes(t, v), s) for v in vals]


# ------------------------------------------------------------------------------------------------
# factorize


def test_factorize_examples():
    arr = pa.array([3.0, 1.0, None, 3.0, math.nan, -0.0, 0.0, -math.nan, None])
    codes, nu, first = hashing.factorize(arr)
    assert codes.tolist() == [0, 1, 2, 0, 3, 4, 4, 3, 2]
    assert nu == 5 and first.tolist() == [0, 1, 2, 4, 5]
    nan_bits = np.array(
        [0x7FF8000000000000, 0x7FF0000000000001, 0xFFFFFFFFFFFFFFFF], dtype=np.uint64
    )
    codes, nu, _ = hashing.factorize(pa.array(nan_bits.view(np.float64)))
    assert nu == 1 and codes.tolist() == [0, 0, 0]


def test_factorize_small_and_wide_integer_ranges():
    small = pa.array([5, 3, 5, None, 4, 3, None], pa.int16())
    check_factorize(small)
    wide = pa.array([2**63 - 1, -(2**63), 0, 2**63 - 1, None, -(2**63)], pa.int64())
    check_factorize(wide)
    check_factorize(pa.array([2**64 - 1, 0, 2**63, 2**64 - 1], pa.uint64()))
    rng = np.random.default_rng(5)
    big = rng.integers(-(10**15), 10**15, 50_000)  # hash path with growth
    big[::7] = big[0]
    codes, nu, first = hashing.factorize(pa.array(big))
    uniq, first_np, inv = np.unique(big, return_index=True, return_inverse=True)
    assert nu == len(uniq)
    order = np.argsort(first_np)
    np.testing.assert_array_equal(first, first_np[order])
    remap = np.empty(nu, dtype=np.int64)
    remap[order] = np.arange(nu)
    np.testing.assert_array_equal(codes, remap[inv])


def test_factorize_dictionary_by_value():
    dictionary = pa.array(["b", "a", None, "b", "c"])
    idx = pa.array([0, 3, 1, None, 2, 4, 3, 1], pa.int32())
    arr = pa.DictionaryArray.from_arrays(idx, dictionary)
    codes, nu, first = hashing.factorize(arr)
    # "b" (entries 0 and 3) is one code; the null index and the null entry are one null code
    assert codes.tolist() == [0, 0, 1, 2, 2, 3, 0, 1]
    assert nu == 4 and first.tolist() == [0, 2, 3, 5]
    check_factorize(arr.slice(2, 5))


def test_factorize_empty_and_null_type():
    codes, nu, first = hashing.factorize(pa.array([], pa.string()))
    assert codes.tolist() == [] and nu == 0 and first.tolist() == []
    codes, nu, first = hashing.factorize(pa.nulls(4))
    assert codes.tolist() == [0, 0, 0, 0] and nu == 1 and first.tolist() == [0]


def test_factorize_garbage_under_nulls():
    valid = [True, False, True, False, True, True]
    arr = with_garbage_under_nulls(pa.array([1, 2, 1, 3, 4, 1], pa.int64()), valid)
    assert hashing.factorize(arr)[0].tolist() == [0, 1, 0, 1, 2, 0]
    arr = with_garbage_under_nulls(pa.array(["x", "y", "x", "z", "w", "x"]), valid)
    assert hashing.factorize(arr)[0].tolist() == [0, 1, 0, 1, 2, 0]


def test_factorize_errors():
    with pytest.raises(TypeError, match="list"):
        hashing.factorize(pa.array([[1]]))
    with pytest.raises(TypeError, match="ChunkedArray"):
        hashing.factorize(pa.chunked_array([[1]]))
    with pytest.raises(ValueError, match="lengths"):
        hashing.factorize_multi([pa.array([1, 2]), pa.array([1])])
    with pytest.raises(ValueError):
        hashing.factorize_multi([])


@pytest.mark.hypothesis
@settings(deadline=None)
@given(arr=key_arrays())
def test_factorize_matches_reference(arr):
    check_factorize(arr)


_UNIQUE_ORACLE_TYPES = [
    pa.int8(),
    pa.int64(),
    pa.uint64(),
    pa.string(),
    pa.large_binary(),
    pa.string_view(),
    pa.decimal128(38, 4),
    pa.date32(),
    pa.bool_(),
]


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_factorize_counts_match_pc_unique(data):
    arr = data.draw(key_arrays(t=data.draw(st.sampled_from(_UNIQUE_ORACLE_TYPES))))
    _, nu, _ = hashing.factorize(arr)
    assert nu == len(pc.unique(arr))


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_factorize_multi_matches_reference(data):
    n = data.draw(st.integers(0, 60))
    k = data.draw(st.integers(1, 4))
    arrays = [data.draw(key_arrays(n=n)) for _ in range(k)]
    codes, nu, first = hashing.factorize_multi(arrays)
    cols = [_values(a) for a in arrays]
    rows = [tuple(("null",) if c[i] is None else ("v", c[i]) for c in cols) for i in range(n)]
    exp_codes, exp_nu, exp_first = reference_factorize(rows)
    assert nu == exp_nu
    np.testing.assert_array_equal(codes, np.array(exp_codes, dtype=np.int64))
    np.testing.assert_array_equal(first, np.array(exp_first, dtype=np.int64))


def test_factorize_multi_overflowing_radix():
    """Cardinality product beyond int64: partial combinations are re-factorized."""
    rng = np.random.default_rng(9)
    n = 5000
    arrays = [pa.array(rng.integers(-(2**62), 2**62, n)) for _ in range(5)]
    arrays.append(pa.array(np.repeat(np.arange(n // 2), 2)))
    codes, nu, _first = hashing.factorize_multi(arrays)
    rows = list(zip(*[a.to_pylist() for a in arrays]))
    exp_codes, exp_nu, _exp_first = reference_factorize(rows)
    assert nu == exp_nu == n
    np.testing.assert_array_equal(codes, exp_codes)
    dup = [pa.array(np.tile(rng.integers(0, 3, 10), 100)) for _ in range(3)]
    codes, nu, _ = hashing.factorize_multi(dup)
    assert nu <= 10 and codes[:10].tolist() == codes[10:20].tolist()


# ------------------------------------------------------------------------------------------------
# hash_array


def test_xxh64_reference_vectors():
    assert xxh64(b"") == 0xEF46DB3751D8E999
    assert xxh64(b"a") == 0xD24EC4F1A98C6E5B
    assert xxh64(b"abc") == 0x44BC2CF5AD770999


def test_hash_pinned_values():
    """These values are part of frame's contract (hashing trick): they must never change."""
    h = hashing.hash_array
    assert h(pa.array([b""], pa.binary())).tolist() == [0xEF46DB3751D8E999]
    assert h(pa.array(["abc"])).tolist() == [0x44BC2CF5AD770999]
    assert h(pa.array([5], pa.int64())).tolist() == [9925382920258869565]
    assert h(pa.array([1.5], pa.float64())).tolist() == [5329932555030153977]
    assert h(pa.array([None], pa.int64())).tolist() == [0xC4349FC93C010000]
    assert hashing.null_hash(0) == 0xC4349FC93C010000
    assert h(pa.array([0, 1, -1], pa.int32()), seed=42).tolist() == [
        xxh64(struct.pack("<q", v), 42) for v in (0, 1, -1)
    ]
    assert h(pa.array(["frame"]), seed=2**64 - 1).tolist() == [xxh64(b"frame", 2**64 - 1)]
    assert (
        h(pa.array(["frame"]), seed=-1).tolist() == h(pa.array(["frame"]), seed=2**64 - 1).tolist()
    )


def test_hash_equal_values_across_types_and_layouts():
    h = hashing.hash_array
    ints = [0, 5, 127, None]
    base = h(pa.array(ints, pa.int64()))
    for t in (pa.int8(), pa.int16(), pa.int32(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()):
        np.testing.assert_array_equal(h(pa.array(ints, t)), base)
    floats = [1.5, -0.0, 0.0, math.nan, math.inf, None]
    f64 = h(pa.array(floats, pa.float64()))
    np.testing.assert_array_equal(h(pa.array(floats, pa.float32())), f64)
    f16 = pa.array(
        np.array([1.5, -0.0, 0.0, np.nan, np.inf, 0], dtype=np.float16),
        mask=np.array([0, 0, 0, 0, 0, 1], dtype=bool),
    )
    np.testing.assert_array_equal(h(f16), f64)
    assert f64[1] == f64[2]
    strings = ["", "a", "é日本", "x" * 40, None]
    ref = h(pa.array(strings, pa.string()))
    for t in (
        pa.large_string(),
        pa.string_view(),
        pa.binary(),
        pa.large_binary(),
        pa.binary_view(),
    ):
        np.testing.assert_array_equal(h(pa.array(strings).cast(t)), ref)
    np.testing.assert_array_equal(h(pa.array(strings).dictionary_encode()), ref)
    decs = [Decimal("1.25"), Decimal("-3.00"), None]
    d128 = h(pa.array(decs, pa.decimal128(10, 2)))
    np.testing.assert_array_equal(h(pa.array(decs, pa.decimal32(5, 2))), d128)
    np.testing.assert_array_equal(h(pa.array(decs, pa.decimal64(12, 2))), d128)


def test_hash_seed_changes_everything():
    arr = pa.array([1, 2, None])
    a, b = hashing.hash_array(arr, seed=0), hashing.hash_array(arr, seed=1)
    assert (a != b).all()


def test_hash_large_parallel_matches_serial():
    rng = np.random.default_rng(4)
    arr = pa.array(rng.integers(-(2**40), 2**40, 400_000), mask=rng.random(400_000) < 0.1)
    from frame._core import parallel

    before = parallel.get_num_threads()
    try:
        parallel.set_num_threads(1)
        serial = hashing.hash_array(arr, seed=7)
        parallel.set_num_threads(2)
        par = hashing.hash_array(arr, seed=7)
    finally:
        parallel.set_num_threads(before)
    np.testing.assert_array_equal(serial, par)
    np.testing.assert_array_equal(serial[:50], reference_hash(arr.slice(0, 50), 7))


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_hash_matches_reference_and_slices(data):
    t = data.draw(st.sampled_from(ALL_TYPES))
    arr = data.draw(key_arrays(t=t))
    seed = data.draw(st.sampled_from([0, 1, 2**64 - 1, 123456789]))
    got = hashing.hash_array(arr, seed=seed)
    assert got.dtype == np.uint64
    assert got.tolist() == reference_hash(arr, seed)
    # the same values without an offset hash the same
    if not pa.types.is_dictionary(t) and len(arr):
        np.testing.assert_array_equal(hashing.hash_array(pa.concat_arrays([arr]), seed=seed), got)
