"""The serving guarantee: batch ``transform`` equals row-by-row ``transform_rows`` /
``transform_row`` bit for bit (NaN equal to NaN), for random frames and random pipelines, in
every output dtype; and ``save`` -> ``load`` gives the identical transform."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frame as fr
from frame import ml
from tests.ml._helpers import bits_equal, frames, pipelines, random_frame

pytestmark = pytest.mark.filterwarnings("error")


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(train=frames(min_rows=1), test=frames(min_rows=0, cats=("a", "b", "zz")), pipe=pipelines(),
       dtype=st.sampled_from(["float32", "float64", "float16"]))
def test_batch_equals_rows(train: fr.DataFrame, test: fr.DataFrame, pipe: ml.Pipeline, dtype: str) -> None:
    fitted = pipe.fit(train, y="y")
    batch = fitted.transform(test, dtype=dtype)
    rows = test.to_dicts()
    by_rows = fitted.transform_rows(rows, dtype=dtype)
    assert bits_equal(batch, by_rows), (fitted.features_, batch, by_rows)
    for r, expected in zip(rows[:3], batch[:3]):
        assert bits_equal(fitted.transform_row(r, dtype=dtype), expected)
    fitted.check_parity(test, dtype=dtype)
    if dtype != "float16":  # scipy.sparse has no float16
        sparse = fitted.transform(test, dtype=dtype, output="sparse")  # -0.0: implicit 0
        assert sparse.dtype == batch.dtype
        assert np.array_equal(sparse.toarray(), batch, equal_nan=True)
    # the training rows too (values seen at fit, transform uses full-data statistics)
    assert bits_equal(fitted.transform(train, dtype=dtype), fitted.transform_rows(train.to_dicts(), dtype=dtype))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=25)
@given(train=frames(min_rows=1), test=frames(min_rows=1, cats=("a", "zz")), pipe=pipelines())
def test_save_load_identical(train: fr.DataFrame, test: fr.DataFrame, pipe: ml.Pipeline) -> None:
    fitted = pipe.fit(train, y="y")
    fitted.quantize()
    with tempfile.TemporaryDirectory() as d:
        fitted.save(d)
        loaded = ml.load(d)
    assert loaded.get_feature_names_out() == fitted.get_feature_names_out()
    assert loaded.input_schema_ == fitted.input_schema_
    for dtype in ("float32", "float64", "int8"):
        assert bits_equal(loaded.transform(test, dtype=dtype), fitted.transform(test, dtype=dtype))
    rows = test.to_dicts()
    assert bits_equal(loaded.transform_rows(rows), fitted.transform(test))
    assert fitted.lineage().rows() == loaded.lineage().rows()


@settings(deadline=None, max_examples=20)
@given(train=frames(min_rows=2), test=frames(min_rows=0, cats=("a", "zz")), pipe=pipelines())
def test_quantized_parity(train: fr.DataFrame, test: fr.DataFrame, pipe: ml.Pipeline) -> None:
    fitted = pipe.fit(train, y="y")
    fitted.quantize()
    batch = fitted.transform(test, dtype="int8")
    assert batch.dtype == np.int8
    assert bits_equal(batch, fitted.transform_rows(test.to_dicts(), dtype="int8"))


@settings(deadline=None, max_examples=20)
@given(train=frames(min_rows=1), test=frames(min_rows=1, cats=("a", "b", "zz")), pipe=pipelines())
def test_unknown_mask_shape_and_any(train: fr.DataFrame, test: fr.DataFrame, pipe: ml.Pipeline) -> None:
    fitted = pipe.fit(train, y="y")
    _, mask = fitted.transform(test, return_unknown=True)
    assert mask.height == test.height
    assert mask.columns[-1] == "any"
    cols = [np.asarray(mask[c].to_list(), dtype=bool) for c in mask.columns[:-1]]
    expected_any = np.logical_or.reduce(cols) if cols else np.zeros(test.height, dtype=bool)
    assert mask["any"].to_list() == expected_any.tolist()
    assert mask.equals(fitted.unknown_mask(test))


def test_parity_realistic_pipeline_all_dtypes() -> None:
    rng = np.random.default_rng(7)
    train = random_frame(rng, 500)
    test = random_frame(rng, 200, cats=["a", "b", "c", "zz"])
    pipe = ml.Pipeline([
        ml.Impute(["f", "i"], strategy="median", add_indicator=True),
        ml.Clip("f"),
        ml.Log1p("g"),
        ml.Standardize(["f", "i"]),
        ml.QuantileBins("g", n_bins=4),
        ml.GroupAgg("k", "i", aggs=["mean", "std"]),
        ml.Hash(["s", "k"], n_buckets=1 << 10, cross=True),
        ml.OneHot("s", handle_unknown="other"),
        ml.TargetEncode("k"),
    ]).fit(train, y="y")
    rows = test.to_dicts()
    for dtype in ("float32", "float64", "float16"):
        assert bits_equal(pipe.transform(test, dtype=dtype), pipe.transform_rows(rows, dtype=dtype))
        one = np.stack([pipe.transform_row(r, dtype=dtype) for r in rows])
        assert bits_equal(one, pipe.transform(test, dtype=dtype))


def test_row_path_independent_of_key_order_and_extra_keys() -> None:
    rng = np.random.default_rng(1)
    train = random_frame(rng, 100)
    pipe = ml.Pipeline([ml.Standardize(["f", "i"]), ml.OneHot("s")]).fit(train)
    row = train.to_dicts()[3]
    shuffled = dict(reversed(list(row.items())))
    shuffled["extra"] = "ignored"
    assert bits_equal(pipe.transform_row(row), pipe.transform_row(shuffled))


@pytest.mark.parametrize("n_rows", [1, 7, 60, 2000])
def test_small_batches_against_large_vocabularies(n_rows: int) -> None:
    """Batches much smaller than a vocabulary use dict lookups; results must not change."""
    rng = np.random.default_rng(n_rows)
    n = 4000
    train = fr.DataFrame({
        "u": rng.integers(0, 3000, n), "w": [f"w{v}" for v in rng.integers(0, 2500, n)],
        "x": rng.standard_normal(n), "y": (rng.random(n) < 0.5).astype(float),
    })
    pipe = ml.Pipeline([
        ml.GroupAgg("w", "x", aggs=["mean"]), ml.CountEncode("u"),
        ml.Ordinal("w2", min_frequency=2), ml.OneHot("u2", max_categories=3), ml.TargetEncode("w"),
    ]).fit(train.with_columns(w2=fr.col("w"), u2=fr.col("u")), y="y")
    test = fr.DataFrame({
        "u": rng.integers(0, 3500, 2000), "w": [f"w{v}" for v in rng.integers(0, 2800, 2000)],
        "x": rng.standard_normal(2000),
    })
    test = test.with_columns(w2=fr.col("w"), u2=fr.col("u"))
    full = pipe.transform(test)
    part = pipe.transform(test.head(n_rows))
    assert bits_equal(part, full[:n_rows])
    assert bits_equal(part, pipe.transform_rows(test.head(n_rows).to_dicts()))
    assert pipe.unknown_mask(test.head(n_rows)).equals(pipe.unknown_mask(test).head(n_rows))


def test_check_parity_reports_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    df = fr.DataFrame({"x": [1.0, 2.0, 3.0]})
    pipe = ml.Pipeline([ml.Standardize("x")]).fit(df)
    pipe.check_parity(df)
    real = pipe._row_values
    monkeypatch.setattr(pipe, "_row_values", lambda r: [v + 1e-9 for v in real(r)])
    with pytest.raises(fr.ComputeError, match=r"batch/row mismatch at row 0, feature 'x'"):
        pipe.check_parity(df, dtype="float64")
