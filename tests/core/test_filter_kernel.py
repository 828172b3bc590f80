"""Kernel tests for frame._core.filter: every layout against pyarrow's ``Array.filter``.

pyarrow 26 has no filter kernel for string_view/binary_view: the oracle for those casts the input
to large_binary/large_string first and the result is compared after the same cast.
"""

from __future__ import annotations

import contextlib
import decimal
import gc

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frame._core import buffer, parallel
from frame._core.filter import count_true, filter_array, mask_to_indices

# --- strategies (mirrored in test_take_kernel.py) --------------------------------------------


def _ints(bits: int, signed: bool = True) -> st.SearchStrategy[int]:
    if signed:
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return st.integers(0, 2**bits - 1)


def _decimals(precision: int, scale: int) -> st.SearchStrategy[decimal.Decimal]:
    # Built from digit strings: exact whatever the decimal context precision.
    bound = 10**precision - 1
    return st.integers(-bound, bound).map(lambda i: decimal.Decimal(f"{i}E-{scale}"))


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)  # unicode, > 12 bytes too
_BYTES = st.binary(max_size=20)

SPECS: dict[str, tuple[pa.DataType, st.SearchStrategy]] = {
    "null": (pa.null(), st.none()),
    "bool": (pa.bool_(), st.booleans()),
    "int8": (pa.int8(), _ints(8)),
    "int16": (pa.int16(), _ints(16)),
    "int32": (pa.int32(), _ints(32)),
    "int64": (pa.int64(), _ints(64)),
    "uint8": (pa.uint8(), _ints(8, signed=False)),
    "uint16": (pa.uint16(), _ints(16, signed=False)),
    "uint32": (pa.uint32(), _ints(32, signed=False)),
    "uint64": (pa.uint64(), _ints(64, signed=False)),
    "float16": (pa.float16(), st.floats(width=16)),
    "float32": (pa.float32(), st.floats(width=32)),
    "float64": (pa.float64(), st.floats()),
    "date32": (pa.date32(), st.integers(-(10**6), 10**6)),
    "date64": (pa.date64(), st.integers(-(10**6), 10**6).map(lambda d: d * 86_400_000)),
    "timestamp_ns_utc": (pa.timestamp("ns", tz="UTC"), _ints(64)),
    "time32_ms": (pa.time32("ms"), st.integers(0, 86_399_999)),
    "time64_ns": (pa.time64("ns"), st.integers(0, 86_399_999_999_999)),
    "duration_us": (pa.duration("us"), _ints(64)),
    "decimal32": (pa.decimal32(7, 2), _decimals(7, 2)),
    "decimal64": (pa.decimal64(15, 3), _decimals(15, 3)),
    "decimal128": (pa.decimal128(20, 4), _decimals(20, 4)),
    "decimal256": (pa.decimal256(50, 6), _decimals(50, 6)),
    "month_day_nano": (
        pa.month_day_nano_interval(),
        st.tuples(_ints(32), _ints(32), _ints(64)),
    ),
    "fixed_size_binary_1": (pa.binary(1), st.binary(min_size=1, max_size=1)),
    "fixed_size_binary_3": (pa.binary(3), st.binary(min_size=3, max_size=3)),
    "fixed_size_binary_16": (pa.binary(16), st.binary(min_size=16, max_size=16)),
    "fixed_size_binary_32": (pa.binary(32), st.binary(min_size=32, max_size=32)),
    "fixed_size_binary_40": (pa.binary(40), st.binary(min_size=40, max_size=40)),
    "string": (pa.string(), _TEXT),
    "binary": (pa.binary(), _BYTES),
    "large_string": (pa.large_string(), _TEXT),
    "large_binary": (pa.large_binary(), _BYTES),
    "string_view": (pa.string_view(), _TEXT),
    "binary_view": (pa.binary_view(), _BYTES),
    "dict_int8_string": (
        pa.dictionary(pa.int8(), pa.string()),
        st.sampled_from(["a", "bb", "ü", "a longer value here"]),
    ),
    "dict_uint16_int64": (pa.dictionary(pa.uint16(), pa.int64()), st.integers(-3, 3)),
    "dict_int64_string": (pa.dictionary(pa.int64(), pa.string()), st.sampled_from(["x", "y"])),
}

VIEW_TYPES = {pa.string_view(): pa.large_string(), pa.binary_view(): pa.large_binary()}


def _build(dtype: pa.DataType, values: list) -> pa.Array:
    if dtype == pa.float16():
        mask = np.array([v is None for v in values], dtype=bool)
        data = np.array([0.0 if v is None else v for v in values], dtype=np.float16)
        return pa.array(data, type=dtype, mask=mask)
    return pa.array(values, type=dtype)


