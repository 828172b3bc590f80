"""head / tail / slice / limit / row indexing on DataFrame and Series.

Contract under test (polars names and semantics): ``head(n)``/``tail(n)`` take the first/last
``n`` rows (all but the last/first ``-n`` when negative); ``slice(offset, length)`` returns
the rows ``offset .. offset+length`` where a negative offset counts from the end, clipped to
the frame; slicing is zero-copy and never depends on chunking.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, assert_series_equal
from frame.testing import strategies as fst


def py_slice(n: int, offset: int, length: int | None) -> range:
    """polars' slice semantics: the window [offset, offset+length) intersected with [0, n)."""
    start = offset + n if offset < 0 else offset
    stop = n if length is None else start + length
    start, stop = max(0, min(start, n)), max(0, min(stop, n))
    return range(start, max(start, stop))


def py_head(n: int, k: int) -> range:
    return range(max(0, min(n, k if k >= 0 else n + k)))


def py_tail(n: int, k: int) -> range:
    m = max(0, min(n, k if k >= 0 else n + k))
    return range(n - m, n)


def rows_of(table: pa.Table, positions: range) -> pa.Table:
    return table.slice(positions.start, len(positions))


@pytest.fixture
def df() -> fr.DataFrame:
    return fr.DataFrame({"a": [0, 1, 2, 3], "s": ["w", None, "y", "é"]})


# ------------------------------------------------------------------ hand-written examples


@pytest.mark.parametrize("k", [-5, -4, -1, 0, 1, 3, 4, 10])
def test_head_tail(df: fr.DataFrame, k: int) -> None:
    assert df.head(k)["a"].to_list() == list(py_head(4, k))
    assert df.tail(k)["a"].to_list() == list(py_tail(4, k))
    assert df.limit(k)["a"].to_list() == list(py_head(4, k))
    s = df["a"]
    assert s.head(k).to_list() == list(py_head(4, k))
    assert s.tail(k).to_list() == list(py_tail(4, k))


def test_defaults() -> None:
    d = fr.DataFrame({"a": list(range(12))})
    assert d.head().height == 5
    assert d.tail()["a"].to_list() == [7, 8, 9, 10, 11]
    assert d["a"].head().len() == 10


@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, None), (1, 2), (2, None), (3, 5), (4, 1), (5, 1), (1, 0), (-1, None), (-2, 1), (-4, 10)],
)
def test_slice_inside_and_past_the_end(df: fr.DataFrame, offset: int, length: int | None) -> None:
    assert df.slice(offset, length)["a"].to_list() == list(py_slice(4, offset, length))
    assert df["a"].slice(offset, length).to_list() == list(py_slice(4, offset, length))


@pytest.mark.parametrize(("offset", "length"), [(-5, 2), (-10, 3), (-6, 4)])
def test_slice_negative_offset_before_the_start(df: fr.DataFrame, offset: int, length: int) -> None:
    # regression: a negative offset that reaches before row 0 was clamped to 0 while the length
    # kept, so slice(-10, 3) on 4 rows returns rows 0..2 instead of nothing (polars: window
    # [-10, -7) lies entirely before the frame; slice(-5, 2) is row 0 only)
    expected = list(py_slice(4, offset, length))
    assert df.slice(offset, length)["a"].to_list() == expected
    assert df["a"].slice(offset, length).to_list() == expected


def test_slice_negative_length_is_an_error(df: fr.DataFrame) -> None:
    with pytest.raises(fr.InvalidOperationError, match="slice length must be >= 0, got -1"):
        df.slice(1, -1)


def test_empty_frame() -> None:
    d = fr.DataFrame({"a": pa.array([], pa.int64())})
    for out in (d.head(3), d.tail(3), d.slice(0, 3), d.slice(-1), d[0:2]):
        assert out.shape == (0, 1)
        assert out.schema == d.schema


def test_zero_width_frame_keeps_height() -> None:
    d = fr.DataFrame({"a": [1, 2, 3, 4]}).drop("a")
    assert d.head(2).shape == (2, 0)
    assert d.tail(3).shape == (3, 0)
    assert d.slice(1, 2).shape == (2, 0)


def test_getitem_rows(df: fr.DataFrame) -> None:
    assert df[1:3]["a"].to_list() == [1, 2]
    assert df[::2]["a"].to_list() == [0, 2]
    assert df[::-1]["a"].to_list() == [3, 2, 1, 0]
    assert df[-1].rows() == [(3, "é")]
    assert df[[3, 0, 0]]["a"].to_list() == [3, 0, 0]
    assert df[np.array([-1, 1])]["a"].to_list() == [3, 1]
    assert df[1:3, "s"].to_list() == [None, "y"]
    with pytest.raises(IndexError, match="row 4 is out of bounds for a frame of height 4"):
        df[4]
    with pytest.raises(IndexError, match="out of bounds"):
        df[[0, 9]]


