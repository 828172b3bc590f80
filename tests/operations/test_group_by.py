"""DataFrame.group_by: a pure-Python reference, polars/pandas/pyarrow oracles, metamorphic checks
and one example per rule of the contract (/work/groupby_api_spec.md, frame/groupby.py).

Contract in short: groups come in order of first appearance (``sort=True``: by key, nulls
first, NaN after numbers); null keys form one group, every NaN bit pattern is one group,
``-0.0 == 0.0`` and the group shows its first row's key; dictionary keys group by value, also
across chunks with different dictionaries; every aggregation has the dtype and value of the
same aggregation over the whole column in ``select`` (``group_by(fr.lit(1)).agg(e)`` equals
``select(e)``); integer sums raise ``fr.ComputeError`` naming the column instead of wrapping.

Float results are compared with rel 1e-9 / abs 1e-12 (NaN equals NaN, ``-0.0 == 0.0``); keys,
first/last and list aggregations exactly (the spec fixes which row's value they show).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, rechunk
from frame.testing import strategies as fst
from tests.core._layout_cases import forced_threads
from tests.operations import _groupby_oracle as oracle
from tests.operations._groupby_oracle import (
    ATOL,
    CARDINALITY,
    EXACT_OPS,
    FLOAT_TYPES,
    INF,
    INT_TYPES,
    KEY_TYPES,
    NAN,
    NAN_PAYLOADS,
    NUMERIC_TYPES,
    ORDERED_OTHER,
    PRODUCT_TYPES,
    RTOL,
    SIGNALLING_NAN,
    STRING_TYPES,
    Agg,
    bounded_values,
    to_expr,
    wild_floats,
)
from tests.operations._oracles import take_rows


def assert_matches_reference(
    table: pa.Table, keys: list[str], aggs: list[Agg], *, sort: bool = False
) -> None:
    """Run frame's group_by and compare it with the pure-Python reference."""
    df = fr.DataFrame(table)
    try:
        expected = oracle.expected_table(table, keys, aggs, sort=sort)
    except oracle.SumOverflow as exc:
        with pytest.raises(fr.ComputeError, match=exc.column):
            df.group_by(*keys, sort=sort).agg(*(to_expr(a) for a in aggs))
        return
    out = df.group_by(*keys, sort=sort).agg(*(to_expr(a) for a in aggs))
    got = out.to_arrow()
    got.validate(full=True)
    assert_frame_equal(got, expected, check_exact=False, rtol=RTOL, atol=ATOL)
    exact = keys + [a.name for a in aggs if a.op in EXACT_OPS]
    assert_frame_equal(got.select(exact), expected.select(exact), check_exact=True)


VALUE_COLUMNS = ("vi", "vm", "vn", "vp", "vf", "vs", "vt", "vb", "m")


@st.composite
def group_tables(
    draw: st.DrawFn,
    *,
    max_keys: int = 3,
    max_size: int = 40,
    wild: bool = True,
    values: tuple[str, ...] | None = None,
    extra: tuple[str, ...] = (),
) -> tuple[pa.Table, list[str]]:
    """A table with 1-3 key columns of any key type and some value columns of each family.

    - ``vi``: integers of any width over the type's whole range (min/max/sum overflow);
    - ``vm``, ``vn``: bounded numerics (ints, floats, bool) for mean/std/var/corr/...;
    - ``vp``: tiny numerics (|x| <= 2) so products stay exact;
    - ``vf``: floats with NaN payloads, infinities and signed zeros (order-based aggregations);
    - ``vs``: strings (string, large_string, string_view, dictionary);
    - ``vt``: dates, timestamps (with time zones), durations, decimals, binary;
    - ``vb``: booleans; ``m``: a boolean mask with nulls for ``.filter`` inside ``agg``.

    ``values`` picks the value columns; by default 1-4 of them are drawn (generating every
    column for every example is slow, and the aggregations only need a few); ``extra`` are
    always added.
    """
    n_keys = draw(st.integers(1, max_keys))
    keys = [f"k{i}" for i in range(n_keys)]
    if values is None:
        values = tuple(
            draw(st.lists(st.sampled_from(VALUE_COLUMNS), min_size=1, max_size=4, unique=True))
        )
    values = (*values, *extra)
    specs = [fst.column(k, KEY_TYPES, cardinality=CARDINALITY) for k in keys]
    for name in VALUE_COLUMNS:
        if name not in values:
            continue
        if name == "vi":
            specs.append(fst.column("vi", st.sampled_from(INT_TYPES)))
        elif name in ("vm", "vn"):
            t = draw(st.sampled_from(NUMERIC_TYPES))
            specs.append(fst.column(name, t, values=bounded_values(t, 1000)))
        elif name == "vp":
            t = draw(st.sampled_from(PRODUCT_TYPES))
            specs.append(fst.column("vp", t, values=bounded_values(t, 2)))
        elif name == "vf":
            t = draw(st.sampled_from(FLOAT_TYPES))
            strategy = wild_floats(t) if wild else bounded_values(t, 1000)
            specs.append(fst.column("vf", t, values=strategy))
        elif name == "vs":
            specs.append(fst.column("vs", st.sampled_from(STRING_TYPES)))
        elif name == "vt":
            specs.append(fst.column("vt", ORDERED_OTHER))
        else:
            specs.append(fst.column(name, pa.bool_()))
    table = draw(fst.tables(specs, max_size=max_size))
    return table, keys


def catalogue(table: pa.Table) -> list[Agg]:
    """Every aggregation the spec defines, applied to the columns it is defined for."""
    types = {f.name: f.type for f in table.schema}
    ints = pa.types.is_integer(types.get("vi", pa.null()))
    out: list[Agg] = [Agg("len", (), "len")]
    for c in ("vi", "vm", "vf", "vs", "vt", "vb"):
        for op in ("first", "last", "count", "null_count", "n_unique", "min", "max", "list"):
            out.append(Agg(op, (c,), f"{op}_{c}"))
        out.append(Agg("len", (c,), f"len_{c}"))
    for c in ("vi", "vm", "vf", "vs"):
        out.append(Agg("arg_min", (c,), f"arg_min_{c}"))
        out.append(Agg("arg_max", (c,), f"arg_max_{c}"))
    for c in ("vi", "vm", "vb", "vf"):
        out.append(Agg("sum", (c,), f"sum_{c}"))
    for c in ("vm", "vn", "vb"):
        out.append(Agg("mean", (c,), f"mean_{c}"))
        out.append(Agg("median", (c,), f"median_{c}"))
        for ddof in (0, 1, 2):
            out.append(Agg("std", (c,), f"std{ddof}_{c}", ddof=ddof))
            out.append(Agg("var", (c,), f"var{ddof}_{c}", ddof=ddof))
    for c in ("vm", "vi", "vf"):
        if c == "vi" and not ints:
            continue
        for interp in oracle.INTERPOLATIONS:
            if c == "vi" and interp in ("linear", "midpoint"):
                continue  # int64 extremes are inexact in float64 (select casts them)
            for q in (0.0, 0.1, 0.25, 0.5, 0.75, 1.0):
                out.append(Agg("quantile", (c,), f"q{q}_{interp}_{c}", q=q, interpolation=interp))
    for c in ("vi", "vm", "vf"):
        for k in (1, 3):
            out.append(Agg("top_k", (c,), f"top{k}_{c}", k=k))
            out.append(Agg("bottom_k", (c,), f"bottom{k}_{c}", k=k))
    out.append(Agg("product", ("vp",), "product_vp"))
    out.append(Agg("any", ("vb",), "any_vb"))
    out.append(Agg("all", ("vb",), "all_vb"))
    out.append(Agg("corr", ("vm", "vn"), "corr"))
    for ddof in (0, 1):
        out.append(Agg("cov", ("vm", "vn"), f"cov{ddof}", ddof=ddof))
    return [a for a in out if set(a.cols) <= set(types)]


def filtered_catalogue(table: pa.Table) -> list[Agg]:
    """The single-column aggregations again, behind ``.filter(fr.col("m"))``."""
    if "m" not in table.column_names:
        return []
    return [
        replace(a, name=f"{a.name}_where_m", where="m")
        for a in catalogue(table)
        if a.cols and a.op not in ("corr", "cov")
    ]


def polars_frame(table: pa.Table) -> Any:
    pl = pytest.importorskip("polars")
    return pl.from_arrow(table)


