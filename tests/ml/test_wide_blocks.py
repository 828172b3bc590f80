"""Wide one-hot blocks cost O(1) per block: a 2**20-bucket Hash block through fit, sparse
transform, the row path, lineage, quantize, save and load, checked by counting (manifest size
independent of the width, Python objects retained, traced peak memory) rather than by the
clock; the block layout (extracted features, split runs, list-like feature names); and
loading a version-1 manifest written before blocks were kept whole (golden files)."""

from __future__ import annotations

import copy
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import frame as fr
from frame import ml
from frame.ml import _output
from frame.ml._layout import BlockSlice, NumberedNames
from tests.ml._helpers import bits_equal, random_frame

sp = pytest.importorskip("scipy.sparse")

WIDE = 1 << 20
GOLDEN = Path(__file__).parent / "data" / "pipeline_v1"


def _traced(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, traced peak bytes, seconds) of ``fn()``."""
    tracemalloc.start()
    t = time.perf_counter()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1], time.perf_counter() - t
    finally:
        tracemalloc.stop()


def _retained(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(result, Python memory blocks still allocated afterwards, i.e. held by the result)."""
    gc.collect()
    before = sys.getallocatedblocks()
    out = fn()
    gc.collect()
    return out, sys.getallocatedblocks() - before


@pytest.fixture(scope="module")
def data() -> fr.DataFrame:
    rng = np.random.default_rng(0)
    n = 2000
    return fr.DataFrame({  # numeric columns first: features come out in column order
        "x": rng.standard_normal(n),
        "z": rng.exponential(1.0, n),
        "s": [f"v{i}" for i in rng.integers(0, 5000, n)],
        "u": rng.integers(0, 10**9, n),
    })


def _wide(n_buckets: int) -> ml.Pipeline:
    return ml.Pipeline([
        ml.Standardize(["x", "z"]),
        ml.Hash("s", n_buckets=n_buckets, output="onehot", alternate_sign=True),
        ml.Hash("u", n_buckets=n_buckets, seed=3, output="onehot"),
    ])


# ----------------------------------------------------------------------------- O(1) per block
def test_wide_block_costs_do_not_grow_with_the_width(data: fr.DataFrame, tmp_path: Path) -> None:
    # per-feature Python objects would cost >= 50 bytes each (a name alone is ~60): 2**20
    # buckets x 2 blocks = 100+ MB. What a block may cost is a few float64 arrays of its width
    # (training ranges, int8 parameters) and, in transform_row, the dense output vector.
    per_feature = 2 * WIDE
    pipe, held = _retained(lambda: _wide(WIDE).fit(data))
    assert len(pipe.features_) == 2 + per_feature
    assert held < 20_000, held  # objects of the fitted pipeline: independent of the width
    _, peak, secs = _traced(lambda: _wide(WIDE).fit(data))
    assert peak < 64 * per_feature, peak  # ranges: 16 bytes per feature, bincounts, temporaries
    assert secs < 30  # generous: about 0.2 s on a busy 2-core machine (11 s before)

    csr, peak, _ = _traced(lambda: pipe.transform(data, output="sparse"))
    assert csr.shape == (data.height, 2 + per_feature) and csr.nnz <= data.height * 4
    assert peak < 2 << 20, peak  # O(rows): no object, no array per feature

    row = data.head(1).to_dicts()[0]
    x, peak, _ = _traced(lambda: pipe.transform_row(row))
    assert bits_equal(x, csr[0].toarray()[0])
    assert peak < 13 * (2 + per_feature), peak  # the output vector: float64 then float32

    text, peak, _ = _traced(lambda: pipe.lineage(as_text=True))
    assert len(text.splitlines()) == 4 and peak < 1 << 20

    _, peak, _ = _traced(pipe.quantize)
    assert peak < 48 * per_feature, peak

    save_dir = tmp_path / "wide"
    _, peak, _ = _traced(lambda: pipe.save(save_dir))
    assert peak < 40 * per_feature, peak
    loaded, held = _retained(lambda: ml.load(save_dir))
    assert held < 20_000, held
    _, peak, _ = _traced(lambda: ml.load(save_dir))
    assert peak < 56 * per_feature, peak
    assert bits_equal(loaded.transform(data, output="sparse").toarray()[:20], csr[:20].toarray())
    assert bits_equal(loaded.transform_row(row), x)
    assert bits_equal(loaded.transform_row(row, dtype="int8"), pipe.transform_row(row, dtype="int8"))
    assert bits_equal(loaded.transform(data.head(3), dtype="int8"), pipe.transform(data.head(3), dtype="int8"))
    assert np.array_equal(loaded.feature_ranges_.min, pipe.feature_ranges_.min)
    assert loaded.lineage(as_text=True) == text


