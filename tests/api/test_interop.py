"""Round trips through pyarrow, polars, pandas and duckdb via the Arrow PyCapsule interface,
``fr.from_arrow`` from each producer, and ``to_numpy``/``__array__`` with NumPy 2 ``copy=``
semantics (False: never copy or raise ValueError; None: copy only when needed; True: always).
"""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings

import frame as fr
from frame.testing import assert_frame_equal, assert_series_equal
from frame.testing import strategies as fst

pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")


@pytest.fixture
def df() -> fr.DataFrame:
    return fr.DataFrame(
        {
            "i": [1, None, 3],
            "u": pa.array([2**64 - 1, 0, None], pa.uint64()),
            "f": [1.5, float("nan"), None],
            "s": ["x", None, "é"],
            "v": pa.array(["a string longer than twelve bytes", None, ""], pa.string_view()),
            "c": pa.array(["u", "v", None]).dictionary_encode(),
            "t": pa.array([0, None, 2], pa.timestamp("us", "Europe/Berlin")),
            "d": pa.array([dt.date(2020, 1, 1), None, dt.date(1970, 1, 1)]),
            "dec": pa.array(
                [decimal.Decimal("1.25"), None, decimal.Decimal("-3.00")], pa.decimal128(10, 2)
            ),
            "b": [True, None, False],
        }
    )


# ------------------------------------------------------------------------------- pyarrow


def test_pa_table_via_capsule_is_exact_and_zero_copy(df: fr.DataFrame) -> None:
    table = pa.table(df)
    assert table.schema == df.to_arrow().schema
    assert_frame_equal(table, df, check_exact=True)
    ours = df.to_arrow().column("i").chunk(0).buffers()[1].address
    assert table.column("i").chunk(0).buffers()[1].address == ours


def test_capsule_stream_can_be_consumed_twice(df: fr.DataFrame) -> None:
    assert_frame_equal(pa.table(df), pa.table(df))
    assert pa.schema(df) == df.to_arrow().schema


def test_series_capsules(df: fr.DataFrame) -> None:
    s = df["s"]
    assert pa.array(s).to_pylist() == ["x", None, "é"]
    assert pa.chunked_array(s).to_pylist() == ["x", None, "é"]
    chunked = fr.Series("x", pa.chunked_array([[1], [2, 3]]))
    assert pa.chunked_array(chunked).num_chunks == 2


def test_from_arrow_pyarrow_objects(df: fr.DataFrame) -> None:
    table = df.to_arrow()
    assert_frame_equal(fr.from_arrow(table), table, check_exact=True)
    assert_frame_equal(fr.from_arrow(table.to_batches()[0]), table, check_exact=True)
    assert_frame_equal(fr.from_arrow(table.to_reader()), table, check_exact=True)
    series = fr.from_arrow(pa.array([1, None]))
    assert isinstance(series, fr.Series)
    assert series.to_list() == [1, None]


# -------------------------------------------------------------------------------- polars


def test_polars_round_trip(df: fr.DataFrame) -> None:
    pdf = pl.DataFrame(df)
    assert pdf.columns == df.columns
    assert pdf.schema["c"] == pl.Categorical
    back = fr.from_arrow(pdf)
    assert back.columns == df.columns
    # polars exports strings as string_view and categoricals with other index types
    assert_frame_equal(back, df, check_dtypes=False, categorical_as_str=True)
    assert_frame_equal(
        fr.from_polars(df.to_polars()), df, check_dtypes=False, categorical_as_str=True
    )
    assert_frame_equal(
        pl.from_arrow(pa.table(df)).to_arrow(), df, check_dtypes=False, categorical_as_str=True
    )


def test_polars_series(df: fr.DataFrame) -> None:
    ps = df["i"].to_polars()
    assert ps.name == "i"
    assert ps.to_list() == [1, None, 3]
    assert pl.Series(df["s"]).to_list() == ["x", None, "é"]


