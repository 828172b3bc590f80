"""Kernel tests for frame._core.filter: every layout against pyarrow's ``Array.filter``.

pyarrow 26 has no filter kernel for string_view/binary_view: the oracle for those casts the input
to large_binary/large_string first and the result is compared after the same cast.
"""

from __future__ import annotations

import gc

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frame._core import buffer
from frame._core.filter import count_true, filter_array, mask_to_indices
from tests.core._layout_cases import (
    SPECS,
    VIEW_TYPES,
    arrays,
    assert_same,
    forced_threads,
    masks,
)


def oracle_filter(arr: pa.Array, mask: pa.Array) -> pa.Array:
    if arr.type in VIEW_TYPES:
        return arr.cast(VIEW_TYPES[arr.type]).filter(mask, null_selection_behavior="drop")
    return arr.filter(mask, null_selection_behavior="drop")


# --- property tests ---------------------------------------------------------------------------


@pytest.mark.hypothesis
@pytest.mark.parametrize("name", list(SPECS))
@given(data=st.data())
def test_filter_matches_pyarrow(name, data):
    arr = data.draw(arrays(name))
    mask = data.draw(masks(len(arr)))
    assert_same(filter_array(arr, mask), oracle_filter(arr, mask), arr.type)


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
def test_filter_parallel_blocks_match_pyarrow(name, data):
    """3 blocks of whole words even for a few hundred rows: output bitmap bytes shared between
    blocks, per-block row/byte starts."""
    arr = data.draw(arrays(name, max_size=400))
    mask = data.draw(masks(len(arr)))
    with forced_threads(3):
        result = filter_array(arr, mask)
    assert_same(result, oracle_filter(arr, mask), arr.type)


@pytest.mark.hypothesis
@given(data=st.data())
def test_mask_to_indices_and_count_true(data):
    n = data.draw(st.integers(0, 300))
    mask = data.draw(masks(n))
    expected = [i for i, v in enumerate(mask.to_pylist()) if v]
    idx = mask_to_indices(mask)
    assert idx.dtype == np.int64
    assert idx.tolist() == expected
    assert count_true(mask) == len(expected)
    with forced_threads(2):
        assert mask_to_indices(mask).tolist() == expected


# --- hand-written cases -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SPECS))
def test_filter_empty_array(name):
    dtype = SPECS[name][0]
    arr = pa.array([], type=dtype)
    assert_same(filter_array(arr, pa.array([], pa.bool_())), arr, dtype)


@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        (pa.int8(), [-128, 127, 0, None]),
        (pa.int64(), [-(2**63), 2**63 - 1, None, 0]),
        (pa.uint64(), [0, 2**64 - 1, None, 1]),
        (pa.float64(), [float("nan"), -0.0, float("-inf"), None]),
        (pa.float32(), [float("nan"), -0.0, float("inf"), None]),
        (pa.string(), ["ü", "日本語", "", None]),
    ],
    ids=["int8", "int64", "uint64", "float64", "float32", "unicode"],
)
def test_filter_edge_values(dtype, values):
    arr = pa.array(values * 20, type=dtype)
    mask = pa.array([True, False, True, None, True] * 16)
    assert_same(filter_array(arr, mask), oracle_filter(arr, mask), dtype)


def test_filter_negative_zero_and_nan_bits_preserved():
    bits = np.array([0x8000000000000000, 0x7FF8000000000001, 0xFFF0000000000001], dtype=np.uint64)
    arr = pa.array(bits.view(np.float64))
    result = filter_array(arr, pa.array([True, True, True]))
    assert np.asarray(result.view(pa.uint64())).tolist() == bits.tolist()


def test_filter_all_null_array_keeps_validity():
    arr = pa.array([None] * 100, pa.int32())
    result = filter_array(arr, pa.array([True, False] * 50))
    assert_same(result, arr.filter(pa.array([True, False] * 50)), pa.int32())
    assert result.null_count == 50


def test_filter_string_view_passes_data_buffers_through():
    arr = pa.array([f"a long string value number {i}" for i in range(50)], pa.string_view())
    result = filter_array(arr, pa.array([i % 3 == 0 for i in range(50)]))
    result.validate(full=True)
    assert [b.address for b in result.buffers()[2:]] == [b.address for b in arr.buffers()[2:]]
    assert result.to_pylist() == arr.to_pylist()[::3]


