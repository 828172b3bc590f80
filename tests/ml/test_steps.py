"""Each step against a reference: scikit-learn where it has the same semantics, otherwise a
pure-Python computation. Random frames with nulls, NaN and unseen categories."""

from __future__ import annotations

import bisect
import math
import statistics
import subprocess
import sys
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

import frame as fr
from frame import ml
from frame._core.hashing import hash_array
from tests.ml._helpers import random_frame

sklearn = pytest.importorskip("sklearn")
from sklearn.impute import MissingIndicator, SimpleImputer  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
    TargetEncoder,
)

SEEDS = [0, 1, 2]


def _col(df: fr.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float64 with nulls -> NaN (scikit-learn's missing marker)."""
    return np.array([np.nan if v is None else v for v in df[name].to_list()], dtype=np.float64)


def _strs(df: fr.DataFrame, name: str) -> list:
    return df[name].to_list()


def _frames(seed: int) -> tuple[fr.DataFrame, fr.DataFrame]:
    rng = np.random.default_rng(seed)
    return random_frame(rng, 300), random_frame(rng, 120, cats=["a", "b", "c", "d", "zz"])


@pytest.mark.parametrize("seed", SEEDS)
def test_standardize_vs_sklearn(seed: int) -> None:
    train, test = _frames(seed)
    cols = ["f", "g", "i"]
    ours = ml.Standardize(cols).fit(train).transform(test, dtype="float64")
    xtr = np.column_stack([_col(train, c) for c in cols])
    xte = np.column_stack([_col(test, c) for c in cols])
    ref = StandardScaler().fit(xtr).transform(xte)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_minmax_vs_sklearn(seed: int) -> None:
    train, test = _frames(seed)
    cols = ["f", "g", "i"]
    ours = ml.MinMaxScale(cols, feature_range=(-1, 2)).fit(train).transform(test, dtype="float64")
    xtr = np.column_stack([_col(train, c) for c in cols])
    ref = MinMaxScaler(feature_range=(-1, 2)).fit(xtr).transform(np.column_stack([_col(test, c) for c in cols]))
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    clipped = ml.MinMaxScale(cols, clip=True).fit(train).transform(test, dtype="float64")
    assert np.nanmin(clipped) >= 0.0 and np.nanmax(clipped) <= 1.0


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_impute_numeric_vs_sklearn(strategy: str) -> None:
    train, test = _frames(3)
    cols = ["f", "i"]
    step = ml.Impute(cols, strategy=strategy, fill_value=-7.0 if strategy == "constant" else None,
                     add_indicator=True).fit(train)
    assert step.get_feature_names_out() == ["f", "f__missing", "i", "i__missing"]
    ours = step.transform(test, dtype="float64")
    xtr = np.column_stack([_col(train, c) for c in cols])
    xte = np.column_stack([_col(test, c) for c in cols])
    imp = SimpleImputer(strategy=strategy, fill_value=-7.0).fit(xtr)
    np.testing.assert_allclose(ours[:, [0, 2]], imp.transform(xte), rtol=1e-12)
    ind = MissingIndicator(features="all").fit(xtr).transform(xte)
    np.testing.assert_array_equal(ours[:, [1, 3]], ind.astype(np.float64))


def test_impute_categorical_most_frequent_and_constant() -> None:
    train = fr.DataFrame({"s": ["b", None, "a", "b", "a", None]})
    step = ml.Impute("s", strategy="most_frequent", add_indicator=True)
    pipe = ml.Pipeline([step, ml.Ordinal("s")]).fit(train)
    assert pipe.named_steps["impute"].state_["s"]["fill"] == "a"  # tie a/b: the smallest
    assert step.state_ is None  # the pipeline fitted a copy
    with pytest.raises(ml.SchemaError, match="'s' reaches the output as str"):
        step.fit(train)  # alone, the imputed strings would reach the feature matrix
    assert pipe.transform(fr.DataFrame({"s": [None, "b"]}), dtype="float64").tolist() == [[2.0, 1.0], [3.0, 0.0]]
    const = ml.Pipeline([ml.Impute("s", strategy="constant"), ml.OneHot("s")]).fit(train)
    assert const.get_feature_names_out() == ["s=a", "s=b", "s=missing"]
    with pytest.raises(ml.InvalidOperationError, match="needs a numeric column"):
        ml.Impute("s", strategy="mean").fit(train)


def test_impute_all_missing_column_uses_fill_value() -> None:
    df = fr.DataFrame({"x": pa.array([None, None], pa.float64())})
    assert ml.Impute("x").fit(df).state_["x"]["fill"] == 0.0
    assert ml.Impute("x", fill_value=3.0).fit(df).transform(df, dtype="float64").tolist() == [[3.0], [3.0]]


@pytest.mark.parametrize("seed", SEEDS)
def test_clip_vs_numpy_quantiles(seed: int) -> None:
    train, test = _frames(seed)
    step = ml.Clip(["f", "g"], lower=0.05, upper=0.95).fit(train)
    for c in ("f", "g"):
        x = _col(train, c)
        x = x[~np.isnan(x)]
        lo, hi = np.quantile(x, 0.05), np.quantile(x, 0.95)
        assert step.state_[c]["low"] == lo and step.state_[c]["high"] == hi
        out = step.transform(test, dtype="float64")[:, ["f", "g"].index(c)]
        np.testing.assert_array_equal(out, np.clip(_col(test, c), lo, hi))


@pytest.mark.parametrize("seed", SEEDS)
def test_quantile_bins_vs_reference(seed: int) -> None:
    train, test = _frames(seed)
    step = ml.QuantileBins("f", n_bins=5).fit(train)
    x = _col(train, "f")
    cuts = sorted(set(np.quantile(x[~np.isnan(x)], np.linspace(0, 1, 6)[1:-1]).tolist()))
    assert step.state_["f"]["cuts"] == cuts
    out = step.transform(test, dtype="float64")[:, 0]
    ref = [math.nan if math.isnan(v) else bisect.bisect_right(cuts, v) for v in _col(test, "f")]
    np.testing.assert_array_equal(out, np.array(ref, dtype=np.float64))


def test_bins_fixed_cuts_and_validation() -> None:
    df = fr.DataFrame({"x": [-5.0, 0.0, 1.0, 9.0, None]})
    out = ml.Bins("x", cuts=[0.0, 1.0]).fit(df).transform(df, dtype="float64")[:, 0]
    np.testing.assert_array_equal(out, [0.0, 1.0, 2.0, 2.0, np.nan])
    with pytest.raises(ml.InvalidOperationError, match="strictly increasing"):
        ml.Bins(cuts=[1.0, 0.0])


def test_log1p_vs_math() -> None:
    vals = [-2.0, -1.0, -0.5, -0.0, 0.0, 1e-12, 3.0, 1e300, math.inf, None, math.nan]
    df = fr.DataFrame({"x": pa.array(vals, pa.float64())})
    out = ml.Log1p("x").fit(df).transform(df, dtype="float64")[:, 0]
    ref = [math.nan if v is None or v != v or v < -1 else (-math.inf if v == -1 else math.log1p(v)) for v in vals]
    np.testing.assert_array_equal(out, ref)
    signed = ml.Log1p("x", signed=True).fit(df).transform(df, dtype="float64")[:, 0]
    ref = [math.nan if v is None or v != v else math.copysign(math.log1p(abs(v)), v) for v in vals]
    np.testing.assert_array_equal(signed, ref)


@pytest.mark.parametrize("seed", SEEDS)
def test_onehot_vs_sklearn(seed: int) -> None:
    train, test = _frames(seed)
    train, test = train.filter(fr.col("s").is_not_null()), test.filter(fr.col("s").is_not_null())
    step = ml.OneHot("s").fit(train)
    ours = step.transform(test, dtype="float64")
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(np.array(_strs(train, "s"), dtype=object).reshape(-1, 1))
    ref = enc.transform(np.array(_strs(test, "s"), dtype=object).reshape(-1, 1))
    np.testing.assert_array_equal(ours, ref)
    assert step.get_feature_names_out() == [f"s={c}" for c in enc.categories_[0]]


def test_onehot_min_frequency_vs_sklearn() -> None:
    rng = np.random.default_rng(5)
    tr = rng.choice(["a", "b", "c", "d", "e"], 400, p=[0.5, 0.3, 0.15, 0.04, 0.01]).tolist()
    te = [*rng.choice(["a", "b", "c", "d", "e"], 100).tolist(), "zz"]
    ours = ml.OneHot("s", min_frequency=10, handle_unknown="other").fit(fr.DataFrame({"s": tr}))
    enc = OneHotEncoder(min_frequency=10, handle_unknown="infrequent_if_exist", sparse_output=False)
    enc.fit(np.array(tr, dtype=object).reshape(-1, 1))
    np.testing.assert_array_equal(
        ours.transform(fr.DataFrame({"s": te}), dtype="float64"),
        enc.transform(np.array(te, dtype=object).reshape(-1, 1)),
    )
    assert ours.state_["s"]["infrequent"] == [str(c) for c in enc.infrequent_categories_[0]]


def test_onehot_max_categories_nulls_and_unknown_modes() -> None:
    train = fr.DataFrame({"s": ["a", "a", "a", "b", "b", "c", None]})
    step = ml.OneHot("s", max_categories=2).fit(train)
    assert step.get_feature_names_out() == ["s=a", "s=b", "s=__other__"]
    test = fr.DataFrame({"s": ["c", None, "zz", "b"]})
    # c and null are infrequent (seen) -> other; zz unknown -> zeros (ignore)
    assert step.transform(test, dtype="float64").tolist() == [[0, 0, 1], [0, 0, 1], [0, 0, 0], [0, 1, 0]]
    step = ml.OneHot("s", handle_null="ignore").fit(train)
    assert step.get_feature_names_out() == ["s=a", "s=b", "s=c"]
    assert step.transform(fr.DataFrame({"s": [None]})).tolist() == [[0, 0, 0]]
    strict = ml.OneHot("s", handle_unknown="error").fit(train)
    with pytest.raises(ml.InvalidOperationError, match=r"column 's' has a value not seen at fit: 'zz'"):
        strict.transform(test)
    with pytest.raises(ml.InvalidOperationError, match="'zz'"):
        strict.transform_row({"s": "zz"})
    no_null = ml.OneHot("s", handle_null="error").fit(fr.DataFrame({"s": ["a"]}))
    with pytest.raises(ml.InvalidOperationError, match="null"):
        no_null.transform(fr.DataFrame({"s": pa.array([None], pa.string())}))
    with pytest.raises(ml.InvalidOperationError, match="null"):
        no_null.transform_row({"s": None})


@pytest.mark.parametrize("seed", SEEDS)
def test_ordinal_vs_sklearn(seed: int) -> None:
    train, test = _frames(seed)
    train = train.filter(fr.col("s").is_not_null())
    step = ml.Ordinal(["s", "i"]).fit(train)
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-2).fit(
        np.array([_strs(train, "s")], dtype=object).T)
    te = _strs(test, "s")
    ref = enc.transform(np.array([[v if v is not None else "zz"] for v in te], dtype=object))[:, 0] + 2
    ref = np.where([v is None for v in te], 1.0, ref)  # null code
    assert step.get_feature_names_out() == ["i", "s"]  # input column order, not selection order
    np.testing.assert_array_equal(step.transform(test, dtype="float64")[:, 1], ref)
    assert step.state_["s"]["n_codes"] == len(enc.categories_[0]) + 2
    # integer categories keep numeric order; codes do not depend on row order
    again = ml.Ordinal("i").fit(train.sort("y"))
    assert again.state_["i"]["categories"] == step.state_["i"]["categories"]


def test_ordinal_min_frequency_and_error() -> None:
    train = fr.DataFrame({"s": ["a", "a", "b"]})
    step = ml.Ordinal("s", min_frequency=2).fit(train)
    assert step.transform(fr.DataFrame({"s": ["a", "b", "q"]}), dtype="float64")[:, 0].tolist() == [2.0, 0.0, 0.0]
    with pytest.raises(ml.InvalidOperationError, match="'q'"):
        ml.Ordinal("s", handle_unknown="error").fit(train).transform(fr.DataFrame({"s": ["q"]}))


@pytest.mark.parametrize("smooth", ["auto", 0.0, 5.0])
def test_target_encode_full_fit_vs_sklearn(smooth: float | str) -> None:
    train, _ = _frames(4)
    train = train.filter(fr.col("s").is_not_null())
    step = ml.TargetEncode("s", smooth=smooth).fit(train, y="y")
    enc = TargetEncoder(smooth=smooth, target_type="continuous").fit(
        np.array([_strs(train, "s")], dtype=object).T, _col(train, "y"))
    ours = dict(zip(step.state_["s"]["keys"], step.state_["s"]["values"]))
    ref = dict(zip(enc.categories_[0].tolist(), enc.encodings_[0].tolist()))
    assert ours.keys() == ref.keys()
    for k in ref:
        assert ours[k] == pytest.approx(ref[k], rel=1e-12)
    assert step.state_["s"]["default"] == pytest.approx(enc.target_mean_)
    out = step.transform(fr.DataFrame({"s": ["zz"]}), dtype="float64")
    assert out[0, 0] == pytest.approx(enc.target_mean_)


def _oof_reference(keys: list, y: list[float], folds: list[int], cv: int, m: float) -> list[float]:
    out = []
    for i, (k, f) in enumerate(zip(keys, folds)):
        rows = [j for j in range(len(keys)) if folds[j] != f]
        prior = sum(y[j] for j in rows) / len(rows)
        same = [y[j] for j in rows if keys[j] == k]
        out.append((sum(same) + m * prior) / (len(same) + m) if same or m else prior)
        assert i == len(out) - 1
    return out


def test_target_encode_out_of_fold_vs_reference() -> None:
    train, _ = _frames(5)
    step = ml.TargetEncode("s", smooth=2.0, cv=4, seed=3)
    oof = step.fit_transform(train, y="y", dtype="float64")[:, 0]
    folds = step.folds(train.height).tolist()
    ref = _oof_reference(_strs(train, "s"), _col(train, "y").tolist(), folds, 4, 2.0)
    np.testing.assert_allclose(oof, ref, rtol=1e-12)
    # transform uses full-data statistics, which differ from the out-of-fold ones
    assert not np.allclose(step.transform(train, dtype="float64")[:, 0], oof)


def test_target_encode_row_does_not_see_own_label() -> None:
    train, _ = _frames(6)
    y = _col(train, "y")
    base = ml.TargetEncode("s", smooth=1.0).fit_transform(train, y=y, dtype="float64")[:, 0]
    for i in (0, 17, 101):
        y2 = y.copy()
        y2[i] = 1.0 - y2[i] + 5.0
        moved = ml.TargetEncode("s", smooth=1.0).fit_transform(train, y=y2, dtype="float64")[:, 0]
        assert moved[i] == base[i]
        assert not np.array_equal(moved, base)  # other rows did see it


def test_target_encode_needs_y() -> None:
    with pytest.raises(ml.InvalidOperationError, match="needs a target"):
        ml.Pipeline([ml.TargetEncode("s")]).fit(fr.DataFrame({"s": ["a"]}))
    with pytest.raises(ml.InvalidOperationError, match="missing values"):
        ml.TargetEncode("s").fit(fr.DataFrame({"s": ["a"]}), y=[float("nan")])


@pytest.mark.parametrize("normalize", [False, True])
def test_count_and_frequency_vs_counter(normalize: bool) -> None:
    train, test = _frames(7)
    step = (ml.FrequencyEncode("s") if normalize else ml.CountEncode("s")).fit(train)
    counts = Counter(_strs(train, "s"))
    n = train.height
    ref = [counts.get(v, 0) / (n if normalize else 1) for v in _strs(test, "s")]
    np.testing.assert_allclose(step.transform(test, dtype="float64")[:, 0], ref, rtol=1e-15)


def test_hash_vs_kernel_reference_and_cross() -> None:
    train, test = _frames(8)
    step = ml.Hash(["s", "i"], n_buckets=97, seed=11).fit(train)
    out = step.transform(test, dtype="float64")
    assert step.get_feature_names_out() == ["i", "s"]
    for j, (c, t) in enumerate([("i", pa.int64()), ("s", pa.string())]):
        ref = [int(hash_array(pa.array([v], t), 11)[0]) % 97 for v in test[c].to_list()]
        assert out[:, j].tolist() == ref
    cross = ml.Hash(["s", "k"], n_buckets=1 << 20, cross=True).fit(train)
    assert cross.get_feature_names_out() == ["s*k"]
    got = cross.transform(test, dtype="float64")[:, 0]
    mask = (1 << 64) - 1
    for v, k, g in zip(test["s"].to_list(), test["k"].to_list(), got):
        h = int(hash_array(pa.array([v], pa.string()), 0)[0])
        h = (h * 0x9E3779B97F4A7C15 + int(hash_array(pa.array([k], pa.int64()), 0)[0])) & mask
        assert g == h % (1 << 20)


def test_hash_is_stable_across_processes() -> None:
    code = (
        "import frame as fr; from frame import ml;"
        "df = fr.DataFrame({'s': ['x', 'hello', None], 'k': [1, 2, 3]});"
        "print(ml.Hash(['s', 'k'], n_buckets=1000003, seed=42).fit(df).transform(df, dtype='float64').tolist())"
    )
    outs = set()
    for seed in ("0", "1", "random"):
        env = {"PYTHONHASHSEED": seed, "PATH": ""}
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outs.add(res.stdout.strip())
    assert len(outs) == 1
    # golden values: a change here breaks every saved model that used Hash
    df = fr.DataFrame({"s": ["x", "hello", None], "k": [1, 2, 3]})
    assert str(ml.Hash(["s", "k"], n_buckets=1000003, seed=42).fit(df).transform(df, dtype="float64").tolist()) == outs.pop()


def test_hash_row_cache_miss_matches_batch() -> None:
    step = ml.Hash("s", n_buckets=1 << 30).fit(fr.DataFrame({"s": ["a"]}))
    for v in ["never-seen", "", "é", None]:
        batch = step.transform(fr.DataFrame({"s": pa.array([v], pa.string())}), dtype="float64")[0]
        assert step.transform_row({"s": v}, dtype="float64").tolist() == batch.tolist()


@pytest.mark.parametrize("seed", SEEDS)
def test_group_agg_vs_pure_python(seed: int) -> None:
    train, test = _frames(seed)
    aggs = ["mean", "sum", "min", "max", "std", "median", "count"]
    step = ml.GroupAgg("s", "f", aggs=aggs).fit(train)
    groups: dict = {}
    for k, v in zip(_strs(train, "s"), _col(train, "f")):
        groups.setdefault(k, []).append(v)
    allv = [v for v in _col(train, "f") if not math.isnan(v)]

    def stats(vals: list) -> dict:
        vals = [v for v in vals if not math.isnan(v)]
        if not vals:
            return {"count": 0.0, **{a: math.nan for a in aggs if a != "count"}}
        return {"mean": statistics.fmean(vals), "sum": math.fsum(vals), "min": min(vals),
                "max": max(vals), "std": statistics.pstdev(vals), "median": statistics.median(vals),
                "count": float(len(vals))}

    ref_by = {k: stats(v) for k, v in groups.items()}
    glob = stats(allv)
    out = step.transform(test, dtype="float64")
    for row, k in zip(out, _strs(test, "s")):
        ref = ref_by.get(k, glob)
        np.testing.assert_allclose(row, [ref[a] for a in aggs], rtol=1e-9, atol=1e-12)
    assert step.get_feature_names_out() == [f"f__{a}_by_s" for a in aggs]
    nanfill = ml.GroupAgg("s", "f", fill="nan").fit(train)
    assert np.isnan(nanfill.transform(fr.DataFrame({"s": ["zz"], "f": [1.0]}))[0, 0])


def test_quantile_bins_drop_nan_cuts_from_infinite_data() -> None:
    """inf - inf interpolates to a NaN quantile; a NaN cut would bin differently on the
    batch (searchsorted) and row (bisect) paths. Found by the parity property."""
    df = fr.DataFrame({"x": [float("inf")] * 3 + [1.0]})
    step = ml.QuantileBins("x", n_bins=2).fit(df)
    assert all(not math.isnan(c) for c in step.state_["x"]["cuts"])
    step._solo.check_parity(df)


@pytest.mark.parametrize("seed", SEEDS)
def test_power_transform_vs_sklearn(seed: int) -> None:
    from sklearn.preprocessing import PowerTransformer

    rng = np.random.default_rng(seed)
    x = [rng.lognormal(0, 1, 400), rng.standard_normal(400) * 3 - 1, rng.exponential(5, 400) - 2][seed]
    x[::17] = np.nan
    df = fr.DataFrame({"x": x})
    step = ml.PowerTransform("x").fit(df)
    ref = PowerTransformer(standardize=False).fit(x.reshape(-1, 1))
    assert step.state_["x"]["lambda"] == pytest.approx(ref.lambdas_[0], abs=1e-6)
    np.testing.assert_allclose(step.transform(df, dtype="float64")[:, 0], ref.transform(x.reshape(-1, 1))[:, 0], rtol=1e-6, atol=1e-7)
    step._solo.check_parity(df)
    lam = step.state_["x"]["lambda"]
    v = 2.5
    assert step.transform_row({"x": v}, dtype="float64")[0] == ((v + 1) ** lam - 1) / lam


def test_power_transform_degenerate_columns() -> None:
    df = fr.DataFrame({"x": pa.array([None, None], pa.float64()), "c": [3.0, 3.0]})
    step = ml.PowerTransform(["x", "c"]).fit(df)
    assert step.state_["x"]["lambda"] == 1.0 and step.state_["c"]["lambda"] == 1.0
    step._solo.check_parity(df)


def test_power_transform_overflows_to_inf() -> None:
    """math.pow raises on overflow where NumPy gives inf (found by the parity property)."""
    df = fr.DataFrame({"f": [0.5, 1.0, 2.0, 3.0, 9.0]})
    step = ml.PowerTransform("f").fit(df)
    step.state_["f"]["lambda"] = 3.0
    step._solo._compile()
    big = fr.DataFrame({"f": [1e300, -1e300, 2.0]})
    out = step.transform(big, dtype="float64")[:, 0]
    assert out[0] == math.inf and out[1] == -1.0
    step._solo.check_parity(big)
