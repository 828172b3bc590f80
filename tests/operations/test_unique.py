"""DataFrame.unique / n_unique / is_duplicated and Series.unique / value_counts.

Contract under test (frame/dataframe.py): null equals null, all NaNs (any bit pattern) are one
value, -0.0 equals 0.0; keep="first"/"any" keeps the first row of each key, "last" the last,
"none" drops every duplicated key; rows keep their input order. Strings compare bytewise.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, assert_series_equal, rechunk
from frame.testing import strategies as fst
from tests.operations._oracles import take_rows

ROW = "__row"


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]




def canon(v: Any) -> Any:
    if isinstance(v, float):
        return ("nan",) if math.isnan(v) else v + 0.0
    return v


def reference_rows(table: pa.Table, subset: list[str], keep: str) -> list[int]:
    """Pure-Python unique with frame's key semantics."""
    cols = [table.column(c).to_pylist() for c in subset]
    keys = [tuple(canon(v) for v in row) for row in zip(*cols)]
    if keep in ("first", "any"):
        seen: dict[Any, int] = {}
        for i, k in enumerate(keys):
            seen.setdefault(k, i)
        return sorted(seen.values())
    if keep == "last":
        last: dict[Any, int] = {}
        for i, k in enumerate(keys):
            last[k] = i
        return sorted(last.values())
    counts = Counter(keys)
    return [i for i, k in enumerate(keys) if counts[k] == 1]




# ------------------------------------------------------------------ hand-written examples


def test_empty() -> None:
    d = fr.DataFrame({"a": pa.array([], pa.int64())})
    assert d.unique().shape == (0, 1)
    assert d.n_unique() == 0
    assert d.is_duplicated().to_list() == []
    assert fr.Series("a", pa.array([], pa.int64())).unique().to_list() == []


def test_single_row_and_all_null() -> None:
    assert fr.DataFrame({"a": [5]}).unique().rows() == [(5,)]
    d = fr.DataFrame({"a": pa.nulls(4, pa.int64()), "i": [0, 1, 2, 3]})
    assert d.unique("a")["i"].to_list() == [0]
    assert d.unique("a", keep="last")["i"].to_list() == [3]
    assert d.unique("a", keep="none").height == 0
    assert fr.DataFrame({"n": pa.nulls(3)}).unique().height == 1


def test_nan_payloads_and_signed_zero_are_one_key() -> None:
    values = [
        0.0,
        -0.0,
        _f64(0x7FF8000000000000),
        _f64(0x7FF8000000000001),
        _f64(0xFFF8000000000000),
        _f64(0x7FF0000000000001),
        None,
        1.0,
    ]
    d = fr.DataFrame({"f": values, "i": range(len(values))})
    assert d.unique("f")["i"].to_list() == [0, 2, 6, 7]
    assert d.unique("f", keep="last")["i"].to_list() == [1, 5, 6, 7]
    assert d.unique("f", keep="none")["i"].to_list() == [6, 7]
    assert d.n_unique("f") == 4
    assert d.select(fr.col("f").n_unique()).item() == 4
    f32 = fr.DataFrame({"f": pa.array([0.0, -0.0, float("nan"), None, float("nan")], pa.float32())})
    assert f32.n_unique() == 3


def test_null_is_not_nan() -> None:
    d = fr.DataFrame({"f": [None, float("nan"), None, float("nan")]})
    assert d.unique().height == 2


def test_strings_are_bytewise() -> None:
    values = ["é", "e\u0301", "", None, "a\x00b", "a", "a\x00b", "", "😀", "😀"]
    for dtype in (pa.string(), pa.large_string(), pa.string_view()):
        d = fr.DataFrame({"s": pa.array(values, dtype)})
        assert d.unique()["s"].to_list() == ["é", "e\u0301", "", None, "a\x00b", "a", "😀"]


def test_binary_and_decimal() -> None:
    import decimal

    d = fr.DataFrame(
        {
            "b": [b"\x00", b"", b"\x00", None, b"\xff"],
            "d": pa.array(
                [decimal.Decimal(x) for x in ("1.10", "1.1", "-0", "0", "2")], pa.decimal128(5, 2)
            ),
        }
    )
    assert d.unique("b")["b"].to_list() == [b"\x00", b"", None, b"\xff"]
    assert d.unique("d").height == 3


@pytest.mark.parametrize("keep", ["first", "any", "last", "none"])
def test_keep_and_subset(keep: str) -> None:
    table = pa.table({"k": [1, 2, 1, None, 2, None, 3], "v": ["a", "b", "c", "d", "e", "f", "g"]})
    got = fr.DataFrame(table).unique("k", keep=keep)
    assert_frame_equal(got, take_rows(table, reference_rows(table, ["k"], keep)))


def test_multi_column_keys() -> None:
    d = fr.DataFrame({"a": [1, 1, 1, None, None], "b": ["x", "y", "x", None, None], "i": range(5)})
    assert d.unique(["a", "b"])["i"].to_list() == [0, 1, 3]
    assert d.n_unique(["a", "b"]) == 3
    assert d.select("a", "b").is_duplicated().to_list() == [True, False, True, True, True]


