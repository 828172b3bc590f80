"""Saving and loading fitted pipelines without pickle.

Layout of a saved pipeline (a directory)::

    manifest.json   format name and version, frame version, input schema, features, steps
                    (class name, constructor parameters, resolved columns, fitted scalars),
                    lineage, quantization, and the SHA-256 of state.arrow
    state.arrow     Arrow IPC file, one row: every list-valued piece of fitted state
                    (vocabularies, encodings, cut points) as a list-typed column

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

import pyarrow as pa

from frame._version import __version__
from frame.ml._base import LoadError, Selector, Step

__all__ = ["FORMAT", "FORMAT_VERSION", "load", "save"]

FORMAT = "frame.ml.pipeline"
FORMAT_VERSION = 1
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
            "outputs": step.outputs_,
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
        "features": pipeline.features_,
        "steps": out_steps,
        "lineage": enc.enc(pipeline.lineage_, lists_to_arrow=False),
        "feature_ranges": enc.enc(pipeline.feature_ranges_, lists_to_arrow=False),
        "quantization": enc.enc(pipeline.quantization_, lists_to_arrow=False),
    }
    table = pa.table(enc.columns) if enc.columns else pa.table({"_": pa.array([None])})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    data = sink.getvalue().to_pybytes()
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
    if version != FORMAT_VERSION:
        raise LoadError(
            f"pipeline saved with frame.ml format version {version!r} by frame "
            f"{manifest.get('frame_version')!r}; this frame ({__version__}) reads version "
            f"{FORMAT_VERSION} only"
        )
    try:
        data = (root / _STATE).read_bytes()
    except OSError as err:
        raise LoadError(f"cannot read {root / _STATE}: {err.strerror or err}") from err
    if hashlib.sha256(data).hexdigest() != manifest.get("state_sha256"):
        raise LoadError(f"{root / _STATE} does not match its checksum in the manifest (corrupt file?)")
    try:
        state = pa.ipc.open_file(pa.py_buffer(data)).read_all()
        return _build(manifest, state, Pipeline)
    except LoadError:
        raise
    except (pa.ArrowException, KeyError, TypeError, ValueError, IndexError) as err:
        raise LoadError(f"malformed saved pipeline in {root}: {type(err).__name__}: {err}") from err


def _build(manifest: dict[str, Any], state: pa.Table, pipeline_cls: type) -> Any:
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
        step.outputs_ = {k: list(v) for k, v in s["outputs"].items()}
        step.state_ = _dec(s["state"], state)
        steps.append((s["name"], step))
    p = manifest["pipeline"]
    pipe = pipeline_cls(steps, remainder=p["remainder"], dtype=p["dtype"], strict=p["strict"])
    pipe.steps_ = steps
    pipe.input_schema_ = _schema_from_b64(manifest["input_schema"])
    pipe.features_ = list(manifest["features"])
    pipe.keyed_inputs_ = list(manifest["keyed_inputs"])
    pipe.lineage_ = _dec(manifest["lineage"], None)
    pipe.feature_ranges_ = _dec(manifest["feature_ranges"], None)
    pipe.quantization_ = _dec(manifest["quantization"], None)
    pipe._compile()
    return pipe
