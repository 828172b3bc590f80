"""DataFrame.sort / Series.sort: edge cases, a pure-Python reference sort, polars and pyarrow
oracles, and metamorphic checks (stability, idempotence, chunking/slicing invariance).

Contract under test (frame/dataframe.py): always stable; nulls first unless ``nulls_last``
(also when descending, as polars); NaN sorts after every number; -0.0 and 0.0 tie; strings by
UTF-8 bytes; binary by unsigned bytes; categoricals by value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, rechunk
from frame.testing import strategies as fst
from tests.operations._oracles import take_rows

# --------------------------------------------------------------------------------- helpers

ROW = "__row"




def _value_key(v: Any) -> Any:
    if isinstance(v, float):
        return (1, 0.0) if math.isnan(v) else (0, v + 0.0)
    if isinstance(v, str):
        return v.encode("utf-8")
    return v


def reference_order(
    columns: list[list[Any]], descending: list[bool], nulls_last: list[bool]
) -> list[int]:
    """Stable multi-key sort in pure Python, coding frame's documented contract."""
    n = len(columns[0]) if columns else 0
    order = list(range(n))
    for values, desc, last in reversed(list(zip(columns, descending, nulls_last))):
        null_group = 0 if last == desc else 1

        def key(i: int, values: list[Any] = values, null_group: int = null_group) -> Any:
            v = values[i]
            return (null_group, 0) if v is None else (1 - null_group, _value_key(v))

        order.sort(key=key, reverse=desc)
    return order


def with_row_index(table: pa.Table) -> pa.Table:
    return table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))




def sort_rows(df: fr.DataFrame) -> list[int]:
    return df[ROW].to_list()


# ------------------------------------------------------------------ hand-written examples

NAN = float("nan")


def test_empty_and_single_row() -> None:
    empty = fr.DataFrame({"a": pa.array([], pa.int64()), "s": pa.array([], pa.string())})
    assert empty.sort("a").shape == (0, 2)
    assert empty.sort("a").schema == empty.schema
    one = fr.DataFrame({"a": [None], "s": ["x"]})
    assert one.sort("a", descending=True).rows() == [(None, "x")]


def test_all_null_key_keeps_order() -> None:
    d = fr.DataFrame({"k": pa.nulls(5, pa.int64()), "v": [3, 1, 2, 5, 4]})
    for desc in (False, True):
        for last in (False, True):
            assert d.sort("k", descending=desc, nulls_last=last)["v"].to_list() == [3, 1, 2, 5, 4]


def test_null_typed_key() -> None:
    d = fr.DataFrame({"k": pa.nulls(3), "v": [3, 1, 2]})
    assert d.sort("k")["v"].to_list() == [3, 1, 2]


@pytest.mark.parametrize(
    ("descending", "nulls_last", "expected"),
    [
        (False, False, [None, -1.0, 0.0, -0.0, 2.0, NAN]),
        (False, True, [-1.0, 0.0, -0.0, 2.0, NAN, None]),
        (True, False, [None, NAN, 2.0, 0.0, -0.0, -1.0]),
        (True, True, [NAN, 2.0, 0.0, -0.0, -1.0, None]),
    ],
    ids=["asc", "asc-nulls-last", "desc", "desc-nulls-last"],
)
def test_nan_null_and_signed_zero(descending: bool, nulls_last: bool, expected: list[Any]) -> None:
    d = fr.DataFrame({"f": [2.0, NAN, 0.0, None, -0.0, -1.0]})
    got = d.sort("f", descending=descending, nulls_last=nulls_last)["f"].to_list()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None or g is None:
            assert g is e
        elif math.isnan(e):
            assert math.isnan(g)
        else:  # -0.0 and 0.0 tie, so input order (0.0 first) is kept: compare the sign too
            assert g == e and math.copysign(1, g) == math.copysign(1, e)


def test_nan_payloads_tie() -> None:
    import struct

    payload = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
    negative = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
    d = fr.DataFrame({"f": [negative, 1.0, payload, NAN], "i": [0, 1, 2, 3]})
    assert d.sort("f")["i"].to_list() == [1, 0, 2, 3]
    assert d.sort("f", descending=True)["i"].to_list() == [0, 2, 3, 1]


