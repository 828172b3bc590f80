"""DataFrame.join: a pure-Python nested-loop reference, polars/duckdb oracles, metamorphic
checks, errors, key-type promotion and threads (/work/join_api_spec.md, frame/join.py).

Contract in short: keys match by value (null only with ``nulls_equal=True``, every NaN matches
every NaN, ``-0.0`` matches ``0.0``, dictionaries by their decoded values); inner/left joins
list each left row in left order followed by its matches in right order, right joins mirror
that, full joins append the unmatched right rows, semi/anti keep left rows with/without a
match, cross is left-major; output columns are the left columns then the right ones (right
keys dropped when coalesced, ``suffix`` on clashes); key types join only through a safe
promotion, anything else raises ``fr.SchemaError`` naming both columns and both types.

Every comparison with the reference is exact: row order, dtypes, the sign of zero in the key
columns. Where the contract is silent the reference follows polars (see _join_oracle.py).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frame as fr
from frame.dtypes import type_name
from frame.testing import assert_frame_equal, rechunk
from frame.testing import strategies as fst
from tests.core._layout_cases import forced_threads
from tests.operations import _join_oracle as oracle
from tests.operations._join_oracle import JOIN_TYPES
from tests.operations._oracles import take_rows

NAN = float("nan")
NAN_PAYLOAD = np.frombuffer(np.uint64(0x7FF8000000000001).tobytes(), np.float64)[0].item()

DICT = pa.dictionary(pa.int32(), pa.string())
SIGNED = [pa.int8(), pa.int16(), pa.int32(), pa.int64()]
UNSIGNED = [pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()]
STRINGS = [pa.string(), pa.large_string(), pa.string_view(), DICT]
TIMESTAMPS = st.builds(
    pa.timestamp,
    st.sampled_from(["s", "ms", "us", "ns"]),
    st.sampled_from([None, "UTC", "Asia/Kolkata"]),
)
KEY_TYPES = st.one_of(
    st.sampled_from(
        [*SIGNED, *UNSIGNED, pa.float32(), pa.float64(), pa.bool_(), *STRINGS, pa.date32()]
    ),
    TIMESTAMPS,
)
#: key pools: mostly tiny (many duplicates, many-to-many matches), sometimes wider
CARDINALITY = st.one_of(st.integers(1, 4), st.integers(5, 30))


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    left: pa.Table
    right: pa.Table
    left_on: list[str]
    right_on: list[str]
    mode: str  #: "on" (same key names) or "left_on" (left_on=/right_on=)

    def swapped(self) -> Case:
        return Case(self.right, self.left, self.right_on, self.left_on, self.mode)


def partner_types(t: pa.DataType) -> list[pa.DataType]:
    """Types the other side's key may have: exact (widening or re-encoding) casts of ``t``."""
    if pa.types.is_signed_integer(t):
        return [s for s in SIGNED if s.bit_width >= t.bit_width]
    if pa.types.is_unsigned_integer(t):
        return [u for u in UNSIGNED if u.bit_width >= t.bit_width]
    if pa.types.is_float32(t):
        return [pa.float32(), pa.float64()]
    if t in STRINGS:
        return STRINGS
    return [t]


def cast_exact(col: pa.ChunkedArray, t: pa.DataType) -> pa.ChunkedArray:
    """Cast chunk by chunk (string-like types through plain strings; a dictionary target gets
    one dictionary per chunk, so chunks carry different dictionaries)."""
    if col.type == t:
        return col
    chunks = []
    for chunk in col.chunks:
        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_decode()
        if chunk.type in STRINGS and t in STRINGS and chunk.type != pa.large_string():
            chunk = chunk.cast(pa.large_string())
        if pa.types.is_dictionary(t):
            chunk = chunk.dictionary_encode()
            chunk = chunk.cast(t) if chunk.type != t else chunk
        else:
            chunk = chunk.cast(t)
        chunks.append(chunk)
    return pa.chunked_array(chunks, type=t)


def _set_column(table: pa.Table, name: str, col: pa.ChunkedArray) -> pa.Table:
    i = table.column_names.index(name)
    return table.set_column(i, pa.field(name, col.type), col)


@st.composite
def join_cases(
    draw: st.DrawFn,
    *,
    key_types: st.SearchStrategy[pa.DataType] = KEY_TYPES,
    value_types: st.SearchStrategy[pa.DataType] | None = None,
    max_keys: int = 2,
    max_size: int = 24,
    promote: bool = True,
    clash: bool = True,
    allow_null: bool = True,
) -> Case:
    """Two tables cut from one generated table, so both sides draw keys from the same pool.

    The left side has columns keys + ``x`` + ``v``, the right keys + ``v`` + ``y`` (``v``
    clashes), in a drawn order. Each key may get another (compatible) type on one side:
    a wider int, float64 for float32, any string type or a dictionary (one dictionary per
    chunk). With ``mode="left_on"`` the right keys are called ``r0``, ``r1`` (or ``x``, a name
    that clashes with a left value column).
    """
    n_keys = draw(st.integers(1, max_keys))
    keys = [f"k{i}" for i in range(n_keys)]
    vt = value_types if value_types is not None else fst.arrow_types()
    specs = [
        fst.column(k, draw(key_types), cardinality=CARDINALITY, allow_null=allow_null) for k in keys
    ]
    specs += [fst.column(name, vt) for name in ("x", "v", "y")]
    table = draw(fst.tables(specs, max_size=max_size))
    cut = draw(st.integers(0, table.num_rows))
    left, right = table.slice(0, cut), table.slice(cut)
    for k in keys:
        if promote and draw(st.booleans()):
            t = draw(st.sampled_from(partner_types(table.schema.field(k).type)))
            if draw(st.booleans()):
                left = _set_column(left, k, cast_exact(left.column(k), t))
            else:
                right = _set_column(right, k, cast_exact(right.column(k), t))
    left = left.select(draw(st.permutations([*keys, "x", "v"])))
    right = right.select(draw(st.permutations([*keys, "v", "y"])))
    mode = draw(st.sampled_from(["on", "left_on"]))
    right_on = list(keys)
    if mode == "left_on":
        right_on = [f"r{i}" for i in range(n_keys)]
        if clash and draw(st.booleans()):
            right_on[0] = "x"
        right = right.rename_columns(
            [dict(zip(keys, right_on)).get(n, n) for n in right.column_names]
        )
    return Case(left, right, keys, right_on, mode)


def frame_join(case: Case, how: str, **kwargs: Any) -> pa.Table:
    """frame's join of a case, as a validated pyarrow Table."""
    lf, rf = fr.DataFrame(case.left), fr.DataFrame(case.right)
    if how == "cross":
        out = lf.join(rf, how="cross", **kwargs)
    elif case.mode == "on":
        on = case.left_on[0] if len(case.left_on) == 1 else case.left_on
        out = lf.join(rf, on=on, how=how, **kwargs)
    else:
        lo = case.left_on[0] if len(case.left_on) == 1 else case.left_on
        ro = case.right_on[0] if len(case.right_on) == 1 else case.right_on
        out = lf.join(rf, left_on=lo, right_on=ro, how=how, **kwargs)
    got = out.to_arrow()
    got.validate(full=True)
    return got


def expected(case: Case, how: str, **kwargs: Any) -> pa.Table:
    return oracle.expected_join(case.left, case.right, case.left_on, case.right_on, how, **kwargs)


def assert_matches_reference(case: Case, how: str, **kwargs: Any) -> None:
    want = expected(case, how, **{k: v for k, v in kwargs.items() if k != "validate"})
    got = frame_join(case, how, **kwargs)
    assert_frame_equal(got, want, check_exact=True)


def with_ids(case: Case) -> Case:
    """The case with row-number columns ``__i`` (left) and ``__j`` (right) appended."""
    left = case.left.append_column("__i", pa.array(range(case.left.num_rows), pa.int64()))
    right = case.right.append_column("__j", pa.array(range(case.right.num_rows), pa.int64()))
    return replace(case, left=left, right=right)


def ids(table: pa.Table, *names: str) -> list[tuple[Any, ...]]:
    cols = [table.column(n).to_pylist() for n in names]
    return list(zip(*cols))


def t(**cols: Any) -> pa.Table:
    return pa.table(cols)


