"""Error types and messages: unknown columns list the closest names, unsupported types name
the type, every error is a FrameError *and* the builtin a user would catch, and pyarrow errors
do not leak through the public API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

import frame as fr


@pytest.fixture
def df() -> fr.DataFrame:
    return fr.DataFrame({"price": [1.0], "prices_eur": [2.0], "name": ["x"], "tags": [["a"]]})


# ------------------------------------------------------------------------ unknown columns

UNKNOWN = [
    ("getitem", lambda d: d["nme"]),
    ("get_column", lambda d: d.get_column("nme")),
    ("select", lambda d: d.select("nme")),
    ("select-expr", lambda d: d.select(fr.col("nme") + 1)),
    ("with_columns", lambda d: d.with_columns(fr.col("nme").alias("z"))),
    ("filter", lambda d: d.filter(fr.col("nme") == "x")),
    ("filter-kw", lambda d: d.filter(nme="x")),
    ("sort", lambda d: d.sort("nme")),
    ("unique", lambda d: d.unique("nme")),
    ("n_unique", lambda d: d.n_unique("nme")),
    ("drop", lambda d: d.drop("nme")),
    ("drop_nulls", lambda d: d.drop_nulls("nme")),
    ("rename", lambda d: d.rename({"nme": "n"})),
    ("cast", lambda d: d.cast({"nme": "str"})),
    ("col-multi", lambda d: d.select(fr.col("price", "nme"))),
]


@pytest.mark.parametrize("call", [c for _, c in UNKNOWN], ids=[n for n, _ in UNKNOWN])
def test_unknown_column_suggests_closest(df: fr.DataFrame, call: Callable) -> None:
    with pytest.raises(
        fr.ColumnNotFoundError, match=r"^column 'nme' not found; did you mean 'name'\?$"
    ):
        call(df)


def test_unknown_column_lists_several_close_names(df: fr.DataFrame) -> None:
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'price' or 'prices_eur'"):
        df.select("pric")


def test_unknown_column_without_close_match_lists_columns(df: fr.DataFrame) -> None:
    with pytest.raises(
        fr.ColumnNotFoundError,
        match="column 'zzz' not found; available columns: 'price', 'prices_eur', 'name', 'tags'",
    ):
        df.select("zzz")
    wide = fr.DataFrame({f"c{i:02d}": [i] for i in range(15)})
    with pytest.raises(fr.ColumnNotFoundError, match=r"\(and 5 more\)"):
        wide.select("zzz")
    with pytest.raises(fr.ColumnNotFoundError, match="the frame has no columns"):
        fr.DataFrame().select("a")


def test_column_not_found_is_a_key_error_with_a_clean_message(df: fr.DataFrame) -> None:
    with pytest.raises(KeyError) as info:
        df["nme"]
    assert isinstance(info.value, fr.FrameError)
    assert str(info.value).startswith("column 'nme'")  # not repr()-quoted like KeyError


def test_unknown_column_in_readers(df: fr.DataFrame, tmp_path: Path) -> None:
    d = df.drop("tags")
    d.write_parquet(tmp_path / "x.parquet")
    d.write_ipc(tmp_path / "x.arrow")
    d.write_csv(tmp_path / "x.csv")
    for read, path in (
        (fr.read_parquet, "x.parquet"),
        (fr.read_ipc, "x.arrow"),
        (fr.read_csv, "x.csv"),
    ):
        with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'name'"):
            read(tmp_path / path, columns=["nme"])


# ---------------------------------------------------------------------- unsupported types


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda d: d.select(fr.col("name").sum()),
            r"sum needs a numeric column, but col\('name'\) is str",
        ),
        (lambda d: d.select(fr.col("name").mean()), r"mean needs a numeric column.*str"),
        (lambda d: d.select(fr.col("name").sqrt()), r"sqrt needs a numeric column.*str"),
        (
            lambda d: d.select(fr.col("price").str.len_chars()),
            r"str.len_chars needs a string column.*f64",
        ),
        (
            lambda d: d.select(fr.col("name").dt.year()),
            r"dt.year needs a date or datetime column.*str",
        ),
        (lambda d: d.unique("tags"), r"list<item: string>"),
        (lambda d: d.select(fr.col("tags").n_unique()), r"list<item: string>"),
        (lambda d: d.with_columns(fr.col("tags")).sort("tags"), r"list<item: string>"),
    ],
    ids=["sum", "mean", "sqrt", "str-ns", "dt-ns", "unique", "n_unique", "sort"],
)
def test_unsupported_type_errors_name_the_type(
    df: fr.DataFrame, call: Callable, pattern: str
) -> None:
    frame2 = fr.concat([df, df])  # two rows, so no operation can short-cut on height
    with pytest.raises(fr.UnsupportedTypeError, match=pattern) as info:
        call(frame2)
    assert isinstance(info.value, NotImplementedError)


def test_write_csv_of_nested_column_names_the_type(df: fr.DataFrame, tmp_path: Path) -> None:
    # regression: CSV cannot hold list columns and pyarrow's bare ArrowInvalid ("Unsupported
    # Type:list<item: string>") escaped instead of UnsupportedTypeError
    with pytest.raises(fr.UnsupportedTypeError, match=r"'tags'.*list<item: string>"):
        df.write_csv(tmp_path / "x.csv")


# --------------------------------------------------------------------- type mismatches etc.


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda d: d.select(fr.col("name") + 1),
            fr.SchemaError,
            r"add\(col\('name'\), lit\(1\)\) is not defined",
        ),
        (
            lambda d: d.select(fr.col("price") & True),
            fr.SchemaError,
            "& needs boolean operands, got f64 and bool",
        ),
        (lambda d: d.filter(fr.col("name")), fr.SchemaError, "must be boolean, got str"),
        (lambda d: d.cast({"price": "int129"}), fr.SchemaError, "unknown dtype 'int129'"),
        (
            lambda d: d.select(fr.col("tags").cast("int64")),
            fr.SchemaError,
            "cannot cast col\\('tags'\\)",
        ),
        (
            lambda d: d.select(fr.col("name").cast("int64")),
            fr.InvalidOperationError,
            "strict=False",
        ),
        (
            lambda d: d.with_columns(fr.Series("z", [1, 2])),
            fr.ShapeError,
            "produced 2 rows but the frame has 1",
        ),
        (
            lambda d: fr.concat([d, d.drop("name")]),
            fr.SchemaError,
            "frame 1 does not match frame 0",
        ),
        (lambda d: d.select("price", "price"), fr.DuplicateError, "'price' appears more than once"),
        (lambda d: bool(d), fr.InvalidOperationError, "truth value of a DataFrame is ambiguous"),
        (lambda d: bool(fr.col("a") > 1), fr.InvalidOperationError, "use 'is_in' instead of 'in'"),
        (lambda d: d == d, fr.InvalidOperationError, "use df.equals"),
        (lambda d: d.item(), fr.ShapeError, r"1x1 frame, this one is \(1, 4\)"),
        (lambda d: d.sample(5), fr.ShapeError, "cannot take 5 rows without replacement from 1"),
        (lambda d: d.unique(keep="middle"), fr.InvalidOperationError, "keep must be"),
        (lambda d: fr.col("a").fill_null(), fr.InvalidOperationError, "exactly one of"),
        (lambda d: fr.col("a").quantile(1.5), fr.InvalidOperationError, "between 0 and 1"),
    ],
    ids=[
        "add-str-int",
        "and-float",
        "filter-str",
        "unknown-dtype",
        "cast-nested",
        "cast-strict",
        "length",
        "concat",
        "duplicate",
        "bool-frame",
        "bool-expr",
        "eq-frames",
        "item",
        "sample",
        "unique-keep",
        "fill-null",
        "quantile",
    ],
)
def test_error_types_and_messages(
    df: fr.DataFrame, call: Callable, error: type, pattern: str
) -> None:
    with pytest.raises(error, match=pattern) as info:
        call(df)
    assert isinstance(info.value, fr.FrameError)


def test_error_hierarchy() -> None:
    assert issubclass(fr.ColumnNotFoundError, KeyError)
    assert issubclass(fr.SchemaError, TypeError)
    assert issubclass(fr.ShapeError, ValueError)
    assert issubclass(fr.InvalidOperationError, ValueError)
    assert issubclass(fr.DuplicateError, ValueError)
    assert issubclass(fr.UnsupportedTypeError, NotImplementedError)
    assert issubclass(fr.ComputeError, RuntimeError)
    for err in (fr.ColumnNotFoundError, fr.SchemaError, fr.ShapeError, fr.ComputeError):
        assert issubclass(err, fr.FrameError)


def test_pyarrow_errors_are_chained(df: fr.DataFrame) -> None:
    with pytest.raises(fr.ComputeError) as info:
        fr.DataFrame({"a": [2**63 - 1]}).select(fr.col("a") + 1)
    assert isinstance(info.value.__cause__, pa.ArrowInvalid)
    assert "overflow" in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda d, p: d.write_parquet(p / "x.parquet", compression="nope"),
        lambda d, p: d.write_ipc(p / "x.arrow", compression="nope"),
    ],
    ids=["parquet", "ipc"],
)
def test_bad_writer_options_raise_frame_errors(
    df: fr.DataFrame, tmp_path: Path, call: Callable
) -> None:
    # regression: an unknown compression escaped as pyarrow's ArrowException (parquet) or a bare
    # ValueError (ipc) instead of a frame error naming the option
    with pytest.raises(fr.FrameError, match="nope"):
        call(df.drop("tags"), tmp_path)