def test_from_arrow_polars_series() -> None:
    # regression: a polars Series exports a non-struct __arrow_c_stream__; from_arrow fed it to
    # RecordBatchReader.from_stream and leaks pyarrow's ArrowInvalid ("ArrowSchema describes
    # non-struct type int64"). The __arrow_c_array__ path already returns a Series for
    # non-struct data; the stream path should too (or at least raise a frame error).
    out = fr.from_arrow(pl.Series("x", [1, None, 3]))
    assert isinstance(out, fr.Series)
    assert out.to_list() == [1, None, 3]


# -------------------------------------------------------------------------------- pandas


def test_pandas_round_trip_with_arrow_dtypes(df: fr.DataFrame) -> None:
    pdf = df.to_pandas(types_mapper=pd.ArrowDtype)
    assert list(pdf.columns) == df.columns
    back = fr.from_pandas(pdf)
    assert_frame_equal(back, df, check_exact=True, check_dtypes=False, categorical_as_str=True)


def test_pandas_default_conversion(df: fr.DataFrame) -> None:
    pdf = df.select("i", "f", "s", "b").to_pandas()
    assert pdf["i"].dtype == np.float64  # int with nulls becomes float64 with NaN
    back = fr.from_pandas(pdf)
    assert back["i"].to_list()[0] == 1.0
    assert back["s"].to_list() == ["x", None, "é"]
    assert fr.from_arrow(pdf).columns == ["i", "f", "s", "b"]


def test_pandas_series(df: fr.DataFrame) -> None:
    s = df["s"].to_pandas()
    assert s.name == "s"
    assert fr.DataFrame({"s": s})["s"].to_list() == ["x", None, "é"]


# -------------------------------------------------------------------------------- duckdb


def test_duckdb_reads_frame_by_name(df: fr.DataFrame) -> None:
    rel = duckdb.sql("select i, s, dec from df where i > 1")
    assert rel.fetchall() == [(3, "é", decimal.Decimal("-3.00"))]
    whole = fr.from_arrow(duckdb.sql("select * from df"))
    # duckdb returns plain strings for string_view and dictionary columns, and Etc/UTC for tz
    assert_frame_equal(
        whole.select("i", "u", "f", "s", "v", "c", "d", "dec", "b"),
        df.select("i", "u", "f", "s", "v", "c", "d", "dec", "b"),
        check_dtypes=False,
        categorical_as_str=True,
    )
    assert whole["t"].to_list() == df["t"].to_list()