JOIN_KW = {
    "how": st.sampled_from(JOIN_TYPES),
    "nulls_equal": st.booleans(),
    "coalesce": st.sampled_from([None, True, False]),
    "suffix": st.sampled_from(["_right", "_r", "__"]),
}


# ------------------------------------------------------------------ 0. the reference itself


def test_reference_examples() -> None:
    """The nested-loop reference on hand-computed cases (so the differential tests test the
    contract, not a shared misreading)."""
    left = t(k=[1, 2, None, 2], a=["a", "b", "c", "d"])
    right = t(k=[2, 3, None, 2], b=["x", "y", "z", "w"])
    case = Case(left, right, ["k"], ["k"], "on")
    rows = {
        "inner": [(2, "b", "x"), (2, "b", "w"), (2, "d", "x"), (2, "d", "w")],
        "left": [
            (1, "a", None),
            (2, "b", "x"),
            (2, "b", "w"),
            (None, "c", None),
            (2, "d", "x"),
            (2, "d", "w"),
        ],
        "right": [
            (2, "b", "x"),
            (2, "d", "x"),
            (3, None, "y"),
            (None, None, "z"),
            (2, "b", "w"),
            (2, "d", "w"),
        ],
        "semi": [(2, "b"), (2, "d")],
        "anti": [(1, "a"), (None, "c")],
    }
    for how, want in rows.items():
        got = expected(case, how)
        assert ids(got, *got.column_names) == want, how
    full = expected(case, "full")
    assert full.column_names == ["k", "a", "k_right", "b"]
    assert ids(full, "k", "k_right") == [
        (1, None),
        (2, 2),
        (2, 2),
        (None, None),
        (2, 2),
        (2, 2),
        (None, 3),
        (None, None),
    ]
    assert ids(expected(case, "full", coalesce=True), "k") == [
        (1,),
        (2,),
        (2,),
        (None,),
        (2,),
        (2,),
        (3,),
        (None,),
    ]
    assert ids(expected(case, "inner", nulls_equal=True), "a", "b")[-1] == ("d", "w")
    assert ("c", "z") in ids(expected(case, "inner", nulls_equal=True), "a", "b")
    cross = expected(case, "cross")
    assert cross.column_names == ["k", "a", "k_right", "b"]
    assert ids(cross, "a", "b")[:5] == [("a", "x"), ("a", "y"), ("a", "z"), ("a", "w"), ("b", "x")]
    floats = Case(t(k=[0.0, -0.0, NAN, None]), t(k=[-0.0, NAN_PAYLOAD, None]), ["k"], ["k"], "on")
    got = expected(floats, "inner", coalesce=False)
    assert [(str(a), str(b)) for a, b in ids(got, "k", "k_right")] == [
        ("0.0", "-0.0"),
        ("-0.0", "-0.0"),
        ("nan", "nan"),
    ]


# --------------------------------------------------------------- 1. differential vs reference


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=join_cases(), **JOIN_KW)
def test_matches_reference(
    case: Case, how: str, nulls_equal: bool, coalesce: bool | None, suffix: str
) -> None:
    assert_matches_reference(case, how, nulls_equal=nulls_equal, coalesce=coalesce, suffix=suffix)


@settings(deadline=None)
@given(
    case=join_cases(key_types=st.sampled_from(SIGNED + UNSIGNED), max_keys=1),
    **JOIN_KW,
    direct=st.booleans(),
)
def test_integer_keys_match_reference_hashed_or_coded_by_distance(
    case: Case, how: str, nulls_equal: bool, coalesce: bool | None, suffix: str, direct: bool
) -> None:
    """One integer key over a small range is coded by its distance from the smallest key
    (frame/join.py ``_direct_codes``); switching that off must give the hashed path's answer."""
    from frame import join as join_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(join_module, "_DIRECT_MAX", 1 << 28 if direct else 0)
        assert_matches_reference(
            case, how, nulls_equal=nulls_equal, coalesce=coalesce, suffix=suffix
        )


def _dictionary_column(rng: np.random.Generator, n: int, index_type: pa.DataType,
                       null_value: bool) -> pa.Array:
    """Dictionary keys with their own (shuffled, partly unused) dictionary, null rows, and a
    null among the dictionary's values when asked; sliced so the indices have an offset."""
    words = ["a", "b", "c", "dd", "", "long value over 15 bytes"]
    dictionary = list(rng.permutation(words)[: rng.integers(1, len(words) + 1)])
    if null_value:
        dictionary.append(None)
    idx = rng.integers(0, len(dictionary), n + 1)
    mask = rng.random(n + 1) < 0.15
    indices = pa.array(idx, index_type, mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(dictionary, pa.string())).slice(1)


@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "semi", "anti"])
@pytest.mark.parametrize("nulls_equal", [False, True])
@pytest.mark.parametrize("null_value", [False, True])
@pytest.mark.parametrize("index_types", [(pa.int32(), pa.int32()), (pa.int8(), pa.int64())], ids=str)
def test_dictionary_keys_with_different_dictionaries(
    how: str, nulls_equal: bool, null_value: bool, index_types: tuple[pa.DataType, pa.DataType]
) -> None:
    """Both keys dictionary-encoded, each side with its own dictionary: the dictionaries are
    coded jointly and the rows through their indices (frame/join.py ``_dictionary_codes``);
    nulls that must match and null dictionary values take the general path."""
    rng = np.random.default_rng(len(how) + 10 * nulls_equal + 100 * null_value)
    for n_left, n_right in ((40, 9), (7, 30), (0, 5), (25, 25)):
        left = pa.table({"k": _dictionary_column(rng, n_left, index_types[0], null_value),
                         "x": range(n_left)})
        right = pa.table({"k": _dictionary_column(rng, n_right, index_types[1], null_value),
                          "y": range(n_right)})
        assert_matches_reference(Case(left, right, ["k"], ["k"], "on"), how, nulls_equal=nulls_equal)


@pytest.mark.parametrize("how", ["inner", "left", "full", "anti"])
@pytest.mark.parametrize("nulls_equal", [False, True])
def test_dictionaries_holding_null_values_in_multi_key_and_chunked_joins(
    how: str, nulls_equal: bool
) -> None:
    """Regression: Arrow cannot unify dictionaries that hold a null value, and the general
    (multi-key, chunked) path once passed that ArrowInvalid on to the caller."""
    rng = np.random.default_rng(3)
    for chunked in (False, True):
        sides = []
        for n, name in ((30, "x"), (12, "y")):
            parts = [_dictionary_column(rng, n, pa.int32(), True) for _ in range(2 if chunked else 1)]
            k = pa.chunked_array(parts)
            rows = len(k)
            sides.append(pa.table({"k": k, "j": pa.array(rng.integers(0, 2, rows)), name: range(rows)}))
        case = Case(sides[0], sides[1], ["k", "j"] if not chunked else ["k"],
                    ["k", "j"] if not chunked else ["k"], "on")
        assert_matches_reference(case, how, nulls_equal=nulls_equal)


@pytest.mark.parametrize("small_side", ["left", "right"])
@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "semi", "anti"])
@pytest.mark.parametrize("nulls_equal", [False, True])
@pytest.mark.parametrize("dtype", [pa.string(), pa.large_binary()], ids=str)
def test_string_keys_against_a_much_smaller_side(
    small_side: str, how: str, nulls_equal: bool, dtype: pa.DataType
) -> None:
    """One side at least 8x smaller: its keys go into a table the other side only probes
    (frame/join.py ``_probe_codes``). Values the small side lacks, nulls, values longer than
    15 bytes and a small side holding a long value (the factorized path) all match the
    reference."""
    rng = np.random.default_rng(len(how) + 7 * nulls_equal)
    pool = ["a", "bb", "", "id42", "q" * 15, "long value over 15 bytes", None, "only-big"]
    for small_pool in ([*pool[:4], None], pool[:6]):
        big = [pool[i] for i in rng.integers(0, len(pool), 200)]
        small = [small_pool[i] for i in rng.integers(0, len(small_pool), 12)]
        if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
            big = [None if v is None else v.encode() for v in big]
            small = [None if v is None else v.encode() for v in small]
        big_t = pa.table({"k": pa.array(big, dtype), "b": range(len(big))})
        small_t = pa.table({"k": pa.array(small, dtype), "s": range(len(small))})
        left, right = (small_t, big_t) if small_side == "left" else (big_t, small_t)
        assert_matches_reference(Case(left, right, ["k"], ["k"], "on"), how, nulls_equal=nulls_equal)


