"""DataFrame / Series constructors: dict of lists, NumPy, pyarrow, Table, list of dicts/rows,
schema=, length and name errors, and the from_* functions."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given

import frame as fr
from frame.testing import assert_frame_equal
from frame.testing import strategies as fst

# ----------------------------------------------------------------------------- dict input


def test_dict_of_lists() -> None:
    df = fr.DataFrame({"a": [1, 2, None], "s": ["x", None, "é"], "f": [1.5, float("nan"), None]})
    assert df.shape == (3, 3)
    assert df.schema == {"a": pa.int64(), "s": pa.string(), "f": pa.float64()}
    assert df.rows()[1][:2] == (2, None)


def test_dict_of_python_temporal_and_decimal() -> None:
    utc = dt.UTC
    df = fr.DataFrame(
        {
            "d": [dt.date(2020, 1, 1), None],
            "t": [dt.datetime(2020, 1, 1, tzinfo=utc), None],
            "td": [dt.timedelta(seconds=1), None],
            "dec": [decimal.Decimal("1.50"), None],
            "b": [b"\x00", None],
            "l": [[1, 2], None],
        }
    )
    assert df.schema["d"] == pa.date32()
    assert df.schema["t"] == pa.timestamp("us", "UTC")
    assert pa.types.is_duration(df.schema["td"])
    assert pa.types.is_decimal(df.schema["dec"])
    assert df.schema["b"] == pa.binary()
    assert df.schema["l"] == pa.list_(pa.int64())


def test_dict_of_numpy_arrays() -> None:
    df = fr.DataFrame(
        {
            "i": np.array([1, 2], dtype=np.int32),
            "f": np.array([1.5, np.nan]),
            "b": np.array([True, False]),
            "s": np.array(["x", "yy"]),
            "o": np.array(["x", None], dtype=object),
            "t": np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]"),
            "strided": np.arange(4)[::2],
        }
    )
    assert df.schema["i"] == pa.int32()
    assert df.schema["b"] == pa.bool_()
    assert df.schema["t"] == pa.timestamp("ns")
    assert df["f"].to_list()[0] == 1.5
    assert df["o"].to_list() == ["x", None]
    assert df["t"].to_list()[1] is None  # NaT becomes null
    assert df["strided"].to_list() == [0, 2]


def test_numpy_numeric_columns_are_zero_copy() -> None:
    values = np.arange(10, dtype=np.int64)
    df = fr.DataFrame({"a": values})
    buf = df.to_arrow().column("a").chunk(0).buffers()[1]
    assert buf.address == values.ctypes.data


def test_numpy_errors() -> None:
    with pytest.raises(fr.ShapeError, match=r"expected a 1-D array, got shape \(2, 2\)"):
        fr.DataFrame({"a": np.zeros((2, 2))})
    with pytest.raises(fr.UnsupportedTypeError, match="complex128"):
        fr.DataFrame({"a": np.zeros(2, dtype=np.complex128)})


def test_numpy_2d() -> None:
    df = fr.DataFrame(np.arange(6).reshape(3, 2))
    assert df.columns == ["column_0", "column_1"]
    assert df.rows() == [(0, 1), (2, 3), (4, 5)]
    typed = fr.DataFrame(np.arange(6).reshape(3, 2), schema={"x": "float64", "y": "int32"})
    assert typed.schema == {"x": pa.float64(), "y": pa.int32()}
    named = fr.from_numpy(np.arange(6).reshape(3, 2), schema=["x", "y"])
    assert named.columns == ["x", "y"]
    with pytest.raises(fr.ShapeError, match="2 names for an array of shape"):
        fr.from_numpy(np.zeros((2, 3)), schema=["a", "b"])
    with pytest.raises(fr.ShapeError, match="must be 2-D"):
        fr.DataFrame(np.zeros((2, 2, 2)))


def test_pyarrow_inputs() -> None:
    df = fr.DataFrame(
        {
            "a": pa.array([1, 2]),
            "c": pa.chunked_array([[1], [2]]),
            "d": pa.array(["x", "y"]).dictionary_encode(),
            "v": pa.array(["x", "y"], pa.string_view()),
        }
    )
    assert df.schema["c"] == pa.int64()
    assert df.n_chunks() == 2
    assert pa.types.is_dictionary(df.schema["d"])
    assert df.schema["v"] == pa.string_view()


def test_series_values() -> None:
    df = fr.DataFrame({"a": fr.Series("ignored", [1, 2])})
    assert df.columns == ["a"]
    assert fr.DataFrame(fr.Series("s", [1, 2])).columns == ["s"]


def test_list_of_series() -> None:
    # regression: polars accepts a list of Series (one column each); frame raised
    # InvalidOperationError, which also breaks DataFrame.hstack([series]) (see test below)
    df = fr.DataFrame([fr.Series("a", [1, 2]), fr.Series("b", ["x", "y"])])
    assert df.columns == ["a", "b"]


def test_hstack_with_series() -> None:
    # regression: hstack is documented to take a sequence of Series but built DataFrame(list(...)),
    # which rejects Series
    df = fr.DataFrame({"a": [1, 2]})
    out = df.hstack([fr.Series("b", [3, 4])])
    assert out.rows() == [(1, 3), (2, 4)]


def test_iterables() -> None:
    assert fr.DataFrame({"a": range(3)})["a"].to_list() == [0, 1, 2]
    assert fr.DataFrame({"a": (i * 2 for i in range(3))})["a"].to_list() == [0, 2, 4]
    assert fr.DataFrame({"a": (1, 2)})["a"].to_list() == [1, 2]


# ----------------------------------------------------------------------------- other input


def test_table_and_record_batch() -> None:
    table = pa.table({"a": [1, 2], "s": ["x", None]})
    assert_frame_equal(fr.DataFrame(table), table)
    assert_frame_equal(fr.DataFrame(pa.record_batch({"a": [1]})), pa.table({"a": [1]}))
    assert_frame_equal(fr.from_arrow(table.to_reader()), table)


def test_schema_metadata_is_dropped() -> None:
    table = pa.table({"a": [1]}).replace_schema_metadata({"k": "v"})
    assert fr.DataFrame(table).to_arrow().schema.metadata is None


def test_list_of_dicts() -> None:
    df = fr.DataFrame([{"a": 1, "b": "x"}, {"b": "y", "c": 2.5}])
    assert df.columns == ["a", "b", "c"]
    assert df.rows() == [(1, "x", None), (None, "y", 2.5)]
    typed = fr.from_dicts([{"a": 1}, {"a": None}], schema={"a": "float32"})
    assert typed.schema == {"a": pa.float32()}


def test_list_of_rows() -> None:
    df = fr.DataFrame([(1, "x"), (2, "y")])
    assert df.columns == ["column_0", "column_1"]
    typed = fr.DataFrame([(1, "x")], schema=[("n", "int8"), ("s", "str")])
    assert typed.schema == {"n": pa.int8(), "s": pa.string()}
    with pytest.raises(fr.ShapeError, match="same number of values"):
        fr.DataFrame([(1, 2), (3,)])
    with pytest.raises(fr.InvalidOperationError, match="mixed items"):
        fr.DataFrame([{"a": 1}, (1,)])


def test_empty_inputs() -> None:
    for empty in (fr.DataFrame(), fr.DataFrame({}), fr.DataFrame([]), fr.DataFrame(None)):
        assert empty.shape == (0, 0)
    typed = fr.DataFrame(None, schema={"a": "int64", "s": "str"})
    assert typed.shape == (0, 2)
    assert typed.schema == {"a": pa.int64(), "s": pa.string()}
    assert fr.DataFrame({"a": []}).schema == {"a": pa.null()}
    assert fr.DataFrame({"a": [None, None]}).schema == {"a": pa.null()}


def test_pandas_and_polars_inputs() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    df = fr.DataFrame(pd.DataFrame({"a": [1, 2], "s": ["x", None]}))
    assert df.columns == ["a", "s"]
    assert df["s"].to_list() == ["x", None]
    indexed = fr.DataFrame(pd.DataFrame({"a": [1, 2]}, index=[5, 6]))
    assert indexed.columns == ["a", "index"]
    assert fr.DataFrame(pl.DataFrame({"a": [1, None]}))["a"].to_list() == [1, None]


# --------------------------------------------------------------------------------- schema=


def test_schema_casts() -> None:
    df = fr.DataFrame({"a": [1, 2], "b": [1, 2]}, schema={"a": "float32"})
    assert df.schema == {"a": pa.float32(), "b": pa.int64()}
    df = fr.DataFrame({"a": [1, 2]}, schema=pa.schema([("a", pa.int8())]))
    assert df.schema == {"a": pa.int8()}
    df = fr.DataFrame({"a": ["x", "y", "x"]}, schema={"a": "category"})
    assert df.schema["a"] == pa.dictionary(pa.int32(), pa.string())
    df = fr.DataFrame(pa.table({"a": [1]}), schema={"a": fr.Float64})
    assert df.schema == {"a": pa.float64()}


def test_schema_errors() -> None:
    with pytest.raises(fr.SchemaError, match=r"schema names \['b'\] are not columns"):
        fr.DataFrame({"a": [1, 2]}, schema={"b": "int64"})
    with pytest.raises(fr.SchemaError, match=r"column 'a'.*i8"):
        fr.DataFrame({"a": [1000]}, schema={"a": "int8"})
    with pytest.raises(fr.SchemaError, match="unknown dtype 'int129'"):
        fr.DataFrame({"a": [1]}, schema={"a": "int129"})
    with pytest.raises(fr.SchemaError, match="cannot be cast"):
        fr.DataFrame(pa.table({"a": ["x"]}), schema={"a": "int64"})


# ------------------------------------------------------------------------ shape and names


def test_length_mismatch_names_the_columns() -> None:
    with pytest.raises(fr.ShapeError, match="same length, got 'a': 2, 'b': 1"):
        fr.DataFrame({"a": [1, 2], "b": [1]})
    with pytest.raises(ValueError, match="same length"):  # ShapeError is a ValueError
        fr.DataFrame({"a": np.arange(3), "b": pa.array([1])})


def test_duplicate_names() -> None:
    table = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    with pytest.raises(fr.DuplicateError, match="'a' appears more than once"):
        fr.DataFrame(table)
    with pytest.raises(fr.DuplicateError):
        fr.DataFrame({"a": [1], "b": [2]}).rename({"b": "a"})


def test_duplicate_names_in_schema() -> None:
    # regression: a schema list with a repeated name was folded into a dict, so the duplicate was
    # silently dropped: rows get "1 names in schema for rows of 2 values" (ShapeError), and
    # for dict input the last dtype silently wins
    with pytest.raises(fr.DuplicateError, match="'a'"):
        fr.DataFrame([(1, 2)], schema=[("a", "int64"), ("a", "int64")])
    with pytest.raises(fr.DuplicateError, match="'a'"):
        fr.DataFrame({"a": [1]}, schema=[("a", "int64"), ("a", "float64")])


def test_duplicate_names_from_pandas() -> None:
    # regression: a pandas frame with duplicate column names failed with pyarrow's bare ValueError
    # ("Duplicate column names found") instead of frame's DuplicateError
    pd = pytest.importorskip("pandas")
    with pytest.raises(fr.DuplicateError, match="'a'"):
        fr.DataFrame(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_bad_names_and_values() -> None:
    with pytest.raises(fr.SchemaError, match="column names must be str, got int"):
        fr.DataFrame({1: [1]})
    with pytest.raises(fr.ShapeError, match="got a scalar int"):
        fr.DataFrame({"a": 1})
    with pytest.raises(fr.SchemaError, match="column 'a': cannot convert"):
        fr.DataFrame({"a": [1, "x"]})
    with pytest.raises(fr.InvalidOperationError, match="cannot make a DataFrame from int"):
        fr.DataFrame(5)


def test_unicode_and_empty_names() -> None:
    df = fr.DataFrame({"日本": [1], "": [2], "a b": [3], "é": [4]})
    assert df.columns == ["日本", "", "a b", "é"]
    assert df[""].to_list() == [2]


# ------------------------------------------------------------------------------ Series


def test_series_construction() -> None:
    s = fr.Series("x", [1, None, 3])
    assert (s.name, s.dtype, len(s)) == ("x", pa.int64(), 3)
    assert fr.Series([1, 2]).name == ""
    assert fr.Series("x", [1, 2], dtype="float32").dtype == pa.float32()
    assert fr.Series("x").dtype == pa.null()
    assert fr.Series("x", pa.chunked_array([[1], [2]])).to_list() == [1, 2]
    with pytest.raises(fr.SchemaError, match="unknown dtype 'nope'"):
        fr.Series("a", [1], dtype="nope")


# ------------------------------------------------------------------------- round trips


@given(table=fst.tables())
def test_any_generated_table_round_trips(table: pa.Table) -> None:
    df = fr.DataFrame(table)
    assert df.shape == (table.num_rows, table.num_columns)
    assert_frame_equal(df, table, check_exact=True)
    assert_frame_equal(fr.DataFrame(df), table, check_exact=True)
    assert_frame_equal(fr.DataFrame({n: df[n] for n in df.columns}), table, check_exact=True)
    assert_frame_equal(fr.from_arrow(table), table, check_exact=True)


@given(
    table=fst.tables(
        allowed_types=["integer", "float", "string", "bool", "date"], allow_chunks=False
    )
)
def test_dicts_round_trip(table: pa.Table) -> None:
    df = fr.DataFrame(table)
    again = fr.DataFrame(df.to_dict(as_series=False), schema=table.schema)
    assert_frame_equal(again, table, check_exact=True)
    if table.num_rows:
        from_rows = fr.from_dicts(df.to_dicts(), schema=table.schema)
        assert_frame_equal(from_rows, table, check_exact=True)


def test_row_positions_negative_and_out_of_bounds() -> None:
    # regression: the error for a too-negative position named the shifted value, not the input
    d = fr.DataFrame({"a": [0, 1, 2, 3]})
    assert d[[3, -1, -4]]["a"].to_list() == [3, 3, 0]
    with pytest.raises(IndexError, match="row position -5 is out of bounds for height 4"):
        d[[-5]]
    with pytest.raises(IndexError, match="row position 4 is out of bounds"):
        d[[0, 4]]