def test_manifest_size_is_independent_of_the_width(data: fr.DataFrame, tmp_path: Path) -> None:
    sizes = {}
    for nb in (16, WIDE):
        pipe = _wide(nb).fit(data)
        pipe.quantize()
        pipe.save(tmp_path / str(nb))
        sizes[nb] = (tmp_path / str(nb) / "manifest.json").stat().st_size
        manifest = json.loads((tmp_path / str(nb) / "manifest.json").read_text())
        assert manifest["features"][2:] == [
            {"$block": {"step": "hash", "input": "s", "lo": 0, "hi": nb}},
            {"$block": {"step": "hash_2", "input": "u", "lo": 0, "hi": nb}},
        ]
        assert manifest["steps"][1]["outputs"] == {"s": {"$numbered": ["s", nb]}}
        # per-feature numbers live in state.arrow as arrays
        state = pa.ipc.open_file(tmp_path / str(nb) / "state.arrow").read_all()
        for part in ("feature_ranges", "quantization"):
            for ref in manifest[part].values():
                assert len(state.column(ref["$array"])[0].values) == 2 + 2 * nb
    assert abs(sizes[WIDE] - sizes[16]) < 100, sizes  # only the digits of n_buckets differ


def test_wide_block_batch_row_sparse_and_persist_agree(data: fr.DataFrame, tmp_path: Path) -> None:
    pipe = _wide(WIDE).fit(data)
    test = data.head(50)
    csr = pipe.transform(test, output="sparse", dtype="float64")
    rows = test.to_dicts()
    assert pipe._row_layout is not None  # scattered straight into the row vector
    assert bits_equal(pipe.transform_rows(rows[:5], dtype="float64"), csr[:5].toarray())
    dense = pipe.transform(test.head(5), dtype="float64")  # 5 x 2**21: 80 MB, fine
    assert bits_equal(dense, csr[:5].toarray())
    pipe.save(tmp_path)
    loaded = ml.load(tmp_path)
    assert (loaded.transform(test, output="sparse", dtype="float64") != csr).nnz == 0