@pytest.mark.parametrize("dtype", SIGNED[2:] + UNSIGNED[2:], ids=str)
@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "semi", "anti"])
def test_integer_keys_at_the_ends_of_their_range(dtype: pa.DataType, how: str) -> None:
    """Keys at both ends of the type's range (too wide to code by distance) and a small
    cluster near one end (coded by distance from a base near the extreme)."""
    info = np.iinfo(dtype.to_pandas_dtype())
    lo, hi = int(info.min), int(info.max)
    for pool in ([lo, hi, lo + 1, hi - 1, 0], [hi, hi - 1, hi - 2, None]):
        left = pa.table({"k": pa.array(pool + pool[:2], dtype), "x": range(len(pool) + 2)})
        right = pa.table({"k": pa.array(pool[::-1], dtype), "y": range(len(pool))})
        case = Case(left, right, ["k"], ["k"], "on")
        assert_matches_reference(case, how)


@settings(deadline=None, max_examples=25)
@given(case=join_cases(max_keys=1, max_size=40), **JOIN_KW, threads=st.sampled_from([2, 3, 4]))
def test_matches_reference_on_parallel_paths(
    case: Case, how: str, nulls_equal: bool, coalesce: bool | None, suffix: str, threads: int
) -> None:
    """The same differential with the parallel kernels forced on for tiny inputs."""
    with forced_threads(threads):
        assert_matches_reference(
            case, how, nulls_equal=nulls_equal, coalesce=coalesce, suffix=suffix
        )


@settings(deadline=None)
@given(
    case=join_cases(key_types=st.sampled_from([pa.float32(), pa.float64()]), max_keys=2),
    how=st.sampled_from(JOIN_TYPES),
    nulls_equal=st.booleans(),
)
def test_float_keys_match_reference(case: Case, how: str, nulls_equal: bool) -> None:
    """Float keys (the pools hold 0.0, -0.0 and NaNs with several bit patterns)."""
    assert_matches_reference(case, how, nulls_equal=nulls_equal, coalesce=False)
    assert_matches_reference(case, how, nulls_equal=nulls_equal)


@settings(deadline=None)
@given(
    case=join_cases(key_types=st.sampled_from(STRINGS), max_keys=2),
    how=st.sampled_from(JOIN_TYPES),
    nulls_equal=st.booleans(),
    coalesce=st.sampled_from([None, True, False]),
)
def test_string_and_dictionary_keys_match_reference(
    case: Case, how: str, nulls_equal: bool, coalesce: bool | None
) -> None:
    """Every mix of string, large_string, string_view and dictionary (per-chunk dictionaries)."""
    assert_matches_reference(case, how, nulls_equal=nulls_equal, coalesce=coalesce)


@pytest.mark.parametrize("how", JOIN_TYPES)
@pytest.mark.parametrize("sides", ["left", "right", "both"])
def test_empty_sides(how: str, sides: str) -> None:
    left = t(k=pa.array([1, 2, 2], pa.int64()), a=["x", "y", "z"])
    right = t(k=pa.array([2, 3], pa.int64()), b=[1.5, 2.5])
    if sides in ("left", "both"):
        left = left.slice(3)
    if sides in ("right", "both"):
        right = right.slice(0, 0)
    case = Case(left, right, ["k"], ["k"], "on")
    for coalesce in (None, True, False):
        assert_matches_reference(case, how, coalesce=coalesce)
    got = frame_join(case, how)
    want_rows = {
        ("inner", "left"): 0,
        ("inner", "right"): 0,
        ("inner", "both"): 0,
        ("left", "left"): 0,
        ("left", "right"): 3,
        ("right", "left"): 2,
        ("right", "right"): 0,
        ("full", "left"): 2,
        ("full", "right"): 3,
        ("semi", "right"): 0,
        ("anti", "right"): 3,
        ("anti", "left"): 0,
    }
    if (how, sides) in want_rows:
        assert got.num_rows == want_rows[(how, sides)]


def test_cross_join_with_zero_column_sides() -> None:
    three = pa.table({"a": [1, 2, 3]}).drop_columns(["a"])
    two = pa.table({"b": ["x", "y"]})
    out = fr.DataFrame(three).join(fr.DataFrame(two), how="cross")
    assert out.shape == (6, 1)
    assert out.to_arrow().column("b").to_pylist() == ["x", "y"] * 3
    out = fr.DataFrame(two).join(fr.DataFrame(three), how="cross")
    assert out.to_arrow().column("b").to_pylist() == ["x", "x", "x", "y", "y", "y"]
    both = fr.DataFrame(three).join(
        fr.DataFrame(pa.table({"c": [0, 0]}).drop_columns(["c"])), how="cross"
    )
    assert both.shape == (6, 0)


def _semantics_cases() -> list[tuple[str, pa.Table, pa.Table, dict[str, Any], list[tuple]]]:
    """(id, left, right, join kwargs, expected (left id, right id) pairs) for each key rule."""
    i3 = {"i": [0, 1, 2]}
    return [
        # NaN payloads and signs all match each other; -0.0 matches 0.0
        (
            "nan-and-signed-zero",
            t(k=[NAN, 0.0, -0.0, 1.0], i=[0, 1, 2, 3]),
            t(k=[NAN_PAYLOAD, -0.0, -NAN], j=[0, 1, 2]),
            {"how": "inner"},
            [(0, 0), (0, 2), (1, 1), (2, 1)],
        ),
        (
            "float32-nan-vs-float64",
            t(k=pa.array([NAN, -0.0, 0.5], pa.float32()), i=i3["i"]),
            t(k=pa.array([0.0, NAN, 0.5, 0.1]), j=[0, 1, 2, 3]),
            {"how": "inner"},
            [(0, 1), (1, 0), (2, 2)],
        ),
        # null never matches, not even null (and not NaN)
        (
            "null-vs-null",
            t(k=pa.array([None, 1.0, NAN]), i=i3["i"]),
            t(k=pa.array([None, NAN]), j=[0, 1]),
            {"how": "inner"},
            [(2, 1)],
        ),
        (
            "null-vs-null-nulls-equal",
            t(k=pa.array([None, 1.0, NAN]), i=i3["i"]),
            t(k=pa.array([None, NAN, None]), j=[0, 1, 2]),
            {"how": "inner", "nulls_equal": True},
            [(0, 0), (0, 2), (2, 1)],
        ),
        # two keys: a null in either component blocks the match unless nulls_equal
        (
            "two-keys-partial-null",
            t(a=[1, 1, None, None], b=["x", None, "x", None], i=[0, 1, 2, 3]),
            t(a=[1, 1, None, None], b=["x", None, "x", None], j=[0, 1, 2, 3]),
            {"how": "inner", "on": ["a", "b"]},
            [(0, 0)],
        ),
        (
            "two-keys-partial-null-nulls-equal",
            t(a=[1, 1, None, None], b=["x", None, "x", None], i=[0, 1, 2, 3]),
            t(a=[None, 1, None, 1], b=[None, None, "x", "x"], j=[0, 1, 2, 3]),
            {"how": "inner", "on": ["a", "b"], "nulls_equal": True},
            [(0, 3), (1, 1), (2, 2), (3, 0)],
        ),
        # dictionary keys by value: against plain strings and against other dictionaries
        (
            "dictionary-vs-string",
            t(k=pa.array(["b", "a", None, "c"]).dictionary_encode(), i=[0, 1, 2, 3]),
            t(k=pa.array(["a", "c", "b", "a"], pa.large_string()), j=[0, 1, 2, 3]),
            {"how": "inner"},
            [(0, 2), (1, 0), (1, 3), (3, 1)],
        ),
        (
            "dictionary-chunks-with-different-dictionaries",
            pa.table(
                {
                    "k": pa.chunked_array(
                        [
                            pa.array(["a", "b"]).dictionary_encode(),
                            pa.array(["b", "c"]).dictionary_encode(),
                        ]
                    ),
                    "i": [0, 1, 2, 3],
                }
            ),
            pa.table(
                {
                    "k": pa.chunked_array(
                        [
                            pa.array(["c"]).dictionary_encode(),
                            pa.array(["b", "a"]).dictionary_encode(),
                        ]
                    ),
                    "j": [0, 1, 2],
                }
            ),
            {"how": "inner"},
            [(0, 2), (1, 1), (2, 1), (3, 0)],
        ),
        (
            "string-view-long-strings",
            t(
                k=pa.array(["a string longer than twelve bytes", "short", ""], pa.string_view()),
                i=i3["i"],
            ),
            t(
                k=["", "a string longer than twelve bytes", "a string longer than twelve byteS"],
                j=[0, 1, 2],
            ),
            {"how": "inner"},
            [(0, 1), (2, 0)],
        ),
        (
            "timestamp-with-time-zone",
            t(k=pa.array([0, 3_600_000_000, None], pa.timestamp("us", "Asia/Kolkata")), i=i3["i"]),
            t(k=pa.array([3_600_000_000, 0, 0], pa.timestamp("us", "Asia/Kolkata")), j=[0, 1, 2]),
            {"how": "inner"},
            [(0, 1), (0, 2), (1, 0)],
        ),
        (
            "date32",
            t(k=pa.array([0, 19000, -1], pa.date32()), i=i3["i"]),
            t(k=pa.array([-1, 19000], pa.date32()), j=[0, 1]),
            {"how": "left"},
            [(0, None), (1, 1), (2, 0)],
        ),
        (
            "bool",
            t(k=[True, False, None], i=i3["i"]),
            t(k=[False, False, True], j=[0, 1, 2]),
            {"how": "right"},
            [(1, 0), (1, 1), (0, 2)],
        ),
        (
            "full-order",
            t(k=[3, 1, 3, 9], i=[0, 1, 2, 3]),
            t(k=[5, 3, 1, 7, 3], j=[0, 1, 2, 3, 4]),
            {"how": "full"},
            [(0, 1), (0, 4), (1, 2), (2, 1), (2, 4), (3, None), (None, 0), (None, 3)],
        ),
        (
            "right-order",
            t(k=[3, 1, 3, 9], i=[0, 1, 2, 3]),
            t(k=[5, 3, 1, 7, 3], j=[0, 1, 2, 3, 4]),
            {"how": "right"},
            [(None, 0), (0, 1), (2, 1), (1, 2), (None, 3), (0, 4), (2, 4)],
        ),
        (
            "int-extremes",
            t(k=pa.array([-(2**63), 2**63 - 1, 2**53, 2**53 + 1]), i=[0, 1, 2, 3]),
            t(k=pa.array([2**53 + 1, 2**63 - 1, -(2**63), 2**53]), j=[0, 1, 2, 3]),
            {"how": "inner"},
            [(0, 2), (1, 1), (2, 3), (3, 0)],
        ),
        (
            "uint64-extremes",
            t(k=pa.array([2**64 - 1, 2**64 - 2, 0], pa.uint64()), i=i3["i"]),
            t(k=pa.array([0, 2**64 - 2, 2**63], pa.uint64()), j=[0, 1, 2]),
            {"how": "inner"},
            [(1, 1), (2, 0)],
        ),
    ]


