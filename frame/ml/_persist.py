"""Saving and loading fitted pipelines without pickle.

Layout of a saved pipeline (a directory)::

    manifest.json   format name and version, frame version, input schema, features, steps
                    (class name, constructor parameters, resolved columns, fitted scalars),
                    lineage, and the SHA-256 of state.arrow
    state.arrow     Arrow IPC file (zstd-compressed buffers where pyarrow has the codec),
                    one row: every list-valued piece of fitted state (vocabularies,
                    encodings, cut points) as a list-typed column, and the per-feature
                    arrays (training ranges, int8 parameters)

The manifest's size does not grow with the width of a one-hot block (format version 2): the
features are a list of names and block runs (``{"$block": {"step", "input", "lo", "hi"}}``),
a ``Hash`` block's names are ``{"$numbered": [prefix, n]}``, lineage has a record per plain
feature and one per block, and the per-feature numbers are Arrow arrays
(``{"$array": column}``) in state.arrow.

Versions: a file records the format version it was written in; :func:`load` reads the
versions in ``READ_VERSIONS`` and raises :class:`LoadError` naming the version otherwise.
Version 1 (frame.ml before block runs: every feature listed in the manifest) is upgraded on
load; that path costs O(features) Python work, as version 1 did.

Loading reads JSON and Arrow data only; step classes are looked up in a fixed registry, so no
code named by the file is ever imported or executed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from frame._version import __version__
from frame.ml._base import LoadError, Selector, Step
from frame.ml._layout import BlockSlice, FeatureList, NumberedNames, block_names

__all__ = ["FORMAT", "FORMAT_VERSION", "READ_VERSIONS", "load", "save"]

FORMAT = "frame.ml.pipeline"
FORMAT_VERSION = 2  # the version written
READ_VERSIONS = (1, 2)  # the versions read (1 is upgraded on load)
_MANIFEST = "manifest.json"
_STATE = "state.arrow"


def _registry() -> dict[str, type[Step]]:
    from frame.ml import _categorical, _numeric, _temporal

    out: dict[str, type[Step]] = {}
    for mod in (_numeric, _categorical, _temporal):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if isinstance(obj, type) and issubclass(obj, Step):
                out[name] = obj
    return out


class _Encoder:
    """JSON-friendly encoding: lists go to Arrow columns, non-finite floats are tagged."""

    def __init__(self) -> None:
        self.columns: dict[str, pa.Array] = {}

    def enc(self, obj: Any, *, lists_to_arrow: bool = True) -> Any:
        if isinstance(obj, float) and not math.isfinite(obj):
            return {"$float": repr(obj)}
        if isinstance(obj, np.ndarray):  # per-feature numbers: an Arrow array, no Python floats
            key = f"c{len(self.columns)}"
            values = pa.array(obj)
            self.columns[key] = pa.LargeListArray.from_arrays(pa.array([0, len(values)], pa.int64()), values)
            return {"$array": key}
        if isinstance(obj, NumberedNames):
            return {"$numbered": [obj.prefix, obj.n]}
        if isinstance(obj, dict):
            return {str(k): self.enc(v, lists_to_arrow=lists_to_arrow) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            if not lists_to_arrow:
                return [self.enc(v, lists_to_arrow=False) for v in obj]
            key = f"c{len(self.columns)}"
            try:
                arr = pa.array(list(obj))
            except (pa.ArrowException, OverflowError) as err:
                raise LoadError(f"cannot store fitted state {obj[:5]!r}...: {err}") from err
            self.columns[key] = pa.array([arr.to_pylist()], type=pa.list_(arr.type))
            return {"$arrow": key}
        if isinstance(obj, Selector):
            return {"$selector": obj._to_json()}
        return obj


def _dec(obj: Any, state: pa.Table | None) -> Any:
    if isinstance(obj, dict):
        if "$float" in obj:
            return float(obj["$float"])
        if "$arrow" in obj:
            if state is None or obj["$arrow"] not in state.column_names:
                raise LoadError(f"state.arrow lacks column {obj['$arrow']!r}")
            return state.column(obj["$arrow"])[0].as_py()
        if "$array" in obj:
            if state is None or obj["$array"] not in state.column_names:
                raise LoadError(f"state.arrow lacks column {obj['$array']!r}")
            # read-only, without a copy (float64/int64 arrays have no nulls)
            return state.column(obj["$array"])[0].values.to_numpy(zero_copy_only=False)
        if "$numbered" in obj:
            prefix, n = obj["$numbered"]
            return NumberedNames(str(prefix), int(n))
        if "$selector" in obj:
            return Selector._from_json(obj["$selector"])
        return {k: _dec(v, state) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_dec(v, state) for v in obj]
    return obj


def _schema_b64(schema: dict[str, pa.DataType]) -> str:
    s = pa.schema([pa.field(n, t) for n, t in schema.items()])
    return base64.b64encode(s.serialize().to_pybytes()).decode("ascii")


def _schema_from_b64(text: str) -> dict[str, pa.DataType]:
    s = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))
    return {f.name: f.type for f in s}


def save(pipeline: Any, path: Any) -> None:
    """Write a fitted pipeline to the directory ``path`` (created if needed)."""
    steps = pipeline._require_fitted()
    enc = _Encoder()
    out_steps = []
    for name, step in steps:
        params = step.get_params()
        out_steps.append({
            "name": name,
            "class": type(step).__name__,
            "params": enc.enc(params, lists_to_arrow=False),
            "columns_in": step.columns_in_,
            "types_in": _schema_b64(step.types_in_),
            "by_type": _schema_b64({"by": step.by_type_}) if hasattr(step, "by_type_") else None,
            "outputs": enc.enc(step.outputs_, lists_to_arrow=False),
            "state": enc.enc(step.state_),
        })
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "frame_version": __version__,
        "pipeline": {"remainder": pipeline.remainder, "dtype": pipeline.dtype,
                     "strict": pipeline.strict},
        "input_schema": _schema_b64(pipeline.input_schema_),
        "input_columns": {n: str(t) for n, t in pipeline.input_schema_.items()},
        "keyed_inputs": pipeline.keyed_inputs_,
        "features": [e if isinstance(e, str) else {"$block": {"step": e.step, "input": e.input,
                                                               "lo": e.lo, "hi": e.hi}}
                     for e in pipeline.features_.entries],
        "steps": out_steps,
        "lineage": enc.enc(pipeline.lineage_, lists_to_arrow=False),
        "block_lineage": [enc.enc(rec, lists_to_arrow=False) for rec in pipeline.block_lineage_.values()],
        "feature_ranges": enc.enc({"min": pipeline.feature_ranges_.min, "max": pipeline.feature_ranges_.max}),
        "quantization": None if pipeline.quantization_ is None else enc.enc(
            {k: np.asarray(v) for k, v in pipeline.quantization_.items()}),
    }
    table = pa.table(enc.columns) if enc.columns else pa.table({"_": pa.array([None])})
    sink = pa.BufferOutputStream()
    # zstd: the per-feature arrays of a block repeat a few values (2**20 buckets: 50 MB -> KBs)
    options = pa.ipc.IpcWriteOptions(compression="zstd" if pa.Codec.is_available("zstd") else None)
    with pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    data = memoryview(sink.getvalue())  # the Arrow buffer itself: no copy of the arrays
    manifest["state_sha256"] = hashlib.sha256(data).hexdigest()
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    (root / _STATE).write_bytes(data)
    (root / _MANIFEST).write_text(json.dumps(manifest, indent=1, allow_nan=False))


def load(path: Any) -> Any:
    """Load a pipeline written by :meth:`Pipeline.save`.

    Loading reads a JSON manifest and one Arrow IPC file; it never unpickles or executes code.

    Raises
    ------
    LoadError
        The directory or a file is missing, a file is corrupt (bad JSON, checksum mismatch,
        unreadable Arrow data), or it was written by an incompatible format version.

    Examples
    --------
    >>> import tempfile, frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"x": [1.0, 2.0, 4.0], "c": ["a", "b", "a"]})
    >>> pipe = ml.Pipeline([ml.Standardize("x"), ml.OneHot("c")]).fit(df)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     pipe.save(d)
    ...     again = ml.load(d)
    >>> bool((again.transform(df) == pipe.transform(df)).all())
    True
    """
    from frame.ml._pipeline import Pipeline

    root = Path(path)
    try:
        text = (root / _MANIFEST).read_text()
    except OSError as err:
        raise LoadError(f"cannot read {root / _MANIFEST}: {err.strerror or err}") from err
    try:
        manifest = json.loads(text)
    except ValueError as err:
        raise LoadError(f"{root / _MANIFEST} is not valid JSON (corrupt file?): {err}") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise LoadError(f"{root / _MANIFEST} is not a frame.ml pipeline manifest")
    version = manifest.get("format_version")
    if version not in READ_VERSIONS:
        raise LoadError(
            f"pipeline saved with frame.ml format version {version!r} by frame "
            f"{manifest.get('frame_version')!r}; this frame ({__version__}) reads versions "
            f"{', '.join(map(str, READ_VERSIONS))}"
        )
    try:  # into Arrow memory, once (no Python bytes copy of the per-feature arrays)
        with pa.OSFile(str(root / _STATE)) as f:
            data = f.read_buffer()
    except (OSError, pa.ArrowException) as err:
        raise LoadError(f"cannot read {root / _STATE}: {getattr(err, 'strerror', None) or err}") from err
    if hashlib.sha256(memoryview(data)).hexdigest() != manifest.get("state_sha256"):
        raise LoadError(f"{root / _STATE} does not match its checksum in the manifest (corrupt file?)")
    try:
        state = pa.ipc.open_file(data).read_all()
        return _build(manifest, state, Pipeline)
    except LoadError:
        raise
    except (pa.ArrowException, KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        raise LoadError(f"malformed saved pipeline in {root}: {type(err).__name__}: {err}") from err


def _build(manifest: dict[str, Any], state: pa.Table, pipeline_cls: type) -> Any:
    from frame.ml._output import FeatureRanges

    registry = _registry()
    steps = []
    for s in manifest["steps"]:
        cls = registry.get(s["class"])
        if cls is None:
            raise LoadError(f"unknown step class {s['class']!r} in the manifest")
        params = _dec(s["params"], None)
        if cls.__name__ == "GroupAgg":
            step = cls(params.pop("by"), params.pop("columns"), **params)
        else:
            step = cls(params.pop("columns"), **params)
        step.columns_in_ = list(s["columns_in"])
        step.types_in_ = _schema_from_b64(s["types_in"])
        if s.get("by_type"):
            step.by_type_ = _schema_from_b64(s["by_type"])["by"]
        step.outputs_ = {k: v if isinstance(v, NumberedNames) else list(v)
                         for k, v in _dec(s["outputs"], None).items()}
        step.state_ = _dec(s["state"], state)
        steps.append((s["name"], step))
    p = manifest["pipeline"]
    pipe = pipeline_cls(steps, remainder=p["remainder"], dtype=p["dtype"], strict=p["strict"])
    pipe.steps_ = steps
    pipe.input_schema_ = _schema_from_b64(manifest["input_schema"])
    pipe.keyed_inputs_ = list(manifest["keyed_inputs"])
    if manifest["format_version"] == 1:
        _upgrade_v1(pipe, manifest)
    else:
        named = dict(steps)
        blocks = {}  # (step, input) -> (key, names)
        for sname, step in steps:
            for n, names in step._blocks():
                blocks[(sname, n)] = (step._block_key(n), block_names(names))
        entries: list[Any] = []
        for e in manifest["features"]:
            if isinstance(e, str):
                entries.append(e)
                continue
            b = e["$block"]
            if (b["step"], b["input"]) not in blocks:
                raise LoadError(f"feature block {b!r} names no block of step {b['step']!r}")
            key, names = blocks[(b["step"], b["input"])]
            lo, hi = int(b["lo"]), int(b["hi"])
            if not 0 <= lo < hi <= len(names):
                raise LoadError(f"feature block {b!r} is outside the {len(names)} features of its block")
            entries.append(BlockSlice(b["step"], b["input"], key, names, lo, hi))
        pipe.features_ = FeatureList(entries)
        pipe.lineage_ = _dec(manifest["lineage"], None)
        pipe.block_lineage_ = {}
        for rec in manifest["block_lineage"]:
            rec = _dec(rec, None)
            pipe.block_lineage_[named[rec["step"]]._block_key(rec["input"])] = rec
        ranges = _dec(manifest["feature_ranges"], state)
        pipe.feature_ranges_ = FeatureRanges(ranges["min"], ranges["max"], pipe.features_)
        q = manifest["quantization"]
        pipe.quantization_ = None if q is None else _dec(q, state)
        n = len(pipe.features_)
        if len(pipe.feature_ranges_.min) != n or (pipe.quantization_ is not None and any(
                len(v) != n for v in pipe.quantization_.values())):
            raise LoadError("per-feature arrays in state.arrow do not match the features")
    pipe._compile()
    return pipe


def _upgrade_v1(pipe: Any, manifest: dict[str, Any]) -> None:
    """Version 1 listed every feature (names, lineage, ranges, int8 parameters): find the
    block runs among the names and turn the rest into arrays. O(features) Python work."""
    from frame.ml._output import FeatureRanges
    from frame.ml._pipeline import _block_plan

    steps = pipe.steps_
    for _, step in steps:  # a Hash block's names were a list: numbered again
        for n, names in step._blocks():
            fresh = step._output_names(n)
            if isinstance(fresh, NumberedNames) and len(fresh) == len(names):
                step.outputs_[n] = fresh
    owner = {}  # block key -> (step name, input)
    for (sname, step), blocks in zip(steps, _block_plan(steps), strict=True):
        for (n, _), (key, names, read) in zip(step._blocks(), blocks, strict=True):
            owner[key] = (sname, n, names, {name for name, _ in read})
    features = list(manifest["features"])
    where: dict[str, tuple[Any, int]] = {}  # block feature -> (key, position), unless extracted
    for key, (_, _, names, read) in owner.items():
        for j, name in enumerate(names):
            if name not in read:
                where[name] = (key, j)
    entries: list[Any] = []
    for f in features:
        hit = where.get(f)
        last = entries[-1] if entries else None
        if hit is None:
            entries.append(f)
        elif isinstance(last, BlockSlice) and last.key == hit[0] and last.hi == hit[1]:
            entries[-1] = last._replace(hi=last.hi + 1)
        else:
            sname, n, names, _ = owner[hit[0]]
            entries.append(BlockSlice(sname, n, hit[0], names, hit[1], hit[1] + 1))
    pipe.features_ = FeatureList(entries)
    lineage = _dec(manifest["lineage"], None)
    pipe.lineage_ = {e: lineage[e] for e in entries if isinstance(e, str)}
    pipe.block_lineage_ = {}
    for e, pos in pipe.features_.starts():
        if isinstance(e, BlockSlice) and e.key not in pipe.block_lineage_:
            rec = lineage[features[pos]]
            pipe.block_lineage_[e.key] = {"step": e.step, "input": e.input, "inputs": rec["inputs"],
                                          "steps": rec["steps"][:-1]}
    ranges = _dec(manifest["feature_ranges"], None)
    lo = np.array([ranges[f][0] for f in features], dtype=np.float64)
    hi = np.array([ranges[f][1] for f in features], dtype=np.float64)
    pipe.feature_ranges_ = FeatureRanges(lo, hi, pipe.features_)
    q = _dec(manifest["quantization"], None)
    pipe.quantization_ = None if q is None else {
        "scale": np.asarray(q["scale"], dtype=np.float64), "zero_point": np.asarray(q["zero_point"], dtype=np.int64),
        "min": np.asarray(q["min"], dtype=np.float64), "max": np.asarray(q["max"], dtype=np.float64)}