# ------------------------------------------------------------------------------ the oracle


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    arr=fst.arrays(
        st.sampled_from([*NUMERIC_TYPES, *STRING_TYPES, pa.date32(), pa.decimal128(10, 2)]),
        max_size=30,
    ),
    data=st.data(),
)
def test_reference_agrees_with_whole_column_select(arr: pa.Array, data: st.DataObject) -> None:
    """The reference and ``select`` agree on whole columns (the spec's definition of every
    aggregation), so the group-by differential tests below test the contract."""
    t = arr.type
    table = pa.table({"x": arr})
    ops = ["first", "last", "count", "null_count", "n_unique", "len", "min", "max"]
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        ops += ["quantile"]
    if pa.types.is_boolean(t):
        ops += ["any", "all", "sum"]
    if not (pa.types.is_decimal(t) or pa.types.is_date(t)):
        ops += ["arg_min", "arg_max"]
    op = data.draw(st.sampled_from(ops))
    a = Agg(
        op,
        ("x",),
        "r",
        q=data.draw(st.sampled_from([0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 0.9, 1.0])),
        interpolation=data.draw(st.sampled_from(oracle.INTERPOLATIONS)),
    )
    if op == "quantile" and pa.types.is_integer(t) and a.interpolation in ("linear", "midpoint"):
        a = replace(a, interpolation="lower")
    got = fr.DataFrame(table).select(to_expr(a)).to_arrow()
    columns = {"x": oracle.physical(table.column("x"))}
    value = oracle.aggregate(a, columns, {"x": t})
    expected = pa.table({"r": oracle.to_arrow([value], oracle.result_type(a, {"x": t}))})
    assert_frame_equal(got, expected, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------- 1. differential vs reference


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(), data=st.data())
def test_matches_reference(case: tuple[pa.Table, list[str]], data: st.DataObject) -> None:
    table, keys = case
    pool = catalogue(table)
    aggs = data.draw(
        st.lists(st.sampled_from(pool), min_size=1, max_size=8, unique_by=lambda a: a.name)
    )
    assert_matches_reference(table, keys, aggs)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(), data=st.data(), threads=st.sampled_from([2, 3, 4]))
def test_matches_reference_on_parallel_paths(
    case: tuple[pa.Table, list[str]], data: st.DataObject, threads: int
) -> None:
    """The same differential with the parallel kernels forced on for tiny inputs."""
    table, keys = case
    pool = catalogue(table) + filtered_catalogue(table)
    aggs = data.draw(
        st.lists(st.sampled_from(pool), min_size=1, max_size=8, unique_by=lambda a: a.name)
    )
    with forced_threads(threads):
        assert_matches_reference(table, keys, aggs)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=1, extra=("m", "vm")), data=st.data())
def test_filter_inside_agg_matches_reference(
    case: tuple[pa.Table, list[str]], data: st.DataObject
) -> None:
    """``.filter`` before an aggregation: groups that keep no row give the empty result."""
    table, keys = case
    pool = filtered_catalogue(table)
    aggs = data.draw(
        st.lists(st.sampled_from(pool), min_size=1, max_size=8, unique_by=lambda a: a.name)
    )
    assert_matches_reference(table, keys, aggs)


@settings(deadline=None, max_examples=15)
@given(case=group_tables(max_keys=2, max_size=20, values=VALUE_COLUMNS))
def test_every_aggregation_at_once(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    assert_matches_reference(
        table, keys, [a for a in catalogue(table) if a.op != "sum" or a.cols[0] != "vi"]
    )


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=2, max_size=30, values=("vm", "vs")))
def test_sorted_groups_match_reference(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    aggs = [Agg("len", (), "len"), Agg("first", ("vs",), "first"), Agg("max", ("vm",), "max")]
    assert_matches_reference(table, keys, aggs, sort=True)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    case=group_tables(max_keys=2, max_size=30, wild=False, values=("vm", "vn")),
    pick=st.sampled_from(["range", "corr2", "mean_ratio", "count_diff"]),
)
def test_arithmetic_over_aggregations(case: tuple[pa.Table, list[str]], pick: str) -> None:
    table, keys = case
    vm, vn = fr.col("vm"), fr.col("vn")
    parts: dict[str, tuple[fr.Expr, list[Agg], Callable[..., Any], pa.DataType]] = {
        # (expression, reference aggregations, combine, output type)
        "range": (
            (vm.max().cast(fr.Float64) - vn.min().cast(fr.Float64)).alias("r"),
            [Agg("max", ("vm",), "a"), Agg("min", ("vn",), "b")],
            lambda a, b: float(a) - float(b),
            pa.float64(),
        ),
        "corr2": (
            (fr.corr("vm", "vn") ** 2).alias("r"),
            [Agg("corr", ("vm", "vn"), "a")],
            lambda a: a**2,
            pa.float64(),
        ),
        "mean_ratio": (
            (vm.sum() / fr.len()).alias("r"),
            [Agg("sum", ("vm",), "a"), Agg("len", (), "b")],
            lambda a, b: a / b,
            pa.float64(),
        ),
        "count_diff": (
            (fr.len() - vm.count()).alias("r"),
            [Agg("len", (), "a"), Agg("null_count", ("vm",), "b")],
            lambda a, b: b,
            pa.int64(),
        ),
    }
    expr, aggs, combine, out_type = parts[pick]
    _, rows = oracle.group_by_rows(table, keys, aggs)
    values = [
        None if any(v is None for v in row[len(keys) :]) else combine(*row[len(keys) :])
        for row in rows
    ]
    out = fr.DataFrame(table).group_by(*keys).agg(expr).to_arrow()
    assert out.column_names == [*keys, "r"]
    assert out.schema.field("r").type == out_type
    assert_frame_equal(
        out.select(["r"]), pa.table({"r": pa.array(values, out_type)}), rtol=RTOL, atol=ATOL
    )


def test_arithmetic_over_aggregations_examples() -> None:
    df = fr.DataFrame(
        {
            "g": ["a", "b", "a", "b", "c"],
            "v1": [1, 5, 3, None, None],
            "v2": [0.5, 2.0, 1.0, 4.0, 1.0],
        }
    )
    out = df.group_by("g").agg(
        (fr.col("v1").max() - fr.col("v2").min()).alias("range"),
        (fr.col("v1").sum() * 2 + fr.len()).alias("lin"),
    )
    assert out.columns == ["g", "range", "lin"]
    assert out.rows() == [("a", 2.5, 10), ("b", 3.0, 12), ("c", None, 1)]
    assert out.to_arrow().schema.field("range").type == pa.float64()
    assert out.to_arrow().schema.field("lin").type == pa.int64()


def test_bare_expression_is_a_list_per_group() -> None:
    df = fr.DataFrame({"g": [1, 2, 1, 1, None], "v": [None, "b", "c", "a", "z"]})
    out = df.group_by("g").agg(fr.col("v"), fr.col("v").str.to_uppercase().alias("w"))
    assert out.rows() == [
        (1, [None, "c", "a"], [None, "C", "A"]),
        (2, ["b"], ["B"]),
        (None, ["z"], ["Z"]),
    ]
    assert out.to_arrow().schema.field("v").type == pa.large_list(pa.string())


def test_top_k_bottom_k_examples() -> None:
    df = fr.DataFrame({"g": [1, 1, 1, 1, 2, 2, 3], "v": [3.0, NAN, None, -1.0, 5.0, 5.0, None]})
    out = df.group_by("g").agg(
        fr.col("v").top_k(2).alias("top"), fr.col("v").bottom_k(2).alias("bot")
    )
    top = out["top"].to_list()
    bot = out["bot"].to_list()
    assert math.isnan(top[0][0]) and top[0][1] == 3.0  # NaN is larger than every number
    assert bot[0] == [-1.0, 3.0]
    assert top[1] == [5.0, 5.0] and bot[1] == [5.0, 5.0]
    assert top[2] == [] and bot[2] == []  # an all-null group has no values to rank


def test_corr_cov_examples() -> None:
    df = fr.DataFrame(
        {
            "g": ["a", "a", "a", "b", "b", "c", "c", "c"],
            "x": [1.0, 2.0, 3.0, 1.0, None, 1.0, 1.0, 1.0],
            "y": [2.0, 4.0, 7.0, 5.0, 6.0, 1.0, 2.0, 3.0],
        }
    )
    out = df.group_by("g").agg(
        fr.corr("x", "y").alias("corr"),
        fr.cov("x", "y").alias("cov"),
        fr.cov("x", "y", ddof=0).alias("cov0"),
    )
    rows = {r[0]: r[1:] for r in out.rows()}
    assert rows["a"][0] == pytest.approx(0.9933992677987828, rel=1e-12)
    assert rows["a"][1] == pytest.approx(2.5, rel=1e-12)
    assert rows["a"][2] == pytest.approx(5 / 3, rel=1e-12)
    # b: one complete pair: corr null (count < 2), cov null (count <= ddof), cov0 == 0
    assert rows["b"][0] is None and rows["b"][1] is None and rows["b"][2] == 0.0
    # c: x is constant: corr is NaN (zero variance), cov is 0
    assert math.isnan(rows["c"][0]) and rows["c"][1] == 0.0


