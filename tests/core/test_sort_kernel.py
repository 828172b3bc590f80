"""Tests of frame._core.sort: stable multi-key argsort and rank codes.

Oracles: a pure-Python reference with explicit semantics (nulls first/last per key whatever the
direction, -0.0 == 0.0, NaN above +inf, bytewise string order, dictionaries by value, stability)
and, for the types and semantics it shares, ``pyarrow.compute.sort_indices`` (stable).
"""

from __future__ import annotations

import functools
import math
from decimal import Context, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frame._core import parallel, sort
from tests.core._key_cases import (
    ALL_TYPES,
    INT_TYPES,
    key_arrays,
    with_garbage_under_nulls,
)

# ------------------------------------------------------------------------------------------------
# reference


def _py_values(arr: pa.Array) -> list:
    """Python values in the order the kernel must sort them (None = null)."""
    t = arr.type
    if pa.types.is_dictionary(t):
        return _py_values(arr.dictionary.take(arr.indices))
    if pa.types.is_null(t):
        return [None] * len(arr)
    if pa.types.is_timestamp(t) or pa.types.is_date64(t) or pa.types.is_duration(t):
        return arr.view(pa.int64()).to_pylist()
    if pa.types.is_time64(t):
        return arr.view(pa.int64()).to_pylist()
    if pa.types.is_date32(t) or pa.types.is_time32(t):
        return arr.view(pa.int32()).to_pylist()
    if pa.types.is_floating(t):
        return [None if v is None else float(v) for v in arr.to_pylist()]
    if pa.types.is_decimal(t):
        ctx = Context(prec=200)
        return [None if v is None else int(v.scaleb(t.scale, ctx)) for v in arr.to_pylist()]
    out = arr.to_pylist()
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return [None if v is None else v.encode("utf-8") for v in out]
    return out


def _cmp_values(a, b) -> int:
    if isinstance(a, float):
        a_nan, b_nan = math.isnan(a), math.isnan(b)
        if a_nan or b_nan:
            return int(a_nan) - int(b_nan)
    return (a > b) - (a < b)


def reference_argsort(keys, descending, nulls_last) -> np.ndarray:
    cols = [_py_values(k) for k in keys]
    n = len(keys[0])

    def cmp(i, j):
        for col, d, nl in zip(cols, descending, nulls_last):
            a, b = col[i], col[j]
            if a is None or b is None:
                if a is None and b is None:
                    continue
                a_first = (a is None) != nl
                return -1 if a_first else 1
            c = _cmp_values(a, b)
            if c:
                return -c if d else c
        return (i > j) - (i < j)

    return np.array(sorted(range(n), key=functools.cmp_to_key(cmp)), dtype=np.int64)


def check(keys, descending, nulls_last):
    got = sort.argsort(keys, descending, nulls_last)
    assert got.dtype == np.int64
    exp = reference_argsort(keys, descending, nulls_last)
    np.testing.assert_array_equal(got, exp)
    return got


# ------------------------------------------------------------------------------------------------
# examples


def test_float_semantics_nan_zero_inf():
    a = pa.array([1.0, math.nan, None, -0.0, 0.0, math.inf, -math.inf, -math.nan, 0.0, -0.0])
    got = check([a], [False], [True])
    # -0.0 and 0.0 tie, so they keep input order 3, 4, 8, 9; NaNs (any payload) after +inf
    np.testing.assert_array_equal(got, [6, 3, 4, 8, 9, 0, 5, 1, 7, 2])
    got = check([a], [True], [False])
    np.testing.assert_array_equal(got, [2, 1, 7, 5, 0, 3, 4, 8, 9, 6])


def test_nan_payloads_all_equal():
    bits = np.array(
        [
            0x7FF8000000000000,
            0x7FF0000000000001,
            0xFFF8000000000000,
            0x7FFFFFFFFFFFFFFF,
            0x3FF0000000000000,
        ],
        dtype=np.uint64,
    )
    a = pa.array(bits.view(np.float64))
    np.testing.assert_array_equal(sort.argsort([a], [False], [True]), [4, 0, 1, 2, 3])
    np.testing.assert_array_equal(sort.argsort([a], [True], [True]), [0, 1, 2, 3, 4])


@pytest.mark.parametrize("t", INT_TYPES)
def test_integer_extremes(t):
    info = np.iinfo(t.to_pandas_dtype())
    vals = [int(info.max), int(info.min), 0, None, int(info.max), 1, int(info.min) + 1, None]
    for desc in (False, True):
        for nl in (False, True):
            check([pa.array(vals, t)], [desc], [nl])


def test_full_range_int64_with_nulls_needs_null_flag():
    vals = [2**63 - 1, -(2**63), None, 0, None, -(2**63)]
    for desc in (False, True):
        for nl in (False, True):
            check([pa.array(vals, pa.int64())], [desc], [nl])
            check(
                [pa.array([None if v is None else v + 2**63 for v in vals], pa.uint64())],
                [desc],
                [nl],
            )


