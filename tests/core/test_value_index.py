"""Tests of frame._core.hashing.ValueIndex: a vocabulary built once, probed by many batches.

Oracle: a pure-Python dict from each key's canonical value to its first position (null is one
value, every NaN one value, -0.0 == 0.0, integers by value across widths and signs, dictionaries
by value), over every key type, sliced arrays, nulls, duplicate keys and empty inputs.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frame._core.hashing import ValueIndex
from tests.core._key_cases import (
    ALL_TYPES,
    FLOAT_TYPES,
    INT_TYPES,
    key_arrays,
    with_garbage_under_nulls,
)
from tests.core._layout_cases import forced_threads

_NAN = ("nan",)
_NULL = ("null",)


def _canon(arr: pa.Array) -> list:
    t = arr.type
    if pa.types.is_dictionary(t):
        values = _canon(arr.dictionary)
        return [_NULL if i is None else values[i] for i in arr.indices.to_pylist()]
    if pa.types.is_null(t):
        return [_NULL] * len(arr)
    if pa.types.is_temporal(t):
        arr = arr.view(pa.int32() if t.bit_width == 32 else pa.int64())
    out = []
    for v in arr.to_pylist():
        if v is None:
            out.append(_NULL)
        elif isinstance(v, float) and math.isnan(v):
            out.append(_NAN)
        else:
            out.append(v)
    return out


def reference_lookup(keys: pa.Array, values: pa.Array, missing: int = -1) -> list[int]:
    first: dict = {}
    for i, k in enumerate(_canon(keys)):
        first.setdefault(k, i)
    return [first.get(v, missing) for v in _canon(values)]


def _class(t: pa.DataType) -> list[pa.DataType]:
    """Probe types that compare with keys of type ``t``."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t):
        return INT_TYPES
    if pa.types.is_floating(t):
        return FLOAT_TYPES
    if t in (pa.string(), pa.large_string(), pa.string_view()):
        return [pa.string(), pa.large_string(), pa.string_view(), pa.dictionary(pa.int8(), t)]
    if t in (pa.binary(), pa.large_binary(), pa.binary_view()):
        return [pa.binary(), pa.large_binary(), pa.binary_view()]
    return [t]


@st.composite
def key_and_values(draw):
    t = draw(st.sampled_from(ALL_TYPES))
    keys = draw(key_arrays(t, draw(st.integers(0, 12))))
    t2 = draw(st.sampled_from(_class(t)))
    values = draw(key_arrays(t2))
    if pa.types.is_integer(t2) or pa.types.is_floating(t2):
        # integer and float probes share the key's pool often enough only if drawn from it
        pool = keys.to_pylist() or [0]
        extra = draw(st.lists(st.sampled_from(pool), max_size=20))
        with contextlib.suppress(pa.ArrowInvalid, OverflowError):  # a key outside t2's range
            values = pa.concat_arrays([values, pa.array(extra, t2)])
    return keys, values


@given(key_and_values())
def test_lookup_matches_reference(kv) -> None:
    keys, values = kv
    index = ValueIndex(keys)
    assert len(index) == len(keys)
    got = index.lookup(values)
    assert got.dtype == np.int64
    assert got.tolist() == reference_lookup(keys, values)
    assert index.lookup(values, missing=-7).tolist() == reference_lookup(keys, values, -7)


@given(key_and_values())
def test_lookup_parallel_blocks_match(kv) -> None:
    keys, values = kv
    index = ValueIndex(keys)
    expected = index.lookup(values).tolist()
    with forced_threads(2):
        assert index.lookup(values).tolist() == expected


@given(st.sampled_from([pa.int64(), pa.string(), pa.float64()]), st.data())
def test_garbage_under_nulls_is_ignored(t, data) -> None:
    keys = data.draw(key_arrays(t, 8))
    values = data.draw(key_arrays(t, 20))
    valid = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    masked = with_garbage_under_nulls(values, valid)
    assert ValueIndex(keys).lookup(masked).tolist() == reference_lookup(keys, masked)


def test_duplicate_keys_keep_first_position_and_null_matches_null() -> None:
    index = ValueIndex(pa.array(["b", "a", None, "a", None, "b"]))
    assert index.null_position == 2
    assert index.lookup(pa.array(["a", "b", None, "c"])).tolist() == [1, 0, 2, -1]


def test_no_null_key_gives_missing_for_null() -> None:
    index = ValueIndex(pa.array([1, 2], pa.int64()))
    assert index.null_position == -1
    assert index.lookup(pa.array([None, 2], pa.int64()), missing=9).tolist() == [9, 1]