@pytest.mark.parametrize(
    ("interpolation", "expected", "dtype"),
    [
        ("nearest", 2, pa.int64()),
        ("lower", 2, pa.int64()),
        ("higher", 3, pa.int64()),
        ("midpoint", 2.5, pa.float64()),
        ("linear", 2.2, pa.float64()),
    ],
)
def test_quantile_interpolations(interpolation: str, expected: Any, dtype: pa.DataType) -> None:
    # 4 values, q = 0.4: position 3 * 0.4 = 1.2 between v[1] = 2 and v[2] = 3
    df = fr.DataFrame({"g": [0] * 5 + [1], "v": [4, None, 2, 1, 3, None]})
    out = df.group_by("g").agg(fr.col("v").quantile(0.4, interpolation)).to_arrow()
    assert out.schema.field("v").type == dtype
    got = out.column("v").to_pylist()
    assert got[0] == pytest.approx(expected, rel=1e-12)
    assert got[1] is None
    whole = fr.DataFrame({"v": [4, None, 2, 1, 3]}).select(fr.col("v").quantile(0.4, interpolation))
    assert whole.item() == pytest.approx(got[0], rel=1e-12)


@pytest.mark.parametrize("n", [2, 4, 6])
def test_quantile_nearest_rounds_half_to_even(n: int) -> None:
    # q = 0.5 lands exactly between two positions: nearest takes the even position
    values = list(range(10, 10 + n))
    df = fr.DataFrame({"g": [1] * n, "v": values})
    got = df.group_by("g").agg(fr.col("v").quantile(0.5, "nearest"))["v"].item()
    position = (n - 1) * 0.5
    assert got == values[round(position)]  # Python's round is half-to-even
    assert got == df.select(fr.col("v").quantile(0.5, "nearest")).item()


# ---------------------------------------------------------- 2. differential vs polars/pandas


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    table=fst.tables(
        [
            fst.column(
                "k1",
                st.sampled_from([pa.int64(), pa.int8(), pa.string(), pa.bool_()]),
                cardinality=st.integers(1, 6),
            ),
            fst.column(
                "k2",
                st.sampled_from(
                    [pa.int32(), pa.large_string(), pa.dictionary(pa.int32(), pa.string())]
                ),
                cardinality=st.integers(1, 4),
            ),
            fst.column(
                "i",
                st.sampled_from([pa.int8(), pa.int32(), pa.int64(), pa.uint16()]),
                values=st.integers(0, 100),
            ),
            fst.column("f", pa.float64(), values=bounded_values(pa.float64(), 1000)),
        ],
        max_size=40,
    ),
    nkeys=st.integers(1, 2),
)
def test_matches_polars(table: pa.Table, nkeys: int) -> None:
    """polars agrees on the shared semantics (no NaN or signed zeros: polars' NaN and -0.0
    handling differs, see below). Values only: polars keeps int32 sums in int32 and returns
    UInt32 lengths, frame widens to int64 (spec)."""
    pl = pytest.importorskip("polars")
    keys = ["k1", "k2"][:nkeys]
    exprs_fr, exprs_pl = [], []
    for c in ("i", "f"):
        for op in (
            "sum",
            "mean",
            "min",
            "max",
            "count",
            "n_unique",
            "first",
            "last",
            "std",
            "var",
            "median",
        ):
            exprs_fr.append(getattr(fr.col(c), op)().alias(f"{op}_{c}"))
            exprs_pl.append(getattr(pl.col(c), op)().alias(f"{op}_{c}"))
    exprs_fr.append(fr.len().alias("len"))
    exprs_pl.append(pl.len().alias("len"))
    got = fr.DataFrame(table).group_by(*keys).agg(*exprs_fr)
    expected = polars_frame(table).group_by(keys, maintain_order=True).agg(*exprs_pl)
    assert_frame_equal(
        got, expected.to_arrow(), check_dtypes=False, rtol=1e-9, atol=1e-9, categorical_as_str=True
    )


def test_polars_differences_are_deliberate() -> None:
    """Where frame and polars (2.1) disagree on purpose, so nobody 'fixes' either side:

    - median/quantile: polars sorts NaN above every number and keeps it (median of
      [1, NaN, 3] is 3.0); frame ignores NaN (spec), giving 2.0.
    - int32 sum: polars keeps int32 and wraps (2**31 - 1 + 1 gives -2**31); frame sums signed
      ints in int64 (spec). polars widens int8/int16 sums to int64 like frame.
    - lengths/n_unique: polars returns UInt32, frame int64.
    Shared semantics (checked in test_matches_polars and here): min/max ignore NaN unless all
    values are NaN; n_unique counts null and all NaNs once; NaN payloads, 0.0 and -0.0 are one
    key each; std/var null when count <= ddof.
    """
    pl = pytest.importorskip("polars")
    t = pa.table(
        {
            "g": [1, 1, 1, 2],
            "x": [1.0, NAN, 3.0, NAN],
            "i": pa.array([2**31 - 1, 1, 0, 0], pa.int32()),
        }
    )
    ours = (
        fr.DataFrame(t)
        .group_by("g")
        .agg(
            fr.col("x").median().alias("med"),
            fr.col("x").max().alias("max"),
            fr.col("i").sum().alias("sum"),
        )
    )
    theirs = (
        pl.from_arrow(t)
        .group_by("g", maintain_order=True)
        .agg(
            pl.col("x").median().alias("med"),
            pl.col("x").max().alias("max"),
            pl.col("i").sum().alias("sum"),
        )
    )
    assert ours["med"].to_list()[0] == 2.0 and theirs["med"].to_list()[0] == 3.0
    assert ours["max"].to_list()[0] == 3.0 and theirs["max"].to_list()[0] == 3.0
    assert math.isnan(ours["max"].to_list()[1]) and math.isnan(theirs["max"].to_list()[1])
    assert ours["sum"].to_list()[0] == 2**31 and theirs["sum"].to_list()[0] == -(2**31)
    keys = pa.table({"k": [0.0, -0.0, NAN, *NAN_PAYLOADS, None], "v": [1, 2, 3, 4, 5, 6, 7]})
    ours_k = fr.DataFrame(keys).group_by("k").agg(fr.col("v").sum())
    theirs_k = pl.from_arrow(keys).group_by("k", maintain_order=True).agg(pl.col("v").sum())
    assert ours_k["v"].to_list() == theirs_k["v"].to_list() == [3, 18, 7]


# int64 keys stay away from -2**63: pandas (3.1) groupby(sort=False, dropna=False) moves the
# group of that key behind later groups (its hashtable treats it as the NA sentinel)
PANDAS_KEYS = st.one_of(
    st.just(fst.column("k", pa.int64(), values=st.integers(-3, 3))),
    st.just(fst.column("k", pa.string(), values=st.sampled_from(["a", "b", "", "é"]))),
)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    table=PANDAS_KEYS.flatmap(
        lambda key: fst.tables(
            [key, fst.column("v", pa.int64(), values=st.integers(-1000, 1000))], max_size=40
        )
    )
)
def test_matches_pandas_and_pyarrow(table: pa.Table) -> None:
    """Values per key vs pandas and pyarrow. Neither keeps first-appearance order: pandas 3.1
    puts the null-key group last even with ``sort=False, dropna=False``, and pyarrow 26
    (single-threaded) reorders groups after a leading null key ([None, 0, ..., 0, 1] gives
    groups None, 1, 0). So only the values per key are compared."""
    pd = pytest.importorskip("pandas")
    got = (
        fr.DataFrame(table)
        .group_by("k")
        .agg(
            fr.col("v").sum().alias("sum"),
            fr.col("v").count().alias("count"),
            fr.col("v").max().alias("max"),
        )
    )
    ours = {r[0]: r[1:] for r in got.rows()}
    grouped = table.to_pandas().groupby("k", sort=False, dropna=False)["v"]
    frame_pd = pd.DataFrame(
        {"sum": grouped.sum(min_count=0), "count": grouped.count(), "max": grouped.max()}
    ).reset_index()
    theirs = {
        (None if pd.isna(k) else k): (int(s), int(c), None if pd.isna(m) else int(m))
        for k, s, c, m in frame_pd.itertuples(index=False)
    }
    assert ours == theirs

    pa_out = table.group_by("k", use_threads=False).aggregate(
        [("v", "sum"), ("v", "count"), ("v", "max")]
    )
    keys = pa_out.column("k").to_pylist()
    theirs_pa = {
        k: (0 if s is None else s, c, m)
        for k, s, c, m in zip(
            keys,
            pa_out.column("v_sum").to_pylist(),
            pa_out.column("v_count").to_pylist(),
            pa_out.column("v_max").to_pylist(),
        )
    }
    assert ours == theirs_pa


