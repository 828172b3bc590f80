"""The row-path "I don't know" report: ``transform_row(row, return_unknown=True)`` and
``transform_rows(rows, return_unknown=True)`` flag exactly what the batch ``unknown_mask``
flags, row by row, for every step (random frames and pipelines, plus hand-picked edge cases)."""

from __future__ import annotations

import math
import tempfile
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

import frame as fr
from frame import ml
from frame.ml._base import NO_UNKNOWN
from tests.ml._helpers import bits_equal, frames, pipelines, random_frame

pytestmark = pytest.mark.filterwarnings("error")


def _expected(mask: fr.DataFrame) -> list[tuple[str, ...]]:
    """Per row, the names of the set flags of a batch mask, in column order."""
    names = mask.columns[:-1]
    return [tuple(n for n, flag in zip(names, row) if flag) for row in mask.rows()]


def assert_row_reports_match(pipe: ml.Pipeline, records: list[dict[str, Any]]) -> None:
    """transform_rows/transform_row reports equal unknown_mask(records), features unchanged."""
    mask = pipe.unknown_mask(records)
    x, rows_mask = pipe.transform_rows(records, return_unknown=True)
    assert rows_mask.columns == mask.columns
    assert rows_mask.equals(mask), (rows_mask.rows(), mask.rows())
    assert bits_equal(x, pipe.transform_rows(records))
    for r, expected, flags in zip(records, _expected(mask), mask.rows()):
        features, report = pipe.transform_row(r, return_unknown=True)
        assert isinstance(report, ml.RowUnknown)
        assert report == expected
        assert report.any is flags[-1] is bool(report)
        assert bits_equal(features, pipe.transform_row(r))


# ----------------------------------------------------------------------------- property
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(train=frames(min_rows=1), test=frames(min_rows=0, cats=("a", "b", "zz")), pipe=pipelines())
def test_row_report_equals_unknown_mask(train: fr.DataFrame, test: fr.DataFrame, pipe: ml.Pipeline) -> None:
    fitted = pipe.fit(train, y="y")
    records = test.to_dicts()
    mask = fitted.unknown_mask(test)
    assert fitted.unknown_mask(records).equals(mask)
    assert_row_reports_match(fitted, records)
    assert_row_reports_match(fitted, train.to_dicts())  # values seen at fit


# ----------------------------------------------------------------------------- every step
def _every_step() -> list[ml.Pipeline]:
    """Pipelines that together use every step class (over random_frame's columns)."""
    blocks = []
    if "output" in ml.Hash._params:  # one-hot hashing: sparse row blocks, one read by a later step
        blocks = [ml.Pipeline([ml.Hash("s", n_buckets=4, output="onehot"), ml.MinMaxScale("s#1"),
                               ml.Hash("k", n_buckets=8, output="onehot")])]
    return [
        ml.Pipeline([
            ml.GroupAgg("k", "f", aggs=["mean", "count"]),
            ml.Hash(["s", "k"], n_buckets=64, cross=True),
            ml.Impute(["f", "i", "s"], strategy="most_frequent", add_indicator=True),
            ml.Clip("f", lower=0.05, upper=0.95),
            ml.Standardize("f"),
            ml.MinMaxScale("g"),
            ml.Bins("g", cuts=[0.25, 0.75]),
            ml.Log1p("i", signed=True),
            ml.QuantileBins("i", n_bins=4),
            ml.PowerTransform("f__mean_by_k"),
            ml.OneHot("s", min_frequency=5),
            ml.Ordinal("k"),
        ]),
        ml.Pipeline([ml.Log1p("g"), ml.TargetEncode("s"), ml.CountEncode("k")]),
        ml.Pipeline([ml.FrequencyEncode("s"), ml.Hash("k", n_buckets=10), ml.Impute("i", strategy="median")]),
        ml.Pipeline([ml.Hash("s", n_buckets=10), ml.Standardize(["f", "g", "i"])], remainder="passthrough"),
        *blocks,
    ]


_EXTRA = [  # out of range, unseen, missing where training had none, extreme values
    {"f": 1e9, "g": -1e9, "i": 10**18, "s": "zz", "k": 99},
    {"f": math.nan, "g": math.nan, "i": None, "s": None, "k": None},
    {"f": math.inf, "g": math.inf, "i": -(2**63), "s": "", "k": -1},
    {"f": -math.inf, "g": 0.0, "i": 0, "s": "a", "k": 0},
]


@pytest.mark.parametrize("which", range(len(_every_step())))
def test_every_step_matches_unknown_mask(which: int) -> None:
    rng = np.random.default_rng(5 + which)
    train = random_frame(rng, 120)
    test = random_frame(rng, 40, cats=["a", "b", "zz"])
    pipe = _every_step()[which].fit(train, y="y")
    records = [{k: v for k, v in r.items() if k != "y"} for r in test.to_dicts()] + _EXTRA
    assert_row_reports_match(pipe, records)
    assert_row_reports_match(pipe, train.to_dicts())