@pytest.mark.parametrize(
    ("left", "right", "kwargs", "pairs"),
    [c[1:] for c in _semantics_cases()],
    ids=[c[0] for c in _semantics_cases()],
)
def test_semantics(
    left: pa.Table, right: pa.Table, kwargs: dict[str, Any], pairs: list[tuple]
) -> None:
    """One example per key rule; expected (left row, right row) pairs written out by hand."""
    kwargs = dict(kwargs)
    on = kwargs.pop("on", "k")
    how = kwargs["how"]
    out = fr.DataFrame(left).join(fr.DataFrame(right), on=on, coalesce=False, **kwargs).to_arrow()
    assert ids(out, "i", "j") == pairs
    # and the reference agrees (with every coalesce setting, so key values and types too)
    keys = [on] if isinstance(on, str) else list(on)
    case = Case(left, right, keys, keys, "on")
    assert (
        ids(
            expected(case, how, coalesce=False, nulls_equal=kwargs.get("nulls_equal", False)),
            "i",
            "j",
        )
        == pairs
    )
    for coalesce in (None, True, False):
        assert_matches_reference(
            case, how, coalesce=coalesce, nulls_equal=kwargs.get("nulls_equal", False)
        )


EVERY_KEY_TYPE = [
    *SIGNED,
    *UNSIGNED,
    pa.float32(),
    pa.float64(),
    pa.bool_(),
    *STRINGS,
    pa.date32(),
    pa.timestamp("s"),
    pa.timestamp("ns", "Asia/Kolkata"),
]


def key_array(values: list[Any], dtype: pa.DataType) -> pa.Array:
    """``values`` are pool positions (None = null) mapped to three distinct values of ``dtype``
    (two for bool)."""
    if pa.types.is_boolean(dtype):
        pool: list[Any] = [True, False, True]
    elif pa.types.is_floating(dtype):
        pool = [-0.0, NAN, 0.5]
    elif dtype in STRINGS:
        pool = ["", "a string longer than twelve bytes", "b"]
    else:
        pool = [0, 1, 2]
    py = [None if v is None else pool[v] for v in values]
    if pa.types.is_dictionary(dtype):
        return pa.array(py).dictionary_encode()
    if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype):
        storage = pa.int32() if pa.types.is_date32(dtype) else pa.int64()
        return pa.array(py, storage).view(dtype)
    return pa.array(py, dtype)


@pytest.mark.parametrize("dtype", EVERY_KEY_TYPE, ids=str)
@pytest.mark.parametrize("how", JOIN_TYPES)
def test_every_key_type_with_every_option(dtype: pa.DataType, how: str) -> None:
    left = pa.table({"k": key_array([0, 1, None, 1, 2], dtype), "i": range(5)})
    right = pa.table({"k": key_array([1, None, 2, 0, 1], dtype), "j": range(5)})
    case = Case(left, right, ["k"], ["k"], "on")
    for coalesce in (None, True, False):
        for nulls_equal in (False, True):
            assert_matches_reference(case, how, coalesce=coalesce, nulls_equal=nulls_equal)


MIXED_KEY_TYPES = [
    (pa.int8(), pa.int64()),
    (pa.int32(), pa.int16()),
    (pa.uint16(), pa.uint64()),
    (pa.float32(), pa.float64()),
    (pa.string(), pa.large_string()),
    (pa.string_view(), pa.string()),
    (DICT, pa.string()),
    (pa.large_string(), DICT),
    (DICT, pa.string_view()),
]


@pytest.mark.parametrize(("lt", "rt"), MIXED_KEY_TYPES, ids=str)
@pytest.mark.parametrize("how", JOIN_TYPES)
def test_mixed_key_types_with_every_option(lt: pa.DataType, rt: pa.DataType, how: str) -> None:
    """Promoted keys; the type of a coalesced right-join key is the right key's (polars reading,
    see test_coalesced_right_join_key_has_the_right_type)."""
    left = pa.table({"k": key_array([0, 1, None, 1, 2], lt), "i": range(5)})
    right = pa.table({"k": key_array([1, None, 2, 0, 1], rt), "j": range(5)})
    case = Case(left, right, ["k"], ["k"], "on")
    for coalesce in (None, True, False):
        for nulls_equal in (False, True):
            assert_matches_reference(case, how, coalesce=coalesce, nulls_equal=nulls_equal)


def test_coalesced_right_join_key_has_the_right_type() -> None:
    """Contract: a coalesced right join's key holds "the right key values"; it does not say in
    which type. Reading taken (polars 2.1): the right key's type, as inner/left joins keep the
    left key's type and only a full join (whose key mixes both sides) takes the common type."""
    left = fr.DataFrame({"k": pa.array([1, 2], pa.int64()), "a": [1, 2]})
    right = fr.DataFrame({"k": pa.array([2, 3], pa.int16()), "b": [1, 2]})
    assert left.join(right, on="k").dtypes[0] == pa.int64()
    assert left.join(right, on="k", how="left").dtypes[0] == pa.int64()
    assert left.join(right, on="k", how="full", coalesce=True).dtypes[0] == pa.int64()
    assert left.join(right, on="k", how="right").dtypes[0] == pa.int16()
    pl = pytest.importorskip("polars")
    p = pl.from_arrow(left.to_arrow()).join(pl.from_arrow(right.to_arrow()), on="k", how="right")
    assert p.schema["k"] == pl.Int16


