"""save -> load: identical output, readable manifest, no pickle, clear errors for damaged or
incompatible files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import frame as fr
from frame import ml
from frame.ml._persist import FORMAT_VERSION
from tests.ml._helpers import bits_equal, random_frame


@pytest.fixture
def fitted() -> tuple[ml.Pipeline, fr.DataFrame]:
    rng = np.random.default_rng(3)
    train = random_frame(rng, 300)
    test = random_frame(rng, 80, cats=["a", "b", "zz"])
    pipe = ml.Pipeline([
        ml.Impute(["f", "i"], strategy="median", add_indicator=True),
        ml.Clip("f", lower=0.02),
        ml.Log1p("g", signed=True),
        ml.Standardize(["f", "i"]),
        ml.QuantileBins("g", n_bins=4),
        ml.GroupAgg("k", "i", aggs=["mean", "count"], fill="nan"),
        ml.Hash(["s", "k"], n_buckets=1 << 12, cross=True, seed=9),
        ml.OneHot("s", min_frequency=5, handle_unknown="other"),
        ml.TargetEncode("k", smooth=3.0),
    ], dtype="float64").fit(train, y="y")
    pipe.quantize()
    return pipe, test


def test_roundtrip_identical(fitted: tuple, tmp_path: Path) -> None:
    pipe, test = fitted
    pipe.save(tmp_path / "model")
    loaded = ml.load(tmp_path / "model")
    assert loaded.dtype == "float64"
    for dtype in ("float64", "float32", "float16", "int8"):
        assert bits_equal(loaded.transform(test, dtype=dtype), pipe.transform(test, dtype=dtype))
    rows = test.to_dicts()
    assert bits_equal(loaded.transform_rows(rows), pipe.transform(test))
    assert bits_equal(loaded.transform_row(rows[0]), pipe.transform_row(rows[0]))
    assert loaded.unknown_mask(test).equals(pipe.unknown_mask(test))
    assert loaded.lineage(as_text=True) == pipe.lineage(as_text=True)
    assert loaded.input_schema_ == pipe.input_schema_
    for (n1, s1), (n2, s2) in zip(loaded.steps_, pipe.steps_):
        assert n1 == n2 and type(s1) is type(s2)
        assert s1.state_ == s2.state_ or _nan_equal(s1.state_, s2.state_)
    # the loaded pipeline still refuses bad input
    with pytest.raises(ml.ColumnNotFoundError):
        loaded.transform(test.drop("s"))


def _nan_equal(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_nan_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_nan_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return a == b and type(a) is type(b)


def test_manifest_is_readable_json_with_versions_and_schema(fitted: tuple, tmp_path: Path) -> None:
    pipe, _ = fitted
    pipe.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["format"] == "frame.ml.pipeline"
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["frame_version"] == fr.__version__
    assert manifest["input_columns"] == {"f": "double", "g": "float", "i": "int64", "s": "string", "k": "int64"}
    assert [s["class"] for s in manifest["steps"]][:2] == ["Impute", "Clip"]
    # plain features by name, each one-hot block as one run (see test_wide_blocks.py)
    blocks = [f["$block"] for f in manifest["features"] if isinstance(f, dict)]
    assert blocks == [{"step": "onehot", "input": "s", "lo": 0, "hi": 6}]
    assert [f for f in manifest["features"] if isinstance(f, str)] == [
        f for f in pipe.get_feature_names_out() if not f.startswith("s=")]
    state = pa.ipc.open_file(tmp_path / "state.arrow").read_all()
    assert state.num_rows == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "state.arrow"]


def test_corrupt_manifest(fitted: tuple, tmp_path: Path) -> None:
    pipe, _ = fitted
    pipe.save(tmp_path)
    path = tmp_path / "manifest.json"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ml.LoadError, match="not valid JSON"):
        ml.load(tmp_path)
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ml.LoadError, match=r"not a frame\.ml pipeline manifest"):
        ml.load(tmp_path)


def test_corrupt_state_file(fitted: tuple, tmp_path: Path) -> None:
    pipe, _ = fitted
    pipe.save(tmp_path)
    state = tmp_path / "state.arrow"
    data = bytearray(state.read_bytes())
    data[len(data) // 2] ^= 0xFF
    state.write_bytes(bytes(data))
    with pytest.raises(ml.LoadError, match="does not match its checksum"):
        ml.load(tmp_path)
    state.write_bytes(b"")
    with pytest.raises(ml.LoadError, match="checksum"):
        ml.load(tmp_path)


def test_missing_files(fitted: tuple, tmp_path: Path) -> None:
    with pytest.raises(ml.LoadError, match="cannot read"):
        ml.load(tmp_path / "nothing-here")
    pipe, _ = fitted
    pipe.save(tmp_path)
    (tmp_path / "state.arrow").unlink()
    with pytest.raises(ml.LoadError, match=r"state\.arrow"):
        ml.load(tmp_path)


def test_incompatible_version(fitted: tuple, tmp_path: Path) -> None:
    pipe, _ = fitted
    pipe.save(tmp_path)
    path = tmp_path / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest["frame_version"] = "99.0"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ml.LoadError, match=r"format version 3 by frame '99.0'; this frame .* reads versions 1, 2"):
        ml.load(tmp_path)


def test_loading_never_resolves_code_names(fitted: tuple, tmp_path: Path) -> None:
    pipe, _ = fitted
    pipe.save(tmp_path)
    path = tmp_path / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["steps"][0]["class"] = "os.system"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ml.LoadError, match=r"unknown step class 'os\.system'"):
        ml.load(tmp_path)
    manifest["steps"][0]["class"] = "Impute"
    del manifest["steps"][0]["state"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(ml.LoadError, match="malformed saved pipeline"):
        ml.load(tmp_path)
    assert not list(tmp_path.glob("*.pkl"))


def test_loaded_errors_are_frame_errors(fitted: tuple, tmp_path: Path) -> None:
    assert issubclass(ml.LoadError, fr.FrameError)
    pipe, _ = fitted
    pipe.save(tmp_path)
    (tmp_path / "manifest.json").write_text("[]")
    with pytest.raises(fr.FrameError):
        ml.load(tmp_path)


def test_selectors_and_params_roundtrip(tmp_path: Path) -> None:
    df = fr.DataFrame({"x_1": [1.0, 2.0], "x_2": [3.0, 5.0], "c": ["a", "b"]})
    sel = ml.by_pattern("^x_", exclude=["x_2"]) | ml.by_name("x_2")
    pipe = ml.Pipeline([ml.MinMaxScale(sel, feature_range=(-1, 1), clip=True),
                        ml.OneHot(ml.by_dtype("string"), max_categories=1)], strict=True).fit(df)
    pipe.save(tmp_path)
    loaded = ml.load(tmp_path)
    assert loaded.strict is True
    step = loaded.named_steps["minmaxscale"]
    assert repr(step.columns) == repr(sel)
    assert step.feature_range == [-1.0, 1.0] and step.clip is True
    assert bits_equal(loaded.transform(df), pipe.transform(df))
