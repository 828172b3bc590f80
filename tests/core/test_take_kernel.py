"""Kernel tests for frame._core.take: every layout against pyarrow's ``Array.take``.

Index -1 is a null row; the oracle is ``arr.take(indices)`` with -1 replaced by a null index.
pyarrow 26 has no take kernel for string_view/binary_view: the oracle for those casts the input to
large_string/large_binary first and the result is compared after the same cast.
"""

from __future__ import annotations

import decimal
import gc

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frame._core import buffer
from frame._core.take import take_array
from tests.core._layout_cases import (
    SPECS,
    VIEW_TYPES,
    arrays,
    assert_same,
    forced_threads,
)


def oracle_take(arr: pa.Array, indices) -> pa.Array:
    idx = pa.array([None if i == -1 else int(i) for i in indices], pa.int64())
    if arr.type in VIEW_TYPES:
        return arr.cast(VIEW_TYPES[arr.type]).take(idx)
    return arr.take(idx)


@st.composite
def indices_for(draw, n: int, max_size: int = 60) -> np.ndarray:
    """Indices into an array of length n: in range, -1 (null), repeats; any order."""
    m = draw(st.integers(0, max_size))
    if n == 0:
        return np.full(m, -1, dtype=np.int64)
    mode = draw(st.sampled_from(["random", "with_null", "all_null", "sorted"]))
    if mode == "all_null":
        return np.full(m, -1, dtype=np.int64)
    lo = -1 if mode == "with_null" else 0
    if m <= 80:
        vals = draw(st.lists(st.integers(lo, n - 1), min_size=m, max_size=m))
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        vals = rng.integers(lo, n, m)
    out = np.array(vals, dtype=np.int64)
    return np.sort(out) if mode == "sorted" else out


# --- property tests ---------------------------------------------------------------------------


@pytest.mark.hypothesis
@pytest.mark.parametrize("name", list(SPECS))
@given(data=st.data())
def test_take_matches_pyarrow(name, data):
    arr = data.draw(arrays(name))
    idx = data.draw(indices_for(len(arr)))
    assert_same(take_array(arr, idx), oracle_take(arr, idx), arr.type)


@pytest.mark.hypothesis
@pytest.mark.parametrize(
    "name",
    [
        "bool",
        "int8",
        "int64",
        "fixed_size_binary_3",
        "decimal128",
        "string",
        "large_binary",
        "string_view",
        "dict_int8_string",
    ],
)
@given(data=st.data())
def test_take_parallel_blocks_match_pyarrow(name, data):
    """3 blocks of whole 64-row words even for a few hundred indices."""
    arr = data.draw(arrays(name, max_size=100))
    idx = data.draw(indices_for(len(arr), max_size=400))
    with forced_threads(3):
        result = take_array(arr, idx)
    assert_same(result, oracle_take(arr, idx), arr.type)


@pytest.mark.hypothesis
@given(data=st.data())
def test_take_index_dtypes_and_buffers(data):
    arr = data.draw(arrays("string", min_size=1))
    idx = data.draw(indices_for(len(arr)))
    expected = oracle_take(arr, idx)
    for converted in (idx.astype(np.int32), memoryview(idx), idx.tolist(), pa.array(idx)):
        assert_same(take_array(arr, converted), expected, arr.type)


# --- hand-written cases -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_take_empty_indices_and_empty_arrays(name):
    dtype = SPECS[name][0]
    empty = pa.array([], type=dtype)
    none = np.array([], dtype=np.int64)
    assert_same(take_array(empty, none), empty, dtype)
    assert_same(take_array(empty, np.array([-1, -1])), pa.nulls(2, dtype), dtype)
    assert_same(take_array(empty, []), empty, dtype)


@pytest.mark.parametrize(
    "name", ["int64", "bool", "string", "string_view", "dict_int8_string", "decimal256", "null"]
)
def test_take_minus_one_is_null(name):
    dtype, _ = SPECS[name]
    values = {
        "int64": [7, 8],
        "bool": [True, False],
        "string": ["a", "bc"],
        "string_view": ["a", "a value longer than twelve"],
        "dict_int8_string": ["a", "bb"],
        "decimal256": [decimal.Decimal("1.5"), decimal.Decimal("-2.25")],
        "null": [None, None],
    }[name]
    arr = pa.array(values, dtype)
    result = take_array(arr, np.array([1, -1, 0, -1, 1]))
    assert_same(result, oracle_take(arr, [1, -1, 0, -1, 1]), dtype)
    assert result.null_count == (5 if name == "null" else 2)


def test_take_all_null_from_empty_dictionary_keeps_dictionary():
    arr = pa.array(["a", "b"]).dictionary_encode().slice(2)
    result = take_array(arr, np.array([-1, -1]))
    assert_same(result, oracle_take(arr, [-1, -1]), arr.type)
    assert result.dictionary.equals(arr.dictionary)


def test_take_float_bits_preserved():
    bits = np.array([0x8000000000000000, 0x7FF8000000000001, 0x3FF0000000000000], dtype=np.uint64)
    result = take_array(pa.array(bits.view(np.float64)), np.array([2, 1, 0, 0]))
    assert np.asarray(result.view(pa.uint64())).tolist() == bits[[2, 1, 0, 0]].tolist()


def test_take_sliced_source():
    arr = pa.array(["zero", None, "two", "three", "four"] * 3, pa.large_string()).slice(3, 9)
    idx = np.array([8, 0, -1, 1, 1, 4])
    assert_same(take_array(arr, idx), oracle_take(arr, idx), arr.type)