def test_key_values_are_taken_from_the_right_side() -> None:
    """Coalesced keys: inner/left show the left key (its sign of zero), right joins the right
    key, full joins the left key else the right key."""
    left = t(k=[-0.0, 1.0, 7.0], a=[0, 1, 2])
    right = t(k=[0.0, 5.0, 1.0], b=[0, 1, 2])
    lf, rf = fr.DataFrame(left), fr.DataFrame(right)
    inner = lf.join(rf, on="k").to_arrow().column("k").to_pylist()
    assert [str(v) for v in inner] == ["-0.0", "1.0"]
    right_keys = lf.join(rf, on="k", how="right").to_arrow()
    assert right_keys.column_names == ["k", "a", "b"]
    assert [str(v) for v in right_keys.column("k").to_pylist()] == ["0.0", "5.0", "1.0"]
    full = lf.join(rf, on="k", how="full", coalesce=True).to_arrow()
    assert full.column_names == ["k", "a", "b"]
    assert [str(v) for v in full.column("k").to_pylist()] == ["-0.0", "1.0", "7.0", "5.0"]
    full = lf.join(rf, on="k", how="full").to_arrow()
    assert full.column_names == ["k", "a", "k_right", "b"]


def test_suffix_and_clashing_names() -> None:
    left = t(id=[1, 2], v=["a", "b"], x=[1, 2])
    right = t(key=[2, 1], v=["c", "d"], id=[10, 20])
    lf, rf = fr.DataFrame(left), fr.DataFrame(right)
    out = lf.join(rf, left_on="id", right_on="key")
    assert out.columns == ["id", "v", "x", "v_right", "id_right"]
    assert out.rows() == [(1, "a", 1, "d", 20), (2, "b", 2, "c", 10)]
    out = lf.join(rf, left_on="id", right_on="key", coalesce=False, suffix="_R")
    assert out.columns == ["id", "v", "x", "key", "v_R", "id_R"]
    out = lf.join(rf, how="cross", suffix="_c")
    assert out.columns == ["id", "v", "x", "key", "v_c", "id_c"]


# --------------------------------------------------------------- 2. differential vs polars


POLARS_KEY_TYPES = st.one_of(
    st.sampled_from(
        [*SIGNED, *UNSIGNED, pa.float32(), pa.float64(), pa.bool_(), *STRINGS, pa.date32()]
    ),
    st.builds(pa.timestamp, st.sampled_from(["ms", "us", "ns"]), st.sampled_from([None, "UTC"])),
)
SIMPLE_VALUES = st.sampled_from([pa.int64(), pa.float64(), pa.string()])


def to_polars(table: pa.Table) -> Any:
    """polars frame of a table; dictionaries decoded (polars cannot join a categorical with a
    string, and categoricals from different arrow dictionaries)."""
    pl = pytest.importorskip("polars")
    cols = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type) or pa.types.is_string_view(col.type):
            col = cast_exact(col, pa.large_string())
        cols.append(col)
    return pl.from_arrow(pa.Table.from_arrays(cols, names=table.column_names))


@settings(deadline=None)
@given(
    case=join_cases(key_types=POLARS_KEY_TYPES, value_types=SIMPLE_VALUES, clash=False),
    how=st.sampled_from(JOIN_TYPES),
    nulls_equal=st.booleans(),
    coalesce=st.sampled_from([None, True, False]),
)
def test_matches_polars(case: Case, how: str, nulls_equal: bool, coalesce: bool | None) -> None:
    """polars (2.1) agrees on rows, order and values; dtypes differ (polars has one string type
    and no categorical/string join), and polars puts a coalesced right-join key at the right
    key's position under the right key's name (frame: the left key's position and name)."""
    lp, rp = to_polars(case.left), to_polars(case.right)
    order = {"right": "right_left", "semi": "left", "anti": "left"}.get(how, "left_right")
    kw: dict[str, Any] = {"how": how, "maintain_order": order}
    if how != "cross":
        kw |= {"left_on": case.left_on, "right_on": case.right_on, "nulls_equal": nulls_equal}
        kw["coalesce"] = coalesce
    want = lp.join(rp, **kw)
    if how == "right" and oracle.effective_coalesce(how, coalesce):
        want = want.rename(dict(zip(case.right_on, case.left_on)))
    kwargs = {} if how == "cross" else {"nulls_equal": nulls_equal, "coalesce": coalesce}
    got = frame_join(case, how, **kwargs)
    assert_frame_equal(
        got,
        want.to_arrow(),
        check_dtypes=False,
        check_exact=True,
        check_column_order=how != "right",
        categorical_as_str=True,
    )


@settings(deadline=None)
@given(
    case=join_cases(
        key_types=st.sampled_from([pa.int64(), pa.int32(), pa.string(), pa.float64(), DICT]),
        value_types=SIMPLE_VALUES,
    ),
    how=st.sampled_from(["inner", "left", "right", "full", "semi", "anti"]),
    nulls_equal=st.booleans(),
)
def test_matches_duckdb(case: Case, how: str, nulls_equal: bool) -> None:
    """duckdb agrees on which (left row, right row) pairs come out (SQL has no row order)."""
    duckdb = pytest.importorskip("duckdb")
    case = with_ids(case)

    def plain(table: pa.Table) -> pa.Table:
        cols = [cast_exact(c, pa.large_string()) if c.type in STRINGS else c for c in table.columns]
        return pa.Table.from_arrays(cols, names=table.column_names)

    con = duckdb.connect()
    con.register("l", plain(case.left))
    con.register("r", plain(case.right))
    op = "IS NOT DISTINCT FROM" if nulls_equal else "="
    cond = " AND ".join(f'l."{a}" {op} r."{b}"' for a, b in zip(case.left_on, case.right_on))
    if how in ("semi", "anti"):
        sql = f"SELECT l.__i FROM l {how.upper()} JOIN r ON {cond}"
        want = Counter(r for r in con.sql(sql).fetchall())
        got = Counter(ids(frame_join(case, how, nulls_equal=nulls_equal), "__i"))
    else:
        sql = f"SELECT l.__i, r.__j FROM l {how.upper()} JOIN r ON {cond}"
        want = Counter(con.sql(sql).fetchall())
        out = frame_join(case, how, nulls_equal=nulls_equal, coalesce=False)
        got = Counter(ids(out, "__i", "__j"))
    assert got == want


def test_polars_differences_are_deliberate() -> None:
    """Where frame and polars (2.1) differ, so nobody 'fixes' either side:

    - a coalesced right join: polars puts the key at the right key's position under the right
      key's name; frame keeps the left columns first (contract: "left columns in order, then
      right columns ... except the right key columns"), so the key stays where the left key
      was, under the left name, holding the right key values;
    - polars refuses a categorical key against a string key; frame joins them by value;
    - polars has one string type; frame keeps string/large_string/string_view apart.
    Shared (checked in test_matches_polars): NaN matches NaN, -0.0 matches 0.0, null matches
    only with nulls_equal, the inner/left/right/full/semi/anti/cross row orders, suffixes and
    the coalesce defaults; the coalesced key takes the left type in inner/left joins, the right
    type in right joins, and the common type in full joins.
    """
    pl = pytest.importorskip("polars")
    left = t(a=[1, 2], x=[10, 20])
    right = t(b=[2, 3], y=[5, 6])
    p = pl.from_arrow(left).join(pl.from_arrow(right), left_on="a", right_on="b", how="right")
    assert p.columns == ["x", "b", "y"]
    f = fr.DataFrame(left).join(fr.DataFrame(right), left_on="a", right_on="b", how="right")
    assert f.columns == ["a", "x", "y"]
    assert f.rows() == [(2, 20, 5), (3, None, 6)]
    cat = pa.table({"k": pa.array(["a", "b"]).dictionary_encode()})
    with pytest.raises(pl.exceptions.SchemaError):
        pl.from_arrow(cat).join(pl.from_arrow(t(k=["a"])), on="k")
    assert fr.DataFrame(cat).join(fr.DataFrame(t(k=["a"])), on="k").height == 1


# -------------------------------------------------------------------------- 3. metamorphic


INT_OR_STRING = st.sampled_from([pa.int64(), pa.int16(), pa.uint32(), pa.string(), DICT])


