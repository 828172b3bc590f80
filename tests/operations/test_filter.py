"""DataFrame.filter: edge cases, property tests against pyarrow/polars/pandas and metamorphic
checks (TLP, NoREC, chunking/slicing invariance).

Contract under test (frame/dataframe.py): rows where every predicate is true are kept in
order; a null predicate drops the row; comparisons are IEEE (NaN compares false, -0.0 == 0.0).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame.testing import assert_frame_equal, assert_series_equal, rechunk
from frame.testing import strategies as fst

# --------------------------------------------------------------------------------- helpers


def take_rows(table: pa.Table, indices: list[int]) -> pa.Table:
    """Reference gather (pyarrow 26 has no take kernel for string_view)."""
    idx = pa.array(indices, pa.int64())
    cols = []
    for col in table.columns:
        arr = col.combine_chunks()
        if pa.types.is_string_view(arr.type):
            cols.append(arr.cast(pa.large_string()).take(idx).cast(arr.type))
        else:
            cols.append(arr.take(idx))
    return pa.Table.from_arrays(cols, schema=table.schema)


def pa_filter(table: pa.Table, mask: pa.Array) -> pa.Table:
    """pyarrow's Table.filter (null drops), going around its missing string_view kernel."""
    views = [i for i, t in enumerate(table.schema.types) if pa.types.is_string_view(t)]
    work = table
    for i in views:
        name = table.field(i).name
        work = work.set_column(i, name, table.column(i).cast(pa.large_string()))
    out = work.filter(mask, null_selection_behavior="drop")
    for i in views:
        out = out.set_column(i, table.field(i), out.column(i).cast(pa.string_view()))
    return out


def check_output(df: fr.DataFrame) -> pa.Table:
    """frame's output contract: valid Arrow with correct null counts."""
    table = df.to_arrow()
    table.validate(full=True)
    for col in table.columns:
        for chunk in col.chunks:
            if not pa.types.is_dictionary(chunk.type):
                assert chunk.null_count == chunk.is_null().true_count
    return table


def true_rows(mask: pa.Array | pa.ChunkedArray) -> list[int]:
    return [i for i, v in enumerate(mask.to_pylist()) if v is True]




# ------------------------------------------------------------------ hand-written examples


@pytest.fixture
def df() -> fr.DataFrame:
    return fr.DataFrame(
        {
            "i": [1, 5, None, 9, -3],
            "f": [1.5, float("nan"), -0.0, None, 0.0],
            "s": ["x", "é", None, "e\u0301", ""],
            "b": [True, None, False, True, False],
        }
    )


def test_empty_frame(df: fr.DataFrame) -> None:
    empty = df.clear()
    out = empty.filter(fr.col("i") > 0)
    assert out.shape == (0, 4)
    assert out.schema == df.schema
    check_output(out)


def test_all_null_predicate(df: fr.DataFrame) -> None:
    assert df.filter(fr.lit(None, fr.Boolean)).shape == (0, 4)
    assert df.filter(fr.lit(None)).shape == (0, 4)
    assert df.filter(pa.nulls(5, pa.bool_())).shape == (0, 4)
    all_null_column = df.with_columns(fr.lit(None, fr.Boolean).alias("m"))
    assert all_null_column.filter(fr.col("m")).shape == (0, 5)


def test_all_true_and_all_false(df: fr.DataFrame) -> None:
    assert_frame_equal(df.filter(fr.lit(True)), df)
    assert df.filter(False).height == 0
    assert_frame_equal(df.filter([True] * 5), df)


def test_null_predicate_drops_row(df: fr.DataFrame) -> None:
    out = df.filter(fr.col("b"))
    assert out["i"].to_list() == [1, 9]


@pytest.mark.parametrize("keep", [True, False, None], ids=["true", "false", "null"])
def test_single_row(keep: bool | None) -> None:
    one = fr.DataFrame({"a": [7], "s": ["z"]})
    out = one.filter(pa.array([keep], pa.bool_()))
    assert out.rows() == ([(7, "z")] if keep else [])
    check_output(out)