def test_strings_bytewise_order():
    a = pa.array(["b", "a", "", None, "ab", "é", "z", "日", "a\x00", "A"])
    for t in (pa.string(), pa.large_string(), pa.string_view()):
        check([a.cast(t)], [False], [True])
        check([a.cast(t)], [True], [False])


def test_dictionary_by_value_unsorted_dictionary_with_duplicates_and_null_entry():
    dictionary = pa.array(["zeta", "alpha", None, "mid", "alpha"])
    idx = pa.array([0, 1, 2, 3, 4, None, 0, 4, 1, 3], pa.int8())
    a = pa.DictionaryArray.from_arrays(idx, dictionary)
    got = check([a], [False], [True])
    # alpha rows (1, 4, 7, 8) tie whichever dictionary entry they use
    np.testing.assert_array_equal(got[:4], [1, 4, 7, 8])
    check([a, pa.array(range(10))], [True, False], [False, True])
    check([a.slice(3, 6)], [False], [False])


def test_null_type_and_all_null_and_constant_keys_are_ties():
    n = 7
    np.testing.assert_array_equal(sort.argsort([pa.nulls(n)], [False], [True]), np.arange(n))
    np.testing.assert_array_equal(
        sort.argsort([pa.array([None] * n, pa.int64())], [True], [False]), np.arange(n)
    )
    np.testing.assert_array_equal(
        sort.argsort([pa.array([5] * n), pa.array(["x"] * n)], [True, False], [True, True]),
        np.arange(n),
    )


def test_empty_and_single_row():
    assert sort.argsort([pa.array([], pa.int64())], [False], [True]).tolist() == []
    assert sort.argsort([pa.array(["x"])], [True], [False]).tolist() == [0]


def test_bool_and_temporal():
    check([pa.array([True, None, False, True, False])], [False], [True])
    check([pa.array([True, None, False, True, False])], [True], [False])
    ts = pa.array([3, -1, None, 2**62, -(2**62)], pa.int64()).view(pa.timestamp("ns", tz="UTC"))
    check([ts], [False], [True])
    check([pa.array([5, None, -3], pa.int32()).view(pa.date32())], [True], [True])


def test_decimals_small_and_wide_ranges():
    small = [Decimal("1.5"), Decimal("-2.25"), None, Decimal("0"), Decimal("1.50")]
    check([pa.array(small, pa.decimal128(10, 2))], [False], [True])
    wide = [Decimal(10**37), Decimal(-(10**37)), None, Decimal(1), Decimal(-1)]
    for desc in (False, True):
        check([pa.array(wide, pa.decimal128(38, 0))], [desc], [desc])
        check([pa.array([*wide, Decimal(10**75)], pa.decimal256(76, 0))], [desc], [not desc])
        check([pa.array(small, pa.decimal32(5, 2))], [desc], [True])
        check([pa.array(small, pa.decimal64(12, 2))], [desc], [False])


def test_garbage_under_nulls_is_ignored():
    rng = np.random.default_rng(3)
    vals = rng.integers(-100, 100, 40)
    valid = (rng.random(40) > 0.3).tolist()
    for t in (pa.int64(), pa.int16(), pa.float64(), pa.string(), pa.string_view()):
        arr = pa.array(vals).cast(t).slice(0)
        g = with_garbage_under_nulls(arr, valid)
        clean = pa.array([v if ok else None for v, ok in zip(arr.to_pylist(), valid)], t)
        for desc in (False, True):
            np.testing.assert_array_equal(
                sort.argsort([g], [desc], [True]), sort.argsort([clean], [desc], [True])
            )


def test_errors():
    with pytest.raises(TypeError, match="list"):
        sort.argsort([pa.array([[1], [2]])], [False], [True])
    with pytest.raises(TypeError, match="struct"):
        sort.argsort([pa.array([{"a": 1}])], [False], [True])
    with pytest.raises(TypeError, match="ChunkedArray"):
        sort.argsort([pa.chunked_array([[1, 2]])], [False], [True])
    with pytest.raises(ValueError, match="length"):
        sort.argsort([pa.array([1, 2]), pa.array([1])], [False, False], [True, True])
    with pytest.raises(ValueError, match="flags"):
        sort.argsort([pa.array([1, 2])], [False, True], [True])
    with pytest.raises(ValueError):
        sort.argsort([], [], [])


# ------------------------------------------------------------------------------------------------
# property tests


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_single_key_matches_reference(data):
    arr = data.draw(key_arrays())
    desc = data.draw(st.booleans())
    nl = data.draw(st.booleans())
    check([arr], [desc], [nl])


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_multi_key_matches_reference(data):
    n = data.draw(st.integers(0, 60))
    n_keys = data.draw(st.integers(2, 4))
    keys = [data.draw(key_arrays(n=n)) for _ in range(n_keys)]
    desc = data.draw(st.lists(st.booleans(), min_size=n_keys, max_size=n_keys))
    nl = data.draw(st.lists(st.booleans(), min_size=n_keys, max_size=n_keys))
    check(keys, desc, nl)