def test_slices_are_zero_copy(df: fr.DataFrame) -> None:
    base = df.to_arrow().column("a").chunk(0)
    out = df.slice(1, 2).to_arrow().column("a").chunk(0)
    assert out.buffers()[1].address == base.buffers()[1].address
    assert out.offset == base.offset + 1


def test_chunked_and_sliced_inputs() -> None:
    table = pa.table({"a": pa.chunked_array([[0, 1], [], [2, 3, 4], [5]])})
    d = fr.DataFrame(table)
    assert d.slice(1, 4)["a"].to_list() == [1, 2, 3, 4]
    assert d.tail(2)["a"].to_list() == [4, 5]
    sliced = fr.DataFrame(pa.table({"a": pa.array([9, 9, 0, 1, 2, None]).slice(2)}))
    assert sliced.head(2)["a"].to_list() == [0, 1]
    assert sliced.tail(1)["a"].to_list() == [None]
    sliced.slice(1, 2).to_arrow().validate(full=True)


def test_item_and_row(df: fr.DataFrame) -> None:
    assert df.item(2, "s") == "y"
    assert df.item(0, 0) == 0
    assert df.row(-1) == (3, "é")
    assert df.row(1, named=True) == {"a": 1, "s": None}
    with pytest.raises(IndexError, match="out of bounds"):
        df.row(4)
    with pytest.raises(fr.ShapeError, match="1x1"):
        df.item()


# ------------------------------------------------------------------------ property tests


@given(table=fst.tables(max_size=30), data=st.data())
def test_slice_matches_reference(table: pa.Table, data: st.DataObject) -> None:
    n = table.num_rows
    offset = data.draw(st.integers(-n - 3, n + 3))
    length = data.draw(st.none() | st.integers(0, n + 3))
    out = fr.DataFrame(table).slice(offset, length)
    out.to_arrow().validate(full=True)
    assert_frame_equal(out, rows_of(table, py_slice(n, offset, length)), check_exact=True)


@given(table=fst.tables(max_size=30), k=st.integers(-35, 35))
def test_head_tail_match_reference(table: pa.Table, k: int) -> None:
    n = table.num_rows
    d = fr.DataFrame(table)
    assert_frame_equal(d.head(k), rows_of(table, py_head(n, k)), check_exact=True)
    assert_frame_equal(d.tail(k), rows_of(table, py_tail(n, k)), check_exact=True)
    # head(k) followed by tail(k) partitions the frame when 0 <= k <= n
    if 0 <= k <= n:
        parts = pa.concat_tables([d.head(k).to_arrow(), d.tail(n - k).to_arrow()])
        assert_frame_equal(parts, table, check_exact=True)


@given(table=fst.tables(max_size=30), data=st.data())
def test_matches_polars(table: pa.Table, data: st.DataObject) -> None:
    pl = pytest.importorskip("polars")
    n = table.num_rows
    table = table.append_column("__row", pa.array(np.arange(n, dtype=np.int64)))
    offset = data.draw(st.integers(-n - 3, n + 3))
    length = data.draw(st.none() | st.integers(0, n + 2))
    k = data.draw(st.integers(-n - 1, n + 1))
    d, p = fr.DataFrame(table), pl.from_arrow(table)
    assert d.slice(offset, length)["__row"].to_list() == p.slice(offset, length)["__row"].to_list()
    assert d.head(k)["__row"].to_list() == p.head(k)["__row"].to_list()
    assert d.tail(k)["__row"].to_list() == p.tail(k)["__row"].to_list()


@given(arr=fst.chunked_arrays(), data=st.data())
def test_series_slices(arr: pa.ChunkedArray, data: st.DataObject) -> None:
    n = len(arr)
    s = fr.Series("x", arr)
    start = data.draw(st.integers(0, n))
    stop = data.draw(st.integers(start, n))
    step = data.draw(st.sampled_from([1, 2, 3]))
    flat = arr.combine_chunks()
    idx = pa.array(range(start, stop, step), pa.int64())
    if pa.types.is_string_view(flat.type):  # pyarrow 26 cannot take string_view
        expected = flat.cast(pa.large_string()).take(idx).cast(flat.type)
    else:
        expected = flat.take(idx)
    assert_series_equal(s[start:stop:step], expected, check_exact=True)
    assert_series_equal(
        s.slice(start, stop - start), arr.slice(start, stop - start), check_exact=True
    )