def test_every_step_class_is_covered() -> None:
    used = {type(step) for p in _every_step() for _, step in p.steps} | {ml.DateTimeFeatures}
    steps = {getattr(ml, n) for n in ml.__all__ if isinstance(getattr(ml, n), type)
             and issubclass(getattr(ml, n), ml.Step) and getattr(ml, n) is not ml.Step}
    assert steps <= used, steps - used


@pytest.mark.parametrize("cls", sorted(
    (c for c in vars(ml).values() if isinstance(c, type) and issubclass(c, ml.Step)),
    key=lambda c: c.__name__))
def test_unknown_and_row_unknown_defined_together(cls: type) -> None:
    """A class that (re)defines the batch check also (re)defines the row check."""
    def owner(name: str) -> type:
        return next(k for k in cls.__mro__ if name in vars(k))

    assert issubclass(owner("_row_unknown_op"), owner("_unknown"))


def _temporal_frame(rng: np.random.Generator, n: int, wide: bool) -> fr.DataFrame:
    """A naive timestamp (with nulls), an aware one (none) and a date column (with nulls)."""
    k = 2 if wide else 1  # "wide" draws over a longer span: values outside the fitted range

    def draw(lo: int, hi: int, typ: pa.DataType, null: float) -> pa.Array:
        v = pa.array(rng.integers(lo * k, hi * k, n), mask=rng.random(n) < null)
        return v.cast(pa.int32()).cast(typ) if typ == pa.date32() else v.cast(typ)

    return fr.DataFrame({
        "a": draw(0, 10**15, pa.timestamp("us"), 0.2),
        "b": draw(0, 10**12, pa.timestamp("ms", tz="America/New_York"), 0.0),
        "d": draw(0, 20_000, pa.date32(), 0.2),
    })


def test_datetime_features_matches_unknown_mask() -> None:
    rng = np.random.default_rng(8)
    train = _temporal_frame(rng, 80, wide=False)
    pipe = ml.Pipeline([ml.DateTimeFeatures(["a", "b", "d"], tz="Europe/Oslo", naive_tz="UTC",
                                            parts=["year", "epoch"], cyclical=["month"])]).fit(train)
    test = [*_temporal_frame(rng, 40, wide=True).to_dicts(), {"a": None, "b": None, "d": None}]
    assert_row_reports_match(pipe, test)
    assert_row_reports_match(pipe, train.to_dicts())
    assert pipe.transform_row({"a": None, "b": None, "d": None}, return_unknown=True)[1] == (
        "datetimefeatures.b",)  # only b had no null at fit


# ----------------------------------------------------------------------------- edge cases
def test_unseen_category() -> None:
    pipe = ml.Pipeline([ml.OneHot("c")]).fit(fr.DataFrame({"c": ["a", "b"]}))
    assert pipe.transform_row({"c": "a"}, return_unknown=True)[1] == ()
    features, report = pipe.transform_row({"c": "z"}, return_unknown=True)
    assert report == ("onehot.c",) and report.any
    assert features.tolist() == [0.0, 0.0]
    assert_row_reports_match(pipe, [{"c": "a"}, {"c": "z"}, {"c": None}])


def test_value_just_above_and_below_the_fitted_range() -> None:
    pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 10.0]}))
    report = {x: pipe.transform_row({"x": x}, return_unknown=True)[1]
              for x in (10.0, math.nextafter(10.0, math.inf), 0.0, math.nextafter(0.0, -math.inf), -0.0)}
    assert report == {10.0: (), math.nextafter(10.0, math.inf): ("standardize.x",), 0.0: (),
                      math.nextafter(0.0, -math.inf): ("standardize.x",)}  # -0.0 == 0.0: in range
    assert_row_reports_match(pipe, [{"x": x} for x in report] + [{"x": 10}, {"x": 11}])


def test_float32_input_is_rounded_before_the_range_test() -> None:
    train = fr.DataFrame({"g": pa.array([0.0, 0.1], pa.float32())})
    pipe = ml.Pipeline([ml.MinMaxScale("g")]).fit(train)
    hi = pipe.named_steps["minmaxscale"].state_["g"]["max"]  # float32(0.1) as a double
    just_above = hi + 1e-12  # rounds back to float32(0.1) in a float32 column
    assert pipe.transform_row({"g": just_above}, return_unknown=True)[1] == ()
    assert pipe.transform_row({"g": 0.1001}, return_unknown=True)[1] == ("minmaxscale.g",)
    assert_row_reports_match(pipe, [{"g": just_above}, {"g": 0.1001}, {"g": 1e39}])


def test_missing_where_training_had_none() -> None:
    train = fr.DataFrame({"x": [0.0, 1.0], "c": ["a", "b"], "h": ["p", "q"]})
    pipe = ml.Pipeline([ml.Standardize("x"), ml.Ordinal("c"), ml.Hash("h", n_buckets=4)]).fit(train)
    for missing in (None, math.nan):
        _, report = pipe.transform_row({"x": missing, "c": "a", "h": "p"}, return_unknown=True)
        assert report == ("standardize.x",)
    _, report = pipe.transform_row({"x": 0.5, "c": None, "h": None}, return_unknown=True)
    assert report == ("ordinal.c", "hash.h")  # hashing accepts any value, but not a new null
    assert pipe.transform_row({"x": 0.5, "c": "b", "h": "never-seen"}, return_unknown=True)[1] == ()
    assert_row_reports_match(pipe, [{"x": None, "c": None, "h": None}, {"x": math.nan, "c": "z", "h": "z"}])