def test_nan_and_signed_zero(df: fr.DataFrame) -> None:
    assert df.filter(fr.col("f") == 0.0)["f"].to_list() == [-0.0, 0.0]
    assert df.filter(fr.col("f").is_nan())["i"].to_list() == [5]
    assert df.filter(fr.col("f").is_null())["i"].to_list() == [9]
    # NaN is not null and null is not NaN
    assert df.filter(fr.col("f").is_not_null()).height == 4


def test_unicode_is_bytewise(df: fr.DataFrame) -> None:
    # NFC "é" and NFD "e\u0301" are different strings; "" is not null
    assert df.filter(fr.col("s") == "é")["i"].to_list() == [5]
    assert df.filter(fr.col("s") == "e\u0301")["i"].to_list() == [9]
    assert df.filter(fr.col("s") == "")["i"].to_list() == [-3]


@pytest.mark.parametrize("dtype", [pa.string(), pa.large_string(), pa.string_view()], ids=str)
def test_string_view_compares_with_str_literal(dtype: pa.DataType) -> None:
    # regression: string_view == "x" raised SchemaError (pyarrow has no string_view/string kernel
    # the literal is not adapted to the column type); string and large_string work
    d = fr.DataFrame({"s": pa.array(["x", None, "a string longer than twelve bytes"], dtype)})
    assert d.filter(fr.col("s") == "x").height == 1
    assert d.filter(fr.col("s") == "a string longer than twelve bytes").height == 1
    assert d.filter(fr.col("s").is_in(["x"])).height == 1


def test_nul_bytes_in_strings() -> None:
    d = fr.DataFrame({"s": ["a\x00b", "a", "a\x00"]})
    assert d.filter(fr.col("s") == "a")["s"].to_list() == ["a"]
    assert d.filter(fr.col("s") == "a\x00b")["s"].to_list() == ["a\x00b"]


@pytest.mark.parametrize("offset", range(10))
def test_sliced_input_every_bit_offset(offset: int) -> None:
    n = 70
    values = [None if i % 7 == 3 else i for i in range(n + 10)]
    strings = [None if i % 5 == 1 else f"s{i}" * (i % 4) for i in range(n + 10)]
    flags = [None if i % 11 == 0 else i % 3 == 0 for i in range(n + 10)]
    parent = pa.table(
        {
            "i": pa.array(values, pa.int64()),
            "s": pa.array(strings, pa.string()),
            "v": pa.array(strings, pa.string_view()),
            "b": pa.array(flags, pa.bool_()),
        }
    )
    table = parent.slice(offset, n)
    mask = pa.array([(i * 7) % 3 != 0 if i % 13 else None for i in range(n)], pa.bool_())
    out = check_output(fr.DataFrame(table).filter(mask))
    assert_frame_equal(out, take_rows(table, true_rows(mask)), check_exact=True)


def test_predicate_chunks_differ_from_column_chunks() -> None:
    table = pa.table(
        {
            "a": pa.chunked_array([[1, 2], [3, 4, 5]]),
            "k": pa.chunked_array([[0], [1, 0, 1], [1]]),
            "s": pa.chunked_array([["a", "b", "c", "d"], [], ["e"]]),
        }
    )
    out = check_output(fr.DataFrame(table).filter(fr.col("k") == 1))
    assert out.to_pylist() == [
        {"a": 2, "k": 1, "s": "b"},
        {"a": 4, "k": 1, "s": "d"},
        {"a": 5, "k": 1, "s": "e"},
    ]


def test_chunked_mask() -> None:
    d = fr.DataFrame({"a": pa.chunked_array([[1, 2, 3], [4]])})
    mask = fr.Series("m", pa.chunked_array([[True], [False, True, None]]))
    assert d.filter(mask)["a"].to_list() == [1, 3]