def test_dictionary_keys() -> None:
    duplicated_entries = pa.DictionaryArray.from_arrays(
        pa.array([0, 1, 2, None, 1], pa.int32()), pa.array(["x", "x", "y"])
    )
    d = fr.DataFrame({"c": duplicated_entries, "i": range(5)})
    assert d.unique("c")["i"].to_list() == [0, 2, 3]
    per_chunk = pa.chunked_array(
        [pa.array(["y", "x"]).dictionary_encode(), pa.array(["x", "y", "z"]).dictionary_encode()]
    )
    d = fr.DataFrame({"c": per_chunk, "i": range(5)})
    assert d.unique("c")["i"].to_list() == [0, 1, 4]
    assert d.n_unique("c") == 3


def test_sliced_and_chunked() -> None:
    parent = pa.array([9, 1, 2, 1, None, 2, None, 8], pa.int64())
    for offset in range(1, 5):
        table = pa.table({"k": parent.slice(offset)})
        got = fr.DataFrame(table).unique()
        assert_frame_equal(got, take_rows(table, reference_rows(table, ["k"], "first")))
    chunked = pa.table({"k": pa.chunked_array([[1, 2], [], [2, 1, 3]])})
    assert fr.DataFrame(chunked).unique()["k"].to_list() == [1, 2, 3]


def test_bad_arguments() -> None:
    d = fr.DataFrame({"a": [1, 1]})
    with pytest.raises(fr.InvalidOperationError, match="keep must be"):
        d.unique(keep="middle")
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'a'"):
        d.unique("aa")
    with pytest.raises(fr.UnsupportedTypeError, match="list<item: int64>"):
        fr.DataFrame({"l": [[1], [1]]}).unique()


def test_series_unique_and_value_counts() -> None:
    s = fr.Series("k", ["b", None, "a", "b", None, "b"])
    assert s.unique().to_list() == ["b", None, "a"]
    assert s.n_unique() == 3
    counts = s.value_counts()
    assert counts.columns == ["k", "count"]
    assert counts.rows() == [("b", 3), (None, 2), ("a", 1)]
    assert s.value_counts(sort=False).rows() == [("b", 3), (None, 2), ("a", 1)]


# ------------------------------------------------------------------------ property tests


@given(
    table=fst.tables(
        [
            fst.column("a", cardinality=3),
            fst.column("b", cardinality=2),
            fst.column("v"),
        ]
    ),
    keep=st.sampled_from(["first", "any", "last", "none"]),
    data=st.data(),
)
def test_matches_python_reference(table: pa.Table, keep: str, data: st.DataObject) -> None:
    subset = data.draw(st.sampled_from([["a"], ["b"], ["a", "b"], ["a", "b", "v"]]))
    out = fr.DataFrame(table).unique(subset, keep=keep)
    out.to_arrow().validate(full=True)
    expected = take_rows(table, reference_rows(table, subset, keep))
    assert_frame_equal(out, expected, check_exact=True)
    assert fr.DataFrame(table).n_unique(subset) == len(reference_rows(table, subset, "first"))


@given(
    table=fst.tables(
        [
            fst.column("i", fst.arrow_types(allowed=["integer"]), cardinality=4),
            fst.column("s", pa.string(), cardinality=3),
        ]
    )
)
def test_matches_polars(table: pa.Table) -> None:
    pl = pytest.importorskip("polars")
    table = table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    got = fr.DataFrame(table).unique(["i", "s"], keep="first")[ROW].to_list()
    expected = (
        pl.from_arrow(table).unique(["i", "s"], keep="first", maintain_order=True)[ROW].to_list()
    )
    assert got == expected


@given(table=fst.tables([fst.column("k", cardinality=4)], min_size=1, max_size=30), data=st.data())
def test_invariant_under_rechunking(table: pa.Table, data: st.DataObject) -> None:
    sizes = data.draw(st.lists(st.integers(0, table.num_rows), max_size=4))
    expected = fr.DataFrame(table.combine_chunks()).unique()
    assert_frame_equal(fr.DataFrame(rechunk(table, sizes)).unique(), expected, check_exact=True)


@given(keys=fst.key_columns(fst.arrow_types(excluded=["null"])))
def test_series_agrees_with_frame(keys: pa.Array) -> None:
    s = fr.Series("k", keys)
    d = fr.DataFrame({"k": keys})
    assert_series_equal(s.unique(), d.unique()["k"], check_exact=True)
    assert s.n_unique() == d.n_unique() == d.select(fr.col("k").n_unique()).item()
    counts = s.value_counts(sort=False)
    assert sum(counts["count"].to_list()) == len(keys)
    assert counts.height == s.n_unique()
    dup = d.is_duplicated().to_list()
    assert sum(not x for x in dup) == d.unique(keep="none").height
