"""Hash(output="onehot") (sparse hashed blocks, alternate_sign) and GroupAgg with several key
columns, against pure-Python references: bucket = hash_array(value, seed) % n_buckets per
value, and a dict of lists over the training rows keyed by the tuple of key values. Random
data with nulls and unseen values; batch == row path bit for bit; sparse == dense;
save -> load identical; error messages."""

from __future__ import annotations

import math
import statistics
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frame as fr
from frame import ml
from frame._core.hashing import hash_array
from frame.testing import rechunk
from tests.ml._helpers import bits_equal, frames, random_frame, string_array

sp = pytest.importorskip("scipy.sparse")

MASK63 = (1 << 63) - 1
MASK64 = (1 << 64) - 1
CROSS_PRIME = 0x9E3779B97F4A7C15
CANONICAL = {"string": pa.string(), "int": pa.int64(), "bool": pa.bool_()}


# ----------------------------------------------------------------------------- references
def _h(value: Any, t: pa.DataType, seed: int) -> int:
    return int(hash_array(pa.array([value], type=t), seed)[0])


def _hash_ref(rows: list[dict], cols: list[tuple[str, pa.DataType]], seed: int) -> list[int]:
    """The 64-bit hash of each row: one column, or the left-to-right cross fold."""
    out = []
    for r in rows:
        acc = None
        for c, t in cols:
            h = _h(r[c], t, seed)
            acc = h if acc is None else (acc * CROSS_PRIME + h) & MASK64
        out.append(acc)
    return out


def _onehot_ref(hashes: list[int], n_buckets: int, signed: bool) -> np.ndarray:
    """rows x n_buckets: 1.0 (or the sign, bit 63) in the bucket, +0.0 elsewhere."""
    x = np.zeros((len(hashes), n_buckets))
    for i, h in enumerate(hashes):
        if signed:
            x[i, (h & MASK63) % n_buckets] = -1.0 if h >> 63 else 1.0
        else:
            x[i, h % n_buckets] = 1.0
    return x


def _stats(vals: list[float], aggs: list[str]) -> dict[str, float]:
    vals = [v for v in vals if not math.isnan(v)]
    if not vals:
        return {"count": 0.0, "sum": 0.0, **{a: math.nan for a in aggs if a not in ("count", "sum")}}
    return {"mean": statistics.fmean(vals), "sum": math.fsum(vals), "min": min(vals),
            "max": max(vals), "std": statistics.pstdev(vals), "median": statistics.median(vals),
            "count": float(len(vals))}


def _group_ref(train: fr.DataFrame, test: fr.DataFrame, by: list[str], x: str, aggs: list[str],
               fill: str) -> tuple[np.ndarray, np.ndarray]:
    """(test rows x aggs statistics, unseen-key flags) from a dict of lists keyed by tuple."""
    groups: dict[tuple, list[float]] = {}
    xs = [math.nan if v is None else float(v) for v in train[x].to_list()]
    for key, v in zip(zip(*(train[b].to_list() for b in by)), xs):
        groups.setdefault(key, []).append(v)
    glob = _stats(xs, aggs)
    if fill == "nan":
        glob = dict.fromkeys(glob, math.nan)
    by_key = {k: _stats(v, aggs) for k, v in groups.items()}
    out, unseen = [], []
    for key in zip(*(test[b].to_list() for b in by)):
        unseen.append(key not in by_key)
        ref = by_key.get(key, glob)
        out.append([ref[a] for a in aggs])
    return np.array(out, dtype=np.float64).reshape(test.height, len(aggs)), np.array(unseen, dtype=bool)