@settings(deadline=None)
@given(case=join_cases(key_types=INT_OR_STRING, max_size=16, promote=False))
def test_inner_equals_filtered_cross(case: Case) -> None:
    """inner join == cross join filtered on key equality (no NaN keys; null == null is null,
    so null keys drop out like in the join)."""
    case = with_ids(case)
    inner = frame_join(case, "inner", coalesce=False, suffix="_right")
    cross = fr.DataFrame(case.left).join(fr.DataFrame(case.right), how="cross")
    names = cross.columns
    lnames = case.left.column_names
    rnames = names[len(lnames) :]
    pred = None
    for lk, rk in zip(case.left_on, case.right_on):
        rcol = rnames[case.right.column_names.index(rk)]
        term = fr.col(lk).cast(pa.large_string()) == fr.col(rcol).cast(pa.large_string())
        pred = term if pred is None else pred & term
    filtered = cross.filter(pred).to_arrow()
    assert ids(inner, "__i", "__j") == ids(filtered, "__i", "__j")
    assert_frame_equal(inner, filtered, check_exact=True)


@settings(deadline=None)
@given(case=join_cases(), nulls_equal=st.booleans())
def test_semi_and_anti_partition_the_left_rows(case: Case, nulls_equal: bool) -> None:
    case = with_ids(case)
    semi = ids(frame_join(case, "semi", nulls_equal=nulls_equal), "__i")
    anti = ids(frame_join(case, "anti", nulls_equal=nulls_equal), "__i")
    assert semi == sorted(semi)
    assert anti == sorted(anti)
    assert sorted(semi + anti) == [(i,) for i in range(case.left.num_rows)]
    inner = ids(frame_join(case, "inner", nulls_equal=nulls_equal, coalesce=False), "__i")
    assert sorted(set(inner)) == semi
    semi_t = frame_join(case, "semi", nulls_equal=nulls_equal)
    assert semi_t.column_names == case.left.column_names
    assert_frame_equal(semi_t, take_rows(case.left, [i for (i,) in semi]), check_exact=True)


@settings(deadline=None)
@given(case=join_cases(), nulls_equal=st.booleans())
def test_outer_join_heights_add_up(case: Case, nulls_equal: bool) -> None:
    """left = inner + anti; right = inner + anti of the swapped join; full = inner + both
    antis; left height = sum over left rows of max(1, matches)."""
    kw = {"nulls_equal": nulls_equal}
    inner = frame_join(case, "inner", **kw).num_rows
    anti = frame_join(case, "anti", **kw).num_rows
    anti_r = frame_join(case.swapped(), "anti", **kw).num_rows
    assert frame_join(case, "left", **kw).num_rows == inner + anti
    assert frame_join(case, "right", **kw).num_rows == inner + anti_r
    assert frame_join(case, "full", **kw).num_rows == inner + anti + anti_r
    assert frame_join(case, "cross").num_rows == case.left.num_rows * case.right.num_rows
    with_id = with_ids(case)
    matches = Counter(i for (i,) in ids(frame_join(with_id, "inner", coalesce=False, **kw), "__i"))
    height = sum(max(1, matches[i]) for i in range(case.left.num_rows))
    assert frame_join(case, "left", **kw).num_rows == height


@settings(deadline=None)
@given(case=join_cases(), nulls_equal=st.booleans())
def test_full_join_contains_every_row(case: Case, nulls_equal: bool) -> None:
    case = with_ids(case)
    full = frame_join(case, "full", nulls_equal=nulls_equal)
    lrows = [i for i in full.column("__i").to_pylist() if i is not None]
    rrows = [j for j in full.column("__j").to_pylist() if j is not None]
    assert sorted(set(lrows)) == list(range(case.left.num_rows))
    assert sorted(set(rrows)) == list(range(case.right.num_rows))
    # the left-join part comes first, in left order
    assert lrows == sorted(lrows)
    left = frame_join(case, "left", nulls_equal=nulls_equal, coalesce=False)
    assert_frame_equal(full.slice(0, left.num_rows), left, check_exact=True)


@settings(deadline=None)
@given(case=join_cases(), nulls_equal=st.booleans())
def test_left_join_is_the_mirrored_right_join(case: Case, nulls_equal: bool) -> None:
    """L.join(R, how="left") and R.join(L, how="right") list the same pairs in the same order."""
    case = with_ids(case)
    left = frame_join(case, "left", nulls_equal=nulls_equal, coalesce=False)
    right = frame_join(case.swapped(), "right", nulls_equal=nulls_equal, coalesce=False)
    assert ids(left, "__i", "__j") == ids(right, "__i", "__j")
    inner_l = frame_join(case, "inner", nulls_equal=nulls_equal, coalesce=False)
    inner_r = frame_join(case.swapped(), "inner", nulls_equal=nulls_equal, coalesce=False)
    assert sorted(ids(inner_l, "__i", "__j")) == sorted(ids(inner_r, "__i", "__j"))


@settings(deadline=None)
@given(case=join_cases(), how=st.sampled_from(JOIN_TYPES), data=st.data())
def test_invariant_under_rechunking_and_slicing(case: Case, how: str, data: st.DataObject) -> None:
    base = frame_join(
        replace(case, left=case.left.combine_chunks(), right=case.right.combine_chunks()), how
    )
    nl, nr = case.left.num_rows, case.right.num_rows
    lsizes = data.draw(st.lists(st.integers(0, nl), max_size=4))
    rsizes = data.draw(st.lists(st.integers(0, nr), max_size=4))
    variant = replace(case, left=rechunk(case.left, lsizes), right=rechunk(case.right, rsizes))
    assert_frame_equal(frame_join(variant, how), base, check_exact=True)
    # slices of a longer (chunked) parent
    start = data.draw(st.integers(0, nl))
    length = data.draw(st.integers(0, nl - start))
    sliced = replace(variant, left=variant.left.slice(start, length))
    compact = replace(case, left=case.left.slice(start, length).combine_chunks())
    assert_frame_equal(frame_join(sliced, how), frame_join(compact, how), check_exact=True)


@settings(deadline=None)
@given(case=join_cases(key_types=st.sampled_from([pa.string(), pa.large_string()]), promote=False))
def test_dictionary_encoding_a_key_changes_nothing_but_its_type(case: Case) -> None:
    k = case.left_on[0]
    encoded = replace(case, left=_set_column(case.left, k, cast_exact(case.left.column(k), DICT)))
    for how in ("inner", "left", "semi", "anti", "full"):
        a = frame_join(case, how, coalesce=False)
        b = frame_join(encoded, how, coalesce=False)
        assert_frame_equal(a, b, check_exact=True, categorical_as_str=True, check_dtypes=False)


# ------------------------------------------------------------------------------- 4. errors


def names_type(message: str, dtype: pa.DataType) -> bool:
    """Whether the message names ``dtype`` (frame's short name or Arrow's)."""
    for name in {type_name(dtype), str(dtype)}:
        if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", message):
            return True
    return False


MISMATCHED = [
    (pa.int64(), pa.uint64()),
    (pa.uint8(), pa.int64()),
    (pa.int32(), pa.float64()),
    (pa.int64(), pa.float32()),
    (pa.string(), pa.int64()),
    (DICT, pa.int32()),
    (pa.bool_(), pa.int8()),
    (pa.binary(), pa.string()),
    (pa.date32(), pa.timestamp("us")),
    (pa.timestamp("ms"), pa.timestamp("us")),
    (pa.timestamp("us", "UTC"), pa.timestamp("us")),
    (pa.timestamp("us", "UTC"), pa.timestamp("us", "Asia/Kolkata")),
    (pa.timestamp("ns", "UTC"), pa.timestamp("us", "UTC")),
    (pa.duration("s"), pa.int64()),
    (pa.decimal128(10, 2), pa.float64()),
]


def _column_of(dtype: pa.DataType, n: int = 2) -> pa.Array:
    if pa.types.is_dictionary(dtype):
        return pa.array(["1", "2"][:n]).dictionary_encode()
    if pa.types.is_string(dtype):
        return pa.array(["1", "2"][:n])
    if pa.types.is_binary(dtype):
        return pa.array([b"1", b"2"][:n])
    if pa.types.is_decimal(dtype):
        from decimal import Decimal

        return pa.array([Decimal(1), Decimal(2)][:n], dtype)
    if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype) or pa.types.is_duration(dtype):
        storage = pa.int32() if pa.types.is_date32(dtype) else pa.int64()
        return pa.array([1, 2][:n], storage).view(dtype)
    if pa.types.is_boolean(dtype):
        return pa.array([True, False][:n])
    return pa.array([1, 2][:n], dtype)


