"""Window expressions: ``expr.over(*keys)`` inside ``select`` / ``with_columns``.

Contract under test (/work/groupby_api_spec.md, frame/expr.py ``Expr.over``): every aggregation
inside ``expr`` is computed per group of ``keys`` (with group_by's key semantics: null keys one
group, all NaNs one group, ``-0.0 == 0.0``, dictionaries by value) and broadcast back to the
rows of its group; elementwise parts are evaluated row by row; the result has the frame's height
and row order.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, assert_series_equal, rechunk
from frame.testing import strategies as fst
from tests.core._layout_cases import forced_threads
from tests.operations import _groupby_oracle as oracle
from tests.operations._groupby_oracle import (
    ATOL,
    CARDINALITY,
    EXACT_OPS,
    KEY_TYPES,
    NAN_PAYLOADS,
    NUMERIC_TYPES,
    RTOL,
    Agg,
    bounded_values,
    to_expr,
)

NAN = float("nan")


def broadcast_reference(table: pa.Table, keys: list[str], agg: Agg) -> pa.Array:
    """The window result computed by the reference: each row gets its group's value."""
    gs, rows = oracle.group_by_rows(table, keys, [agg])
    per_row: list[Any] = [None] * table.num_rows
    for g, row in zip(gs, rows):
        for i in g.rows:
            per_row[i] = row[-1]
    types = {f.name: f.type for f in table.schema}
    return oracle.to_arrow(per_row, oracle.result_type(agg, types))


def join_back(table: pa.Table, keys: list[str], grouped: pa.Table, name: str) -> pa.ChunkedArray:
    """Join the group_by result back onto the rows by (canonical) key."""
    key_cols = [oracle.physical(table.column(k)) for k in keys]
    out_keys = [oracle.physical(grouped.column(k)) for k in keys]
    values = grouped.column(name)
    index = {
        tuple(oracle.canonical(col[j]) for col in out_keys): j for j in range(grouped.num_rows)
    }
    take = [
        index[tuple(oracle.canonical(col[i]) for col in key_cols)] for i in range(table.num_rows)
    ]
    return values.take(pa.array(take, pa.int64()))


@st.composite
def window_tables(draw: st.DrawFn, max_keys: int = 2) -> tuple[pa.Table, list[str]]:
    n_keys = draw(st.integers(1, max_keys))
    keys = [f"k{i}" for i in range(n_keys)]
    specs = [fst.column(k, KEY_TYPES, cardinality=CARDINALITY) for k in keys]
    xt = draw(st.sampled_from(NUMERIC_TYPES))
    specs += [
        fst.column("x", xt, values=bounded_values(xt, 1000)),
        fst.column("s", st.sampled_from([pa.string(), pa.dictionary(pa.int32(), pa.string())])),
        fst.column("f", st.sampled_from([pa.float32(), pa.float64()])),
    ]
    return draw(fst.tables(specs, max_size=30)), keys


WINDOW_AGGS = [
    Agg("sum", ("x",), "x"),
    Agg("mean", ("x",), "x"),
    Agg("min", ("x",), "x"),
    Agg("max", ("f",), "f"),
    Agg("count", ("s",), "s"),
    Agg("len", ("s",), "s"),
    Agg("null_count", ("f",), "f"),
    Agg("n_unique", ("s",), "s"),
    Agg("first", ("s",), "s"),
    Agg("last", ("f",), "f"),
    Agg("std", ("x",), "x"),
    Agg("var", ("x",), "x", ddof=0),
    Agg("median", ("x",), "x"),
    Agg("quantile", ("f",), "f", q=0.25, interpolation="lower"),
    Agg("arg_max", ("x",), "x"),
    Agg("min", ("s",), "s"),
]


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables(), agg=st.sampled_from(WINDOW_AGGS))
def test_window_aggregation_matches_reference(case: tuple[pa.Table, list[str]], agg: Agg) -> None:
    table, keys = case
    df = fr.DataFrame(table)
    got = df.select(to_expr(agg).over(*keys)).to_arrow()
    assert got.num_rows == table.num_rows
    assert got.column_names == [agg.name]
    expected = pa.table({agg.name: broadcast_reference(table, keys, agg)})
    assert_frame_equal(got, expected, rtol=RTOL, atol=ATOL, check_exact=agg.op in EXACT_OPS)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables(), agg=st.sampled_from(WINDOW_AGGS), threads=st.sampled_from([2, 4]))