def test_signed_and_unsigned_compare_by_value() -> None:
    index = ValueIndex(pa.array([-1, 5, 2**63 - 1], pa.int64()))
    probe = pa.array([2**64 - 1, 5, 2**63 - 1, 2**63], pa.uint64())
    assert index.lookup(probe).tolist() == [-1, 1, 2, -1]
    back = ValueIndex(pa.array([2**64 - 1, 3], pa.uint64()))
    assert back.lookup(pa.array([-1, 3], pa.int8())).tolist() == [-1, 1]


def test_float_widths_nan_and_negative_zero() -> None:
    index = ValueIndex(pa.array([0.0, float("nan"), 1.5], pa.float64()))
    probe = pa.array([-0.0, float("nan"), 1.5, 2.0], pa.float32())
    assert index.lookup(probe).tolist() == [0, 1, 2, -1]


def test_long_strings_and_every_layout() -> None:
    long = ["x" * 40, "y" * 16, "short", ""]
    for kt in (pa.string(), pa.large_string(), pa.string_view()):
        index = ValueIndex(pa.array(long, kt))
        for vt in (pa.string(), pa.large_string(), pa.string_view()):
            probe = pa.array(["", "y" * 16, "x" * 39, "short", None, "x" * 40], vt)
            assert index.lookup(probe).tolist() == [3, 1, -1, 2, -1, 0]


def test_short_index_rejects_long_probe_values() -> None:
    index = ValueIndex(pa.array(["abc", "a" * 15]))
    probe = pa.array(["a" * 15, "a" * 16, "abc" + "\x00" * 13, "abc"])
    assert index.lookup(probe).tolist() == [1, -1, -1, 0]


def test_dictionary_keys_and_values_by_value() -> None:
    keys = pa.array(["x", "y", None]).dictionary_encode()
    values = pa.DictionaryArray.from_arrays(
        pa.array([1, 0, None, 2, 1], pa.int16()), pa.array(["y", "z", None])
    )
    assert ValueIndex(keys).lookup(values).tolist() == [-1, 1, 2, 2, -1]


def test_chunked_inputs_and_slices() -> None:
    keys = pa.chunked_array([["a", "b"], ["c"]])
    values = pa.chunked_array([["c", "q"], [], ["a", None]])
    index = ValueIndex(keys)
    assert index.lookup(values).tolist() == [2, -1, 0, -1]
    assert index.lookup(pa.array(["z", "b", "c"]).slice(1)).tolist() == [1, 2]


def test_empty_keys_and_empty_values() -> None:
    assert ValueIndex(pa.array([], pa.string())).lookup(pa.array(["a", None])).tolist() == [-1, -1]
    assert ValueIndex(pa.array(["a"])).lookup(pa.array([], pa.string())).tolist() == []


def test_null_typed_sides() -> None:
    assert ValueIndex(pa.array([None, None])).lookup(pa.array(["a", None])).tolist() == [-1, 0]
    assert ValueIndex(pa.array(["a", None])).lookup(pa.nulls(2)).tolist() == [1, 1]


def test_temporal_types_compare_only_with_themselves() -> None:
    ts = pa.array([0, 10], pa.timestamp("s", tz="UTC"))
    index = ValueIndex(ts)
    assert index.lookup(pa.array([10, 5], pa.timestamp("s", tz="UTC"))).tolist() == [1, -1]
    with pytest.raises(TypeError, match=r"timestamp.*int64"):
        index.lookup(pa.array([10], pa.int64()))


def test_mismatched_types_raise_naming_both() -> None:
    with pytest.raises(TypeError, match=r"keys are int64, values are string; cast"):
        ValueIndex(pa.array([1])).lookup(pa.array(["1"]))
    with pytest.raises(TypeError, match="keys are string, values are binary"):
        ValueIndex(pa.array(["a"])).lookup(pa.array([b"a"]))


def test_large_vocabulary_and_batch() -> None:
    rng = np.random.default_rng(7)
    keys = rng.choice(2**40, 50_000, replace=False)
    index = ValueIndex(pa.array(keys))
    probe = np.concatenate([keys[rng.integers(0, len(keys), 300_000)], rng.integers(2**41, 2**42, 1000)])
    got = index.lookup(pa.array(probe))
    pos = {int(k): i for i, k in enumerate(keys)}
    assert got.tolist() == [pos.get(int(v), -1) for v in probe]
    words = [f"w{i:06d}" for i in range(20_000)]
    sindex = ValueIndex(pa.array(words))
    sprobe = [words[i] for i in rng.integers(0, len(words), 250_000)] + ["nope"]
    assert sindex.lookup(pa.array(sprobe)).tolist()[:-1] == [int(w[1:]) for w in sprobe[:-1]]
    assert sindex.lookup(pa.array(sprobe))[-1] == -1
