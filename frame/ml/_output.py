"""Output control: dtypes, int8 quantization, sparse/torch conversion and TorchDataset.

scipy and torch are optional: they are imported only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import frame as fr
from frame.exceptions import InvalidOperationError, ShapeError

__all__ = ["OUTPUT_DTYPES", "TorchDataset", "convert_output"]

OUTPUT_DTYPES: dict[str, Any] = {"float32": np.float32, "float64": np.float64, "float16": np.float16}


def quantize_params(lo: Sequence[float], hi: Sequence[float]) -> dict[str, list[Any]]:
    """Asymmetric per-feature int8 parameters from feature ranges (widened to include 0)."""
    scales, zps, los, his = [], [], [], []
    for a, b in zip(lo, hi):
        a = min(a, 0.0) if math.isfinite(a) else 0.0
        b = max(b, 0.0) if math.isfinite(b) else 0.0
        scale = (b - a) / 255.0
        if scale == 0.0 or not math.isfinite(scale):
            scale = 1.0
        zp = min(127, max(-128, round(-128.0 - a / scale)))
        scales.append(scale)
        zps.append(int(zp))
        los.append(a)
        his.append(b)
    return {"scale": scales, "zero_point": zps, "min": los, "max": his}


def dequantize_params(q: dict[str, list[Any]], features: Sequence[str]) -> fr.DataFrame:
    return fr.DataFrame({"feature": list(features), "scale": q["scale"],
                         "zero_point": q["zero_point"], "min": q["min"], "max": q["max"]})


def quantize_batch(x64: np.ndarray, scale: Sequence[float], zero_point: Sequence[int]) -> np.ndarray:
    """(features x rows) float64 -> int8 with ``clip(rint(x / scale) + zp, -128, 127)``."""
    s = np.asarray(scale, dtype=np.float64)[:, None]
    z = np.asarray(zero_point, dtype=np.float64)[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        t = np.rint(x64 / s) + z
    t = np.where(np.isnan(x64), z, t)
    return np.clip(t, -128, 127).astype(np.int8)


def quantize_row(vals: Sequence[float], scale: Sequence[float], zero_point: Sequence[int]) -> list[int]:
    out = []
    for x, s, z in zip(vals, scale, zero_point):
        if x != x:
            out.append(z)
            continue
        r = x / s
        if r == math.inf:
            q = 127
        elif r == -math.inf:
            q = -128
        else:
            q = round(r) + z
        out.append(-128 if q < -128 else (127 if q > 127 else q))
    return out


def assemble_sparse(cols: dict[str, Any], features: Sequence[str], n_rows: int, dtype: Any) -> Any:
    """A ``scipy.sparse.csr_matrix`` (rows x features) straight from the working columns.

    One-hot features are taken from their shared code arrays (no dense block is built);
    other features contribute their non-zero entries (NaN is stored explicitly).
    """
    try:
        import scipy.sparse as sp
    except ImportError as err:  # pragma: no cover - scipy is installed in CI
        raise ImportError("output='sparse' needs scipy") from err
    from frame.ml._base import Indicator, to_float

    if np.dtype(dtype) == np.float16:
        raise InvalidOperationError("scipy.sparse has no float16; use dtype='float32' for output='sparse'")

    rows: list[np.ndarray] = []
    cols_: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    groups: dict[int, tuple[np.ndarray, dict[int, int]]] = {}
    for f_idx, f in enumerate(features):
        c = cols[f]
        if isinstance(c, Indicator):
            groups.setdefault(id(c.codes), (c.codes, {}))[1][c.j] = f_idx
            continue
        x = to_float(c)
        nz = np.flatnonzero(x != 0.0)
        rows.append(nz)
        cols_.append(np.full(len(nz), f_idx, dtype=np.int64))
        vals.append(x[nz])
    for codes, where in groups.values():
        top = max(max(where), int(codes.max(initial=-1)))
        m = np.full(top + 2, -1, dtype=np.int64)  # m[-1] stays -1 for code -1
        for j, f_idx in where.items():
            m[j] = f_idx
        target = m[codes]
        r = np.flatnonzero(target >= 0)
        rows.append(r)
        cols_.append(target[r])
        vals.append(np.ones(len(r)))
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols_) if cols_ else np.empty(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.empty(0)
    with np.errstate(over="ignore"):
        v = v.astype(dtype)
    return sp.csr_matrix((v, (r, c)), shape=(n_rows, len(features)), dtype=dtype)


def convert_output(x: np.ndarray, names: Sequence[str], output: str) -> Any:
    if output == "numpy":
        return x
    if output == "frame":
        return fr.DataFrame({n: np.ascontiguousarray(x[:, j]) for j, n in enumerate(names)})
    if output == "sparse":
        try:
            import scipy.sparse as sp
        except ImportError as err:  # pragma: no cover - scipy is installed in CI
            raise ImportError("output='sparse' needs scipy") from err
        return sp.csr_matrix(x)
    if output == "torch":
        import torch  # optional; ImportError names the missing package

        return torch.from_dlpack(x)
    raise InvalidOperationError(
        f"unknown output {output!r}; use 'numpy', 'frame', 'sparse' or 'torch'"
    )


class TorchDataset:
    """A map-style dataset of pipeline features (and a target) for a torch ``DataLoader``.

    The features are computed once with ``pipeline.transform``; ``__getitems__`` serves a
    whole batch of indices with one vectorised take (torch's ``DataLoader`` calls it when
    present), returning a list of ``(features, target)`` samples that the default collate
    function stacks. Samples are torch tensors when torch is installed, NumPy arrays
    otherwise.

    Parameters
    ----------
    pipeline
        A fitted :class:`Pipeline`.
    data
        Input frame (frame, pyarrow, pandas or polars).
    target
        A column name of ``data``, an array-like, or ``None`` (samples are features only).
    dtype
        Feature dtype (default: the pipeline's).

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0, 1, 1]})
    >>> pipe = ml.Pipeline([ml.Standardize("x")]).fit(df)
    >>> ds = ml.TorchDataset(pipe, df, target="y")
    >>> len(ds)
    3
    >>> [tuple(map(float, (x[0], y))) for x, y in ds.__getitems__([2, 0])]
    [(1.2247449159622192, 1.0), (-1.2247449159622192, 0.0)]
    """

    def __init__(self, pipeline: Any, data: Any, target: Any = None, *, dtype: str | None = None):
        from frame.ml._pipeline import as_frame

        df = as_frame(data)
        y = None
        if isinstance(target, str):
            y = df[target].to_numpy()
        elif target is not None:
            y = np.asarray(target)
            if len(y) != df.height:
                raise ShapeError(f"target has {len(y)} rows; the frame has {df.height}")
        self.features = np.ascontiguousarray(pipeline.transform(df, dtype=dtype))
        self.target = y
        try:
            import torch
        except ImportError:
            torch = None
        self._torch = torch

    def __len__(self) -> int:
        return len(self.features)

    def _wrap(self, a: np.ndarray) -> Any:
        return self._torch.from_numpy(a) if self._torch is not None else a

    def __getitem__(self, i: int) -> Any:
        x = self._wrap(self.features[i])
        return x if self.target is None else (x, self._wrap(np.asarray(self.target[i])))

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        idx = np.asarray(indices, dtype=np.int64)
        xb = self._wrap(self.features[idx])
        if self.target is None:
            return list(xb)
        yb = self._wrap(np.asarray(self.target[idx]))
        return list(zip(xb, yb))
