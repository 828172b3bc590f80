"""Output control: dtypes, int8 quantization, sparse/torch conversion and TorchDataset.

scipy and torch are optional: they are imported only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import frame as fr
from frame.exceptions import InvalidOperationError, ShapeError

__all__ = ["OUTPUT_DTYPES", "FeatureRanges", "TorchDataset", "convert_output"]

OUTPUT_DTYPES: dict[str, Any] = {"float32": np.float32, "float64": np.float64, "float16": np.float16}


def quantize_params(lo: Sequence[float] | np.ndarray, hi: Sequence[float] | np.ndarray) -> dict[str, np.ndarray]:
    """Asymmetric per-feature int8 parameters from feature ranges (widened to include 0).

    Vectorised; per feature the same IEEE operations as the scalar formula
    ``a = min(lo, 0.0)``, ``b = max(hi, 0.0)`` (0.0 for a non-finite bound),
    ``scale = (b - a) / 255`` (1.0 if zero or not finite) and
    ``zero_point = clip(round_half_even(-128 - a / scale), -128, 127)``.
    """
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    # min(a, 0.0) keeps a unless 0.0 < a (so -0.0 stays -0.0), as Python's min does
    a = np.where(np.isfinite(lo), np.where(lo > 0.0, 0.0, lo), 0.0)
    b = np.where(np.isfinite(hi), np.where(hi < 0.0, 0.0, hi), 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = (b - a) / 255.0
        scale = np.where((scale == 0.0) | ~np.isfinite(scale), 1.0, scale)
        zp = np.clip(np.rint(-128.0 - a / scale), -128, 127).astype(np.int64)
    return {"scale": scale, "zero_point": zp, "min": a, "max": b}


def dequantize_params(q: dict[str, Any], features: Any) -> fr.DataFrame:
    names = features.arrow() if hasattr(features, "arrow") else list(features)
    return fr.DataFrame({"feature": names, "scale": np.asarray(q["scale"], dtype=np.float64),
                         "zero_point": np.asarray(q["zero_point"], dtype=np.int64),
                         "min": np.asarray(q["min"], dtype=np.float64),
                         "max": np.asarray(q["max"], dtype=np.float64)})


def quantize_batch(x64: np.ndarray, scale: Sequence[float], zero_point: Sequence[int]) -> np.ndarray:
    """(features x rows) float64 -> int8 with ``clip(rint(x / scale) + zp, -128, 127)``."""
    s = np.asarray(scale, dtype=np.float64)[:, None]
    z = np.asarray(zero_point, dtype=np.float64)[:, None]
    with np.errstate(invalid="ignore", over="ignore"):
        t = np.rint(x64 / s) + z
    t = np.where(np.isnan(x64), z, t)
    return np.clip(t, -128, 127).astype(np.int8)


def quantize_row(vals: Sequence[float] | np.ndarray, scale: Sequence[float],
                 zero_point: Sequence[int]) -> list[int] | np.ndarray:
    if isinstance(vals, np.ndarray):  # a row vector (pipelines with sparse blocks): batch formula
        return quantize_batch(vals[:, None], scale, zero_point)[:, 0]
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


# ----------------------------------------------------------------------------- assembly
# ``features`` is the pipeline's FeatureList: plain features (a working column each, read by
# name) and block runs (``cols[slice.key]`` is a Block; the run is its features lo .. hi-1).
def _available_memory() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes; None where that does not exist."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):  # pragma: no cover - not Linux
        return None


def check_dense_size(n_rows: int, n_features: int, itemsize: int) -> None:
    """Raise ``MemoryError`` before building a dense output that cannot fit in memory.

    Only outputs over 1 GiB are checked, against the memory the system reports available
    (nothing is checked where it reports none).
    """
    need = n_rows * n_features * itemsize
    if need <= 1 << 30:
        return
    avail = _available_memory()
    if avail is not None and need > avail:
        raise MemoryError(
            f"a dense {n_rows} x {n_features} output needs {need / 2**30:.1f} GiB, more than the "
            f"{avail / 2**30:.1f} GiB of memory available; use output='sparse' (one entry per "
            "row and one-hot block) or transform fewer rows at a time"
        )


def fill_blocks(x: np.ndarray, cols: dict[str, Any], features: Any) -> list[tuple[int, str]]:
    """Write the block runs into their rows of ``x`` (features x rows): zeros, then one scatter
    of the block's codes (the values ``Indicator.dense()`` gives: 1.0 or the sign, +0.0
    elsewhere). Returns ``(position, name)`` of the plain features, which the caller writes."""
    rest: list[tuple[int, str]] = []
    for e, p in features.starts():
        if isinstance(e, str):
            rest.append((p, e))
            continue
        x[p:p + e.width] = 0.0
        r, j, v = cols[e.key].entries(e.lo, e.hi)
        x[p + j, r] = v
    return rest


def assemble_sparse(cols: dict[str, Any], features: Any, n_rows: int, dtype: Any) -> Any:
    """A ``scipy.sparse.csr_matrix`` (rows x features) straight from the working columns.

    A block run contributes its entries from the block's codes (one per row and block, valued
    1.0 or the row's sign), so no dense block is built and the cost is O(rows) per block
    whatever its width. Plain features contribute their non-zero entries (NaN is stored
    explicitly).
    """
    try:
        import scipy.sparse as sp
    except ImportError as err:  # pragma: no cover - scipy is installed in CI
        raise ImportError("output='sparse' needs scipy") from err
    from frame.ml._base import to_float

    if np.dtype(dtype) == np.float16:
        raise InvalidOperationError("scipy.sparse has no float16; use dtype='float32' for output='sparse'")

    rows: list[np.ndarray] = []
    cols_: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for e, p in features.starts():
        if isinstance(e, str):
            x = to_float(cols[e])
            nz = np.flatnonzero(x != 0.0)
            rows.append(nz)
            cols_.append(np.full(len(nz), p, dtype=np.int64))
            vals.append(x[nz])
        else:
            r, j, v = cols[e.key].entries(e.lo, e.hi)
            rows.append(r)
            cols_.append(j + p)
            vals.append(v)
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols_) if cols_ else np.empty(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.empty(0)
    with np.errstate(over="ignore"):
        v = v.astype(dtype)
    return sp.csr_matrix((v, (r, c)), shape=(n_rows, len(features)), dtype=dtype)


def feature_ranges(cols: dict[str, Any], features: Any) -> tuple[np.ndarray, np.ndarray]:
    """The ``min`` and ``max`` of every feature over the working columns (NaN ignored), as two
    float64 arrays in feature order; ``(inf, -inf)`` for a feature without a value.

    A block is summarised from its codes with a ``bincount`` (:meth:`Block.ranges`), never
    materialising its 0/1 columns: O(rows + width) per block.
    """
    from frame.ml._base import to_float

    n = len(features)
    lo, hi = np.empty(n), np.empty(n)
    done: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
    for e, p in features.starts():
        if isinstance(e, str):
            x = to_float(cols[e])
            seen = x[~np.isnan(x)]
            lo[p], hi[p] = (seen.min(), seen.max()) if len(seen) else (math.inf, -math.inf)
            continue
        if e.key not in done:
            done[e.key] = cols[e.key].ranges()
        blo, bhi = done[e.key]
        lo[p:p + e.width] = blo[e.lo:e.hi]
        hi[p:p + e.width] = bhi[e.lo:e.hi]
    return lo, hi


class FeatureRanges(Mapping[str, list[float]]):
    """The training range of every feature: ``ranges[name] == [min, max]``.

    Backed by two float64 arrays in feature order (``.min``, ``.max``), so a wide block costs
    16 bytes per feature and no Python object per feature.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, features: Any):
        self.min = np.asarray(lo, dtype=np.float64)
        self.max = np.asarray(hi, dtype=np.float64)
        self.features = features

    def __getitem__(self, name: str) -> list[float]:
        p = self.features.find(name) if hasattr(self.features, "find") else (
            self.features.index(name) if name in self.features else -1)
        if p < 0:
            raise KeyError(name)
        return [float(self.min[p]), float(self.max[p])]

    def __iter__(self) -> Iterator[str]:
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def __repr__(self) -> str:
        return f"FeatureRanges({len(self)} features)"


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