def test_column_seen_with_nulls_at_fit_is_not_flagged() -> None:
    train = fr.DataFrame({"x": [0.0, None, 1.0], "c": ["a", None, "b"], "u": ["k", None, "k"],
                          "amt": [1.0, None, 2.0]})
    pipe = ml.Pipeline([
        ml.GroupAgg("u", "amt"), ml.Standardize("x"), ml.OneHot("c"), ml.CountEncode("u"),
    ]).fit(train)
    records = [{"x": None, "c": None, "u": None, "amt": None}, {"x": math.nan, "c": None, "u": None, "amt": math.nan}]
    for r in records:
        assert pipe.transform_row(r, return_unknown=True)[1] == NO_UNKNOWN
    assert_row_reports_match(pipe, records)


def test_a_step_after_impute_sees_the_imputed_value() -> None:
    train = fr.DataFrame({"x": [0.0, 10.0, 5.0], "c": ["p", "q", "p"], "d": ["p", None, "p"]})
    pipe = ml.Pipeline([
        ml.Impute("x"), ml.Standardize("x"),
        ml.Impute(["c", "d"], strategy="most_frequent"), ml.OneHot(["c", "d"]),
    ]).fit(train)
    _, report = pipe.transform_row({"x": None, "c": None, "d": None}, return_unknown=True)
    # the imputers see an unexpected null in x and c (d had nulls at fit); the scaler and the
    # encoder see the imputed, known values
    assert report == ("impute.x", "impute_2.c")
    _, report = pipe.transform_row({"x": 11.0, "c": "z", "d": None}, return_unknown=True)
    assert report == ("impute.x", "standardize.x", "onehot.c")
    assert_row_reports_match(pipe, [{"x": None, "c": None, "d": None}, {"x": 11.0, "c": "z", "d": "z"}])


def test_nothing_observed_at_fit_flags_every_number() -> None:
    pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": pa.array([None, None], pa.float64())}))
    assert pipe.transform_row({"x": 0.0}, return_unknown=True)[1] == ("standardize.x",)
    assert pipe.transform_row({"x": None}, return_unknown=True)[1] == ()
    assert_row_reports_match(pipe, [{"x": 0.0}, {"x": None}, {"x": math.inf}, {"x": math.nan}])


# ----------------------------------------------------------------------------- API
def test_return_types_and_default_path() -> None:
    pipe = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 2.0]}))
    plain = pipe.transform_row({"x": 1.0})
    assert isinstance(plain, np.ndarray)
    features, report = pipe.transform_row({"x": 1.0}, return_unknown=True)
    assert bits_equal(features, plain)
    assert report is NO_UNKNOWN and not report and report.any is False and report == ()
    pipe.quantize()
    q, report = pipe.transform_row({"x": 9.0}, dtype="int8", return_unknown=True)
    assert q.dtype == np.int8 and report == ("standardize.x",)
    x, mask = pipe.transform_rows([{"x": 9.0}], dtype="float64", return_unknown=True)
    assert x.dtype == np.float64 and mask.rows() == [(True, True)]
    x, mask = pipe.transform_rows([], return_unknown=True)
    assert x.shape == (0, 1) and mask.equals(pipe.unknown_mask([]))


def test_standalone_step() -> None:
    step = ml.CountEncode("c").fit(fr.DataFrame({"c": ["a", "b"]}))
    assert step.transform_row({"c": "q"}, return_unknown=True)[1] == ("countencode.c",)


def test_errors_are_unchanged() -> None:
    pipe = ml.Pipeline([ml.OneHot("c", handle_unknown="error")]).fit(fr.DataFrame({"c": ["a"]}))
    with pytest.raises(ml.InvalidOperationError, match="not seen at fit"):
        pipe.transform_row({"c": "z"}, return_unknown=True)
    with pytest.raises(ml.ColumnNotFoundError):
        pipe.transform_row({}, return_unknown=True)
    num = ml.Pipeline([ml.Standardize("x")]).fit(fr.DataFrame({"x": [0.0, 1.0]}))
    with pytest.raises(ml.SchemaError, match="column 'x'"):
        num.transform_row({"x": "text"}, return_unknown=True)


def test_save_load_keeps_the_row_report() -> None:
    rng = np.random.default_rng(3)
    train, test = random_frame(rng, 100), random_frame(rng, 30, cats=["a", "zz"])
    pipe = _every_step()[0].fit(train, y="y")
    with tempfile.TemporaryDirectory() as d:
        pipe.save(d)
        loaded = ml.load(d)
    records = test.to_dicts() + _EXTRA
    assert loaded.transform_rows(records, return_unknown=True)[1].equals(pipe.unknown_mask(records))
    assert_row_reports_match(loaded, records)