def test_dense_output_that_cannot_fit_raises_before_allocating(data: fr.DataFrame,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = _wide(WIDE).fit(data)
    monkeypatch.setattr(_output, "_available_memory", lambda: 2 << 30)  # a 2 GiB machine
    # 2000 rows x 2**21 features x 4 bytes = 16 GiB
    tracemalloc.start()
    try:
        with pytest.raises(MemoryError, match=r"dense 2000 x 2097154 output needs 15\.6 GiB.*output='sparse'"):
            pipe.transform(data)
        assert tracemalloc.get_traced_memory()[1] < 8 << 20  # raised before running the steps
    finally:
        tracemalloc.stop()
    with pytest.raises(MemoryError, match="output='sparse'"):
        pipe.transform_rows(data.to_dicts())
    assert pipe.transform(data, output="sparse").shape == (2000, 2 + 2 * WIDE)  # sparse is fine
    assert pipe.transform(data.head(10)).shape == (10, 2 + 2 * WIDE)  # under 1 GiB: no check


def test_wide_limit_and_huge_block(data: fr.DataFrame) -> None:
    assert ml.Hash.MAX_ONEHOT_BUCKETS == 1 << 24
    pipe = ml.Pipeline([ml.Hash("s", n_buckets=1 << 24, output="onehot")]).fit(data.head(100))
    csr = pipe.transform(data.head(100), output="sparse")
    assert csr.shape == (100, 1 << 24) and csr.nnz == 100
    assert pipe.lineage(as_text=True).startswith("s#0..s#16777215 <- s: hash(")


# ----------------------------------------------------------------------------- lineage
def test_lineage_text_summarises_a_numbered_block_in_one_line(data: fr.DataFrame) -> None:
    pipe = ml.Pipeline([ml.Standardize("x"), ml.Hash(["s", "u"], n_buckets=WIDE, cross=True,
                                                      output="onehot")]).fit(data)
    lines = pipe.lineage(as_text=True).splitlines()
    assert lines[1] == (
        "s*u#0..s*u#1048575 <- s, u: hash(n_buckets=1048576, seed=0, cross=True, output='onehot', "
        "alternate_sign=False, bucket=0..1048575)"
    )
    assert len(lines) == 2
    lin = pipe.lineage()  # the frame: one row per feature, built by Arrow
    assert lin.height == 1 + WIDE
    last = lin.tail(1).rows()[0]
    assert last[:3] == ("s*u#1048575", ["s", "u"], ["hash"])
    assert json.loads(last[3])[0]["params"]["bucket"] == WIDE - 1


def test_lineage_of_a_split_block_and_of_onehot_categories() -> None:
    rng = np.random.default_rng(5)
    train = random_frame(rng, 200)
    pipe = ml.Pipeline([
        ml.Hash("k", n_buckets=8, output="onehot"),
        ml.MinMaxScale(["k#2", "k#5"]),
        ml.OneHot("s"),
    ]).fit(train)
    text = pipe.lineage(as_text=True).splitlines()
    params = "n_buckets=8, seed=0, cross=False, output='onehot', alternate_sign=False"
    # columns s, k in frame order: OneHot's categories (a line each), then the hashed block in
    # runs around the two features MinMaxScale read (k is 0..3, so bucket 2 is never hot)
    assert text[0] == "s=a <- s: onehot(category='a', handle_unknown='ignore')"
    assert text[4].startswith("s=__null__ <- ")
    assert text[5:] == [
        f"k#0..k#1 <- k: hash({params}, bucket=0..1)",
        f"k#2 <- k: hash({params}, bucket=2) -> minmaxscale(scale=1.0, offset=0.0, min=0.0, max=0.0, missing=False)",
        f"k#3..k#4 <- k: hash({params}, bucket=3..4)",
        f"k#5 <- k: hash({params}, bucket=5) -> minmaxscale(scale=1.0, offset=0.0, min=0.0, max=1.0, missing=False)",
        f"k#6..k#7 <- k: hash({params}, bucket=6..7)",
    ]
    rows = {r[0]: r for r in pipe.lineage().rows()}
    assert json.loads(rows["k#3"][3]) == [{"step": "hash", "class": "Hash", "params": {
        "n_buckets": 8, "seed": 0, "cross": False, "output": "onehot", "alternate_sign": False, "bucket": 3}}]
    assert rows["k#5"][2] == ["hash", "minmaxscale"]


# ----------------------------------------------------------------------------- layout
def test_block_features_read_by_later_steps_on_a_scattered_block(tmp_path: Path) -> None:
    """Blocks wider than the row path's expansion limit are scattered; the features later
    steps read are extracted (batch: an indicator column; row: a named value)."""
    rng = np.random.default_rng(8)
    train = random_frame(rng, 400)
    test = random_frame(rng, 120, cats=["a", "b", "zz"])
    nb = 1 << 10
    counts = np.bincount(ml.Hash("i", n_buckets=nb, output="onehot").fit(train)
                         .transform(train, output="sparse").indices, minlength=nb)
    hot = 9 + int(counts[9:].argmax())  # a bucket some rows fall in, after i#7 and i#8
    pipe = ml.Pipeline([
        ml.Hash("i", n_buckets=nb, output="onehot", alternate_sign=True),
        ml.Standardize([f"i#{hot}", "i#7"]),  # consumed in place: the block run is split
        ml.GroupAgg("k", f"i#{hot}", aggs=["mean"]),  # reads the standardized feature
        ml.OneHot("s", handle_unknown="other"),
    ]).fit(train)
    entries = pipe.features_.entries
    assert counts[hot] > 0
    assert [e for e in entries if isinstance(e, str)][:2] == ["i#7", f"i#{hot}"]
    runs = [(e.lo, e.hi) for e in entries if isinstance(e, BlockSlice)]
    assert runs == [(0, 7), (8, hot), (hot + 1, nb), (0, 6)]  # the i# block in 3 runs, then s=
    assert pipe._row_layout is not None
    for dtype in ("float32", "float64"):
        batch = pipe.transform(test, dtype=dtype)
        assert bits_equal(batch, pipe.transform_rows(test.to_dicts(), dtype=dtype))
        csr = pipe.transform(test, dtype=dtype, output="sparse")
        assert np.array_equal(csr.toarray(), batch, equal_nan=True)
    pipe.check_parity(train)
    big = test.with_columns(f=fr.col("f") * 1e6)  # passthrough beyond float16's range: inf
    wide = ml.Pipeline([ml.Hash("i", n_buckets=nb, output="onehot")], remainder="passthrough").fit(train)
    for dtype in ("float16", "float32", "float64"):  # the row vector is written in the dtype
        batch = wide.transform(big, dtype=dtype)
        assert np.isinf(batch).any() == (dtype == "float16")
        for i, r in enumerate(big.to_dicts()[:20]):
            assert bits_equal(wide.transform_row(r, dtype=dtype), batch[i])
    plain = ml.Pipeline([ml.Hash("i", n_buckets=nb, output="onehot", alternate_sign=True)]).fit(train)
    j = pipe.features_.index("i#8")
    assert bits_equal(pipe.transform(test)[:, j], plain.transform(test)[:, 8])
    pipe.quantize()
    pipe.save(tmp_path)
    loaded = ml.load(tmp_path)
    assert loaded.features_ == pipe.features_
    assert bits_equal(loaded.transform(test, dtype="int8"), pipe.transform_rows(test.to_dicts(), dtype="int8"))
    assert loaded.lineage().rows() == pipe.lineage().rows()


def test_wide_onehot_is_a_scattered_block(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    n = 3000
    train = fr.DataFrame({"c": [f"c{v}" for v in rng.integers(0, 500, n)], "x": rng.standard_normal(n)})
    test = fr.DataFrame({"c": [f"c{v}" for v in rng.integers(0, 600, 200)] + [None], "x": rng.standard_normal(201)})
    pipe = ml.Pipeline([ml.OneHot("c", min_frequency=3, handle_unknown="other"), ml.Standardize("x")]).fit(train)
    assert pipe._row_layout is not None and len(pipe.features_) > 100
    batch = pipe.transform(test, dtype="float64")
    assert bits_equal(batch, pipe.transform_rows(test.to_dicts(), dtype="float64"))
    assert np.array_equal(pipe.transform(test, output="sparse", dtype="float64").toarray(), batch)
    cats = pipe.named_steps["onehot"].state_["c"]["categories"]
    for i, v in enumerate(test["c"].to_list()[:50]):
        expect = [f"c={v}"] if v in cats else ["c=__other__"]
        assert [pipe.features_[j] for j in np.flatnonzero(batch[i, :-1])] == expect
    pipe.save(tmp_path)
    assert bits_equal(ml.load(tmp_path).transform(test, dtype="float64"), batch)


def test_feature_list_behaves_like_a_list(data: fr.DataFrame) -> None:
    pipe = _wide(WIDE).fit(data)
    f = pipe.features_
    assert len(f) == 2 + 2 * WIDE and f[0] == "x" and f[2] == "s#0" and f[-1] == f"u#{WIDE - 1}"
    assert f.index("u#0") == 2 + WIDE and "s#1048575" in f and "s#1048576" not in f
    assert "s#01" not in f and "s#-1" not in f and "s#" not in f
    small = _wide(4).fit(data).features_
    assert small == ["x", "z", "s#0", "s#1", "s#2", "s#3", "u#0", "u#1", "u#2", "u#3"]
    assert small[2:5] == ["s#0", "s#1", "s#2"] and list(small)[::-1][0] == "u#3"
    names = pipe.get_feature_names_out()  # asked for: the full list
    assert isinstance(names, list) and len(names) == len(f) and names[-1] == f[-1]
    assert pipe.feature_ranges_["s#5"] in ([0.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [-1.0, 1.0])
    assert pipe.named_steps["hash"].outputs_["s"] == NumberedNames("s", WIDE)


def test_copies_of_a_fitted_pipeline_keep_working(data: fr.DataFrame) -> None:
    """Block keys are derived from the step, not from object identity (a fitted pipeline is
    not picklable: its row path is closures; save/load is the way to ship it)."""
    for nb in (16, 1 << 12):  # an expanded and a scattered block on the row path
        pipe = _wide(nb).fit(data)
        expected = pipe.transform(data.head(100), output="sparse").toarray()
        other = copy.deepcopy(pipe)
        assert bits_equal(other.transform(data.head(100), output="sparse").toarray(), expected)
        assert bits_equal(other.transform_row(data.to_dicts()[3]), expected[3])


def test_block_name_collisions() -> None:
    df = fr.DataFrame({"s": ["a", "b"], "s#3": [1.0, 2.0], "k": [1, 2]})
    with pytest.raises(fr.DuplicateError, match=r"would create column 's#3', which already exists"):
        ml.Pipeline([ml.Hash("s", n_buckets=8, output="onehot"), ml.Standardize("s#3")]).fit(df)
    assert ml.Pipeline([ml.Hash("s", n_buckets=3, output="onehot")]).fit(df.drop("k")).features_ == ["s#0", "s#1", "s#2"]
    with pytest.raises(fr.DuplicateError, match=r"would create column 's\*k#0'"):
        ml.Pipeline([ml.Hash(["s", "k"], n_buckets=4, cross=True, output="onehot"),
                     ml.Hash(["s", "k"], n_buckets=8, seed=1, cross=True, output="onehot")]).fit(df)
    with pytest.raises(ml.ColumnNotFoundError, match=r"did you mean 's#3'"):
        ml.Pipeline([ml.Hash("k", n_buckets=WIDE, output="onehot"), ml.Standardize("s#33")]).fit(df)


# ----------------------------------------------------------------------------- format version 1
def test_version_1_manifest_loads_identically() -> None:
    """tests/ml/data/pipeline_v1 was written by frame.ml before format version 2 (every feature
    listed in the manifest); see its README. It loads, serves and explains as it did then."""
    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    expected = json.loads((GOLDEN / "expected.json").read_text())
    test = fr.DataFrame(pa.ipc.open_file(GOLDEN / "test_input.arrow").read_all())
    x64 = np.load(GOLDEN / "expected_float64.npy", allow_pickle=False)
    x8 = np.load(GOLDEN / "expected_int8.npy", allow_pickle=False)
    pipe = ml.load(GOLDEN)
    assert pipe.get_feature_names_out() == expected["features"]
    assert bits_equal(pipe.transform(test, dtype="float64"), x64)
    assert bits_equal(pipe.transform_rows(test.to_dicts(), dtype="float64"), x64)
    assert bits_equal(pipe.transform(test, dtype="int8"), x8)
    assert bits_equal(pipe.transform_rows(test.to_dicts(), dtype="int8"), x8)
    assert [list(r) for r in pipe.lineage().rows()] == expected["lineage"]
    assert [pipe.feature_ranges_[f] for f in expected["features"]] == expected["ranges"]
    # block runs were recovered: the k# block is split around the two features MinMaxScale read
    runs = [e.label() for e in pipe.features_.entries if isinstance(e, BlockSlice)]
    assert runs == ["s=a..s=__other__", "k#0", "k#2..k#49", "k#51..k#99", "s*k#0..s*k#15"]


def test_refitting_the_golden_pipeline_gives_the_version_1_results(tmp_path: Path) -> None:
    """The same pipeline fitted by today's code: same features, values, lineage and ranges."""
    rng = np.random.default_rng(42)  # as tests/ml/data/pipeline_v1/README.md
    train = random_frame(rng, 300)
    test = random_frame(rng, 40, cats=["a", "b", "zz"])
    pipe = ml.Pipeline([
        ml.Impute(["f", "i"], strategy="median", add_indicator=True),
        ml.Standardize(["f", "i"]),
        ml.Hash(["s", "k"], n_buckets=16, seed=7, cross=True, output="onehot", alternate_sign=True),
        ml.Hash("k", n_buckets=100, seed=1, output="onehot"),
        ml.MinMaxScale(["k#1", "k#50"]),
        ml.OneHot("s", handle_unknown="other"),
    ]).fit(train, y="y")
    pipe.quantize()
    expected = json.loads((GOLDEN / "expected.json").read_text())
    assert pipe.get_feature_names_out() == expected["features"]
    assert bits_equal(pipe.transform(test, dtype="float64"), np.load(GOLDEN / "expected_float64.npy"))
    assert bits_equal(pipe.transform(test, dtype="int8"), np.load(GOLDEN / "expected_int8.npy"))
    assert [list(r) for r in pipe.lineage().rows()] == expected["lineage"]
    assert [pipe.feature_ranges_[f] for f in expected["features"]] == expected["ranges"]
    pipe.save(tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text())["format_version"] == 2
    assert bits_equal(ml.load(tmp_path).transform(test, dtype="int8"), np.load(GOLDEN / "expected_int8.npy"))