# --------------------------------------------------------------------------- 3. metamorphic


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=2, wild=False, values=("vm",)))
def test_sums_over_groups_add_up(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    df = fr.DataFrame(table)
    out = df.group_by(*keys).agg(
        fr.col("vm").sum().alias("s"), fr.len().alias("n"), fr.col("vm").count().alias("c")
    )
    assert sum(out["n"].to_list()) == table.num_rows
    assert sum(out["c"].to_list()) == df.select(fr.col("vm").count()).item()
    total = df.select(fr.col("vm").sum()).item()
    if pa.types.is_floating(table.schema.field("vm").type):
        assert math.fsum(out["s"].to_list()) == total  # multiples of 1/4: exact
    else:
        assert sum(out["s"].to_list()) == total


def _lit_exprs(table: pa.Table) -> list[fr.Expr]:
    """Every aggregation, over every column it is defined for (by select)."""
    out: list[fr.Expr] = [fr.len()]
    for c in table.column_names:
        col = fr.col(c)
        out += [
            col.sum(),
            col.mean(),
            col.min(),
            col.max(),
            col.count(),
            col.len(),
            col.null_count(),
            col.n_unique(),
            col.first(),
            col.last(),
            col.std(),
            col.var(ddof=0),
            col.median(),
            col.product(),
            col.any(),
            col.all(),
            col.arg_min(),
            col.arg_max(),
        ]
        out += [col.quantile(0.3, interp) for interp in oracle.INTERPOLATIONS]
        out += [col.filter(fr.col("m")).sum(), col.filter(fr.col("m")).max()]
    out += [fr.corr("vm", "vn"), fr.cov("vm", "vn"), fr.cov("vm", "vn", ddof=0)]
    return out


@settings(deadline=None, max_examples=25)
@given(case=group_tables(max_keys=1, max_size=25, extra=("vm", "vn", "m")), data=st.data())
def test_group_by_literal_equals_select(
    case: tuple[pa.Table, list[str]], data: st.DataObject
) -> None:
    """``group_by(fr.lit(1)).agg(e)`` has the dtype, value and error of ``select(e)``."""
    table, _ = case
    table = table.drop_columns(["k0"])
    exprs = data.draw(st.lists(st.sampled_from(_lit_exprs(table)), min_size=1, max_size=6))
    for e in exprs:
        assert_literal_group_equals_select(fr.DataFrame(table), e)


def assert_literal_group_equals_select(df: fr.DataFrame, e: fr.Expr) -> None:
    e = e.alias("r")
    try:
        expected = df.select(e).to_arrow()
    except fr.FrameError as exc:
        with pytest.raises(type(exc)):
            df.group_by(fr.lit(1)).agg(e)
        return
    got = df.group_by(fr.lit(1)).agg(e).to_arrow()
    assert got.column_names == ["literal", "r"], repr(e)
    assert got.schema.field("r").type == expected.schema.field("r").type, repr(e)
    if df.height == 0:
        assert got.num_rows == 0, repr(e)
    else:
        assert_frame_equal(got.select(["r"]), expected, check_exact=False, rtol=RTOL, atol=ATOL)


PARITY_COLUMNS: dict[str, pa.Array] = {
    "bool": pa.array([True, None, False, True], pa.bool_()),
    "int8": pa.array([100, -100, None, 100], pa.int8()),
    "uint64": pa.array([2**63, 1, None, 2], pa.uint64()),
    "int64_big": pa.array([2**62, 4, None, 1], pa.int64()),
    "float32": pa.array([1.5, NAN, None, -0.0], pa.float32()),
    "all_nan": pa.array([NAN, None, NAN_PAYLOADS[2], NAN], pa.float64()),
    "decimal": pa.array(
        [Decimal("1.500"), Decimal("25.125"), None, Decimal("-3.000")], pa.decimal128(12, 3)
    ),
    "decimal38": pa.array(
        [Decimal(10**20), Decimal(-(10**20)), None, Decimal(5)], pa.decimal128(38, 0)
    ),
    "string_view": pa.array(["b", "a string longer than twelve", None, "a"], pa.string_view()),
    "large_string": pa.array(["b", "", None, "a"], pa.large_string()),
    "dictionary": pa.array(["b", "a", None, "b"]).dictionary_encode(),
    "binary": pa.array([b"\xff", b"", None, b"\x00"], pa.binary()),
    "date32": pa.array([3, -1, None, 3], pa.int32()).view(pa.date32()),
    "timestamp_tz": pa.array([3, -1, None, 3], pa.int64()).view(pa.timestamp("ms", "Asia/Kolkata")),
    "duration": pa.array([3, -1, None, 3], pa.int64()).view(pa.duration("s")),
}


def _parity_exprs() -> list[tuple[str, Callable[[fr.Expr], fr.Expr]]]:
    out: list[tuple[str, Callable[[fr.Expr], fr.Expr]]] = [
        (name, getattr(fr.Expr, name))
        for name in (
            "sum", "mean", "min", "max", "count", "len", "null_count", "n_unique", "first",
            "last", "std", "var", "median", "product", "any", "all", "arg_min", "arg_max",
        )
    ]  # fmt: skip
    out += [(f"quantile_{i}", lambda e, i=i: e.quantile(0.4, i)) for i in oracle.INTERPOLATIONS]
    return out


@pytest.mark.parametrize("agg", _parity_exprs(), ids=lambda a: a[0])
@pytest.mark.parametrize("column", list(PARITY_COLUMNS), ids=str)
def test_group_by_literal_equals_select_by_type(
    column: str, agg: tuple[str, Callable[[fr.Expr], fr.Expr]]
) -> None:
    """The same parity for every (type, aggregation) pair, so none depends on a lucky draw."""
    df = fr.DataFrame({"x": PARITY_COLUMNS[column]})
    assert_literal_group_equals_select(df, agg[1](fr.col("x")))


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    case=group_tables(max_keys=2, max_size=30, values=("vi", "vm", "vf", "vs", "vb")),
    data=st.data(),
)
def test_invariant_under_row_permutation(
    case: tuple[pa.Table, list[str]], data: st.DataObject
) -> None:
    table, keys = case
    perm = data.draw(st.permutations(range(table.num_rows)))
    shuffled = take_rows(table, list(perm))
    aggs = [
        fr.len(),
        fr.col("vi").count().alias("c"),
        fr.col("vs").min().alias("smin"),
        fr.col("vf").max().alias("fmax"),
        fr.col("vs").n_unique().alias("nu"),
        fr.col("vm").mean().alias("mean"),
        fr.col("vb").any().alias("any"),
        fr.col("vm").quantile(0.5, "lower").alias("q"),
    ]
    a = fr.DataFrame(table).group_by(*keys).agg(*aggs)
    b = fr.DataFrame(shuffled).group_by(*keys).agg(*aggs)
    # the key shown may be 0.0 or -0.0 depending on which row comes first: tolerance ignores it
    assert_frame_equal(a, b, check_row_order=False, rtol=RTOL, atol=ATOL)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=2, max_size=30), data=st.data())
def test_invariant_under_rechunking_and_slicing(
    case: tuple[pa.Table, list[str]], data: st.DataObject
) -> None:
    table, keys = case
    n = table.num_rows
    aggs = [
        to_expr(a)
        for a in data.draw(
            st.lists(
                st.sampled_from(catalogue(table)),
                min_size=1,
                max_size=6,
                unique_by=lambda a: a.name,
            )
        )
    ]
    sizes = data.draw(st.lists(st.integers(0, n), max_size=4))
    start = data.draw(st.integers(0, n))
    length = data.draw(st.integers(0, n - start))

    def run(t: pa.Table) -> pa.Table | type[Exception]:
        try:
            return fr.DataFrame(t).group_by(*keys).agg(*aggs).to_arrow()
        except fr.ComputeError:
            return fr.ComputeError

    base = run(table.combine_chunks())
    for variant in (rechunk(table, sizes), table):
        got = run(variant)
        if isinstance(base, type):
            assert got is base
        else:
            assert_frame_equal(got, base, rtol=1e-12, atol=0.0)
    sliced = rechunk(table, sizes).slice(start, length)
    got, expected = run(sliced), run(sliced.combine_chunks())
    if isinstance(expected, type):
        assert got is expected
    else:
        assert_frame_equal(got, expected, rtol=1e-12, atol=0.0)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=3, max_size=30, values=("vm", "vs")))