@pytest.mark.parametrize(
    "mask",
    [
        [True, False, True, False, True],
        np.array([True, False, True, False, True]),
        pa.array([True, False, True, False, True]),
        fr.Series("m", [True, False, True, False, True]),
    ],
    ids=["list", "numpy", "pyarrow", "series"],
)
def test_mask_kinds(df: fr.DataFrame, mask: object) -> None:
    assert df.filter(mask)["i"].to_list() == [1, None, -3]


def test_several_predicates_and_constraints(df: fr.DataFrame) -> None:
    out = df.filter(fr.col("i") > 0, fr.col("b"), s="x")
    assert out["i"].to_list() == [1]
    assert df.filter([fr.col("i") > 0, fr.col("i") < 9])["i"].to_list() == [1, 5]


def test_predicate_with_aggregation(df: fr.DataFrame) -> None:
    assert df.filter(fr.col("i") == fr.col("i").max())["i"].to_list() == [9]


def test_mask_length_mismatch(df: fr.DataFrame) -> None:
    with pytest.raises(fr.ShapeError, match="mask has 2 rows but the frame has 5"):
        df.filter(pa.array([True, False]))


def test_non_boolean_predicate(df: fr.DataFrame) -> None:
    with pytest.raises(fr.SchemaError, match="must be boolean, got i64"):
        df.filter(fr.col("i"))


def test_zero_width_frame_keeps_height() -> None:
    d = fr.DataFrame({"a": [1, 2, 3]}).drop("a")
    out = d.filter(pa.array([True, False, True]))
    assert out.shape == (2, 0)


def test_dictionary_and_null_typed_columns() -> None:
    d = fr.DataFrame(
        {
            "c": pa.array(["u", "v", None, "u"]).dictionary_encode(),
            "n": pa.nulls(4),
            "k": [1, 2, 3, 4],
        }
    )
    out = check_output(d.filter(fr.col("k") % 2 == 0))
    assert out.schema == d.to_arrow().schema
    assert out.column("c").to_pylist() == ["v", "u"]
    assert out.column("n").null_count == 2
    assert d.filter(fr.col("c") == "u")["k"].to_list() == [1, 4]


def test_input_is_not_modified(df: fr.DataFrame) -> None:
    before = df.to_arrow()
    df.filter(fr.col("i") > 1)
    assert df.to_arrow() is before
    assert df.height == 5


# ------------------------------------------------------------------------ property tests


@given(table=fst.tables(), data=st.data())
def test_matches_pyarrow_filter(table: pa.Table, data: st.DataObject) -> None:
    mask = data.draw(fst.arrays(pa.bool_(), min_size=table.num_rows, max_size=table.num_rows))
    out = check_output(fr.DataFrame(table).filter(mask))
    assert_frame_equal(out, pa_filter(table, mask), check_exact=True)
    assert_frame_equal(out, take_rows(table, true_rows(mask)), check_exact=True)


@given(table=fst.tables(max_cols=3), data=st.data())
def test_mask_column_matches_mask_argument(table: pa.Table, data: st.DataObject) -> None:
    mask = data.draw(
        fst.chunked_arrays(pa.bool_(), min_size=table.num_rows, max_size=table.num_rows)
    )
    with_mask = table.append_column("__mask", mask)
    via_column = fr.DataFrame(with_mask).filter(fr.col("__mask")).drop("__mask")
    via_argument = fr.DataFrame(table).filter(fr.Series("m", mask))
    assert_frame_equal(via_column, via_argument, check_exact=True)
    assert_frame_equal(via_column, take_rows(table, true_rows(mask)), check_exact=True)


def _tlp_parts(df: fr.DataFrame, pred: fr.Expr) -> list[fr.DataFrame]:
    return [df.filter(pred), df.filter(~pred), df.filter(pred.is_null())]