# --- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [3, 4, 2**40, -2, -(2**63)])
def test_take_out_of_bounds_raises(bad):
    arr = pa.array([1, 2, 3])
    with pytest.raises(IndexError, match=f"index {bad} at position 2"):
        take_array(arr, np.array([0, 1, bad, 0]))


def test_take_out_of_bounds_on_empty_array_raises():
    with pytest.raises(IndexError, match="index 0 at position 0"):
        take_array(pa.array([], pa.string()), np.array([0]))


def test_take_bounds_reports_first_bad_index_in_large_input():
    idx = np.zeros(300_000, dtype=np.int64)
    idx[250_001] = 10
    idx[299_999] = -7
    with pytest.raises(IndexError, match="index 10 at position 250001"):
        take_array(pa.array([1.5]), idx)


def test_take_unchecked_negative_is_null():
    arr = pa.array([1, 2, 3])
    result = take_array(arr, np.array([-5, 2, -1]), check_bounds=False)
    result.validate(full=True)
    assert result.to_pylist() == [None, 3, None]


@pytest.mark.parametrize(
    ("indices", "error"),
    [
        (np.array([0.0, 1.0]), TypeError),
        (np.array([True, False]), TypeError),
        (np.zeros((2, 2), dtype=np.int64), ValueError),
        (pa.array([0, None]), ValueError),
    ],
    ids=["float", "bool", "2d", "null_index"],
)
def test_take_bad_indices_raise(indices, error):
    with pytest.raises(error):
        take_array(pa.array([1, 2, 3]), indices)


def test_take_unsupported_arrays_raise_type_error():
    with pytest.raises(TypeError):
        take_array(pa.array([[1], [2]]), np.array([0]))
    with pytest.raises(TypeError):
        take_array(pa.chunked_array([[1, 2]]), np.array([0]))


def test_take_string_offset_overflow_raises():
    big = pa.array(["x" * (1 << 20)])  # 1 MiB; 2048 copies overflow int32 offsets
    with pytest.raises(OverflowError, match="large_string"):
        take_array(big, np.zeros(2048, dtype=np.int64))


# --- large inputs (parallel path at the default threshold) ------------------------------------

N_LARGE = 300_000


@pytest.fixture(scope="module")
def large_inputs():
    rng = np.random.default_rng(7)
    valid = rng.random(N_LARGE) > 0.1
    strings = [f"v{v}" * (v % 5) for v in rng.integers(0, 1000, N_LARGE)]
    arrays_ = {
        "int64": pa.array(rng.integers(-(2**62), 2**62, N_LARGE), mask=~valid),
        "float64": pa.array(rng.standard_normal(N_LARGE), mask=~valid),
        "bool": pa.array(rng.random(N_LARGE) > 0.5, mask=~valid),
        "string": pa.array(strings, pa.string(), mask=~valid),
        "large_string": pa.array(strings, pa.large_string(), mask=~valid),
        "string_view": pa.array(strings, pa.string_view(), mask=~valid),
        "int64_no_nulls": pa.array(rng.integers(0, 100, N_LARGE)),
    }
    indices = {
        "random": rng.integers(0, N_LARGE, N_LARGE),
        "with_null": rng.integers(-1, N_LARGE, N_LARGE),
        "permutation": rng.permutation(N_LARGE),
    }
    return arrays_, indices


@pytest.mark.parametrize(
    "name", ["int64", "float64", "bool", "string", "large_string", "string_view", "int64_no_nulls"]
)
@pytest.mark.parametrize("idx_name", ["random", "with_null", "permutation"])
def test_take_large_matches_pyarrow(large_inputs, name, idx_name):
    arrays_, indices = large_inputs
    arr, idx = arrays_[name], indices[idx_name]
    expected_idx = pa.array(idx, mask=idx < 0)
    source = arr.cast(VIEW_TYPES[arr.type]) if arr.type in VIEW_TYPES else arr
    assert_same(take_array(arr, idx), source.take(expected_idx), arr.type)


# --- lifetime ---------------------------------------------------------------------------------


def test_take_buffers_are_released():
    arr = pa.array(["abc", None, "de"] * 100)
    gc.collect()
    before = buffer.live_buffer_count()
    result = take_array(arr, np.array([0, -1, 2, 1] * 50))
    assert buffer.live_buffer_count() == before + 3  # validity, offsets, characters
    assert result.to_pylist() == ["abc", None, "de", None] * 50
    del result
    gc.collect()
    assert buffer.live_buffer_count() == before


@pytest.mark.parametrize(
    "arr",
    [
        pa.array([1, 2, 3, 4]),
        pa.array([1, None, 3, 4]),
        pa.array(["a", "bb", None, "dddd"]).slice(1),
        pa.array([True, False, True, None]),
        pa.array(["x", "y", "x", "z"]).dictionary_encode(),
    ],
    ids=["int", "int-nulls", "string-sliced", "bool", "dictionary"],
)
def test_all_valid_indices_promise_skips_validity_only(arr):
    # the caller's promise (no -1) changes no value: a validity buffer appears exactly when
    # the gathered rows hold a source null
    idx = np.array([2, 0, 0, len(arr) - 1, 1], dtype=np.int64)
    got = take_array(arr, idx, check_bounds=False, all_valid_indices=True)
    expected = arr.take(pa.array(idx))
    got.validate(full=True)
    assert got.equals(expected)
    assert (got.buffers()[0] is None) == (expected.null_count == 0)