def test_sort_true_equals_sorted_default(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    aggs = [fr.len(), fr.col("vs").first().alias("first"), fr.col("vm").sum().alias("s")]
    df = fr.DataFrame(table)
    default = df.group_by(*keys).agg(*aggs)
    assert_frame_equal(
        df.group_by(*keys, sort=True).agg(*aggs), default.sort(keys), check_exact=True
    )


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(
    table=fst.tables(
        [
            fst.column(
                "k",
                st.sampled_from([pa.string(), pa.large_string(), pa.int64(), pa.float64()]),
                cardinality=CARDINALITY,
            ),
            fst.column("v", pa.int64(), values=st.integers(-1000, 1000)),
        ],
        max_size=40,
    )
)
def test_dictionary_encoded_key_gives_same_groups(table: pa.Table) -> None:
    plain_col = table.column("k").combine_chunks()
    encoded = plain_col.dictionary_encode()
    enc_table = table.set_column(0, "k", encoded)
    aggs = [fr.len(), fr.col("v").sum().alias("s"), fr.col("v").first().alias("f")]
    plain = fr.DataFrame(table).group_by("k").agg(*aggs)
    out = fr.DataFrame(enc_table).group_by("k").agg(*aggs)
    assert pa.types.is_dictionary(out.to_arrow().schema.field("k").type)
    assert_frame_equal(out, plain, check_exact=True, categorical_as_str=True, check_dtypes=False)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=2, max_size=30, values=("vs", "vm")))
def test_list_aggregation_then_explode_gives_the_rows_back(
    case: tuple[pa.Table, list[str]],
) -> None:
    """agg(bare columns) then explode is a stable sort of the rows by group."""
    table, keys = case
    df = fr.DataFrame(table)
    exploded = df.group_by(*keys).agg(fr.col("vs"), fr.col("vm")).explode(["vs", "vm"])
    gs = oracle.groups([oracle.physical(table.column(k)) for k in keys], table.num_rows)
    order = [i for g in gs for i in g.rows]
    shown = [g.rows[0] for g in gs for _ in g.rows]  # every row carries its group's key
    expected = take_rows(table, shown).select(keys)
    for name in ("vs", "vm"):
        expected = expected.append_column(name, take_rows(table, order).column(name))
    assert_frame_equal(exploded, expected, check_exact=True)


# --------------------------------------------------------------------- 4. semantics by rule

NAN_A, NAN_B, NAN_NEG = NAN_PAYLOADS


def _t(**columns: Any) -> pa.Table:
    return pa.table(columns)


def _dict_chunks() -> pa.ChunkedArray:
    # code 0 is "y" in the first chunk and "x" in the second
    return pa.chunked_array(
        [pa.array(["y", "x"]).dictionary_encode(), pa.array(["x", "y", "z"]).dictionary_encode()]
    )


# (rule, input table, keys, expressions, expected result table)
SEMANTICS: list[tuple[str, pa.Table, list[Any], list[fr.Expr], pa.Table]] = [
    (
        "null keys form one group",
        _t(k=pa.array([1, None, 2, None], pa.int64()), v=[1, 2, 3, 4]),
        ["k"],
        [fr.col("v").sum()],
        _t(k=pa.array([1, None, 2], pa.int64()), v=[1, 6, 3]),
    ),
    (
        "every NaN bit pattern is one group",
        _t(k=[NAN_A, 1.0, NAN_B, NAN_NEG, SIGNALLING_NAN, None], v=[1, 2, 3, 4, 5, 6]),
        ["k"],
        [fr.col("v").sum(), fr.len()],
        _t(k=[NAN, 1.0, None], v=[13, 2, 6], len=[4, 1, 1]),
    ),
    (
        "-0.0 and 0.0 are one group, shown as the first row's key (-0.0 first)",
        _t(k=[-0.0, 0.0, 1.0, 0.0], v=[1, 2, 3, 4]),
        ["k"],
        [fr.col("v").sum()],
        _t(k=[-0.0, 1.0], v=[7, 3]),
    ),
    (
        "-0.0 and 0.0 are one group, shown as the first row's key (0.0 first)",
        _t(k=[0.0, -0.0, -0.0], v=[1, 2, 3]),
        ["k"],
        [fr.col("v").sum()],
        _t(k=[0.0], v=[6]),
    ),
    (
        "float32 keys: NaNs one group, signed zeros one group",
        _t(k=pa.array([-0.0, NAN, 0.0, NAN_NEG], pa.float32()), v=[1, 2, 3, 4]),
        ["k"],
        [fr.col("v").sum()],
        _t(k=pa.array([-0.0, NAN], pa.float32()), v=[4, 6]),
    ),
    (
        "NaN and null are different groups",
        _t(k=[None, NAN, None, NAN], v=[1, 10, 100, 1000]),
        ["k"],
        [fr.col("v").sum()],
        _t(k=[None, NAN], v=[101, 1010]),
    ),
    (
        "dictionary chunks with different dictionaries group by value; key stays dictionary",
        _t(k=_dict_chunks(), v=[1, 2, 3, 4, 5]),
        ["k"],
        [fr.col("v").sum()],
        _t(k=pa.array(["y", "x", "z"]).dictionary_encode(), v=[5, 5, 5]),
    ),
    (
        "null-key rows never leak into another group",
        _t(k=["a", None, "a", None, "b"], v=[1, 10, 100, 1000, 10000]),
        ["k"],
        [fr.col("v").sum(), fr.col("v").max().alias("mx")],
        _t(k=["a", None, "b"], v=[101, 1010, 10000], mx=[100, 1000, 10000]),
    ),
    (
        "multiple keys: a group per distinct tuple, nulls and NaN per component",
        _t(a=[1, 1, None, None, 1], b=[NAN, NAN_B, None, None, 0.0], v=[1, 2, 3, 4, 5]),
        ["a", "b"],
        [fr.col("v").sum()],
        _t(a=[1, None, 1], b=[NAN, None, 0.0], v=[3, 7, 5]),
    ),
    (
        "int8 sums beyond int8 range are exact in int64",
        _t(k=[1] * 10 + [2] * 10, v=pa.array([127] * 10 + [-128] * 10, pa.int8())),
        ["k"],
        [fr.col("v").sum()],
        _t(k=[1, 2], v=pa.array([1270, -1280], pa.int64())),
    ),
    (
        "uint64 sums up to 2**64 - 1 stay uint64",
        _t(k=[1, 1, 2], v=pa.array([2**64 - 2, 1, 2**63], pa.uint64())),
        ["k"],
        [fr.col("v").sum()],
        _t(k=[1, 2], v=pa.array([2**64 - 1, 2**63], pa.uint64())),
    ),
    (
        "per-group int64 sums that fit do not raise although the whole column would overflow",
        _t(k=[1, 2], v=pa.array([2**63 - 1, 2**63 - 1], pa.int64())),
        ["k"],
        [fr.col("v").sum()],
        _t(k=[1, 2], v=pa.array([2**63 - 1, 2**63 - 1], pa.int64())),
    ),
    (
        "bool sum is int64, mean float64",
        _t(k=[1, 1, 1, 2], v=[True, None, True, False]),
        ["k"],
        [fr.col("v").sum(), fr.col("v").mean().alias("m")],
        _t(k=[1, 2], v=pa.array([2, 0], pa.int64()), m=[1.0, 0.0]),
    ),
    (
        "min/max ignore NaN unless every value is NaN",
        _t(k=[1, 1, 1, 2, 2, 3], v=[NAN, 2.0, -1.0, NAN_NEG, None, None]),
        ["k"],
        [fr.col("v").min().alias("lo"), fr.col("v").max().alias("hi")],
        _t(k=[1, 2, 3], lo=[-1.0, NAN, None], hi=[2.0, NAN, None]),
    ),
    (
        "median/quantile ignore NaN",
        _t(k=[1, 1, 1, 1], v=[NAN, 4.0, 1.0, NAN_B]),
        ["k"],
        [fr.col("v").median(), fr.col("v").quantile(1.0, "higher").alias("q")],
        _t(k=[1], v=[2.5], q=[4.0]),
    ),
    (
        "strings min/max by UTF-8 bytes; n_unique counts null once",
        _t(k=[1, 1, 1, 1, 1], v=["é", "z", None, "e\u0301", None]),
        ["k"],
        [
            fr.col("v").min().alias("lo"),
            fr.col("v").max().alias("hi"),
            fr.col("v").n_unique().alias("n"),
        ],
        _t(k=[1], lo=["e\u0301"], hi=["é"], n=[4]),
    ),
    (
        "arg_min/arg_max are positions inside the group (nulls count as positions)",
        _t(k=["a", "b", "a", "a", "b", "a"], v=[None, 5, 3, 1, 5, 1]),
        ["k"],
        [fr.col("v").arg_min().alias("amin"), fr.col("v").arg_max().alias("amax")],
        _t(k=["a", "b"], amin=[2, 0], amax=[1, 0]),
    ),
    (
        "std/var: null when count <= ddof",
        _t(k=[1, 2, 2], v=[1.0, 1.0, 3.0]),
        ["k"],
        [
            fr.col("v").std().alias("s1"),
            fr.col("v").var(ddof=0).alias("v0"),
            fr.col("v").var(ddof=2).alias("v2"),
        ],
        _t(
            k=[1, 2],
            s1=[None, math.sqrt(2.0)],
            v0=[0.0, 1.0],
            v2=pa.array([None, None], pa.float64()),
        ),
    ),
    (
        "first/last are positional and may be null",
        _t(k=[1, 1, 1], v=[None, 2, None]),
        ["k"],
        [fr.col("v").first().alias("f"), fr.col("v").last().alias("l")],
        _t(k=[1], f=pa.array([None], pa.int64()), l=pa.array([None], pa.int64())),
    ),
    (
        "timestamp keys with a time zone; dates and decimals as values",
        _t(
            k=pa.array([0, 3600, 0, None], pa.timestamp("s", "Europe/Berlin")),
            d=pa.array([3, 1, 2, None], pa.date32()),
        ),
        ["k"],
        [fr.col("d").min(), fr.col("d").max().alias("hi")],
        _t(
            k=pa.array([0, 3600, None], pa.timestamp("s", "Europe/Berlin")),
            d=pa.array([2, 1, None], pa.date32()),
            hi=pa.array([3, 1, None], pa.date32()),
        ),
    ),
    (
        "expression keys are named by their output name",
        _t(a=[0, 1, 2, 3, 4, 5], v=[1, 1, 1, 1, 1, 1]),
        [(fr.col("a") % 3).alias("r")],
        [fr.col("v").sum()],
        _t(r=[0, 1, 2], v=[2, 2, 2]),
    ),
]