def test_filter_dictionary_keeps_dictionary():
    arr = pa.array(["x", "y", None, "x"] * 10).dictionary_encode()
    result = filter_array(arr, pa.array([True, False, True, True] * 10))
    assert result.type == arr.type
    assert result.dictionary.equals(arr.dictionary)
    assert_same(result, oracle_filter(arr, pa.array([True, False, True, True] * 10)), arr.type)


# --- validation -------------------------------------------------------------------------------


def test_filter_length_mismatch_raises():
    with pytest.raises(ValueError, match="length"):
        filter_array(pa.array([1, 2, 3]), pa.array([True, False]))


@pytest.mark.parametrize(
    "mask",
    [
        pa.array([1, 0, 1]),
        pa.chunked_array([[True, False, True]]),
        np.array([True, False, True]),
        [True, False, True],
        None,
    ],
    ids=["int_array", "chunked", "numpy", "list", "none"],
)
def test_filter_non_boolean_mask_raises(mask):
    with pytest.raises(TypeError, match="boolean"):
        filter_array(pa.array([1, 2, 3]), mask)
    with pytest.raises(TypeError, match="boolean"):
        mask_to_indices(mask)
    with pytest.raises(TypeError, match="boolean"):
        count_true(mask)


def test_filter_unsupported_arrays_raise_type_error():
    with pytest.raises(TypeError):
        filter_array(pa.array([[1], [2]]), pa.array([True, False]))
    with pytest.raises(TypeError):
        filter_array(pa.chunked_array([[1, 2]]), pa.array([True, False]))


# --- large inputs (parallel path at the default threshold) ------------------------------------

N_LARGE = 300_000


@pytest.fixture(scope="module")
def large_inputs():
    rng = np.random.default_rng(42)
    valid = rng.random(N_LARGE) > 0.1
    ints = rng.integers(-(2**62), 2**62, N_LARGE)
    strings = [f"s{v}" * (v % 4) for v in rng.integers(0, 1000, N_LARGE)]
    arrays_ = {
        "int64": pa.array(ints, mask=~valid),
        "float64": pa.array(rng.standard_normal(N_LARGE), mask=~valid),
        "bool": pa.array(rng.random(N_LARGE) > 0.5, mask=~valid),
        "string": pa.array(strings, pa.string(), mask=~valid),
        "large_string": pa.array(strings, pa.large_string(), mask=~valid),
        "string_view": pa.array(strings, pa.string_view(), mask=~valid),
        "int64_no_nulls": pa.array(ints),
    }
    mask_values = rng.random(N_LARGE + 5) > 0.5
    mask_nulls = rng.random(N_LARGE + 5) > 0.95
    masks_ = {
        "half": pa.array(mask_values[:N_LARGE]),
        "with_nulls_sliced": pa.array(mask_values, mask=mask_nulls).slice(3, N_LARGE),
        "sparse": pa.array(rng.random(N_LARGE) > 0.97),
        "dense": pa.array(rng.random(N_LARGE) > 0.03),
    }
    return arrays_, masks_


@pytest.mark.parametrize(
    "name", ["int64", "float64", "bool", "string", "large_string", "string_view", "int64_no_nulls"]
)
@pytest.mark.parametrize("mask_name", ["half", "with_nulls_sliced", "sparse", "dense"])
def test_filter_large_matches_pyarrow(large_inputs, name, mask_name):
    arrays_, masks_ = large_inputs
    arr, mask = arrays_[name], masks_[mask_name]
    assert_same(filter_array(arr, mask), oracle_filter(arr, mask), arr.type)
    sliced = arr.slice(5, N_LARGE - 10)
    smask = mask.slice(2, N_LARGE - 10)
    assert_same(filter_array(sliced, smask), oracle_filter(sliced, smask), arr.type)


def test_mask_to_indices_large(large_inputs):
    mask = large_inputs[1]["with_nulls_sliced"]
    expected = np.flatnonzero(mask.fill_null(False).to_numpy(zero_copy_only=False))
    np.testing.assert_array_equal(mask_to_indices(mask), expected)
    assert count_true(mask) == len(expected)


# --- lifetime ---------------------------------------------------------------------------------


def test_filter_buffers_are_released():
    arr = pa.array(["abc", None, "de"] * 100)
    mask = pa.array([True, True, False] * 100)
    gc.collect()
    before = buffer.live_buffer_count()
    result = filter_array(arr, mask)
    idx = mask_to_indices(mask)
    assert buffer.live_buffer_count() == before + 4  # validity, offsets, characters, indices
    assert result.to_pylist() == ["abc", None] * 100
    del result, idx
    gc.collect()
    assert buffer.live_buffer_count() == before