def _with_garbage_validity(arr: pa.Array, valid: list[bool]) -> pa.Array:
    """Same values, but nulls where ``valid`` is False: values under the nulls are not zero."""
    bits = pa.array(valid, pa.bool_()).buffers()[1]
    bufs = arr.buffers()
    return pa.Array.from_buffers(arr.type, len(arr), [bits, *bufs[1:]], offset=0)


def _draw_values(draw, elem, total: int, with_nulls: bool) -> list:
    """``total`` values; beyond 80 rows they are picked (by a drawn seed) from a drawn pool of
    up to 8 values, which keeps generation fast for the multi-block tests."""
    item = (st.none() | elem) if with_nulls else elem
    if total <= 80:
        return draw(st.lists(item, min_size=total, max_size=total))
    pool = draw(st.lists(item, min_size=1, max_size=8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [pool[i] for i in rng.integers(0, len(pool), total)]


def _draw_bools(draw, total: int, choices: list) -> list:
    if total <= 80:
        return draw(st.lists(st.sampled_from(choices), min_size=total, max_size=total))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p_first = draw(st.sampled_from([0.02, 0.5, 0.98]))
    weights = [p_first] + [(1 - p_first) / (len(choices) - 1)] * (len(choices) - 1)
    return [choices[i] for i in rng.choice(len(choices), size=total, p=weights)]


@st.composite
def arrays(draw, name: str, max_size: int = 60, min_size: int = 0) -> pa.Array:
    """An array of SPECS[name]: possibly sliced at offset 0..9, null mode none/some/all/garbage."""
    dtype, elem = SPECS[name]
    n = draw(st.integers(min_size, max_size))
    off = draw(st.integers(0, 9))
    total = off + n + draw(st.integers(0, 3))
    mode = draw(st.sampled_from(["none", "some", "all", "garbage"]))
    if pa.types.is_null(dtype):
        mode = "all"
    if mode == "garbage" and pa.types.is_dictionary(dtype):
        mode = "some"
    if mode == "all":
        values = [None] * total
    else:
        values = _draw_values(draw, elem, total, with_nulls=mode == "some")
    arr = _build(dtype, values)
    if mode == "garbage":
        arr = _with_garbage_validity(arr, _draw_bools(draw, total, [True, False]))
    return arr.slice(off, n)


@st.composite
def masks(draw, n: int) -> pa.Array:
    """A boolean mask of length n (true/false/null mixes, all-true, all-false, all-null),
    sliced at its own offset 0..9."""
    off = draw(st.integers(0, 9))
    mode = draw(st.sampled_from(["random", "nulls", "all_true", "all_false", "all_null", "dense"]))
    total = off + n
    if mode == "random":
        vals = _draw_bools(draw, total, [True, False])
    elif mode == "nulls":
        vals = _draw_bools(draw, total, [None, True, False])
    elif mode == "dense":  # mostly true with a few holes: long runs
        vals = _draw_bools(draw, total, [True] * 9 + [False, None])
    else:
        vals = [{"all_true": True, "all_false": False, "all_null": None}[mode]] * total
    return pa.array(vals, pa.bool_()).slice(off, n)


# --- oracle -----------------------------------------------------------------------------------


def _comparable(arr: pa.Array) -> pa.Array:
    """Bitwise-comparable form: floats viewed as ints (NaN == NaN, -0.0 != 0.0), views cast."""
    if arr.type in VIEW_TYPES:
        return arr.cast(VIEW_TYPES[arr.type])
    if pa.types.is_floating(arr.type):
        return arr.view({16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[arr.type.bit_width])
    return arr


def assert_same(result: pa.Array, expected: pa.Array, dtype: pa.DataType) -> None:
    result.validate(full=True)
    assert result.type == dtype
    assert len(result) == len(expected)
    assert result.null_count == expected.null_count
    assert _comparable(result).equals(_comparable(expected))
    if result.null_count == 0:
        bufs = result.indices.buffers() if pa.types.is_dictionary(dtype) else result.buffers()
        assert bufs[0] is None, "validity buffer allocated for a result without nulls"


def oracle_filter(arr: pa.Array, mask: pa.Array) -> pa.Array:
    if arr.type in VIEW_TYPES:
        return arr.cast(VIEW_TYPES[arr.type]).filter(mask, null_selection_behavior="drop")
    return arr.filter(mask, null_selection_behavior="drop")


@contextlib.contextmanager
def forced_threads(n: int):
    """Parallel blocks even for tiny inputs (threshold 0, n threads; OpenMP builds only)."""
    before = parallel.get_num_threads()
    parallel.set_num_threads(n)
    parallel.set_parallel_threshold(0)
    try:
        yield
    finally:
        parallel.set_parallel_threshold(200_000)  # the module default
        parallel.set_num_threads(before)


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
