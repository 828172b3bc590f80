"""select / with_columns and the expressions they evaluate.

Contract under test (frame/dataframe.py, frame/expr.py): outputs are named by alias or the
leftmost input column; duplicate output names are an error; aggregations and literals are
broadcast when mixed with full columns (alone they give one row); every expression of one
call sees the input frame; integer arithmetic is checked (overflow raises ComputeError);
``//`` and ``%`` follow Python (floor) semantics; ``sum`` widens to int64/uint64 and raises on
overflow; ``mean`` is float64; ``min``/``max`` ignore NaN unless all values are NaN;
``n_unique`` counts null once, all NaNs once and -0.0 == 0.0.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, assert_series_equal
from frame.testing import strategies as fst


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


SNAN = _f64(0x7FF0000000000001)  # signalling NaN
NAN = float("nan")


@pytest.fixture
def df() -> fr.DataFrame:
    return fr.DataFrame({"a": [1, 2, None], "b": [1.5, NAN, None], "s": ["x", None, "é"]})


# ------------------------------------------------------------------ naming and shapes


def test_select_names_and_order(df: fr.DataFrame) -> None:
    out = df.select("s", fr.col("b") * 2, (fr.col("b") * 2).alias("b2"), fr.col("a") + fr.col("b"))
    assert out.columns == ["s", "b", "b2", "a"]
    assert out["a"].to_list()[0] == 2.5
    assert df.select(x=fr.col("a")).columns == ["x"]


def test_keyword_string_is_a_column_name(df: fr.DataFrame) -> None:
    # regression: positional strings are column names (select("s")) but a keyword string became a
    # string literal: select(y="s") gives a column of "s" strings; polars reads it as col("s")
    assert df.select(y="s")["y"].to_list() == ["x", None, "é"]
    assert df.with_columns(t="a")["t"].to_list() == [1, 2, None]


def test_duplicate_output_names(df: fr.DataFrame) -> None:
    with pytest.raises(fr.DuplicateError, match="'a' appears more than once"):
        df.select("a", "a")
    with pytest.raises(fr.DuplicateError, match="'a' appears more than once"):
        df.select("a", fr.col("a") + fr.col("b"))
    with pytest.raises(fr.DuplicateError):
        df.select(fr.col("a").sum(), fr.col("a").mean())
    assert df.select(fr.col("a").sum(), fr.col("a").mean().alias("m")).columns == ["a", "m"]


def test_multi_column_selectors(df: fr.DataFrame) -> None:
    assert df.select(fr.col("*")).columns == ["a", "b", "s"]
    assert df.select(fr.all()).columns == ["a", "b", "s"]
    doubled = df.select(fr.col("a", "b") * 2)
    assert doubled.columns == ["a", "b"]
    assert doubled["a"].to_list() == [2, 4, None]
    assert df.select(fr.col(pa.float64())).columns == ["b"]
    with pytest.raises(fr.ColumnNotFoundError, match="'zz' not found"):
        df.select(fr.col("a", "zz"))


def test_with_columns_replaces_in_place_and_appends(df: fr.DataFrame) -> None:
    out = df.with_columns(fr.col("a") * 10, c=fr.lit("k"))
    assert out.columns == ["a", "b", "s", "c"]
    assert out["a"].to_list() == [10, 20, None]
    assert out["c"].to_list() == ["k", "k", "k"]


def test_expressions_see_the_input_frame(df: fr.DataFrame) -> None:
    out = df.with_columns((fr.col("a") * 2).alias("a"), (fr.col("a") + 1).alias("a_plus"))
    assert out["a_plus"].to_list() == [2, 3, None]


def test_broadcasting(df: fr.DataFrame) -> None:
    out = df.select("a", fr.col("a").sum().alias("total"), fr.lit(0.5).alias("w"))
    assert out.rows() == [(1, 3, 0.5), (2, 3, 0.5), (None, 3, 0.5)]
    assert df.select(fr.lit(1)).shape == (1, 1)
    assert df.select(fr.col("a").max(), fr.len()).rows() == [(2, 3)]


def test_empty_frame(df: fr.DataFrame) -> None:
    empty = df.clear()
    assert empty.select("a", fr.col("a").sum().alias("t")).shape == (0, 2)
    aggs = empty.select(
        fr.col("a").sum(),
        fr.col("b").mean(),
        fr.col("s").min(),
        fr.col("a").count().alias("n"),
        fr.col("a").n_unique().alias("u"),
        fr.len(),
    )
    assert aggs.rows() == [(0, None, None, 0, 0, 0)]
    assert empty.with_columns(fr.lit(1).alias("z")).shape == (0, 4)
    assert df.select().shape == (0, 0)


def test_length_mismatch(df: fr.DataFrame) -> None:
    with pytest.raises(fr.ShapeError, match="produced 2 rows but the frame has 3"):
        df.with_columns(fr.Series("z", [1, 2]))


def test_sliced_and_chunked_inputs() -> None:
    table = pa.table(
        {
            "a": pa.chunked_array([pa.array([9, 9, 1, 2]).slice(2), pa.array([3, None])]),
            "b": pa.chunked_array([[10], [20, 30, 40]]),
        }
    )
    out = fr.DataFrame(table).select((fr.col("a") + fr.col("b")).alias("c"), fr.col("a").sum())
    assert out.rows() == [(11, 6), (22, 6), (33, 6), (None, 6)]


# --------------------------------------------------------------------------- arithmetic


def test_literal_keeps_column_type() -> None:
    d = fr.DataFrame(
        {
            "i32": pa.array([1], pa.int32()),
            "f32": pa.array([1.0], pa.float32()),
            "u8": pa.array([1], pa.uint8()),
        }
    )
    out = d.select(fr.col("i32") + 1, fr.col("f32") * 0.5, fr.col("u8") + 1)
    assert out.dtypes == [pa.int32(), pa.float32(), pa.uint8()]


@pytest.mark.parametrize(
    ("values", "expr"),
    [
        (pa.array([2**63 - 1], pa.int64()), fr.col("x") + 1),
        (pa.array([-(2**63)], pa.int64()), fr.col("x") - 1),
        (pa.array([2**62], pa.int64()), fr.col("x") * 4),
        (pa.array([255], pa.uint8()), fr.col("x") + 1),
        (pa.array([0], pa.uint32()), fr.col("x") - 1),
        (pa.array([-(2**63)], pa.int64()), -fr.col("x")),
        (pa.array([-(2**63)], pa.int64()), fr.col("x").abs()),
        (pa.array([1], pa.int64()), fr.col("x") // 0),
    ],
    ids=["add", "sub", "mul", "uint8", "uint-underflow", "neg", "abs", "floordiv-zero"],
)
def test_integer_overflow_raises(values: pa.Array, expr: fr.Expr) -> None:
    with pytest.raises(fr.ComputeError):
        fr.DataFrame({"x": values}).select(expr)


def test_true_division() -> None:
    d = fr.DataFrame({"a": [1, -1, 0, None], "b": [0, 0, 0, 1]})
    out = d.select(fr.col("a") / fr.col("b"))["a"].to_list()
    assert out[:2] == [math.inf, -math.inf]
    assert math.isnan(out[2]) and out[3] is None


@pytest.mark.parametrize(
    ("a", "b"), [(7, 3), (-7, 3), (7, -3), (-7, -3), (0, -5), (-(2**63), 1), (2**63 - 1, -1)]
)
def test_floordiv_mod_follow_python(a: int, b: int) -> None:
    d = fr.DataFrame({"a": [a], "b": [b]})
    out = d.select((fr.col("a") // fr.col("b")).alias("q"), (fr.col("a") % fr.col("b")).alias("r"))
    assert out.row(0) == (a // b, a % b)


def test_floordiv_mod_uint64_above_int64_max() -> None:
    # regression: // and % on uint64 columns raised ComputeError ("Integer value 18446744073709551615
    # not in range") once a divisor is >= 2**63: the sign checks compare against int64 zero
    a = pa.array([0, 2**63, 7, 2**64 - 1], pa.uint64())
    b = pa.array([2**64 - 1, 3, 2**63, 2**64 - 1], pa.uint64())
    out = fr.DataFrame({"a": a, "b": b}).select(
        (fr.col("a") // fr.col("b")).alias("q"), (fr.col("a") % fr.col("b")).alias("r")
    )
    assert out["q"].to_list() == [x // y for x, y in zip(a.to_pylist(), b.to_pylist())]
    assert out["r"].to_list() == [x % y for x, y in zip(a.to_pylist(), b.to_pylist())]


# ------------------------------------------------------------------------- aggregations


def test_sum_widens_and_checks_overflow() -> None:
    assert (
        fr.DataFrame({"a": pa.array([100, 100], pa.int8())}).select(fr.col("a").sum()).item() == 200
    )
    big = fr.DataFrame({"a": pa.array([2**63, 2**63 - 1], pa.uint64())})
    assert big.select(fr.col("a").sum()).item() == 2**64 - 1
    assert fr.DataFrame({"a": [-(2**63), 1]}).select(fr.col("a").sum()).item() == -(2**63) + 1
    with pytest.raises(fr.ComputeError, match="overflows int64"):
        fr.DataFrame({"a": [2**62, 2**62]}).select(fr.col("a").sum())
    assert fr.DataFrame({"a": [True, None, True]}).select(fr.col("a").sum()).item() == 2
    assert fr.DataFrame({"a": pa.nulls(2, pa.int64())}).select(fr.col("a").sum()).item() == 0


@pytest.mark.parametrize("value", [2**53 + 1, -(2**63)])
def test_mean_of_large_int64(value: int) -> None:
    # regression: mean() cast int64 to float64 with a *safe* cast, which refuses integers beyond
    # 2**53, so the mean of large int64 values raises ComputeError instead of returning float64
    d = fr.DataFrame({"a": pa.array([value, value], pa.int64())})
    assert d.select(fr.col("a").mean()).item() == pytest.approx(float(value))


def test_mean_of_large_uint64() -> None:
    d = fr.DataFrame({"a": pa.array([2**64 - 1], pa.uint64())})
    assert d.select(fr.col("a").mean()).item() == pytest.approx(2.0**64)


@pytest.mark.parametrize(
    "values",
    [
        [0.0, NAN, 5.0],
        [NAN, 0.0, 5.0],
        [-0.0, SNAN, 5.0],
        [0.0, SNAN],
        [SNAN, 1.0, -2.0],
    ],
    ids=["nan-middle", "nan-first", "snan-middle", "snan-last", "snan-first"],
)
def test_min_max_ignore_every_nan(values: list[float]) -> None:
    # regression (snan-*): with a signalling NaN (0x7FF0000000000001) in the column, min/max return
    # NaN or a wrong value (min of [-0.0, sNaN, 5.0] is 5.0); frame inherits pyarrow's min_max
    # here. The docstring promises NaN is ignored unless every value is NaN.
    d = fr.DataFrame({"f": values})
    numbers = [v for v in values if not math.isnan(v)]
    got = d.select(fr.col("f").min().alias("lo"), fr.col("f").max().alias("hi")).row(0)
    assert got == (min(numbers), max(numbers))


def test_min_max_all_nan_and_empty() -> None:
    assert math.isnan(fr.DataFrame({"f": [NAN, NAN]}).select(fr.col("f").min()).item())
    assert (
        fr.DataFrame({"f": pa.array([None], pa.float64())}).select(fr.col("f").max()).item() is None
    )


def _int_reference(values: list[int | None], dtype: pa.DataType) -> dict[str, Any]:
    vals = [v for v in values if v is not None]
    return {
        "sum": sum(vals),
        "min": min(vals) if vals else None,
        "max": max(vals) if vals else None,
        "count": len(vals),
        "null_count": len(values) - len(vals),
        "n_unique": len(set(values)),
        "first": values[0] if values else None,
        "last": values[-1] if values else None,
    }


@given(arr=fst.arrays(fst.arrow_types(allowed=["integer"])))
def test_integer_aggregations_match_python(arr: pa.Array) -> None:
    d = fr.DataFrame({"x": arr})
    ref = _int_reference(arr.to_pylist(), arr.type)
    unsigned = pa.types.is_unsigned_integer(arr.type)
    lo, hi = (0, 2**64 - 1) if unsigned else (-(2**63), 2**63 - 1)
    if lo <= ref["sum"] <= hi:
        assert d.select(fr.col("x").sum()).item() == ref["sum"]
    else:
        with pytest.raises(fr.ComputeError, match="overflows"):
            d.select(fr.col("x").sum())
    for name in ("min", "max", "count", "null_count", "n_unique", "first", "last"):
        got = d.select(getattr(fr.col("x"), name)()).item()
        assert got == ref[name], name


@given(arr=fst.arrays(fst.arrow_types(allowed=["integer"]), allow_null=True))
def test_integer_mean_matches_python(arr: pa.Array) -> None:
    vals = [v for v in arr.to_pylist() if v is not None]
    got = fr.DataFrame({"x": arr}).select(fr.col("x").mean()).item()
    if vals:
        assert got == pytest.approx(sum(vals) / len(vals), rel=1e-9)
    else:
        assert got is None


def _canon(v: float) -> Any:
    return "nan" if math.isnan(v) else v + 0.0


@given(arr=fst.arrays(fst.arrow_types(allowed=["float"])))
def test_float_aggregations_match_python(arr: pa.Array) -> None:
    values = arr.to_pylist()
    vals = [v for v in values if v is not None]
    d = fr.DataFrame({"x": arr})
    numbers = [v for v in vals if not math.isnan(v)]
    lo, hi = d.select(fr.col("x").min().alias("lo"), fr.col("x").max().alias("hi")).row(0)
    if numbers:
        assert lo == min(numbers) and hi == max(numbers)
    elif vals:
        assert math.isnan(lo) and math.isnan(hi)
    else:
        assert lo is None and hi is None
    expected_unique = len({_canon(v) for v in vals}) + (len(vals) < len(values))
    assert d.select(fr.col("x").n_unique()).item() == expected_unique
    total = d.select(fr.col("x").sum()).item()
    if any(math.isnan(v) for v in vals) or (math.inf in vals and -math.inf in vals):
        assert math.isnan(total)
    elif numbers and all(math.isfinite(v) for v in vals) and max(abs(v) for v in vals) < 1e300:
        assert total == pytest.approx(
            math.fsum(vals), rel=1e-6, abs=1e-6 * max(abs(v) for v in vals)
        )


# -------------------------------------------------------------------- polars as oracle

SMALL = st.integers(-1000, 1000)


@given(
    table=fst.tables(
        [
            fst.column("a", pa.int64(), values=SMALL),
            fst.column("b", pa.int64(), values=SMALL),
            fst.column("s", pa.string(), cardinality=3),
        ]
    ),
    data=st.data(),
)
def test_expressions_match_polars(table: pa.Table, data: st.DataObject) -> None:
    pl = pytest.importorskip("polars")
    k = data.draw(SMALL)
    nonzero = data.draw(SMALL.filter(bool))
    pairs = {
        "add": (fr.col("a") + fr.col("b"), pl.col("a") + pl.col("b")),
        "sub_lit": (fr.col("a") - k, pl.col("a") - k),
        "mul": (fr.col("a") * fr.col("b"), pl.col("a") * pl.col("b")),
        "floordiv": (fr.col("a") // nonzero, pl.col("a") // nonzero),
        "mod": (fr.col("a") % nonzero, pl.col("a") % nonzero),
        "lt": (fr.col("a") < fr.col("b"), pl.col("a") < pl.col("b")),
        "eq_str": (fr.col("s") == "x", pl.col("s") == "x"),
        "and_or": (
            (fr.col("a") > 0) & (fr.col("b") < 0) | fr.col("s").is_null(),
            (pl.col("a") > 0) & (pl.col("b") < 0) | pl.col("s").is_null(),
        ),
        "fill_null": (fr.col("a").fill_null(k), pl.col("a").fill_null(k)),
        "is_in": (fr.col("a").is_in([k, 0]), pl.col("a").is_in([k, 0])),
        "when": (
            fr.when(fr.col("a") > k).then(fr.col("b")).otherwise(fr.col("a")),
            pl.when(pl.col("a") > k).then(pl.col("b")).otherwise(pl.col("a")),
        ),
        "abs_neg": (-fr.col("a").abs(), -pl.col("a").abs()),
        "clip": (fr.col("a").clip(-10, 10), pl.col("a").clip(-10, 10)),
        "sum": (fr.col("a").sum(), pl.col("a").sum()),
        "count": (fr.col("s").count(), pl.col("s").count()),
        "n_unique": (fr.col("s").n_unique(), pl.col("s").n_unique()),
        "min_str": (fr.col("s").min(), pl.col("s").min()),
    }
    name = data.draw(st.sampled_from(sorted(pairs)))
    ours, theirs = pairs[name]
    got = fr.DataFrame(table).select(ours.alias("r"))["r"].to_list()
    expected = pl.from_arrow(table).select(theirs.alias("r"))["r"].to_list()
    assert got == expected, name


@given(
    table=fst.tables(
        [
            fst.column(
                "a",
                fst.arrow_types(
                    allowed=[pa.int16(), pa.int32(), pa.int64(), pa.uint32(), pa.uint64()]
                ),
                values=st.integers(0, 1000),
            ),
            fst.column("f", pa.float64()),
        ]
    ),
    data=st.data(),
)
def test_invariant_under_rechunking(table: pa.Table, data: st.DataObject) -> None:
    n = table.num_rows
    sizes = data.draw(st.lists(st.integers(0, n), max_size=3))
    cols = []
    for col in table.columns:
        arr = col.combine_chunks()
        pieces, start = [], 0
        for size in sizes:
            pieces.append(arr.slice(start, size))
            start += size
        pieces.append(arr.slice(start))
        cols.append(pa.chunked_array(pieces, type=arr.type))
    rechunked = pa.Table.from_arrays(cols, schema=table.schema)
    exprs = [
        (fr.col("a") * 2).alias("a2"),
        fr.col("f").fill_nan(0.0).alias("g"),
        fr.col("a").sum().alias("s"),
        fr.col("f").is_nan().alias("nan"),
        fr.col("a").cast(pa.float64()).alias("af"),
    ]
    expected = fr.DataFrame(table.combine_chunks()).select(exprs)
    assert_frame_equal(fr.DataFrame(rechunked).select(exprs), expected, check_exact=True)
    assert_frame_equal(fr.DataFrame(table).select(exprs), expected, check_exact=True)


@given(
    arr=fst.arrays(fst.arrow_types(allowed=["numeric", "string", "temporal", "bool"]), min_size=1)
)
def test_series_methods_agree_with_expressions(arr: pa.Array) -> None:
    s = fr.Series("x", arr)
    d = fr.DataFrame({"x": arr})
    assert_series_equal(s.is_null(), d.select(fr.col("x").is_null())["x"])
    assert s.null_count() == d.select(fr.col("x").null_count()).item() == arr.null_count
    assert s.count() == len(arr) - arr.null_count
    assert s.len() == len(arr)
    np.testing.assert_array_equal(s.is_null().to_numpy(), np.array(arr.is_null().to_pylist()))


def test_round_floats_ties_to_even_and_keeps_ints() -> None:
    # regression: round() passed an invalid pyarrow round_mode and failed on every float column
    d = fr.DataFrame({"f": [0.5, 1.5, 2.5, -0.5, None], "i": [1, 2, 3, 4, 5]})
    out = d.select(fr.col("f").round(), fr.col("i").round(2))
    assert out["f"].to_list() == [0.0, 2.0, 2.0, -0.0, None]
    assert out["i"].to_list() == [1, 2, 3, 4, 5]
    assert fr.DataFrame({"f": [1.25, 1.35]}).select(fr.col("f").round(1))["f"].to_list() == [1.2, 1.4]


def test_fill_null_strategies_on_categoricals_across_chunks() -> None:
    # regression: forward/backward fill raised SchemaError on dictionary columns (no pyarrow
    # kernel); fills must also carry across chunk boundaries
    c = pa.chunked_array(
        [pa.array(["a", None]).dictionary_encode(), pa.array([None, "b", None]).dictionary_encode()]
    )
    d = fr.DataFrame({"c": c, "i": pa.chunked_array([[1, None], [None, 3, None]])})
    fwd = d.select(fr.col("c").fill_null(strategy="forward"), fr.col("i").fill_null(strategy="forward"))
    assert fwd.rows() == [("a", 1), ("a", 1), ("a", 1), ("b", 3), ("b", 3)]
    assert pa.types.is_dictionary(fwd.dtypes[0])
    bwd = d.select(fr.col("c").fill_null(strategy="backward"))
    assert bwd["c"].to_list() == ["a", "b", "b", "b", None]