def test_strings_sort_by_utf8_bytes() -> None:
    values = ["é", "z", "e\u0301", "", "a\x00", "a", "Z", "😀", "日本"]
    for dtype in (pa.string(), pa.large_string(), pa.string_view()):
        d = fr.DataFrame({"s": pa.array(values, dtype)})
        assert d.sort("s")["s"].to_list() == sorted(values, key=lambda s: s.encode())


def test_binary_sorts_unsigned() -> None:
    values = [b"\xff", b"", b"\x00", b"\x7f", b"\x80", b"\x00\x00"]
    d = fr.DataFrame({"b": values})
    assert d.sort("b")["b"].to_list() == sorted(values)


@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        (pa.int64(), [2**63 - 1, -(2**63), 0, -1, None]),
        (pa.uint64(), [2**64 - 1, 2**63, 0, 2**63 - 1, None]),
        (pa.int8(), [127, -128, 0, None]),
        (pa.bool_(), [True, None, False, True]),
        (
            pa.decimal128(38, 2),
            [decimal.Decimal("-1.50"), None, decimal.Decimal("1.25"), decimal.Decimal("0")],
        ),
        (pa.date32(), [dt.date(2020, 1, 1), None, dt.date(1, 1, 1), dt.date(9999, 12, 31)]),
        (pa.duration("s"), [dt.timedelta(seconds=5), dt.timedelta(seconds=-5), None]),
        (pa.float32(), [1.5, NAN, -math.inf, math.inf, None]),
    ],
    ids=str,
)
def test_typed_extremes(dtype: pa.DataType, values: list[Any]) -> None:
    d = fr.DataFrame({"x": pa.array(values, dtype)})
    order = reference_order([values], [False], [False])
    got = d.sort("x")["x"].to_list()
    expected = [values[i] for i in order]
    assert [_value_key(v) if v is not None else None for v in got] == [
        _value_key(v) if v is not None else None for v in expected
    ]


def test_timestamps_with_time_zone_sort_by_instant() -> None:
    berlin = pa.array([3600, 0, None, -3600], pa.timestamp("s", "Europe/Berlin"))
    d = fr.DataFrame({"t": berlin, "i": [0, 1, 2, 3]})
    assert d.sort("t")["i"].to_list() == [2, 3, 1, 0]


def test_dictionary_sorts_by_value_not_code() -> None:
    codes = pa.array([0, 1, 2, None, 0], pa.int32())
    d = fr.DataFrame(
        {"c": pa.DictionaryArray.from_arrays(codes, pa.array(["z", "a", "m"])), "i": range(5)}
    )
    assert d.sort("c")["i"].to_list() == [3, 1, 2, 0, 4]
    assert d.sort("c", descending=True, nulls_last=True)["i"].to_list() == [0, 4, 2, 1, 3]


def test_per_chunk_dictionaries() -> None:
    chunks = pa.chunked_array(
        [pa.array(["y", "x"]).dictionary_encode(), pa.array(["x", "w", "y"]).dictionary_encode()]
    )
    d = fr.DataFrame({"c": chunks, "i": range(5)})
    assert d.sort("c")["i"].to_list() == [3, 1, 2, 0, 4]


def test_dictionary_with_null_in_dictionary_values() -> None:
    # a null *dictionary value* (valid index pointing at a null entry) is a null: it must follow
    # nulls_last like an index null, also when the indices have no nulls (null_count == 0)
    codes = pa.array([0, 1, 2, 0], pa.int32())
    dictionary = pa.DictionaryArray.from_arrays(codes, pa.array(["b", "a", None]))
    d = fr.DataFrame({"c": dictionary, "i": range(4)})
    plain = fr.DataFrame({"c": dictionary.dictionary_decode(), "i": range(4)})
    assert plain.sort("c")["i"].to_list() == [2, 1, 0, 3]
    assert d.sort("c")["i"].to_list() == [2, 1, 0, 3]
    assert d.sort("c", descending=True, nulls_last=True)["i"].to_list() == [0, 3, 1, 2]