def test_window_on_parallel_paths(case: tuple[pa.Table, list[str]], agg: Agg, threads: int) -> None:
    table, keys = case
    expected = pa.table({agg.name: broadcast_reference(table, keys, agg)})
    with forced_threads(threads):
        got = fr.DataFrame(table).select(to_expr(agg).over(*keys))
    assert_frame_equal(got, expected, rtol=RTOL, atol=ATOL, check_exact=agg.op in EXACT_OPS)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables(), agg=st.sampled_from(WINDOW_AGGS))
def test_window_equals_group_by_joined_back(case: tuple[pa.Table, list[str]], agg: Agg) -> None:
    table, keys = case
    df = fr.DataFrame(table)
    got = df.with_columns(to_expr(agg).over(*keys).alias("w"))
    assert got.columns == [*table.column_names, "w"]
    assert_frame_equal(got.drop("w"), df, check_exact=True)  # other columns untouched
    grouped = df.group_by(*keys).agg(to_expr(agg).alias("w")).to_arrow()
    assert_series_equal(got["w"].to_arrow(), join_back(table, keys, grouped, "w"), check_exact=True)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables())
def test_demeaning(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    if pa.types.is_boolean(table.schema.field("x").type):
        return  # bool - float is not defined elementwise
    got = fr.DataFrame(table).select((fr.col("x") - fr.col("x").mean()).over(*keys)).to_arrow()
    means = broadcast_reference(table, keys, Agg("mean", ("x",), "x")).to_pylist()
    xs = oracle.physical(table.column("x"))
    expected = [None if x is None or m is None else float(x) - m for x, m in zip(xs, means)]
    assert_frame_equal(got, pa.table({"x": pa.array(expected, pa.float64())}), rtol=RTOL, atol=1e-9)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables())
def test_range_of_two_aggregations(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    if pa.types.is_boolean(table.schema.field("x").type):
        return
    got = fr.DataFrame(table).select((fr.col("f").max() - fr.col("f").min()).over(*keys)).to_arrow()
    hi = broadcast_reference(table, keys, Agg("max", ("f",), "f")).to_pylist()
    lo = broadcast_reference(table, keys, Agg("min", ("f",), "f")).to_pylist()
    expected = [None if a is None or b is None else a - b for a, b in zip(hi, lo)]
    ftype = table.schema.field("f").type
    assert_frame_equal(got, pa.table({"f": pa.array(expected, ftype)}), rtol=1e-6, atol=0.0)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables())
def test_elementwise_expression_over_is_elementwise(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    df = fr.DataFrame(table)
    for e in (fr.col("s"), fr.col("f") * 2, fr.col("f").is_nan(), fr.col("s").is_null()):
        assert_frame_equal(df.select(e.over(*keys)), df.select(e), check_exact=True)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    x=fst.arrays(st.sampled_from([pa.int64(), pa.float64(), pa.int8(), pa.uint32()]), max_size=30)
)
def test_mean_over_unique_key_is_the_value(x: pa.Array) -> None:
    df = fr.DataFrame({"i": pa.array(range(len(x)), pa.int64()), "x": x})
    got = df.select(fr.col("x").mean().over("i"))
    expected = pa.table({"x": x.cast(pa.float64(), safe=False)})
    assert_frame_equal(got, expected, rtol=0.0, atol=0.0)  # the sign of a zero mean is open
    assert_frame_equal(df.select(fr.col("x").first().over("i")), df.select("x"), check_exact=True)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=window_tables(), data=st.data())