_PA_ORACLE_TYPES = [
    *INT_TYPES,
    pa.bool_(),
    pa.string(),
    pa.large_string(),
    pa.binary(),
    pa.date32(),
    pa.timestamp("us"),
    pa.decimal128(38, 4),
]


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_matches_pyarrow_sort_indices(data):
    n = data.draw(st.integers(0, 60))
    n_keys = data.draw(st.integers(1, 3))
    keys = [
        data.draw(key_arrays(t=data.draw(st.sampled_from(_PA_ORACLE_TYPES)), n=n))
        for _ in range(n_keys)
    ]
    desc = data.draw(st.lists(st.booleans(), min_size=n_keys, max_size=n_keys))
    nl = data.draw(st.lists(st.booleans(), min_size=n_keys, max_size=n_keys))
    table = pa.table({f"k{j}": k for j, k in enumerate(keys)})
    sort_keys = [
        (f"k{j}", "descending" if d else "ascending", "at_end" if last else "at_start")
        for j, (d, last) in enumerate(zip(desc, nl))
    ]
    exp = pc.sort_indices(table, sort_keys=sort_keys).to_numpy()
    np.testing.assert_array_equal(sort.argsort(keys, desc, nl), exp)


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_wide_keys_over_64_bits(data):
    """Three 64-bit keys drawn from tiny pools: ties on the first keys must be refined."""
    n = data.draw(st.integers(0, 60))
    keys = []
    for _ in range(3):
        pool = data.draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=3))
        vals = data.draw(
            st.lists(st.one_of(st.sampled_from(pool), st.none()), min_size=n, max_size=n)
        )
        keys.append(pa.array(vals, pa.int64()))
    desc = data.draw(st.lists(st.booleans(), min_size=3, max_size=3))
    nl = data.draw(st.lists(st.booleans(), min_size=3, max_size=3))
    check(keys, desc, nl)


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_rank_codes_agree_with_order(data):
    t = data.draw(st.sampled_from([x for x in ALL_TYPES if x != pa.decimal256(76, 5)]))
    arr = data.draw(key_arrays(t=t))
    desc = data.draw(st.booleans())
    nl = data.draw(st.booleans())
    try:
        codes, bits = sort.rank_codes(arr, desc, nl)
    except ValueError:
        return  # needs more than 64 bits
    assert codes.dtype == np.uint64 and len(codes) == len(arr)
    assert 0 <= bits <= 64
    if bits < 64:
        assert (codes < (1 << bits)).all() if len(codes) else True
    perm = sort.argsort([arr], [desc], [nl])
    ordered = codes[perm]
    assert (np.diff(ordered.astype(object)) >= 0).all() if len(ordered) > 1 else True
    np.testing.assert_array_equal(perm, np.argsort(codes, kind="stable"))


# ------------------------------------------------------------------------------------------------
# large deterministic inputs (exercise the MSD radix path and the 2-thread path)


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    before = parallel.get_num_threads()
    parallel.set_num_threads(request.param)
    yield request.param
    parallel.set_num_threads(before)


def test_large_single_int_key(threads):
    rng = np.random.default_rng(11)
    n = 300_000
    vals = rng.integers(-(10**12), 10**12, n)
    mask = rng.random(n) < 0.05
    arr = pa.array(vals, mask=mask).slice(7)
    got = sort.argsort([arr], [False], [True])
    exp = pc.sort_indices(pa.table({"a": arr}), sort_keys=[("a", "ascending", "at_end")])
    np.testing.assert_array_equal(got, exp.to_numpy())
    got = sort.argsort([arr], [True], [False])
    exp = pc.sort_indices(pa.table({"a": arr}), sort_keys=[("a", "descending", "at_start")])
    np.testing.assert_array_equal(got, exp.to_numpy())


def test_large_two_keys_int_float(threads):
    rng = np.random.default_rng(12)
    n = 300_000
    a = rng.integers(0, 1000, n)
    b = np.round(rng.standard_normal(n), 3)  # many exact ties -> stability matters
    got = sort.argsort([pa.array(a), pa.array(b)], [False, True], [True, True])
    exp = np.lexsort((-b, a))
    np.testing.assert_array_equal(got, exp)
    wide = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
    got = sort.argsort(
        [pa.array(a % 7), pa.array(wide), pa.array(b)], [True, False, False], [True, True, True]
    )
    np.testing.assert_array_equal(got, np.lexsort((b, wide, -(a % 7))))


def test_large_string_key(threads):
    rng = np.random.default_rng(13)
    n = 200_000
    words = np.array([f"w{rng.integers(1 << 40):x}" for _ in range(5000)], dtype=object)
    s = pa.array(words[rng.integers(0, len(words), n)].tolist(), pa.large_string())
    got = sort.argsort([s], [False], [True])
    exp = pc.sort_indices(pa.table({"s": s}), sort_keys=[("s", "ascending", "at_end")])
    np.testing.assert_array_equal(got, exp.to_numpy())


def test_large_skewed_codes():
    """One outlier makes the top radix digit almost constant: buckets must recurse."""
    rng = np.random.default_rng(14)
    n = 250_000
    vals = rng.integers(0, 1000, n)
    vals[123] = 2**62
    got = sort.argsort([pa.array(vals)], [False], [True])
    np.testing.assert_array_equal(got, np.argsort(vals, kind="stable"))