def test_sliced_and_chunked_inputs() -> None:
    parent = pa.array([9, None, 3, 1, None, 2, 8, 7, 0, 5, 4], pa.int64())
    for offset in range(1, 9):
        table = pa.table({"k": parent.slice(offset, 3)})
        values = table.column("k").to_pylist()
        assert fr.DataFrame(table).sort("k")["k"].to_list() == sorted(
            values, key=lambda v: (v is not None, v or 0)
        )
    chunked = pa.table({"k": pa.chunked_array([[3, None], [], [1, 2]])})
    assert fr.DataFrame(chunked).sort("k")["k"].to_list() == [None, 1, 2, 3]


def test_multiple_keys_mixed_flags() -> None:
    d = fr.DataFrame(
        {
            "g": ["b", "a", "b", None, "a", None],
            "v": [1, 2, None, 4, 2, 0],
            "i": range(6),
        }
    )
    out = d.sort("g", "v", descending=[False, True], nulls_last=[True, False])
    assert out["i"].to_list() == [1, 4, 2, 0, 3, 5]
    out = d.sort(["v", "g"], descending=True)
    assert out["i"].to_list() == [2, 3, 1, 4, 0, 5]


def test_sort_by_expression() -> None:
    d = fr.DataFrame({"a": [1, 3, 2], "b": [10, 0, 5]})
    assert d.sort(-fr.col("a"))["a"].to_list() == [3, 2, 1]
    assert d.sort(fr.col("a") + fr.col("b"))["a"].to_list() == [3, 2, 1]
    assert d.sort(fr.col("a") * 0, "b")["b"].to_list() == [0, 5, 10]


def test_flag_length_mismatch_and_unknown_column() -> None:
    d = fr.DataFrame({"a": [1, 2], "b": [1, 2]})
    with pytest.raises(fr.ShapeError, match="descending has 1 flags for 2 sort keys"):
        d.sort("a", "b", descending=[True])
    with pytest.raises(fr.ShapeError, match="nulls_last has 3 flags for 2 sort keys"):
        d.sort("a", "b", nulls_last=[True, False, True])
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'a'"):
        d.sort("aa")
    with pytest.raises(fr.InvalidOperationError, match="at least one key"):
        d.sort([])


@pytest.mark.parametrize("height", [0, 1, 2])
def test_unsupported_key_type_raises_at_every_height(height: int) -> None:
    # regression: with height <= 1 sort returned early and never checks the key type, so sorting by a
    # list column only fails once the frame has two rows
    d = fr.DataFrame({"l": pa.array([[1, 2], [0]][:height], pa.list_(pa.int64()))})
    with pytest.raises(fr.UnsupportedTypeError, match="list<item: int64>"):
        d.sort("l")


def test_payload_columns_of_unsupported_type_are_carried() -> None:
    d = fr.DataFrame({"k": [2, 1, 3], "l": [[2], None, [3, 3]]})
    assert d.sort("k")["l"].to_list() == [None, [2], [3, 3]]


def test_series_sort_and_arg_sort() -> None:
    s = fr.Series("x", [3.0, None, NAN, -0.0, 0.0, 1.0])
    assert s.arg_sort().to_list() == [1, 3, 4, 5, 0, 2]
    assert s.sort(descending=True, nulls_last=True).to_list()[1:3] == [3.0, 1.0]
    assert s.sort().to_list()[0] is None


def test_maintain_order_is_accepted() -> None:
    d = fr.DataFrame({"a": [1, 1, 0], "i": [0, 1, 2]})
    assert d.sort("a", maintain_order=False)["i"].to_list() == [2, 0, 1]


# ------------------------------------------------------------------------ property tests


def _draw_keys(data: st.DataObject, names: list[str]) -> tuple[list[str], list[bool], list[bool]]:
    keys = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    desc = data.draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    last = data.draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    return keys, desc, last


@given(table=fst.tables(max_cols=4), data=st.data())
def test_matches_python_reference(table: pa.Table, data: st.DataObject) -> None:
    table = with_row_index(table)
    keys, desc, last = _draw_keys(data, table.column_names[:-1])
    out = fr.DataFrame(table).sort(keys, descending=desc, nulls_last=last)
    out.to_arrow().validate(full=True)
    expected = reference_order([table.column(k).to_pylist() for k in keys], desc, last)
    assert sort_rows(out) == expected
    assert_frame_equal(out, take_rows(table, expected), check_exact=True)