@given(
    table=fst.tables(
        [
            fst.column("k", fst.arrow_types(allowed=["integer", "float", "string"]), cardinality=4),
            fst.column("v"),
        ]
    ),
    data=st.data(),
)
def test_tlp_partition(table: pa.Table, data: st.DataObject) -> None:
    """filter(p) ∪ filter(~p) ∪ filter(p is null) is a permutation of the input."""
    n = table.num_rows
    table = table.append_column("__row", pa.array(np.arange(n, dtype=np.int64)))
    values = [v for v in table.column("k").to_pylist() if v is not None]
    pivot = data.draw(st.sampled_from(values)) if values else None
    op = data.draw(st.sampled_from(["==", "!=", "<", ">=", "is_in"]))
    c = fr.col("k")
    if pivot is None:
        pred = c.is_null()
    elif op == "is_in":
        pred = c.is_in([pivot])
    else:
        pred = {"==": c == pivot, "!=": c != pivot, "<": c < pivot, ">=": c >= pivot}[op]
    df = fr.DataFrame(table)
    parts = _tlp_parts(df, pred)
    rows = [r for p in parts for r in p["__row"].to_list()]
    assert sorted(rows) == list(range(n))
    for part in parts:
        check_output(part)
        assert_frame_equal(part, take_rows(table, part["__row"].to_list()), check_exact=True)


@given(
    table=fst.tables(
        [fst.column("x", fst.arrow_types(allowed=["numeric", "string", "temporal", "bool"]))],
        min_size=1,
    ),
    data=st.data(),
)
def test_norec_count(table: pa.Table, data: st.DataObject) -> None:
    """len(filter(p)) == number of rows where p evaluates to true (NoREC)."""
    values = [v for v in table.column("x").to_pylist() if v is not None]
    pivot = data.draw(st.sampled_from(values)) if values else None
    df = fr.DataFrame(table)
    pred = (
        fr.col("x").is_null()
        if pivot is None
        else fr.col("x") <= fr.lit(pa.scalar(pivot, table.schema.field("x").type))
    )
    evaluated = df.select(pred.alias("p"))["p"].to_list()
    assert df.filter(pred).height == sum(v is True for v in evaluated)


@given(table=fst.tables(min_size=1, max_size=40), data=st.data())
def test_invariant_under_rechunking_and_slicing(table: pa.Table, data: st.DataObject) -> None:
    n = table.num_rows
    mask = data.draw(fst.arrays(pa.bool_(), min_size=n, max_size=n))
    expected = fr.DataFrame(table.combine_chunks()).filter(mask)
    sizes = data.draw(st.lists(st.integers(0, n), max_size=4))
    assert_frame_equal(fr.DataFrame(rechunk(table, sizes)).filter(mask), expected, check_exact=True)
    ones = rechunk(table, [1] * n)
    assert_frame_equal(fr.DataFrame(ones).filter(mask), expected, check_exact=True)
    start = data.draw(st.integers(0, n))
    length = data.draw(st.integers(0, n - start))
    sliced = fr.DataFrame(table.slice(start, length)).filter(mask.slice(start, length))
    assert_frame_equal(
        sliced,
        take_rows(table, [start + i for i in true_rows(mask.slice(start, length))]),
        check_exact=True,
    )