@pytest.mark.parametrize(
    ("rule", "table", "keys", "exprs", "expected"), SEMANTICS, ids=[s[0] for s in SEMANTICS]
)
def test_semantics(
    rule: str, table: pa.Table, keys: list[Any], exprs: list[fr.Expr], expected: pa.Table
) -> None:
    got = fr.DataFrame(table).group_by(*keys).agg(*exprs)
    assert_frame_equal(got, expected, check_exact=True)


# one group whose values are all null, and one group that .filter empties
EMPTY_GROUP_RESULTS: list[tuple[str, Callable[[fr.Expr], fr.Expr], Any, pa.DataType]] = [
    ("sum", lambda e: e.sum(), 0, pa.int64()),
    ("count", lambda e: e.count(), 0, pa.int64()),
    ("null_count", lambda e: e.null_count(), None, pa.int64()),  # None: number of rows
    ("n_unique", lambda e: e.n_unique(), None, pa.int64()),
    ("mean", lambda e: e.mean(), None, pa.float64()),
    ("min", lambda e: e.min(), None, pa.int32()),
    ("max", lambda e: e.max(), None, pa.int32()),
    ("std", lambda e: e.std(), None, pa.float64()),
    ("var", lambda e: e.var(ddof=0), None, pa.float64()),
    ("median", lambda e: e.median(), None, pa.float64()),
    ("quantile", lambda e: e.quantile(0.5, "nearest"), None, pa.int32()),
    ("quantile_linear", lambda e: e.quantile(0.5, "linear"), None, pa.float64()),
    ("first", lambda e: e.first(), None, pa.int32()),
    ("last", lambda e: e.last(), None, pa.int32()),
    ("product", lambda e: e.product(), 1, pa.int64()),
    ("arg_min", lambda e: e.arg_min(), None, pa.int64()),
    ("arg_max", lambda e: e.arg_max(), None, pa.int64()),
    ("top_k", lambda e: e.top_k(2), [], pa.large_list(pa.int32())),
]


@pytest.mark.parametrize(
    ("name", "build", "expected", "dtype"),
    EMPTY_GROUP_RESULTS,
    ids=[r[0] for r in EMPTY_GROUP_RESULTS],
)
def test_all_null_and_filtered_empty_groups(
    name: str, build: Callable[[fr.Expr], fr.Expr], expected: Any, dtype: pa.DataType
) -> None:
    df = fr.DataFrame(
        {"g": [1, 2, 1, 2], "v": pa.array([None, 5, None, 7], pa.int32()), "w": [0, 1, 0, 1]}
    )
    all_null = df.group_by("g").agg(build(fr.col("v")).alias("r")).to_arrow()
    assert all_null.schema.field("r").type == dtype
    first = all_null.column("r")[0].as_py()
    if name == "null_count":
        assert first == 2
    elif name == "n_unique":
        assert first == 1  # the null is one value
    else:
        assert first == expected
    # .filter that keeps no row of group 1 (w == 0 there): an empty group, not an all-null one
    filtered = (
        df.group_by("g").agg(build(fr.col("v").filter(fr.col("w") > 0)).alias("r")).to_arrow()
    )
    assert filtered.schema.field("r").type == dtype
    empty_value = filtered.column("r")[0].as_py()
    if name in ("null_count", "n_unique", "count"):
        assert empty_value == 0
    else:
        assert empty_value == expected
    if name == "top_k":
        return  # select(top_k) gives k rows, not a list: nothing to compare
    # and the whole-column select agrees on an empty column
    empty = df.filter(fr.col("w") > 5).select(build(fr.col("v")).alias("r")).to_arrow()
    assert empty.schema.field("r").type == dtype
    assert empty.column("r")[0].as_py() == empty_value


def test_filter_then_bare_expression_lists_the_kept_rows() -> None:
    df = fr.DataFrame(
        {"k": [1, 1, 1, 2, 3], "v": [1, 2, 3, 4, 5], "m": [True, False, None, False, True]}
    )
    out = df.group_by("k").agg(fr.col("v").filter(fr.col("m")))
    assert out.rows() == [(1, [1]), (2, []), (3, [5])]
    assert out.to_arrow().schema.field("v").type == pa.large_list(pa.int64())


def test_wide_decimal_min_max() -> None:
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 60
        big = decimal.Decimal(10**38 - 1)
        neg = -big  # negated inside the 60-digit context (the default 28 digits would round it)
        values = [big, neg, decimal.Decimal(5), None]
    df = fr.DataFrame({"k": [0, 0, 1, 1], "x": pa.array(values, pa.decimal128(38, 0))})
    out = df.group_by("k").agg(fr.col("x").min().alias("lo"), fr.col("x").max().alias("hi"))
    assert out.rows() == [(0, neg, big), (1, decimal.Decimal(5), decimal.Decimal(5))]
    assert out.to_arrow().schema.field("lo").type == pa.decimal128(38, 0)


@pytest.mark.parametrize(
    "values",
    [
        [-INF, 0.0],
        [0.0, INF],
        [-INF, INF],
        [-1.7976931348623157e308, 1.7976931348623157e308],
        [1.7976931348623157e308, 1.7976931348623157e308],
    ],
    ids=["-inf..0", "0..inf", "-inf..inf", "-max..max", "max..max"],
)
@pytest.mark.parametrize("interpolation", ["linear", "midpoint"])
@pytest.mark.parametrize("q", [0.25, 0.5])
def test_interpolating_quantiles_at_the_extremes(
    values: list[float], interpolation: str, q: float
) -> None:
    """Arrow's formulas (``f*hi + (1-f)*lo``, ``lo/2 + hi/2``) as in ``select``: between
    -inf and 0 the answer is -inf, not NaN; between -max and max the midpoint is 0, not inf."""
    df = fr.DataFrame({"k": [1, 1], "x": values})
    e = fr.col("x").quantile(q, interpolation)
    got = df.group_by("k").agg(e)["x"].item()
    expected = df.select(e).item()
    lo, hi = values
    reference = q * hi + (1 - q) * lo if interpolation == "linear" else lo / 2 + hi / 2
    assert math.isnan(expected) == math.isnan(reference)
    if not math.isnan(reference):
        assert expected == reference
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_any_all_of_empty_groups() -> None:
    df = fr.DataFrame({"g": [1, 1, 2], "b": pa.array([None, None, True], pa.bool_())})
    out = df.group_by("g").agg(fr.col("b").any().alias("any"), fr.col("b").all().alias("all"))
    assert out.rows() == [(1, False, True), (2, True, True)]