@pytest.mark.parametrize(("lt", "rt"), MISMATCHED, ids=lambda t: str(t))
@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "semi", "anti"])
def test_mismatched_key_types_raise_naming_both(lt: pa.DataType, rt: pa.DataType, how: str) -> None:
    left = fr.DataFrame(pa.table({"lkey": _column_of(lt), "a": [1, 2]}))
    right = fr.DataFrame(pa.table({"rkey": _column_of(rt), "b": [1, 2]}))
    for a, b, ta, tb, na, nb in (
        (left, right, lt, rt, "lkey", "rkey"),
        (right, left, rt, lt, "rkey", "lkey"),
    ):
        with pytest.raises(fr.SchemaError) as info:
            a.join(b, left_on=na, right_on=nb, how=how)
        msg = str(info.value)
        assert na in msg and nb in msg, msg
        assert names_type(msg, ta) and names_type(msg, tb), msg


def test_mismatch_in_the_second_key_is_named() -> None:
    left = fr.DataFrame({"a": [1, 2], "b": pa.array([1, 2], pa.int64())})
    right = fr.DataFrame({"a": [1, 2], "c": pa.array([1, 2], pa.uint64())})
    with pytest.raises(fr.SchemaError, match=r"(?s)(?=.*\bb\b)(?=.*\bc\b)"):
        left.join(right, left_on=["a", "b"], right_on=["a", "c"])


def test_unknown_key_column() -> None:
    left = fr.DataFrame({"k": [1], "a": [1]})
    right = fr.DataFrame({"k": [1], "b": [1]})
    with pytest.raises(fr.ColumnNotFoundError, match="nope"):
        left.join(right, on="nope")
    with pytest.raises(fr.ColumnNotFoundError, match="missing"):
        left.join(right, left_on="k", right_on="missing")
    with pytest.raises(fr.ColumnNotFoundError, match="missing"):
        left.join(right, left_on="missing", right_on="k")
    with pytest.raises(fr.ColumnNotFoundError, match="b"):
        left.join(right, on=["k", "b"])  # b exists only on the right


def test_different_key_counts() -> None:
    left = fr.DataFrame({"k": [1], "a": [1]})
    right = fr.DataFrame({"k": [1], "b": [1]})
    with pytest.raises(fr.InvalidOperationError):
        left.join(right, left_on=["k", "a"], right_on="k")
    with pytest.raises(fr.InvalidOperationError):
        left.join(right, left_on="k", right_on=["k", "b"])


def test_bad_key_arguments() -> None:
    """Mutually exclusive / missing keys. The contract names no exception class for these;
    any frame error will do (polars raises ValueError-like errors)."""
    left = fr.DataFrame({"k": [1], "a": [1]})
    right = fr.DataFrame({"k": [1], "b": [1]})
    with pytest.raises(fr.FrameError):
        left.join(right, on="k", left_on="k", right_on="k")
    with pytest.raises(fr.FrameError):
        left.join(right)  # inner join without keys
    with pytest.raises(fr.FrameError):
        left.join(right, left_on="k")  # right_on missing
    with pytest.raises(fr.FrameError):
        left.join(right, on="k", how="cross")  # cross takes no keys


def test_unknown_how_lists_the_valid_ones() -> None:
    left = fr.DataFrame({"k": [1]})
    with pytest.raises((fr.FrameError, ValueError)) as info:
        left.join(left, on="k", how="outer")
    for how in JOIN_TYPES:
        assert how in str(info.value)


def test_unknown_validate_is_an_error() -> None:
    left = fr.DataFrame({"k": [1]})
    with pytest.raises((fr.FrameError, ValueError)) as info:
        left.join(left, on="k", validate="1:n")
    assert "1:m" in str(info.value)


@pytest.mark.parametrize(
    ("validate", "left_keys", "right_keys", "side", "value"),
    [
        ("1:m", [424242, 1, 424242], [1, 2], "left", "424242"),
        ("m:1", [1, 2], [7, 31337, 31337], "right", "31337"),
        ("1:1", [5, 5], [6], "left", "5"),
        ("1:1", [5, 6], [6, 77, 77], "right", "77"),
        ("1:m", ["dup-key", "x", "dup-key"], ["x"], "left", "dup-key"),
    ],
)
@pytest.mark.parametrize("how", ["inner", "left", "right", "full"])
def test_validate_violation_names_side_and_key(
    validate: str, left_keys: list[Any], right_keys: list[Any], side: str, value: str, how: str
) -> None:
    left = fr.DataFrame({"k": left_keys})
    right = fr.DataFrame({"k": right_keys})
    with pytest.raises(fr.ComputeError) as info:
        left.join(right, on="k", how=how, validate=validate)
    msg = str(info.value)
    assert side in msg.lower(), msg
    assert value in msg, msg


@settings(deadline=None)
@given(
    case=join_cases(max_keys=2, max_size=12),
    how=st.sampled_from(["inner", "left", "right", "full"]),
    validate=st.sampled_from(["1:m", "m:1", "1:1", "m:m"]),
    nulls_equal=st.booleans(),
)
def test_validate_matches_reference(case: Case, how: str, validate: str, nulls_equal: bool) -> None:
    """validate raises exactly when a side's keys repeat (null keys count only with
    nulls_equal); otherwise the result is the unvalidated join."""
    violation = oracle.validate_violation(
        case.left, case.right, case.left_on, case.right_on, validate, nulls_equal
    )
    if violation is None:
        assert_matches_reference(case, how, nulls_equal=nulls_equal, validate=validate)
    else:
        with pytest.raises(fr.ComputeError, match=violation[0]):
            frame_join(case, how, nulls_equal=nulls_equal, validate=validate)


def test_validate_counts_null_keys_only_with_nulls_equal() -> None:
    left = fr.DataFrame({"k": [None, None, 1]})
    right = fr.DataFrame({"k": [1, None]})
    assert left.join(right, on="k", how="left", validate="1:1").height == 3
    with pytest.raises(fr.ComputeError, match="left"):
        left.join(right, on="k", how="left", validate="1:1", nulls_equal=True)
    # NaN payloads are one key for validate too
    nans = fr.DataFrame({"k": [NAN, NAN_PAYLOAD]})
    with pytest.raises(fr.ComputeError, match="left"):
        nans.join(fr.DataFrame({"k": [1.0]}), on="k", validate="1:m")
    zeros = fr.DataFrame({"k": [0.0, -0.0]})
    with pytest.raises(fr.ComputeError, match="right"):
        fr.DataFrame({"k": [1.0]}).join(zeros, on="k", validate="m:1")


def test_output_too_large_raises_before_allocating() -> None:
    n = 3_000_000
    big = fr.DataFrame({"k": np.zeros(n, np.int64), "v": np.arange(n)})
    rows = n * n
    for how in ("cross", "inner"):
        with pytest.raises(fr.ComputeError) as info:
            if how == "cross":
                big.join(big, how="cross")
            else:
                big.join(big, on="k")
        digits = re.sub(r"[,_ ]", "", str(info.value))
        assert str(rows) in digits or f"{rows:.3e}" in str(info.value), str(info.value)


# ----------------------------------------------------------------------- 5. type promotion