@given(
    table=fst.tables(
        [
            fst.column("i", fst.arrow_types(allowed=["integer"]), cardinality=5),
            fst.column("s", pa.string(), cardinality=4),
        ]
    ),
    data=st.data(),
)
def test_matches_polars(table: pa.Table, data: st.DataObject) -> None:
    """Integer and string comparisons and null tests agree with polars."""
    pl = pytest.importorskip("polars")
    n = table.num_rows
    table = table.append_column("__row", pa.array(np.arange(n, dtype=np.int64)))
    ints = [v for v in table.column("i").to_pylist() if v is not None] or [0]
    strs = [v for v in table.column("s").to_pylist() if v is not None] or [""]
    i0 = data.draw(st.sampled_from(ints))
    s0 = data.draw(st.sampled_from(strs))
    case = data.draw(st.sampled_from(["lt", "eq_and", "or_null", "is_in", "ne"]))
    if case == "lt":
        ours, theirs = fr.col("i") < i0, pl.col("i") < i0
    elif case == "eq_and":
        ours, theirs = (
            (fr.col("s") == s0) & (fr.col("i") >= i0),
            (pl.col("s") == s0) & (pl.col("i") >= i0),
        )
    elif case == "or_null":
        ours, theirs = (
            fr.col("s").is_null() | (fr.col("i") > i0),
            pl.col("s").is_null() | (pl.col("i") > i0),
        )
    elif case == "is_in":
        ours, theirs = fr.col("s").is_in([s0, "zz"]), pl.col("s").is_in([s0, "zz"])
    else:
        ours, theirs = fr.col("s") != s0, pl.col("s") != s0
    got = fr.DataFrame(table).filter(ours)["__row"].to_list()
    expected = pl.from_arrow(table).filter(theirs)["__row"].to_list()
    assert got == expected


@given(arr=fst.arrays(pa.float64(), allow_null=False, min_size=1), data=st.data())
def test_float_comparisons_match_pandas(arr: pa.Array, data: st.DataObject) -> None:
    """IEEE comparisons (NaN compares false) agree with pandas on null-free float columns."""
    pd = pytest.importorskip("pandas")
    finite = [v for v in arr.to_pylist() if not math.isnan(v)] or [0.0]
    pivot = data.draw(st.sampled_from(finite))
    frame_rows = fr.DataFrame({"x": arr, "row": np.arange(len(arr))}).filter(fr.col("x") > pivot)
    pdf = pd.DataFrame({"x": arr.to_numpy(zero_copy_only=False), "row": np.arange(len(arr))})
    assert frame_rows["row"].to_list() == pdf[pdf["x"] > pivot]["row"].tolist()


@given(arr=fst.arrays(fst.arrow_types(excluded=["null"])), data=st.data())
def test_series_filter_matches_reference(arr: pa.Array, data: st.DataObject) -> None:
    mask = data.draw(fst.arrays(pa.bool_(), min_size=len(arr), max_size=len(arr)))
    out = fr.Series("x", arr).filter(fr.Series("m", mask)).to_arrow()
    out.validate(full=True)
    expected = take_rows(pa.table({"x": arr}), true_rows(mask)).column("x")
    assert_series_equal(out, expected, check_exact=True)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 63, 64, 65, 1000, 5000])
def test_sizes_around_word_boundaries(n: int) -> None:
    rng = np.random.default_rng(n)
    mask = pa.array(rng.random(n) < 0.5, mask=rng.random(n) < 0.2)
    values = pa.array(rng.integers(-100, 100, n), mask=rng.random(n) < 0.1)
    table = pa.table({"a": values, "s": pa.array([str(v) for v in range(n)])})
    out = check_output(fr.DataFrame(table).filter(mask))
    assert out.num_rows == pc.sum(pc.fill_null(mask, False).cast(pa.int64())).as_py() or n == 0
    assert_frame_equal(out, take_rows(table, true_rows(mask)), check_exact=True)


def test_chunked_dictionaries_holding_null_values() -> None:
    """Regression: Arrow cannot unify dictionaries that hold a null value; filtering (and any
    kernel that needs one contiguous array) re-encodes them instead of raising ArrowInvalid."""
    chunks = [
        pa.DictionaryArray.from_arrays(pa.array([0, 1, 1], pa.int32()), pa.array(["a", None])),
        pa.DictionaryArray.from_arrays(pa.array([1, 0, None], pa.int32()), pa.array(["b", "a"])),
    ]
    df = fr.DataFrame(pa.table({"k": pa.chunked_array(chunks), "i": range(6)}))
    out = df.filter(fr.col("i") != 2).to_arrow()
    assert out.column("k").type == chunks[0].type
    assert out.column("k").to_pylist() == ["a", None, "a", "b", None]