def test_empty_frame_gives_empty_result_with_schema() -> None:
    df = fr.DataFrame(
        {
            "k": pa.array([], pa.dictionary(pa.int32(), pa.string())),
            "f": pa.array([], pa.float32()),
            "i": pa.array([], pa.int8()),
            "s": pa.array([], pa.string_view()),
        }
    )
    out = df.group_by("k", "f").agg(
        fr.col("i").sum().alias("sum"),
        fr.col("i").mean().alias("mean"),
        fr.col("i").min().alias("min"),
        fr.col("s").first().alias("first"),
        fr.col("i").quantile(0.5).alias("q"),
        fr.len(),
        fr.col("i"),
    )
    assert out.height == 0
    assert out.to_arrow().schema == pa.schema(
        [
            ("k", pa.dictionary(pa.int32(), pa.string())),
            ("f", pa.float32()),
            ("sum", pa.int64()),
            ("mean", pa.float64()),
            ("min", pa.int8()),
            ("first", pa.string_view()),
            ("q", pa.int8()),
            ("len", pa.int64()),
            ("i", pa.large_list(pa.int8())),
        ]
    )


def test_int64_sum_overflow_names_the_column() -> None:
    df = fr.DataFrame({"k": [1, 1, 2], "balance": pa.array([2**63 - 1, 1, -10], pa.int64())})
    with pytest.raises(fr.ComputeError, match="balance"):
        df.group_by("k").agg(fr.col("balance").sum())
    # the whole column fits (2**63 - 10) but group 1 does not: still an error, never a wrap
    assert df.select(fr.col("balance").sum()).item() == 2**63 - 10
    neg = fr.DataFrame({"k": [1, 1], "debt": pa.array([-(2**63), -1], pa.int64())})
    with pytest.raises(fr.ComputeError, match="debt"):
        neg.group_by("k").agg(fr.col("debt").sum())
    u = fr.DataFrame({"k": [1, 1], "u": pa.array([2**63, 2**63], pa.uint64())})
    with pytest.raises(fr.ComputeError, match="u"):
        u.group_by("k").agg(fr.col("u").sum())


@pytest.mark.parametrize("size", [1023, 1024, 1025, 2000, 4095, 4096, 4097, 10_000])
def test_group_sizes_crossing_block_boundaries(size: int) -> None:
    # small int types summed/averaged over large groups (polars once overflowed uint16 means
    # over a 2000-row group); groups are interleaved so each block holds rows of both
    g = np.tile(np.array([1, 2], dtype=np.int64), size)
    u16 = np.where(g == 1, 65535, 1).astype(np.uint16)
    i8 = np.where(g == 1, 127, -128).astype(np.int8)
    df = fr.DataFrame({"g": g, "u16": u16, "i8": i8})
    out = df.group_by("g").agg(
        fr.col("u16").mean().alias("mean"),
        fr.col("u16").sum().alias("sum"),
        fr.col("i8").sum().alias("isum"),
        fr.col("i8").mean().alias("imean"),
        fr.col("u16").var().alias("var"),
        fr.len(),
    )
    assert out.rows() == [
        (1, 65535.0, 65535 * size, 127 * size, 127.0, 0.0, size),
        (2, 1.0, size, -128 * size, -128.0, 0.0, size),
    ]


def test_zero_columns_with_rows_grouped_by_literal() -> None:
    df = fr.DataFrame(pa.table({"a": [1, 2, 3]}).drop_columns(["a"]))
    assert df.shape == (3, 0)
    out = df.group_by(fr.lit(1)).agg(fr.len())
    assert out.rows() == [(1, 3)]


def test_duplicate_output_names_raise() -> None:
    df = fr.DataFrame({"k": [1, 2], "v": [1, 2]})
    with pytest.raises(fr.DuplicateError, match="v"):
        df.group_by("k").agg(fr.col("v").sum(), fr.col("v").max())
    with pytest.raises(fr.DuplicateError, match="k"):
        df.group_by("k").agg(fr.col("v").sum().alias("k"))
    with pytest.raises(fr.DuplicateError, match="v"):
        df.group_by("k").agg(fr.col("v").sum(), v=fr.col("v").min())
    assert issubclass(fr.DuplicateError, fr.FrameError)


def test_named_aggregations() -> None:
    df = fr.DataFrame({"k": [1, 2, 1], "v": [1, 2, 3]})
    out = df.group_by("k").agg(fr.col("v").sum(), total=fr.col("v").sum(), n=fr.len())
    assert out.columns == ["k", "v", "total", "n"]
    assert out.rows() == [(1, 4, 4, 2), (2, 2, 2, 1)]


def test_unknown_key_column_names_close_matches() -> None:
    df = fr.DataFrame({"region": [1], "value": [2]})
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'region'"):
        df.group_by("regoin").agg(fr.len())
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean 'value'"):
        df.group_by("region").agg(fr.col("valeu").sum())


def test_sum_of_string_column_names_column_and_type() -> None:
    df = fr.DataFrame({"k": [1, 1], "label": ["a", "b"]})
    with pytest.raises(fr.FrameError) as info:
        df.group_by("k").agg(fr.col("label").sum())
    msg = str(info.value)
    assert "label" in msg
    assert "str" in msg


def test_key_types_keep_their_type() -> None:
    import datetime as dt
    import decimal

    columns = {
        "b": pa.array([True, None, True], pa.bool_()),
        "u": pa.array([2**64 - 1, 0, 2**64 - 1], pa.uint64()),
        "d": pa.array(
            [decimal.Decimal("1.10"), decimal.Decimal("-0.00"), decimal.Decimal("1.1")],
            pa.decimal128(5, 2),
        ),
        "sv": pa.array(
            ["a string longer than twelve", "", "a string longer than twelve"], pa.string_view()
        ),
        "bin": pa.array([b"\x00", b"", b"\x00"], pa.binary()),
        "dt": pa.array([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1, 1, 1)], pa.date32()),
        "tm": pa.array([dt.time(1), dt.time(2), dt.time(1)], pa.time64("us")),
        "dur": pa.array([5, -5, 5], pa.duration("ns")),
    }
    for name, arr in columns.items():
        df = fr.DataFrame({name: arr, "v": [1, 2, 3]})
        out = df.group_by(name).agg(fr.col("v").sum()).to_arrow()
        assert out.schema.field(name).type == arr.type, name
        assert out.column(name).to_pylist() == [arr[0].as_py(), arr[1].as_py()], name
        assert out.column("v").to_pylist() == [4, 2], name


# ---------------------------------------------------- 5. GroupBy methods, iteration, ordering


@st.composite
def head_tail_tables(draw: st.DrawFn) -> tuple[pa.Table, list[str]]:
    specs = [
        fst.column("x", st.sampled_from([pa.int64(), pa.string()])),
        fst.column(
            "k",
            st.sampled_from([pa.int8(), pa.float64(), pa.string()]),
            cardinality=st.integers(1, 5),
        ),
        fst.column("y", pa.float64()),
    ]
    if draw(st.booleans()):
        specs.append(fst.column("k2", pa.bool_(), cardinality=2))
    table = draw(fst.tables(specs, max_size=30))
    keys = ["k", "k2"] if "k2" in table.column_names else ["k"]
    return table, keys


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=head_tail_tables(), n=st.integers(0, 4), which=st.sampled_from(["head", "tail"]))
def test_head_tail_match_reference(case: tuple[pa.Table, list[str]], n: int, which: str) -> None:
    table, keys = case
    gs = oracle.groups([oracle.physical(table.column(k)) for k in keys], table.num_rows)
    rows = [
        i
        for g in gs
        for i in (g.rows[:n] if which == "head" else g.rows[max(0, len(g.rows) - n) :])
    ]
    others = [c for c in table.column_names if c not in keys]
    expected = take_rows(table, rows).select([*keys, *others])
    got = getattr(fr.DataFrame(table).group_by(*keys), which)(n)
    assert_frame_equal(got, expected, check_exact=True)


