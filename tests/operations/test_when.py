"""when/then/otherwise against polars: one condition (Arrow's if_else) and several (case_when),
with null conditions (taken as false), null values, strings, dictionaries and scalars."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr

pl = pytest.importorskip("polars")

ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-5, 5)),
        st.one_of(st.none(), st.integers(-100, 100)),
        st.one_of(st.none(), st.sampled_from(["a", "b", "é", ""])),
    ),
    max_size=40,
)


def _tables(rows: list) -> pa.Table:
    a, b, s = zip(*rows) if rows else ((), (), ())
    return pa.table({
        "a": pa.array(list(a), pa.int64()),
        "b": pa.array(list(b), pa.int64()),
        "s": pa.array(list(s), pa.string()),
    })


@given(ROWS, st.integers(-3, 3))
def test_one_and_two_conditions_match_polars(rows, k) -> None:
    table = _tables(rows)
    cases = [
        (fr.when(fr.col("a") > k).then(fr.col("b")).otherwise(-fr.col("b")),
         pl.when(pl.col("a") > k).then(pl.col("b")).otherwise(-pl.col("b"))),
        (fr.when(fr.col("a") > k).then(fr.col("s")).otherwise(fr.lit("other")),
         pl.when(pl.col("a") > k).then(pl.col("s")).otherwise(pl.lit("other"))),
        (fr.when(fr.col("a") > k).then(fr.col("b")).when(fr.col("b") < 0).then(fr.lit(0)).otherwise(fr.col("a")),
         pl.when(pl.col("a") > k).then(pl.col("b")).when(pl.col("b") < 0).then(pl.lit(0)).otherwise(pl.col("a"))),
        (fr.when(fr.col("s") == "a").then(fr.lit(1.5)).otherwise(fr.col("b")),
         pl.when(pl.col("s") == "a").then(pl.lit(1.5)).otherwise(pl.col("b"))),
    ]
    for ours, theirs in cases:
        got = fr.DataFrame(table).select(ours.alias("r"))["r"].to_list()
        expected = pl.from_arrow(table).select(theirs.alias("r"))["r"].to_list()
        assert got == expected


def test_dictionary_values_and_all_scalars() -> None:
    table = pa.table({"c": pa.array(["x", None, "y", "x"]).dictionary_encode(), "n": [1, 2, 3, 4]})
    df = fr.DataFrame(table)
    got = df.select(fr.when(fr.col("n") > 1).then(fr.col("c")).otherwise(fr.lit("z")).alias("r"))
    assert got["r"].to_list() == ["z", None, "y", "x"]
    one = df.select(fr.when(fr.lit(True)).then(fr.lit(1)).otherwise(fr.lit(2)).alias("r"))
    assert one["r"].to_list() == [1]  # literals only: one row, as polars


def test_null_condition_takes_otherwise() -> None:
    df = fr.DataFrame({"a": [None, 1, -1]})
    got = df.select(fr.when(fr.col("a") > 0).then(fr.lit("pos")).otherwise(fr.lit("else")).alias("r"))
    assert got["r"].to_list() == ["else", "pos", "else"]