@settings(deadline=None)
@given(
    case=join_cases(
        key_types=st.sampled_from(
            [pa.int8(), pa.int16(), pa.int32(), pa.uint8(), pa.uint16(), pa.uint32(), pa.float32()]
        ),
        max_keys=1,
        promote=False,
    ),
    how=st.sampled_from(JOIN_TYPES),
    data=st.data(),
)
def test_widened_join_equals_join_in_the_wide_type(
    case: Case, how: str, data: st.DataObject
) -> None:
    """int32 vs int64 (and every other safe widening) == both sides in the wide type."""
    k, rk = case.left_on[0], case.right_on[0]
    narrow = case.left.schema.field(k).type
    wide = data.draw(st.sampled_from([w for w in partner_types(narrow) if w != narrow]))
    side = data.draw(st.sampled_from(["left", "right"]))
    if side == "left":
        mixed = replace(case, left=_set_column(case.left, k, cast_exact(case.left.column(k), wide)))
    else:
        mixed = replace(
            case, right=_set_column(case.right, rk, cast_exact(case.right.column(rk), wide))
        )
    both_wide = replace(
        case,
        left=_set_column(case.left, k, cast_exact(case.left.column(k), wide)),
        right=_set_column(case.right, rk, cast_exact(case.right.column(rk), wide)),
    )
    got = frame_join(mixed, how, coalesce=False)
    want = frame_join(both_wide, how, coalesce=False)
    assert_frame_equal(got, want, check_exact=True, check_dtypes=False)
    assert_matches_reference(mixed, how)


@pytest.mark.parametrize(
    ("narrow", "wide", "narrow_values", "wide_values"),
    [
        # a wrapping cast of the wide side would turn each of these into a narrow pool value
        (pa.int8(), pa.int64(), [0, 1, -1, 127, -128], [256, 257, 255, 2**32 + 127, -(2**63)]),
        (pa.int32(), pa.int64(), [0, 5, -1], [2**32, 2**32 + 5, 2**32 - 1]),
        (pa.uint8(), pa.uint64(), [0, 1, 255], [256, 257, 2**64 - 1]),
        (pa.uint32(), pa.uint64(), [0, 7], [2**32, 2**63 + 7]),
        (pa.float32(), pa.float64(), [0.1, 16777217.0, 1e38, 0.5], [0.1, 16777217.0, 1e38, 0.5]),
    ],
)
@pytest.mark.parametrize("how", ["inner", "semi", "full"])
def test_promotion_never_wraps_or_rounds(
    narrow: pa.DataType,
    wide: pa.DataType,
    narrow_values: list[Any],
    wide_values: list[Any],
    how: str,
) -> None:
    left = pa.table({"k": pa.array(narrow_values, narrow), "i": range(len(narrow_values))})
    right = pa.table({"k": pa.array(wide_values, wide), "j": range(len(wide_values))})
    for case in (Case(left, right, ["k"], ["k"], "on"), Case(right, left, ["k"], ["k"], "on")):
        assert_matches_reference(case, how)
        assert_matches_reference(case, how, coalesce=False)
    if not pa.types.is_floating(narrow):
        out = fr.DataFrame(left).join(fr.DataFrame(right), on="k", how="inner")
        assert out.height == 0
    else:
        # float32(0.1) != 0.1, float32(16777217.0) == 16777216.0 != 16777217.0, only 0.5 matches
        out = fr.DataFrame(left).join(fr.DataFrame(right), on="k", how="inner")
        assert out.height == 1


def test_int64_vs_uint64_near_2_63_raises_instead_of_matching() -> None:
    left = fr.DataFrame({"k": pa.array([2**63 - 1, -1, -(2**63)], pa.int64())})
    right = fr.DataFrame({"k": pa.array([2**63 - 1, 2**64 - 1, 2**63], pa.uint64())})
    for how in ("inner", "left", "semi", "anti", "full", "right"):
        with pytest.raises(fr.SchemaError):
            left.join(right, on="k", how=how)
        with pytest.raises(fr.SchemaError):
            right.join(left, on="k", how=how)


def test_big_ints_never_match_through_floats() -> None:
    ints = fr.DataFrame({"k": pa.array([2**53, 2**53 + 1, 2**63 - 1], pa.int64()), "i": [0, 1, 2]})
    floats = fr.DataFrame({"k": pa.array([2.0**53, 2.0**53 + 2, 2.0**63], pa.float64())})
    with pytest.raises(fr.SchemaError):
        ints.join(floats, on="k")
    with pytest.raises(fr.SchemaError):
        floats.join(ints, on="k", how="semi")
    # in their own types: exact
    same = fr.DataFrame({"k": pa.array([2**53 + 1, 2**63 - 2], pa.int64()), "j": [0, 1]})
    assert ints.join(same, on="k").rows() == [(2**53 + 1, 1, 0)]
    u = fr.DataFrame(
        {"k": pa.array([2**64 - 1, 2**64 - 2, 2**53 + 1], pa.uint64()), "i": [0, 1, 2]}
    )
    u2 = fr.DataFrame({"k": pa.array([2**64 - 2, 2**53], pa.uint64()), "j": [0, 1]})
    assert u.join(u2, on="k").rows() == [(2**64 - 2, 1, 0)]


# -------------------------------------------------------------------------------- 6. threads


def test_concurrent_joins_on_shared_frames() -> None:
    rng = np.random.default_rng(11)
    n = 200_000
    left = fr.DataFrame(
        {
            "k": rng.integers(0, 50_000, n),
            "s": pa.array(rng.integers(0, 40, n).astype(str)),
            "v": rng.normal(size=n),
        }
    )
    right = fr.DataFrame(
        {
            "k": rng.integers(0, 60_000, n // 2),
            "s": pa.array(rng.integers(0, 40, n // 2).astype(str)).dictionary_encode(),
            "w": rng.integers(-1000, 1000, n // 2),
        }
    )

    def run() -> list[pa.Table]:
        return [
            left.join(right, on=["k", "s"], how=how).to_arrow()
            for how in ("inner", "left", "right", "full", "semi", "anti")
        ]

    serial = run()
    assert serial[0].num_rows > 0
    barrier = threading.Barrier(4)

    def worker(_: int) -> list[pa.Table]:
        barrier.wait()
        return run()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(worker, range(4)))
    for result in results:
        for got, want in zip(result, serial):
            assert_frame_equal(got, want, check_exact=True)


def test_large_join_matches_reference_counts() -> None:
    """A join big enough for the parallel paths, checked through per-key counts."""
    rng = np.random.default_rng(3)
    lk = rng.integers(0, 2000, 100_000)
    rk = rng.integers(0, 3000, 50_000)
    left = fr.DataFrame({"k": lk, "i": np.arange(len(lk))})
    right = fr.DataFrame({"k": rk, "j": np.arange(len(rk))})
    out = left.join(right, on="k", how="left").to_arrow()
    rcount = Counter(rk.tolist())
    want_height = sum(max(1, rcount[k]) for k in lk.tolist())
    assert out.num_rows == want_height
    i = out.column("i").to_numpy()
    assert (np.diff(i) >= 0).all()  # left order
    j = out.column("j").to_numpy(zero_copy_only=False)
    # matches of one left row come in right order
    same = np.diff(i) == 0
    assert (np.diff(j)[same] > 0).all()


def test_memory_guard_counts_reclaimable_page_cache(monkeypatch, tmp_path) -> None:
    """The guard reads MemAvailable (free plus reclaimable cache), not just free pages: after a
    big file read, free pages alone would refuse joins that fit."""
    from frame import join as join_module

    assert join_module._available_memory() is not None
    monkeypatch.setattr(join_module, "_available_memory", lambda: 10**6)
    left = fr.DataFrame({"k": [1] * 200})
    with pytest.raises(fr.ComputeError, match="40,000 rows"):
        left.join(left, on="k")
    monkeypatch.setattr(join_module, "_available_memory", lambda: 10**9)
    assert left.join(left, on="k").height == 40_000


@pytest.mark.parametrize("validate", ["m:1", "1:1"])
def test_validate_sees_duplicates_on_the_much_larger_string_side(validate: str) -> None:
    # regression: the string probe path (one side >= 8x smaller) coded every key of the large
    # side missing from the small side as one sentinel, so its duplicates went unnoticed
    left = fr.DataFrame({"k": pa.array(["a"], pa.string())})
    right = fr.DataFrame({"k": ["x"] * 5 + ["y"] * 5 + ["a"], "v": list(range(11))})
    with pytest.raises(fr.ComputeError, match=r"right keys \['k'\] are not unique \(e.g. 'x'"):
        left.join(right, on="k", validate=validate)
    with pytest.raises(fr.ComputeError, match="left keys"):
        right.join(left, on="k", validate="1:m")
    empty = fr.DataFrame({"k": pa.array([], pa.string())})
    with pytest.raises(fr.ComputeError, match="right keys"):
        empty.join(right, on="k", validate=validate)
    assert left.join(right, on="k", validate="m:m").rows() == [("a", 10)]