def test_head_tail_defaults() -> None:
    df = fr.DataFrame({"v": list(range(8)), "g": [1, 1, 1, 1, 1, 1, 2, 1]})
    assert df.group_by("g").head().rows() == [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (2, 6)]
    assert df.group_by("g").tail().rows() == [(1, 2), (1, 3), (1, 4), (1, 5), (1, 7), (2, 6)]
    assert df.group_by("g").head(1).columns == ["g", "v"]


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=2, max_size=30, values=("vm", "vb")))
def test_len_count_and_shortcuts(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    df = fr.DataFrame(table)
    gb = df.group_by(*keys)
    expected_len = oracle.expected_table(table, keys, [Agg("len", (), "len")])
    assert_frame_equal(gb.len(), expected_len, check_exact=True)
    named = gb.len(name="n").to_arrow()
    assert named.column_names == [*keys, "n"]
    counted = gb.count().to_arrow()
    assert counted.column_names[: len(keys)] == keys
    assert counted.column(len(keys)).to_pylist() == expected_len.column("len").to_pylist()
    values = ["vm", "vb"]
    sub = fr.DataFrame(table.select([*keys, *values]))
    for method in (
        "sum",
        "mean",
        "min",
        "max",
        "first",
        "last",
        "median",
        "n_unique",
        "std",
        "var",
    ):
        got = getattr(sub.group_by(*keys), method)()
        want = sub.group_by(*keys).agg(*(getattr(fr.col(c), method)() for c in values))
        assert_frame_equal(got, want, check_exact=True)


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=head_tail_tables())
def test_iteration_yields_groups_in_order(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    gs = oracle.groups([oracle.physical(table.column(k)) for k in keys], table.num_rows)
    got = list(fr.DataFrame(table).group_by(*keys))
    assert len(got) == len(gs)
    for (key, sub), g in zip(got, gs):
        assert isinstance(key, tuple)
        expected_key = tuple(take_rows(table.select(keys), [g.rows[0]]).to_pylist()[0].values())
        assert [oracle.canonical(v) for v in key] == [oracle.canonical(v) for v in expected_key]
        assert_frame_equal(sub, take_rows(table, g.rows), check_exact=True)


def test_iteration_example() -> None:
    df = fr.DataFrame({"g": ["b", "a", "b"], "v": [1, 2, 3]})
    got = [(key, sub.rows()) for key, sub in df.group_by("g")]
    assert got == [(("b",), [("b", 1), ("b", 3)]), (("a",), [("a", 2)])]


@settings(deadline=None)  # kernels are threaded: timings vary on shared CI
@given(case=group_tables(max_keys=2, max_size=30, values=("vi",)))
def test_maintain_order_false_same_groups(case: tuple[pa.Table, list[str]]) -> None:
    table, keys = case
    df = fr.DataFrame(table)
    aggs = [fr.len(), fr.col("vi").min().alias("mn")]
    ordered = df.group_by(*keys, maintain_order=True).agg(*aggs)
    assert_frame_equal(df.group_by(*keys).agg(*aggs), ordered, check_exact=True)
    loose = df.group_by(*keys, maintain_order=False).agg(*aggs)
    assert_frame_equal(loose, ordered, check_row_order=False)


def test_sort_true_order_rules() -> None:
    df = fr.DataFrame(
        {
            "f": [2.0, NAN, -0.0, None, -1.0, 0.0, NAN_NEG],
            "s": ["é", "z", "e\u0301", None, "a", "Z", "😀"],
        }
    )
    out = df.group_by("f", sort=True).agg(fr.len())
    keys = out["f"].to_list()
    assert keys[0] is None and keys[1:3] == [-1.0, -0.0] and keys[3] == 2.0 and math.isnan(keys[4])
    assert math.copysign(1.0, keys[2]) == -1.0  # first row's key of the {-0.0, 0.0} group
    assert out["len"].to_list() == [1, 1, 2, 1, 2]
    strings = df.group_by("s", sort=True).agg(fr.len())["s"].to_list()
    assert strings == [
        None,
        *sorted(["é", "z", "e\u0301", "a", "Z", "😀"], key=lambda s: s.encode()),
    ]
    cat = fr.DataFrame(
        {
            "c": pa.DictionaryArray.from_arrays(
                pa.array([0, 1, 2, 0], pa.int32()), pa.array(["z", "a", "m"])
            )
        }
    )
    assert cat.group_by("c", sort=True).agg(fr.len()).rows() == [("a", 1), ("m", 1), ("z", 2)]


def _large_key(kind: str, rng: np.random.Generator, n: int) -> pa.ChunkedArray:
    codes = rng.integers(0, 700, n)
    nulls = rng.random(n) < 0.05
    if kind == "int64":
        values = pa.array(codes * 1_000_003 - 2**62, pa.int64(), mask=nulls)
    elif kind == "float64":
        pool = np.array([0.0, -0.0, *NAN_PAYLOADS, INF, -INF, *np.arange(1.5, 700.0)])
        values = pa.array(pool[codes % len(pool)], pa.float64(), mask=nulls)
    elif kind == "string":
        values = pa.array([f"key-{c:05d}-long-enough-for-views" for c in codes], mask=nulls)
    else:  # per-chunk dictionaries
        plain = pa.array([f"k{c}" for c in codes], mask=nulls)
        cut = n // 3
        return pa.chunked_array(
            [plain.slice(0, cut).dictionary_encode(), plain.slice(cut).dictionary_encode()]
        )
    cut = n // 2 + 7
    return pa.chunked_array([values.slice(0, cut), values.slice(cut)])


@pytest.mark.parametrize("kind", ["int64", "float64", "string", "dictionary"])
def test_large_frame_matches_reference(kind: str) -> None:
    """Sizes past the parallel threshold (200k) with ~700 groups and 5% null keys."""
    rng = np.random.default_rng(11)
    n = 250_000
    ints = rng.integers(-(10**12), 10**12, n)
    floats = rng.integers(-4000, 4000, n) / 4
    table = pa.table(
        {
            "k": _large_key(kind, rng, n),
            "vi": pa.array(ints, pa.int64(), mask=rng.random(n) < 0.1),
            "vm": pa.array(floats, pa.float64(), mask=rng.random(n) < 0.1),
            "vs": pa.array(rng.integers(0, 50, n).astype(str)),
        }
    )
    aggs = [
        Agg("len", (), "len"),
        Agg("sum", ("vi",), "sum"),
        Agg("count", ("vi",), "count"),
        Agg("min", ("vi",), "min"),
        Agg("max", ("vm",), "max"),
        Agg("first", ("vm",), "first"),
        Agg("last", ("vi",), "last"),
        Agg("mean", ("vm",), "mean"),
        Agg("n_unique", ("vs",), "n_unique"),
        Agg("arg_max", ("vi",), "arg_max"),
        Agg("quantile", ("vm",), "q", q=0.3, interpolation="lower"),
    ]
    assert_matches_reference(table, ["k"], aggs)


# ----------------------------------------------------------------------------- 7. threads


def test_concurrent_group_by_on_a_shared_frame() -> None:
    rng = np.random.default_rng(7)
    n = 300_000
    df = fr.DataFrame(
        {
            "k": rng.integers(0, 5000, n),
            "s": pa.array(rng.integers(0, 300, n).astype(str)),
            "v": rng.normal(size=n),
            "i": rng.integers(-1000, 1000, n),
        }
    )

    def run() -> pa.Table:
        return (
            df.group_by("k", "s")
            .agg(
                fr.col("v").sum().alias("sum"),
                fr.col("v").mean().alias("mean"),
                fr.col("i").max().alias("max"),
                fr.col("v").median().alias("median"),
                fr.col("i").n_unique().alias("nu"),
                fr.len(),
            )
            .to_arrow()
        )

    serial = run()
    barrier = threading.Barrier(4)

    def worker(_: int) -> pa.Table:
        barrier.wait()
        return run()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(worker, range(4)))
    for r in results:
        assert_frame_equal(r, serial, check_exact=True)


def test_selectors_in_agg_expand_over_the_non_key_columns() -> None:
    df = fr.DataFrame({"g": [1, 1, 2], "a": [1, 2, 3], "b": [1.0, 2.0, 3.0]})
    assert df.group_by("g").agg(fr.all().sum()).rows() == [(1, 3, 3.0), (2, 3, 3.0)]
    assert df.group_by("g").agg(fr.col("a", "b").max()).columns == ["g", "a", "b"]
    # a key can still be aggregated by name
    assert df.group_by("g").agg(fr.col("g").count().alias("n")).rows() == [(1, 2), (2, 1)]