def test_invariant_under_rechunking_and_slicing(
    case: tuple[pa.Table, list[str]], data: st.DataObject
) -> None:
    table, keys = case
    n = table.num_rows
    agg = data.draw(st.sampled_from(WINDOW_AGGS))
    sizes = data.draw(st.lists(st.integers(0, n), max_size=3))
    start = data.draw(st.integers(0, n))

    def run(t: pa.Table) -> fr.DataFrame:
        return fr.DataFrame(t).select(to_expr(agg).over(*keys))

    assert_frame_equal(run(rechunk(table, sizes)), run(table.combine_chunks()), rtol=1e-12, atol=0)
    sliced = table.slice(start)
    assert_frame_equal(run(sliced), run(sliced.combine_chunks()), rtol=1e-12, atol=0)


# ------------------------------------------------------------------------------- examples


def test_sum_over_example() -> None:
    df = fr.DataFrame({"g": ["a", "b", "a", None, None], "x": [1, 2, 3, 4, 5]})
    assert df.select(fr.col("x").sum().over("g"))["x"].to_list() == [4, 2, 4, 9, 9]
    out = df.with_columns(fr.col("x").sum().over("g").alias("total"), fr.len().over("g").alias("n"))
    assert out.rows() == [
        ("a", 1, 4, 2),
        ("b", 2, 2, 1),
        ("a", 3, 4, 2),
        (None, 4, 9, 2),
        (None, 5, 9, 2),
    ]


def test_demean_example() -> None:
    df = fr.DataFrame({"g": ["a", "b", "a"], "x": [1.0, 10.0, 3.0]})
    assert df.select((fr.col("x") - fr.col("x").mean()).over("g"))["x"].to_list() == [
        -1.0,
        0.0,
        1.0,
    ]


def test_float_key_semantics() -> None:
    df = fr.DataFrame(
        {"k": [0.0, -0.0, NAN_PAYLOADS[1], NAN, None, NAN_PAYLOADS[2]], "x": [1, 2, 3, 4, 5, 6]}
    )
    assert df.select(fr.col("x").sum().over("k"))["x"].to_list() == [3, 3, 13, 13, 5, 13]


def test_dictionary_chunks_with_different_dictionaries() -> None:
    k = pa.chunked_array(
        [pa.array(["y", "x"]).dictionary_encode(), pa.array(["x", "y", "z"]).dictionary_encode()]
    )
    df = fr.DataFrame(pa.table({"k": k, "x": [1, 2, 3, 4, 5]}))
    assert df.select(fr.col("x").sum().over("k"))["x"].to_list() == [5, 5, 5, 5, 5]


def test_multiple_keys_and_expression_keys() -> None:
    df = fr.DataFrame({"a": [1, 1, 2, 2, 1], "b": ["x", "y", "x", "x", "x"], "v": [1, 2, 3, 4, 5]})
    assert df.select(fr.col("v").sum().over("a", "b"))["v"].to_list() == [6, 2, 7, 7, 6]
    assert df.select(fr.col("v").sum().over(["a", "b"]))["v"].to_list() == [6, 2, 7, 7, 6]
    assert df.select(fr.col("v").max().over(fr.col("v") % 2))["v"].to_list() == [5, 4, 5, 4, 5]


def test_several_windows_in_one_select() -> None:
    df = fr.DataFrame({"a": [1, 1, 2], "b": [1, 2, 2], "v": [1.0, 2.0, 4.0]})
    out = df.select(
        fr.col("v").sum().over("a").alias("by_a"),
        fr.col("v").sum().over("b").alias("by_b"),
        (fr.col("v") / fr.col("v").sum().over("a")).alias("share"),
    )
    assert out.rows() == [(3.0, 1.0, 1 / 3), (3.0, 6.0, 2 / 3), (4.0, 6.0, 1.0)]