def _check_paths(pipe: ml.Pipeline, test: fr.DataFrame, dtypes: tuple[str, ...] = ("float32", "float64")) -> None:
    """Batch == transform_rows == transform_row bit for bit; sparse == dense."""
    rows = test.to_dicts()
    for dtype in dtypes:
        batch = pipe.transform(test, dtype=dtype)
        assert bits_equal(batch, pipe.transform_rows(rows, dtype=dtype)), dtype
        for r, expected in zip(rows[:5], batch[:5]):
            assert bits_equal(pipe.transform_row(r, dtype=dtype), expected)
        if dtype != "float16":
            csr = pipe.transform(test, dtype=dtype, output="sparse")
            assert csr.format == "csr" and csr.dtype == batch.dtype
            assert np.array_equal(csr.toarray(), batch, equal_nan=True)


def _save_load(pipe: ml.Pipeline, path: Any) -> ml.Pipeline:
    pipe.save(path)
    return ml.load(path)


# ----------------------------------------------------------------------------- Hash onehot
@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("alternate_sign", [False, True])
def test_hash_onehot_vs_reference(seed: int, alternate_sign: bool) -> None:
    rng = np.random.default_rng(seed)
    train = random_frame(rng, 200)
    test = random_frame(rng, 90, cats=["a", "b", "zz", "never", ""])  # unseen values, nulls
    nb = 13
    step = ml.Hash(["s", "i"], n_buckets=nb, seed=seed, output="onehot",
                   alternate_sign=alternate_sign).fit(train)
    names = step.get_feature_names_out()
    assert names == [f"i#{b}" for b in range(nb)] + [f"s#{b}" for b in range(nb)]
    got = step.transform(test, dtype="float64")
    rows = test.to_dicts()
    expected = np.hstack([
        _onehot_ref(_hash_ref(rows, [(c, t)], seed), nb, alternate_sign)
        for c, t in (("i", pa.int64()), ("s", pa.string()))
    ])
    assert bits_equal(got, expected)
    assert bits_equal(step.transform_row(rows[0], dtype="float64"), expected[0])
    csr = step.transform(test, dtype="float64", output="sparse")
    assert csr.nnz == 2 * test.height  # one stored entry per row and block
    assert np.array_equal(np.diff(csr.indptr), np.full(test.height, 2))
    assert bits_equal(csr.toarray(), expected)


@pytest.mark.parametrize("alternate_sign", [False, True])
def test_hash_onehot_cross_vs_reference(alternate_sign: bool) -> None:
    rng = np.random.default_rng(4)
    train = random_frame(rng, 150)
    test = random_frame(rng, 70, cats=["a", "zz"])
    step = ml.Hash(["s", "k", "i"], n_buckets=8, seed=3, cross=True, output="onehot",
                   alternate_sign=alternate_sign)
    pipe = ml.Pipeline([step, ml.OneHot("s")]).fit(train)  # the inputs stay available
    block = [f"i*s*k#{b}" for b in range(8)]  # columns in frame order, as always
    assert pipe.get_feature_names_out()[-8:] == block
    got = pipe.transform(test, dtype="float64")[:, -8:]
    hashes = _hash_ref(test.to_dicts(), [("i", pa.int64()), ("s", pa.string()), ("k", pa.int64())], 3)
    assert bits_equal(got, _onehot_ref(hashes, 8, alternate_sign))
    _check_paths(pipe, test, ("float32", "float64", "float16"))


@pytest.mark.parametrize("n_buckets", [1, 7, 64])
def test_hash_onehot_bucket_matches_index_output(n_buckets: int) -> None:
    """The hot column is the index-mode bucket; with alternate_sign the bucket comes from the
    low 63 bits (the same bucket when n_buckets is a power of two) and the sign from bit 63."""
    rng = np.random.default_rng(n_buckets)
    df = random_frame(rng, 120)
    index = ml.Hash("s", n_buckets=n_buckets, seed=2).fit(df).transform(df, dtype="float64")[:, 0]
    onehot = ml.Hash("s", n_buckets=n_buckets, seed=2, output="onehot").fit(df).transform(df, dtype="float64")
    assert np.array_equal(onehot.argmax(axis=1), index.astype(np.int64))
    signed = ml.Hash("s", n_buckets=n_buckets, seed=2, output="onehot", alternate_sign=True).fit(df)
    x = signed.transform(df, dtype="float64")
    assert np.array_equal(np.abs(x), (np.abs(x) > 0).astype(np.float64))  # exactly one +-1 per row
    assert np.array_equal(np.count_nonzero(x, axis=1), np.ones(df.height))
    hashes = _hash_ref(df.to_dicts(), [("s", pa.string())], 2)
    signs = np.array([-1.0 if h >> 63 else 1.0 for h in hashes])
    assert np.array_equal(x.sum(axis=1), signs)
    assert 0 < (signs < 0).sum() < len(signs)  # both signs occur
    if n_buckets & (n_buckets - 1) == 0:
        assert np.array_equal(np.abs(x).argmax(axis=1), index.astype(np.int64))


