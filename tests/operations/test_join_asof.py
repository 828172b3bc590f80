"""``DataFrame.join_asof`` against pandas ``merge_asof`` (the reference for as-of semantics),
on sorted and on shuffled inputs, plus nulls, NaN, temporal keys and errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frame as fr

STRATEGIES = ["backward", "forward", "nearest"]


def _expected(left: pd.DataFrame, right: pd.DataFrame, by: bool, **kw) -> list:
    out = pd.merge_asof(left, right if by else right.drop(columns=["g"]), on="t",
                        by="g" if by else None, **kw)
    return [None if pd.isna(x) else int(x) for x in out["b"]]


def _got(left: pd.DataFrame, right: pd.DataFrame, by: bool, **kw) -> list:
    r = right if by else right.drop(columns=["g"])
    out = fr.from_pandas(left).join_asof(fr.from_pandas(r), on="t", by="g" if by else None, **kw)
    return out["b"].to_list()


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("tolerance", [None, 0, 3])
@pytest.mark.parametrize("by", [False, True])
def test_matches_pandas_merge_asof_on_sorted_inputs(strategy, exact, tolerance, by):
    rng = np.random.default_rng([len(strategy), exact, tolerance or 0, by])
    for _ in range(25):
        nl, nr = int(rng.integers(0, 40)), int(rng.integers(0, 40))
        left = pd.DataFrame({"t": np.sort(rng.integers(0, 50, nl)), "g": rng.integers(0, 3, nl)})
        right = pd.DataFrame({"t": np.sort(rng.integers(0, 50, nr)), "g": rng.integers(0, 3, nr),
                              "b": np.arange(nr)})
        kw = {"allow_exact_matches": exact, "tolerance": tolerance}
        assert _got(left, right, by, strategy=strategy, **kw) == _expected(
            left, right, by, direction=strategy, **kw)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("dtype", ["int64", "float64", "int32"])
def test_unsorted_inputs_give_the_sorted_answer_row_by_row(strategy, dtype):
    rng = np.random.default_rng(len(strategy))
    nl, nr = 300, 200
    left = pd.DataFrame({"t": np.sort(rng.integers(0, 1000, nl)).astype(dtype),
                         "g": rng.integers(0, 5, nl), "a": np.arange(nl)})
    # distinct right times per group, so "the last of equal values" does not depend on order
    rt = rng.choice(1000, nr, replace=False)
    right = pd.DataFrame({"t": np.sort(rt).astype(dtype), "g": rng.integers(0, 5, nr),
                          "b": np.arange(nr)})
    expected = dict(zip(left["a"], _expected(left, right, True, direction=strategy)))
    lp = left.sample(frac=1.0, random_state=1).reset_index(drop=True)
    rp = right.sample(frac=1.0, random_state=2).reset_index(drop=True)
    out = fr.from_pandas(lp).join_asof(fr.from_pandas(rp), on="t", by="g", strategy=strategy)
    assert out["a"].to_list() == lp["a"].tolist()  # the left order is kept
    assert out["b"].to_list() == [expected[a] for a in lp["a"]]


def test_null_and_nan_keys_match_nothing():
    left = fr.DataFrame({"t": [1.0, None, float("nan"), 5.0], "g": ["x", "x", "x", None]})
    right = fr.DataFrame({"t": [0.0, float("nan"), None, 4.0], "g": ["x", "x", "x", None],
                          "b": [10, 11, 12, 13]})
    out = left.join_asof(right, on="t", by="g")
    # row 0 matches t=0.0 (the NaN and null right rows are skipped); null t, NaN t and a null
    # `by` never match
    assert out["b"].to_list() == [10, None, None, None]
    assert out.height == 4


def test_timestamps_with_timedelta_tolerance_and_time_zones():
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ts = pa.timestamp("ms", tz="UTC")
    left = fr.DataFrame({"t": pa.array([t0 + dt.timedelta(seconds=s) for s in (10, 20, 30)], ts)})
    right = fr.DataFrame({"t": pa.array([t0 + dt.timedelta(seconds=s) for s in (8, 15)], ts),
                          "q": [1, 2]})
    out = left.join_asof(right, on="t", tolerance=dt.timedelta(seconds=5))
    assert out["q"].to_list() == [1, 2, None]
    out = left.join_asof(right, on="t", tolerance=dt.timedelta(seconds=1))
    assert out["q"].to_list() == [None, None, None]
    assert out.schema["t"] == ts


def test_no_future_rows_leak_into_backward_matches():
    rng = np.random.default_rng(11)
    left = fr.DataFrame({"t": rng.integers(0, 10_000, 2_000), "g": rng.integers(0, 20, 2_000)})
    right = fr.DataFrame({"t": rng.integers(0, 10_000, 1_000), "g": rng.integers(0, 20, 1_000),
                          "rt": rng.integers(0, 10_000, 1_000)})
    right = right.with_columns(fr.col("t").alias("rt"))
    out = left.join_asof(right, on="t", by="g", allow_exact_matches=False)
    for t, rt in zip(out["t"].to_list(), out["rt"].to_list()):
        assert rt is None or rt < t


def test_errors_name_the_problem():
    left = fr.DataFrame({"t": ["a", "b"]})
    with pytest.raises(fr.SchemaError, match="ordered numeric or temporal"):
        left.join_asof(fr.DataFrame({"t": ["a"]}), on="t")
    with pytest.raises(fr.SchemaError, match=r"i64.*f64"):
        fr.DataFrame({"t": [1]}).join_asof(fr.DataFrame({"t": [1.5]}), on="t")
    with pytest.raises(fr.ColumnNotFoundError, match="did you mean"):
        fr.DataFrame({"time": [1]}).join_asof(fr.DataFrame({"time": [1]}), on="tim")
    with pytest.raises(fr.InvalidOperationError, match="strategy"):
        fr.DataFrame({"t": [1]}).join_asof(fr.DataFrame({"t": [1]}), on="t", strategy="closest")
    with pytest.raises(fr.InvalidOperationError, match="tolerance"):
        fr.DataFrame({"t": [1]}).join_asof(fr.DataFrame({"t": [1]}), on="t", tolerance=-1)


def test_empty_sides():
    empty = fr.DataFrame({"t": pa.array([], pa.int64()), "b": pa.array([], pa.int64())})
    left = fr.DataFrame({"t": [1, 2]})
    assert left.join_asof(empty, on="t")["b"].to_list() == [None, None]
    assert empty.select("t").join_asof(fr.DataFrame({"t": [1], "b": [5]}), on="t").height == 0
