"""Shared strategies, oracle helpers and thread forcing for the filter and take kernel tests."""

from __future__ import annotations

import contextlib
import decimal

import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

from frame._core import parallel


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
