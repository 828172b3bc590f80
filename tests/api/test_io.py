"""CSV / Parquet / Arrow IPC: round trips in tmp_path, column selection, options, and corrupt
or missing input raising frame errors (ComputeError, ColumnNotFoundError, FileNotFoundError)."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal
from frame.testing import strategies as fst

# property tests write files: keep them few and allow the shared tmp directory fixture
IO_SETTINGS = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def df() -> fr.DataFrame:
    return fr.DataFrame(
        {
            "i": [1, None, -3],
            "f": [1.5, None, -0.25],
            "s": ["x", None, 'é, "quoted"\nnext line'],
            "b": [True, None, False],
            "d": [dt.date(2020, 1, 1), None, dt.date(1999, 12, 31)],
            "c": pa.array(["u", "v", None]).dictionary_encode(),
        }
    )


# ---------------------------------------------------------------------------------- CSV


def test_csv_round_trip(df: fr.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    df.write_csv(path)
    back = fr.read_csv(path)
    assert back.columns == df.columns
    assert back.schema["i"] == pa.int64()
    assert back.schema["d"] == pa.date32()
    # CSV has no categoricals: dictionary columns are written decoded and read as strings
    assert back.schema["c"] == pa.string()
    assert_frame_equal(back, df, categorical_as_str=True)
    assert_frame_equal(fr.read_csv(str(path)), back)


def test_csv_round_trip_one_column_nulls(tmp_path: Path) -> None:
    # regression: a null in a one-column frame is written as an empty line, and read_csv skipped empty
    # lines (pyarrow's ignore_empty_lines default), so the round trip silently drops rows
    path = tmp_path / "one.csv"
    fr.DataFrame({"a": [1, None, 3]}).write_csv(path)
    assert fr.read_csv(path)["a"].to_list() == [1, None, 3]


def test_csv_nan_round_trips_as_nan(tmp_path: Path) -> None:
    # NaN is a value, not a missing marker: it is written as "nan" and read back as NaN
    path = tmp_path / "nan.csv"
    fr.DataFrame({"f": [float("nan"), 1.0, None]}).write_csv(path)
    values = fr.read_csv(path)["f"].to_list()
    assert math.isnan(values[0]) and values[1:] == [1.0, None]


def test_csv_options(tmp_path: Path) -> None:
    assert fr.read_csv(io.BytesIO(b"a;b\n1;x\n"), separator=";").rows() == [(1, "x")]
    no_header = fr.read_csv(io.BytesIO(b"1,2\n3,4\n"), has_header=False)
    assert no_header.columns == ["column_0", "column_1"]
    assert fr.read_csv(io.BytesIO(b"a\n1\n2\n3\n"), n_rows=2)["a"].to_list() == [1, 2]
    typed = fr.read_csv(io.BytesIO(b"a,b\n1,2\n"), schema={"a": "float32"})
    assert typed.schema == {"a": pa.float32(), "b": pa.int64()}
    nulls = fr.read_csv(io.BytesIO(b"a,b\nNA,x\n1,\n"), null_values=["NA"])
    assert nulls.rows() == [(None, "x"), (1, "")]
    header_only = fr.read_csv(io.BytesIO(b"a,b\n"))
    assert header_only.shape == (0, 2)
    path = tmp_path / "sep.csv"
    fr.DataFrame({"a": [1], "b": ["x"]}).write_csv(path, separator="\t", include_header=False)
    assert path.read_text() == '1\t"x"\n'


def test_csv_column_selection(df: fr.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    df.write_csv(path)
    assert fr.read_csv(path, columns=["s", "i"]).columns == ["s", "i"]
    with pytest.raises(fr.ColumnNotFoundError, match="column 'ii' not found; did you mean 'i'"):
        fr.read_csv(path, columns=["ii"])


def test_csv_dates_are_inferred_by_default() -> None:
    out = fr.read_csv(io.BytesIO(b"d,t\n2020-01-02,2020-01-02 03:04:05\n"))
    assert out.schema["d"] == pa.date32()
    assert pa.types.is_timestamp(out.schema["t"])


def test_csv_try_parse_dates_false_keeps_strings() -> None:
    # regression: try_parse_dates=False had no effect: it only empties timestamp_parsers, which
    # pyarrow treats as "use the default ISO-8601 parser", and date32 inference is not
    # controlled by it at all. Both columns come back as date32/timestamp (polars: str).
    out = fr.read_csv(io.BytesIO(b"d,t\n2020-01-02,2020-01-02 03:04:05\n"), try_parse_dates=False)
    assert out.schema == {"d": pa.string(), "t": pa.string()}


def test_csv_write_string_view(tmp_path: Path) -> None:
    # regression: frame's own StringView columns could not be written to CSV: pyarrow's writer raises a
    # bare ArrowInvalid ("Unsupported Type:string_view"); dictionaries are decoded first but
    # views are not cast to string
    path = tmp_path / "v.csv"
    fr.DataFrame(
        {"v": pa.array(["a string longer than twelve bytes", None], pa.string_view())}
    ).write_csv(path)
    assert fr.read_csv(path)["v"].to_list() == ["a string longer than twelve bytes", None]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "Empty CSV"),
        (b"a,b\n1,2,3\n", "Expected 2 columns, got 3"),
        (b"a,b\n1\n", "Expected 2 columns, got 1"),
    ],
    ids=["empty", "too-many-fields", "too-few-fields"],
)
def test_csv_malformed_raises_compute_error(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(fr.ComputeError, match=match) as info:
        fr.read_csv(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value.__cause__, pa.ArrowInvalid)


def test_missing_files(tmp_path: Path) -> None:
    for reader in (fr.read_csv, fr.read_parquet, fr.read_ipc):
        with pytest.raises(FileNotFoundError, match="no such file"):
            reader(tmp_path / "nope")


# ------------------------------------------------------------------------------ Parquet


def test_parquet_round_trip_and_columns(df: fr.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    df.write_parquet(path)
    assert_frame_equal(fr.read_parquet(path), df, check_exact=True)
    assert fr.read_parquet(path).equals(df)
    selected = fr.read_parquet(path, columns=["s", "i"])
    assert selected.columns == ["s", "i"]
    assert_frame_equal(selected, df.select("s", "i"), check_exact=True)
    assert fr.read_parquet(path, n_rows=2).height == 2
    with pytest.raises(fr.ColumnNotFoundError, match="column 'ss' not found; did you mean 's'"):
        fr.read_parquet(path, columns=["ss"])


def test_parquet_in_memory_buffer(df: fr.DataFrame) -> None:
    buf = io.BytesIO()
    df.write_parquet(buf, compression="snappy")
    buf.seek(0)
    assert_frame_equal(fr.read_parquet(buf, columns=["c"]), df.select("c"), check_exact=True)


def test_parquet_empty_and_sliced_frames(tmp_path: Path) -> None:
    empty = fr.DataFrame({"a": pa.array([], pa.int64()), "s": pa.array([], pa.string())})
    empty.write_parquet(tmp_path / "e.parquet")
    assert fr.read_parquet(tmp_path / "e.parquet").schema == empty.schema
    sliced = fr.DataFrame({"a": pa.chunked_array([pa.array([1, 2, 3]).slice(1), pa.array([4])])})
    sliced.write_parquet(tmp_path / "s.parquet")
    assert fr.read_parquet(tmp_path / "s.parquet")["a"].to_list() == [2, 3, 4]


@pytest.mark.parametrize(
    "make",
    [
        lambda good: b"",
        lambda good: b"PAR1garbagePAR1",
        lambda good: good.read_bytes()[:-20],
        lambda good: b"not a parquet file at all",
    ],
    ids=["empty", "garbage", "truncated", "text"],
)
def test_parquet_corrupt_raises_compute_error(df: fr.DataFrame, tmp_path: Path, make) -> None:
    good = tmp_path / "good.parquet"
    df.write_parquet(good)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(make(good))
    with pytest.raises(fr.ComputeError, match="could not read Parquet"):
        fr.read_parquet(bad)
    with pytest.raises(fr.ComputeError, match="could not read Parquet"):
        fr.read_parquet(bad, columns=["i"])


# ------------------------------------------------------------------------------------ IPC


@pytest.mark.parametrize("compression", [None, "lz4", "zstd"])
def test_ipc_round_trip(df: fr.DataFrame, tmp_path: Path, compression: str | None) -> None:
    path = tmp_path / "x.arrow"
    df.write_ipc(path, compression=compression)
    assert_frame_equal(fr.read_ipc(path), df, check_exact=True)
    assert fr.read_ipc(path, columns=["d"]).columns == ["d"]
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'd'"):
        fr.read_ipc(path, columns=["dd"])


def test_ipc_stream_format(df: fr.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.arrows"
    table = df.to_arrow()
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    assert_frame_equal(fr.read_ipc(path), df, check_exact=True)
    assert_frame_equal(fr.read_ipc(io.BytesIO(path.read_bytes())), df, check_exact=True)


@pytest.mark.parametrize(
    "make",
    [lambda good: b"", lambda good: b"ARROW1\x00\x00garbage", lambda good: good.read_bytes()[:-30]],
    ids=["empty", "garbage", "truncated"],
)
def test_ipc_corrupt_raises_compute_error(df: fr.DataFrame, tmp_path: Path, make) -> None:
    good = tmp_path / "good.arrow"
    df.write_ipc(good)
    bad = tmp_path / "bad.arrow"
    bad.write_bytes(make(good))
    with pytest.raises(fr.ComputeError, match="could not read Arrow IPC"):
        fr.read_ipc(bad)


# ------------------------------------------------------------------------ property tests


@IO_SETTINGS
@given(table=fst.tables())
def test_any_table_round_trips_through_ipc(table: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "p.arrow"
    fr.DataFrame(table).write_ipc(path)
    back = fr.read_ipc(path)
    assert back.schema == fr.DataFrame(table).schema
    assert_frame_equal(back, table, check_exact=True)


@IO_SETTINGS
@given(table=fst.tables())
def test_any_table_round_trips_through_parquet(table: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    fr.DataFrame(table).write_parquet(path)
    back = fr.read_parquet(path)
    assert back.columns == table.column_names
    assert_frame_equal(back, table, check_exact=True, check_dtypes=False, categorical_as_str=True)


@IO_SETTINGS
@given(
    table=fst.tables(
        allowed_types=[pa.int64(), pa.string(), pa.bool_()],
        min_cols=2,  # one-column frames with null rows: see test_csv_round_trip_one_column_nulls
        names=st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    )
)
def test_simple_tables_round_trip_through_csv(table: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    fr.DataFrame(table).write_csv(path)
    back = fr.read_csv(path, schema=dict(zip(table.column_names, table.schema.types)))
    expected = table
    # CSV cannot tell an empty string from null (both are empty fields)
    for j, (name, t) in enumerate(zip(table.column_names, table.schema.types)):
        if pa.types.is_string(t):
            values = [None if v == "" else v for v in table.column(name).to_pylist()]
            expected = expected.set_column(j, name, pa.array(values, pa.string()))
    back_values = back.to_arrow()
    for j, (name, t) in enumerate(zip(back.columns, back.dtypes)):
        if pa.types.is_string(t):
            values = [None if v == "" else v for v in back_values.column(name).to_pylist()]
            back_values = back_values.set_column(j, name, pa.array(values, pa.string()))
    assert_frame_equal(back_values, expected, check_exact=True)