def test_dtypes_follow_the_aggregation() -> None:
    df = fr.DataFrame(
        {
            "g": [1, 1, 2],
            "i8": pa.array([100, 100, 1], pa.int8()),
            "s": pa.array(["b", "a", None], pa.string_view()),
        }
    )
    windowed = df.select(
        fr.col("i8").sum().over("g").alias("sum"),
        fr.col("i8").mean().over("g").alias("mean"),
        fr.col("i8").min().over("g").alias("min"),
        fr.col("s").first().over("g").alias("first"),
        fr.col("s").count().over("g").alias("count"),
    )
    assert windowed.to_arrow().schema == pa.schema(
        [
            ("sum", pa.int64()),
            ("mean", pa.float64()),
            ("min", pa.int8()),
            ("first", pa.string_view()),  # spec: first keeps the input type
            ("count", pa.int64()),
        ]
    )
    assert windowed.rows() == [
        (200, 100.0, 100, "b", 2),
        (200, 100.0, 100, "b", 2),
        (1, 1.0, 1, None, 0),
    ]


def test_empty_frame() -> None:
    df = fr.DataFrame({"g": pa.array([], pa.string()), "x": pa.array([], pa.int32())})
    out = df.select(fr.col("x").sum().over("g"), fr.col("x").mean().over("g").alias("m"))
    assert out.shape == (0, 2)
    assert out.to_arrow().schema == pa.schema([("x", pa.int64()), ("m", pa.float64())])


def test_all_null_group_gets_empty_results() -> None:
    df = fr.DataFrame({"g": [1, 1, 2], "x": pa.array([None, None, 2.0], pa.float64())})
    out = df.select(
        fr.col("x").sum().alias("sum"),
        fr.col("x").mean().alias("mean"),
        fr.col("x").count().alias("count"),
    )
    assert out.rows() == [(2.0, 2.0, 1)]
    windowed = df.select(
        fr.col("x").sum().over("g").alias("sum"),
        fr.col("x").mean().over("g").alias("mean"),
        fr.col("x").count().over("g").alias("count"),
    )
    assert windowed.rows() == [(0.0, None, 0), (0.0, None, 0), (2.0, 2.0, 1)]


def test_sum_overflow_in_window_raises() -> None:
    df = fr.DataFrame({"g": [1, 1, 2], "amount": pa.array([2**63 - 1, 1, 5], pa.int64())})
    with pytest.raises(fr.ComputeError, match="amount"):
        df.select(fr.col("amount").sum().over("g"))


def test_errors() -> None:
    df = fr.DataFrame({"group": [1], "x": [1]})
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'group'"):
        df.select(fr.col("x").sum().over("gruop"))
    with pytest.raises(fr.InvalidOperationError):
        fr.col("x").sum().over()


def test_large_groups_and_many_groups() -> None:
    n = 20_000
    g = [i % 3 for i in range(n)]
    x = list(range(n))
    df = fr.DataFrame({"g": g, "x": x, "u": list(range(n))})
    sums = {k: sum(v for gg, v in zip(g, x) if gg == k) for k in range(3)}
    assert df.select(fr.col("x").sum().over("g"))["x"].to_list() == [sums[k] for k in g]
    # one group per row
    assert df.select(fr.col("x").sum().over("u"))["x"].to_list() == x
    assert math.isclose(
        df.select(fr.col("x").mean().over("g"))["x"][0], sums[0] / len(range(0, n, 3))
    )


def test_filter_and_two_column_aggregations_in_windows() -> None:
    df = fr.DataFrame(
        {
            "g": ["a", "a", "b", "a", "b"],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0],
            "y": [2.0, 4.0, 1.0, 8.0, 1.0],
        }
    )
    out = df.select(
        fr.col("x").filter(fr.col("y") > 1.5).sum().over("g").alias("big"),
        fr.cov("x", "y").over("g").alias("cov"),
        fr.corr("x", "y").over("g").alias("corr"),
    )
    assert out["big"].to_list() == [7.0, 7.0, 0.0, 7.0, 0.0]
    cov_a = out["cov"].to_list()[0]
    assert cov_a == pytest.approx(14 / 3, rel=1e-12)  # x: 1, 2, 4; y: 2, 4, 8
    assert out["cov"].to_list()[2] == 0.0
    assert out["corr"].to_list()[0] == pytest.approx(1.0, rel=1e-12)
    assert math.isnan(out["corr"].to_list()[2])  # y is constant in group b