class _StreamOnly:
    """An Arrow producer that only speaks the C stream interface (like many libraries)."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


def test_from_arrow_stream_with_unaligned_chunks_supports_every_operation() -> None:
    # regression: a stream whose columns have different chunk boundaries is re-batched; pyarrow
    # imports the zero-length piece of a sliced column as an array with offset 1 and a 0-byte
    # buffer. frame's _ops._single() calls ChunkedArray.combine_chunks(), which rejects it:
    # sort/unique/take/n_unique then fail with a bare pyarrow ArrowIndexError ("buffer slice
    # would exceed buffer length"). Dropping empty chunks before combining avoids it.
    table = pa.table(
        {
            "a": pa.chunked_array([[], [0, 1]], type=pa.int64()),
            "b": pa.array([5, 3, 4], pa.int64()).slice(1),
        }
    )
    d = fr.from_arrow(_StreamOnly(table))
    assert d.rows() == [(0, 3), (1, 4)]
    assert d.sort("b", descending=True)["b"].to_list() == [4, 3]
    assert d.unique("b").height == 2
    assert d[[1, 0]]["a"].to_list() == [1, 0]
    assert d.n_unique() == 2


def test_from_arrow_duckdb_result() -> None:
    out = fr.from_arrow(duckdb.sql("select 1::BIGINT as x, 'a' as y union all select null, null"))
    assert out.rows() == [(1, "a"), (None, None)]


# ---------------------------------------------------------------------------- to_numpy


def test_to_numpy_copy_false_shares_memory() -> None:
    values = np.arange(5, dtype=np.int64)
    d = fr.DataFrame({"a": values})
    out = d.to_numpy(copy=False)
    assert out.shape == (5, 1)
    assert np.shares_memory(out, values)
    assert not out.flags.writeable
    s = d["a"].to_numpy(copy=False)
    assert np.shares_memory(s, values)
    assert np.asarray(d["a"], copy=False).base is not None


@pytest.mark.parametrize(
    "frame_input",
    [
        {"a": [1, None]},
        {"a": [1, 2], "b": [3, 4]},
        {"a": pa.chunked_array([[1], [2]])},
        {"s": ["x", "y"]},
    ],
    ids=["nulls", "two-columns", "two-chunks", "strings"],
)
def test_to_numpy_copy_false_raises_when_a_copy_is_needed(frame_input: dict) -> None:
    d = fr.DataFrame(frame_input)
    with pytest.raises(ValueError):
        d.to_numpy(copy=False)
    with pytest.raises(ValueError):
        np.asarray(d, copy=False)


def test_to_numpy_copy_true_and_default() -> None:
    values = np.arange(3, dtype=np.float64)
    d = fr.DataFrame({"a": values})
    copied = d.to_numpy(copy=True)
    assert copied.flags.writeable and not np.shares_memory(copied, values)
    assert np.shares_memory(d.to_numpy(), values)  # copy=None: no copy when not needed
    assert np.array(d).flags.writeable  # np.array copies by default
    assert not np.shares_memory(np.array(d), values)
    writable = d.to_numpy(writable=True)
    writable[0, 0] = 99.0
    assert d["a"].to_list()[0] == 0.0


def test_to_numpy_nulls_and_types() -> None:
    d = fr.DataFrame({"i": [1, None], "b": [True, None], "f": [0.5, None]})
    out = d.to_numpy()
    assert out.dtype == np.float64
    assert np.isnan(out[1]).all()
    with pytest.raises(ValueError, match="1 nulls, which int64 cannot hold"):
        d.select("i").to_numpy(dtype="int64")
    assert d.select("i").drop_nulls().to_numpy(dtype="int32").dtype == np.int32
    mixed = fr.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}).to_numpy(order="c")
    assert mixed.flags.c_contiguous and mixed.dtype == np.float64
    assert fr.DataFrame().to_numpy().shape == (0, 0)
    sliced = fr.DataFrame({"a": pa.array([1, 2, 3, 4]).slice(1, 2)})
    assert sliced.to_numpy(copy=False).ravel().tolist() == [2, 3]


# ------------------------------------------------------------------------ property tests


@given(table=fst.tables())
def test_any_table_round_trips_through_pyarrow_capsule(table: pa.Table) -> None:
    d = fr.DataFrame(table)
    assert_frame_equal(pa.table(d), table, check_exact=True)
    assert pa.table(d).schema == table.schema


@given(table=fst.tables(excluded_types=["null"]))
def test_any_table_round_trips_through_polars(table: pa.Table) -> None:
    d = fr.DataFrame(table)
    back = fr.from_arrow(pl.DataFrame(d))
    assert back.columns == d.columns
    assert_frame_equal(back, table, check_exact=True, check_dtypes=False, categorical_as_str=True)


@settings(max_examples=20)  # a duckdb connection per example is slow
@given(
    table=fst.tables(
        allowed_types=["integer", "float", "string", "bool", "date", "decimal"],
        excluded_types=[pa.string_view(), pa.uint64()],
    )
)
def test_tables_round_trip_through_duckdb(table: pa.Table) -> None:
    d = fr.DataFrame(table)
    con = duckdb.connect()
    con.register("t", pa.table(d))
    back = fr.from_arrow(con.sql("select * from t"))
    assert_frame_equal(back, table, check_exact=True, check_dtypes=False, categorical_as_str=True)


@given(arr=fst.arrays(fst.arrow_types(allowed=["integer", "float"]), allow_null=False))
def test_numpy_round_trip(arr: pa.Array) -> None:
    s = fr.Series("x", arr)
    out = s.to_numpy()
    assert out.dtype == np.dtype(arr.type.to_pandas_dtype())
    assert_series_equal(fr.Series("x", out), arr, check_exact=True)