@given(
    table=fst.tables(
        [
            fst.column("a", cardinality=3),
            fst.column("b", cardinality=3),
            fst.column("c", fst.arrow_types(allowed=["float", "string"]), cardinality=4),
        ]
    ),
    data=st.data(),
)
def test_matches_polars(table: pa.Table, data: st.DataObject) -> None:
    pl = pytest.importorskip("polars")
    table = with_row_index(table)
    keys, desc, last = _draw_keys(data, ["a", "b", "c"])
    got = sort_rows(fr.DataFrame(table).sort(keys, descending=desc, nulls_last=last))
    # polars sorts Categorical by value too, but decode to be independent of its settings
    decoded = pa.table(
        {
            n: c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c
            for n, c in zip(table.column_names, table.columns)
        }
    )
    expected = (
        pl.from_arrow(decoded)
        .sort(keys, descending=desc, nulls_last=last, maintain_order=True)[ROW]
        .to_list()
    )
    assert got == expected


@given(
    table=fst.tables(
        [
            fst.column(
                "k",
                fst.arrow_types(
                    allowed=["numeric", "string", "binary", "temporal", "bool"],
                    excluded=[pa.string_view()],
                ),
                cardinality=5,
            )
        ]
    )
)
def test_matches_pyarrow_ascending_nulls_last(table: pa.Table) -> None:
    table = with_row_index(table)
    got = sort_rows(fr.DataFrame(table).sort("k", nulls_last=True))
    expected = table.sort_by([("k", "ascending", "at_end"), (ROW, "ascending", "at_end")])
    assert got == expected.column(ROW).to_pylist()


@given(table=fst.tables(max_cols=3), data=st.data())
def test_idempotent_and_stable(table: pa.Table, data: st.DataObject) -> None:
    table = with_row_index(table)
    keys, desc, last = _draw_keys(data, table.column_names[:-1])
    once = fr.DataFrame(table).sort(keys, descending=desc, nulls_last=last)
    twice = once.sort(keys, descending=desc, nulls_last=last)
    assert_frame_equal(once, twice, check_exact=True)
    # stability: rows with equal keys keep their input order
    columns = [once[k].to_list() for k in keys]
    rows = sort_rows(once)
    for i in range(len(rows) - 1):
        same = all(
            _value_key(c[i]) == _value_key(c[i + 1])
            if c[i] is not None and c[i + 1] is not None
            else c[i] is c[i + 1]
            for c in columns
        )
        if same:
            assert rows[i] < rows[i + 1]


@given(table=fst.tables(min_size=1, max_size=30, max_cols=3), data=st.data())
def test_invariant_under_rechunking_and_slicing(table: pa.Table, data: st.DataObject) -> None:
    keys, desc, last = _draw_keys(data, table.column_names)
    n = table.num_rows
    expected = fr.DataFrame(table.combine_chunks()).sort(keys, descending=desc, nulls_last=last)
    sizes = data.draw(st.lists(st.integers(0, n), max_size=4))
    got = fr.DataFrame(rechunk(table, sizes)).sort(keys, descending=desc, nulls_last=last)
    assert_frame_equal(got, expected, check_exact=True)
    start = data.draw(st.integers(0, n))
    sliced = table.slice(start)
    got = fr.DataFrame(sliced).sort(keys, descending=desc, nulls_last=last)
    order = reference_order([sliced.column(k).to_pylist() for k in keys], desc, last)
    assert_frame_equal(got, take_rows(sliced, order), check_exact=True)


@given(arr=fst.arrays(fst.arrow_types(excluded=["null"])), desc=st.booleans(), last=st.booleans())
def test_series_sort_matches_frame_sort(arr: pa.Array, desc: bool, last: bool) -> None:
    series = fr.Series("x", arr).sort(descending=desc, nulls_last=last)
    frame_sorted = fr.DataFrame({"x": arr}).sort("x", descending=desc, nulls_last=last)["x"]
    from frame.testing import assert_series_equal

    assert_series_equal(series, frame_sorted, check_exact=True)
    order = reference_order([arr.to_pylist()], [desc], [last])
    assert fr.Series("x", arr).arg_sort(descending=desc, nulls_last=last).to_list() == order
