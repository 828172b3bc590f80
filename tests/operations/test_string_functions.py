"""String functions on columns with few and many distinct values.

``_eval._on_distinct_values`` runs a costly string function (a regular expression) once per
distinct value of a low-cardinality chunk and gathers the results by code. Every function must
give exactly the plain per-row result, on every layout (chunked, sliced, large strings,
dictionaries, views) and with nulls; polars is the outside oracle.
"""

from __future__ import annotations

import contextlib
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import frame as fr
from frame import _eval

# frame's string namespace follows polars' names, so the same lambdas build both expressions
FUNCTIONS = {
    "lower": lambda c: c.str.to_lowercase(),
    "upper": lambda c: c.str.to_uppercase(),
    "strip": lambda c: c.str.strip_chars(),
    "strip_chars": lambda c: c.str.strip_chars(" x"),
    "replace_regex": lambda c: c.str.replace_all(r" .*", ""),
    "replace_literal": lambda c: c.str.replace_all(".", "!", literal=True),
    "contains_regex": lambda c: c.str.contains(r"[aé]b"),
    "contains_literal": lambda c: c.str.contains("a.", literal=True),
    "starts_with": lambda c: c.str.starts_with("Ad"),
    "ends_with": lambda c: c.str.ends_with("n)"),
    "len_chars": lambda c: c.str.len_chars(),
    "len_bytes": lambda c: c.str.len_bytes(),
    "slice": lambda c: c.str.slice(1, 3),
    "slice_negative": lambda c: c.str.slice(-2),
}

POOL = ["Adelie Penguin (Pygoscelis adeliae)", " gentoo ", "ÉCLAIR ab", "", "a.b", "xx yy", "Ab n)"]


def _column(values: list, chunks: list[int], large: bool) -> pa.ChunkedArray:
    t = pa.large_string() if large else pa.string()
    arr = pa.array(values, t)
    pieces, start = [], 0
    for size in chunks:
        pieces.append(arr.slice(start, size))
        start += size
    pieces.append(arr.slice(start))
    return pa.chunked_array(pieces, type=t)


def _evaluate(col: pa.ChunkedArray, name: str, *, min_rows: int) -> list:
    with mock.patch.object(_eval, "DISTINCT_MIN_ROWS", min_rows):
        df = fr.DataFrame({"s": col})
        return df.select(FUNCTIONS[name](fr.col("s")).alias("r"))["r"].to_list()


@given(
    values=st.lists(st.one_of(st.sampled_from(POOL), st.none(), st.text(max_size=6)), max_size=80),
    chunks=st.lists(st.integers(0, 30), max_size=3),
    large=st.booleans(),
    name=st.sampled_from(sorted(FUNCTIONS)),
)
def test_distinct_path_equals_plain_path(values, chunks, large, name) -> None:
    col = _column(values, chunks, large)
    plain = _evaluate(col, name, min_rows=10**9)
    assert _evaluate(col, name, min_rows=0) == plain
    assert _evaluate(col, name, min_rows=4) == plain  # some chunks each way


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_low_cardinality_column_matches_polars(name: str) -> None:
    pl = pytest.importorskip("polars")
    values = [POOL[i % len(POOL)] if i % 11 else None for i in range(5000)]
    col = _column(values, [1200, 1700], False)
    expected = pl.DataFrame({"s": values}).select(FUNCTIONS[name](pl.col("s")).alias("r"))["r"]
    got = _evaluate(col, name, min_rows=_eval.DISTINCT_MIN_ROWS)
    assert got == expected.to_list()


@contextlib.contextmanager
def counted_factorize():
    """Record the length of every array ``_eval`` factorizes."""
    calls: list[int] = []
    real = _eval.factorize

    def counting(arr):
        calls.append(len(arr))
        return real(arr)

    with mock.patch.object(_eval, "factorize", counting):
        yield calls


def test_high_cardinality_switches_to_the_plain_call() -> None:
    values = [f"v{i} tail" for i in range(3000)]
    col = _column(values, [1500], False)
    with counted_factorize() as calls:
        got = _evaluate(col, "replace_regex", min_rows=_eval.DISTINCT_MIN_ROWS)
    assert got == [f"v{i}" for i in range(3000)]
    assert calls == [1500]  # the first chunk's sample showed many distinct values: plain calls


def test_only_costly_functions_factorize() -> None:
    col = _column([POOL[i % 3] for i in range(5000)], [], False)
    with counted_factorize() as calls:
        for name in ("lower", "len_chars", "contains_literal", "replace_literal", "slice"):
            _evaluate(col, name, min_rows=_eval.DISTINCT_MIN_ROWS)
        assert calls == []
        _evaluate(col, "contains_regex", min_rows=_eval.DISTINCT_MIN_ROWS)
    assert calls == [_eval.DISTINCT_SAMPLE, 5000]  # the sample, then the whole chunk


def test_dictionary_and_view_columns() -> None:
    values = ["Ab n)", None, " gentoo ", "Ab n)"] * 600
    dict_col = pa.chunked_array([pa.array(values).dictionary_encode()])
    view_col = pa.chunked_array([pa.array(values, pa.string_view())])
    plain = _evaluate(_column(values, [], False), "replace_regex", min_rows=10**9)
    for col in (dict_col, view_col):
        df = fr.DataFrame({"s": col})
        assert df.select(fr.col("s").str.replace_all(r" .*", "").alias("r"))["r"].to_list() == plain


def test_empty_and_all_null_columns() -> None:
    for col in (pa.chunked_array([], pa.string()), pa.chunked_array([pa.nulls(3000, pa.string())])):
        assert _evaluate(col, "upper", min_rows=0) == [None] * len(col)
        assert _evaluate(col, "len_chars", min_rows=0) == [None] * len(col)