def test_hash_onehot_pipeline_parity_persist_quantize_unknown(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    train = random_frame(rng, 300)
    test = random_frame(rng, 120, cats=["a", "b", "c", "zz"])
    pipe = ml.Pipeline([
        ml.Impute(["f", "i"], strategy="median"),
        ml.Standardize(["f", "i"]),
        ml.GroupAgg(["s", "k"], "f", aggs=["mean", "count"]),
        ml.Hash(["s", "k"], n_buckets=16, seed=7, cross=True, output="onehot", alternate_sign=True),
        ml.Hash("s", n_buckets=5, output="onehot"),
        ml.OneHot("k", handle_unknown="other"),
    ]).fit(train, y="y")
    _check_paths(pipe, test, ("float32", "float64", "float16"))
    pipe.quantize()
    q = pipe.transform(test, dtype="int8")
    assert bits_equal(q, pipe.transform_rows(test.to_dicts(), dtype="int8"))
    assert bits_equal(q[0], pipe.transform_row(test.to_dicts()[0], dtype="int8"))
    block = [j for j, f in enumerate(pipe.features_) if f.startswith("s*k#")]
    lo, hi = (np.array([pipe.feature_ranges_[pipe.features_[j]][i] for j in block]) for i in (0, 1))
    x = pipe.transform(train, dtype="float64")[:, block]  # ranges from the codes, not dense columns
    assert np.array_equal(lo, x.min(axis=0)) and np.array_equal(hi, x.max(axis=0))
    loaded = _save_load(pipe, tmp_path / "m")
    assert loaded.get_feature_names_out() == pipe.get_feature_names_out()
    for dtype in ("float32", "float64", "int8"):
        assert bits_equal(loaded.transform(test, dtype=dtype), pipe.transform(test, dtype=dtype))
    assert bits_equal(loaded.transform_rows(test.to_dicts()), pipe.transform(test))
    assert loaded.unknown_mask(test).equals(pipe.unknown_mask(test))
    assert loaded.lineage().rows() == pipe.lineage().rows()
    assert loaded.named_steps["hash"].get_params() == pipe.named_steps["hash"].get_params()
    lin = {r[0]: r for r in pipe.lineage().rows()}
    assert lin["s*k#3"][1] == ["s", "k"] and '"bucket": 3' in lin["s*k#3"][3]
    assert lin["s#4"][1] == ["s"] and '"alternate_sign": false' in lin["s#4"][3]


def test_hash_onehot_block_read_by_a_later_step() -> None:
    """A later step reading block features gets them by name (the block is expanded)."""
    rng = np.random.default_rng(2)
    train = random_frame(rng, 100)
    test = random_frame(rng, 40, cats=["a", "zz"])
    pipe = ml.Pipeline([
        ml.Hash("s", n_buckets=6, output="onehot", alternate_sign=True),
        ml.Standardize(ml.by_pattern("^s#[0-2]$")),  # reads half of the block
    ]).fit(train)
    assert pipe.get_feature_names_out() == [f"s#{b}" for b in range(6)]
    _check_paths(pipe, test)
    x = pipe.transform(test, dtype="float64")
    plain = ml.Hash("s", n_buckets=6, output="onehot", alternate_sign=True).fit(train)
    assert bits_equal(x[:, 3:], plain.transform(test, dtype="float64")[:, 3:])


def test_hash_onehot_sparse_never_builds_the_dense_block() -> None:
    rng = np.random.default_rng(0)
    nb = 1 << 16
    n = 2000
    df = fr.DataFrame({"s": [f"v{i}" for i in rng.integers(0, 10_000, n)], "x": rng.standard_normal(n)})
    pipe = ml.Pipeline([ml.Standardize("x"), ml.Hash("s", n_buckets=nb, output="onehot",
                                                     alternate_sign=True)]).fit(df)
    assert len(pipe.get_feature_names_out()) == nb + 1
    tracemalloc.start()
    try:
        csr = pipe.transform(df, output="sparse")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dense_block = n * nb * 4  # 524 MB as float32; the block is one code array (16 KB)
    assert peak < dense_block / 10, peak
    assert csr.shape == (n, nb + 1) and np.array_equal(np.diff(csr.indptr), np.full(n, 2))
    rows = df.head(3).to_dicts()
    assert pipe._row_layout is not None  # the block is scattered into the row vector directly
    for i, r in enumerate(rows):
        assert bits_equal(pipe.transform_row(r), csr[i].toarray()[0])
    assert bits_equal(pipe.transform_rows(rows), csr[:3].toarray())


def test_hash_onehot_empty_and_single_bucket() -> None:
    df = fr.DataFrame({"s": ["a", None]})
    one = ml.Hash("s", n_buckets=1, output="onehot", alternate_sign=True).fit(df)
    x = one.transform(df, dtype="float64")
    assert x.shape == (2, 1) and set(np.abs(x[:, 0])) == {1.0}
    empty = one.transform(fr.DataFrame({"s": pa.array([], pa.string())}), output="sparse")
    assert empty.shape == (0, 1) and empty.nnz == 0
    assert one.transform(fr.DataFrame({"s": pa.array([], pa.string())})).shape == (0, 1)
    fitted_empty = ml.Hash("s", n_buckets=3, output="onehot").fit(fr.DataFrame({"s": pa.array([], pa.string())}))
    assert fitted_empty._solo.feature_ranges_["s#0"] == [math.inf, -math.inf]


def test_hash_parameter_errors() -> None:
    with pytest.raises(ml.InvalidOperationError, match=r"unknown output='dense'; use one of index, onehot"):
        ml.Hash("s", output="dense")
    with pytest.raises(ml.InvalidOperationError, match=r"alternate_sign=True needs output='onehot'"):
        ml.Hash("s", alternate_sign=True)
    with pytest.raises(ml.InvalidOperationError, match=r"n_buckets up to 2\*\*24 \(16777216\), got 16777217"):
        ml.Hash("s", n_buckets=(1 << 24) + 1, output="onehot")
    assert ml.Hash("s", n_buckets=1 << 24, output="onehot").n_buckets == 1 << 24
    assert ml.Hash("s", n_buckets=1 << 40).n_buckets == 1 << 40  # index output: any width
    with pytest.raises(ml.InvalidOperationError, match=r"n_buckets must be in \[1, 2\*\*53\]"):
        ml.Hash("s", n_buckets=0, output="onehot")


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(train=frames(min_rows=1), test=frames(min_rows=0, cats=("a", "b", "zz")),
       n_buckets=st.sampled_from([1, 2, 5, 16]), seed=st.integers(0, 3), cross=st.booleans(),
       signed=st.booleans(), cols=st.sampled_from([["s"], ["k"], ["s", "i"], ["s", "k", "i"]]),
       remainder=st.sampled_from(["drop", "passthrough"]))
def test_hash_onehot_property(train: fr.DataFrame, test: fr.DataFrame, n_buckets: int, seed: int,
                              cross: bool, signed: bool, cols: list[str], remainder: str) -> None:
    # passthrough interleaves plain features with the blocks in the row vector
    pipe = ml.Pipeline([
        ml.Hash(cols, n_buckets=n_buckets, seed=seed, cross=cross, output="onehot", alternate_sign=signed),
        ml.Standardize("f"),
    ], remainder=remainder).fit(train)
    _check_paths(pipe, test, ("float32", "float64", "float16"))
    cols = [c for c in train.columns if c in cols]  # selections resolve in frame order
    types = [(c, CANONICAL[ml._base.family(train.schema[c])]) for c in cols]
    rows = test.to_dicts()
    blocks = [("*".join(cols), types)] if cross else [(c, [(c, t)]) for c, t in types]
    x = pipe.transform(test, dtype="float64")
    for name, bcols in blocks:
        idx = [pipe.features_.index(f"{name}#{b}") for b in range(n_buckets)]
        assert bits_equal(x[:, idx], _onehot_ref(_hash_ref(rows, bcols, seed), n_buckets, signed))
    with tempfile.TemporaryDirectory() as d:
        loaded = _save_load(pipe, d)
    assert bits_equal(loaded.transform(test), pipe.transform(test))
    assert bits_equal(loaded.transform_rows(rows), pipe.transform(test))
    assert loaded.unknown_mask(test).equals(pipe.unknown_mask(test))


# ----------------------------------------------------------------------------- GroupAgg, several keys
def _keyed_frame(rng: np.random.Generator, n: int, *, extra: bool = False) -> fr.DataFrame:
    """Key columns string / int / bool with nulls; x with NaN and nulls."""
    s = rng.choice(np.array(["p", "q", "r", "s"] + (["new"] if extra else []), dtype=object), n)
    i = rng.integers(0, 4 if extra else 3, n)
    b = rng.random(n) < 0.5
    x = rng.standard_normal(n) * 10
    x[rng.random(n) < 0.1] = np.nan
    return fr.DataFrame({
        "s": pa.array(s.tolist(), mask=rng.random(n) < 0.15),
        "i": pa.array(i, mask=rng.random(n) < 0.15),
        "b": pa.array(b, mask=rng.random(n) < 0.15),
        "x": pa.array(x, mask=rng.random(n) < 0.05),
        "y": rng.standard_normal(n),
    })


AGGS = ["mean", "sum", "min", "max", "std", "median", "count"]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("by", [["s", "i"], ["i", "s", "b"], ["b", "s"]])
@pytest.mark.parametrize("fill", ["global", "nan"])
def test_group_agg_multi_key_vs_pure_python(seed: int, by: list[str], fill: str) -> None:
    rng = np.random.default_rng(seed)
    train = _keyed_frame(rng, 300)
    test = _keyed_frame(rng, 150, extra=True)  # unseen values and unseen combinations
    pipe = ml.Pipeline([ml.GroupAgg(by, "x", aggs=AGGS, fill=fill)]).fit(train)
    label = "+".join(by)
    assert pipe.get_feature_names_out() == [f"x__{a}_by_{label}" for a in AGGS]
    ref, unseen = _group_ref(train, test, by, "x", AGGS, fill)
    got = pipe.transform(test, dtype="float64")
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
    assert np.array_equal(got[:, AGGS.index("count")], ref[:, AGGS.index("count")], equal_nan=True)
    assert unseen.any() and not unseen.all()
    mask = pipe.unknown_mask(test)
    assert mask[f"groupagg.{label}"].to_list() == unseen.tolist()
    assert pipe.transform_rows(test.to_dicts(), return_unknown=True)[1].equals(mask)
    _check_paths(pipe, test)
    _check_paths(pipe, train)


def test_group_agg_unseen_combination_of_seen_values() -> None:
    train = fr.DataFrame({"a": ["x", "x", "y"], "b": [1, 2, 1], "v": [1.0, 2.0, 4.0]})
    step = ml.GroupAgg(["a", "b"], "v", aggs=["sum"], fill="nan").fit(train)
    test = fr.DataFrame({"a": ["y", "x", None], "b": [2, 2, None], "v": [0.0, 0.0, 0.0]})
    assert step.transform(test, dtype="float64")[:, 0].tolist()[1:2] == [2.0]
    assert np.isnan(step.transform(test, dtype="float64")[[0, 2], 0]).all()
    assert step._solo.unknown_mask(test)["groupagg.a+b"].to_list() == [True, False, True]
    assert step.transform_row({"a": "y", "b": 1, "v": 0.0}, dtype="float64").tolist() == [4.0]
    assert np.isnan(step.transform_row({"a": "y", "b": 2, "v": 0.0})[0])


def test_group_agg_key_types_stay_exact(tmp_path: Path) -> None:
    """int 1, string "1" and True are different keys; the state keeps each key's type."""
    train = fr.DataFrame({
        "n": [1, 1, 2, None], "t": ["1", "2", "1", "1"], "b": [True, False, None, True],
        "v": [10.0, 20.0, 30.0, 40.0],
    })
    pipe = ml.Pipeline([ml.GroupAgg(["n", "t", "b"], "v", aggs=["sum"], fill="nan")]).fit(train)
    kst = pipe.steps_[0][1].state_["__key__"]
    assert kst["types"] == ["int64", "string", "bool"]
    assert kst["keys_0"] == [1, 1, 2, None] and kst["keys_1"] == ["1", "2", "1", "1"]
    assert kst["keys_2"] == [True, False, None, True]
    loaded = _save_load(pipe, tmp_path)
    lst = loaded.steps_[0][1].state_["__key__"]
    for name in ("keys_0", "keys_1", "keys_2"):
        assert [type(v) for v in lst[name]] == [type(v) for v in kst[name]]
        assert lst[name] == kst[name]
    for p in (pipe, loaded):
        assert p.transform_row({"n": 1, "t": "1", "b": True, "v": 0.0}, dtype="float64").tolist() == [10.0]
        assert p.transform_row({"n": None, "t": "1", "b": True, "v": 0.0}, dtype="float64").tolist() == [40.0]
        # the same characters with the other types are not the fitted key
        assert np.isnan(p.transform_row({"n": "1", "t": 1, "b": True, "v": 0.0})[0])
        assert np.isnan(p.transform_row({"n": 2, "t": "1", "b": False, "v": 0.0})[0])
    with pytest.raises(ml.SchemaError, match=r"column 'n' is str"):
        pipe.transform(fr.DataFrame({"n": ["1"], "t": ["1"], "b": [True], "v": [0.0]}))


def test_group_agg_single_key_unchanged_and_list_of_one() -> None:
    rng = np.random.default_rng(5)
    train = random_frame(rng, 200)
    test = random_frame(rng, 60, cats=["a", "zz"])
    as_str = ml.Pipeline([ml.GroupAgg("s", "f", aggs=["mean", "count"])]).fit(train)
    as_list = ml.Pipeline([ml.GroupAgg(["s"], "f", aggs=["mean", "count"])]).fit(train)
    assert as_str.get_feature_names_out() == ["f__mean_by_s", "f__count_by_s"]
    assert as_list.get_feature_names_out() == as_str.get_feature_names_out()
    st_str = as_str.steps_[0][1].state_
    assert set(st_str["__key__"]) == {"keys", "seen"}  # the one-key state format is unchanged
    assert bits_equal(as_list.transform(test), as_str.transform(test))
    assert as_str.unknown_mask(test).columns == ["groupagg.s", "groupagg.f", "any"]
    assert as_list.named_steps["groupagg"].get_params()["by"] == ["s"]
    assert as_str.named_steps["groupagg"].get_params()["by"] == "s"


@pytest.mark.parametrize("n_keys", [2, 4])
def test_group_agg_many_wide_keys(n_keys: int, tmp_path: Path) -> None:
    """Many distinct values per key column (prefix folding stays exact); several chunks and
    dictionary / large_string layouts in the served batch."""
    rng = np.random.default_rng(n_keys)
    n = 3000

    def make(m: int, hi: int) -> fr.DataFrame:
        cols: dict[str, Any] = {}
        for j in range(n_keys):
            v = rng.integers(0, hi, m)
            cols[f"k{j}"] = pa.array([f"s{x}" for x in v]) if j % 2 else pa.array(v)
        cols["x"] = pa.array(rng.standard_normal(m))
        return fr.DataFrame(cols)

    train = make(n, 900)
    by = [f"k{j}" for j in range(n_keys)]
    pipe = ml.Pipeline([ml.GroupAgg(by, "x", aggs=["count", "max"], fill="nan")]).fit(train)
    table = train.to_arrow()
    served = fr.DataFrame(rechunk(pa.table({
        c: (table.column(c).combine_chunks().dictionary_encode() if c == "k1" else table.column(c))
        for c in table.column_names
    }), [700, 0, 1500]))
    assert bits_equal(pipe.transform(served), pipe.transform(train))
    ref, unseen = _group_ref(train, train, by, "x", ["count", "max"], "nan")
    assert not unseen.any()
    np.testing.assert_array_equal(pipe.transform(train, dtype="float64"), ref)
    test = make(500, 1000)
    ref, unseen = _group_ref(train, test, by, "x", ["count", "max"], "nan")
    np.testing.assert_array_equal(pipe.transform(test, dtype="float64"), ref)
    assert pipe.unknown_mask(test)[f"groupagg.{'+'.join(by)}"].to_list() == unseen.tolist()
    _check_paths(pipe, test)
    loaded = _save_load(pipe, tmp_path)
    assert bits_equal(loaded.transform(test), pipe.transform(test))


def test_group_agg_multi_key_persist_and_lineage(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    train = _keyed_frame(rng, 200)
    test = _keyed_frame(rng, 80, extra=True)
    pipe = ml.Pipeline([
        ml.GroupAgg(["s", "i", "b"], ["x", "y"], aggs=["mean", "std"], fill="nan"),
        ml.OneHot("s"),
    ]).fit(train)
    loaded = _save_load(pipe, tmp_path)
    for dtype in ("float32", "float64"):
        assert bits_equal(loaded.transform(test, dtype=dtype), pipe.transform(test, dtype=dtype))
    assert bits_equal(loaded.transform_rows(test.to_dicts()), pipe.transform(test))
    assert loaded.unknown_mask(test).equals(pipe.unknown_mask(test))
    assert loaded.lineage().rows() == pipe.lineage().rows()
    text = [t for t in pipe.lineage(as_text=True).splitlines() if t.startswith("x__mean")]
    assert text == ["x__mean_by_s+i+b <- x, s, i, b: groupagg(agg='mean', by=['s', 'i', 'b'], "
                    "fill='nan', default=nan)"]
    assert loaded.named_steps["groupagg"].by == ["s", "i", "b"]


def test_group_agg_all_null_and_empty_training() -> None:
    train = fr.DataFrame({"a": pa.array([None, None], pa.string()), "b": pa.array([None, None], pa.int64()),
                          "v": [1.0, 3.0]})
    step = ml.GroupAgg(["a", "b"], "v").fit(train)
    test = fr.DataFrame({"a": pa.array([None, "x"], pa.string()), "b": pa.array([None, None], pa.int64()),
                         "v": [0.0, 0.0]})
    assert step.transform(test, dtype="float64")[:, 0].tolist() == [2.0, 2.0]
    empty = ml.GroupAgg(["a", "b"], "v", fill="nan").fit(fr.DataFrame({
        "a": pa.array([], pa.string()), "b": pa.array([], pa.int64()), "v": pa.array([], pa.float64())}))
    assert np.isnan(empty.transform(test)).all()
    assert np.isnan(empty.transform_row({"a": None, "b": None, "v": 0.0})).all()
    assert empty._solo.unknown_mask(test)["groupagg.a+b"].to_list() == [True, True]


def test_group_agg_errors() -> None:
    df = fr.DataFrame({"a": ["x"], "b": [1], "f": [0.5], "v": [1.0]})
    with pytest.raises(ml.InvalidOperationError, match=r"by must be a column name or a non-empty list of names, got \[\]"):
        ml.GroupAgg([], "v")
    with pytest.raises(ml.InvalidOperationError, match=r"by must be a column name or a non-empty list of names, got \['a', 1\]"):
        ml.GroupAgg(["a", 1], "v")  # type: ignore[list-item]
    with pytest.raises(ml.InvalidOperationError, match=r"by names a column twice: \['a', 'b', 'a'\]"):
        ml.GroupAgg(["a", "b", "a"], "v")
    with pytest.raises(ml.ColumnNotFoundError, match=r"column 'bb' not found; did you mean 'b'\?"):
        ml.GroupAgg(["a", "bb"], "v").fit(df)
    with pytest.raises(ml.SchemaError, match=r"key column 'f' must be categorical, not double"):
        ml.GroupAgg(["a", "f"], "v").fit(df)
    with pytest.raises(ml.ColumnNotFoundError, match=r"column 'b' not found"):
        ml.GroupAgg(["a", "b"], ["v", "b"]).fit(df)  # a key column is not aggregated
    pipe = ml.Pipeline([ml.GroupAgg(["a", "b"], "v")]).fit(df)
    with pytest.raises(ml.ColumnNotFoundError, match=r"column 'b' not found"):
        pipe.transform_row({"a": "x", "v": 1.0})


@st.composite
def _keyed_frames(draw: Any, max_rows: int = 25, cats: tuple[str, ...] = ("p", "q")) -> fr.DataFrame:
    """Key columns (string in three layouts, int, bool; nulls) from small alphabets, x numeric."""
    n = draw(st.integers(0, max_rows))
    s = draw(st.lists(st.one_of(st.none(), st.sampled_from(cats)), min_size=n, max_size=n))
    i = draw(st.lists(st.one_of(st.none(), st.integers(-1, 1)), min_size=n, max_size=n))
    b = draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n))
    x = draw(st.lists(st.one_of(st.none(), st.just(math.nan), st.floats(-1e6, 1e6)), min_size=n, max_size=n))
    s_arr = string_array(draw, s)
    table = pa.table({"s": s_arr, "i": pa.array(i, pa.int32()), "b": pa.array(b, pa.bool_()),
                      "x": pa.array(x, pa.float64())})
    if n and draw(st.booleans()):
        table = rechunk(table, draw(st.lists(st.integers(0, n), min_size=1, max_size=3)))
    return fr.DataFrame(table)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(train=_keyed_frames(), test=_keyed_frames(cats=("p", "zz")),
       by=st.sampled_from([["s", "i"], ["i", "b"], ["s", "b", "i"], ["b"], "s"]),
       aggs=st.lists(st.sampled_from(AGGS), min_size=1, max_size=3, unique=True),
       fill=st.sampled_from(["global", "nan"]))
def test_group_agg_multi_key_property(train: fr.DataFrame, test: fr.DataFrame, by: Any,
                                      aggs: list[str], fill: str) -> None:
    pipe = ml.Pipeline([ml.GroupAgg(by, "x", aggs=aggs, fill=fill)]).fit(train)
    keys = [by] if isinstance(by, str) else by
    label = "+".join(keys)
    ref, unseen = _group_ref(train, test, keys, "x", aggs, fill)
    got = pipe.transform(test, dtype="float64")
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
    assert pipe.unknown_mask(test)[f"groupagg.{label}"].to_list() == unseen.tolist()
    _check_paths(pipe, test)
    _check_paths(pipe, train)
    if test.height:
        assert pipe.transform_rows(test.to_dicts(), return_unknown=True)[1].equals(pipe.unknown_mask(test))
    with tempfile.TemporaryDirectory() as d:
        loaded = _save_load(pipe, d)
    assert bits_equal(loaded.transform(test), pipe.transform(test))
    assert bits_equal(loaded.transform_rows(test.to_dicts()), pipe.transform(test))
