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


def _indicator_groups(cols: dict[str, Any], features: Sequence[str]) -> tuple[list[Any], list[int]]:
    """The indicator features grouped by shared ``(codes, sign)``, and the other positions.

    Returns ``([(an indicator of the group, [j, ...], [feature position, ...]), ...],
    [positions of the non-indicator features])``. A one-hot block's features come in a run,
    so each indicator is first checked against the previous one's group: a 2**20-feature
    block is grouped at list-append speed.
    """
    from frame.ml._base import Indicator

    groups: dict[tuple[int, int], tuple[Any, list[int], list[int]]] = {}
    rest: list[int] = []
    last_codes = last_sign = js = pos = None
    for p, f in enumerate(features):
        c = cols[f]
        if not isinstance(c, Indicator):
            rest.append(p)
            continue
        if c.codes is not last_codes or c.sign is not last_sign:
            g = groups.get((id(c.codes), id(c.sign)))
            if g is None:
                g = groups[(id(c.codes), id(c.sign))] = (c, [], [])
            _, js, pos = g
            last_codes, last_sign = c.codes, c.sign
        js.append(c.j)
        pos.append(p)
    return list(groups.values()), rest


def _hot_entries(first: Any, js: list[int], f_pos: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, feature position, value) of the nonzeros of one indicator group."""
    codes = first.codes
    top = max(max(js), int(codes.max(initial=-1)))
    m = np.full(top + 2, -1, dtype=np.int64)  # m[-1] stays -1 for code -1
    m[js] = f_pos
    target = m[codes]
    r = np.flatnonzero(target >= 0)
    return r, target[r], (np.ones(len(r)) if first.sign is None else first.sign[r])


def fill_indicators(x: np.ndarray, cols: dict[str, Any], features: Sequence[str]) -> list[int]:
    """Write the indicator features into their rows of ``x`` (features x rows).

    Each group sharing codes (a one-hot block) is zeroed and gets its one value per row in
    one scatter, instead of one comparison per feature; the values are those of
    ``Indicator.dense()`` (1.0 or the sign; +0.0 elsewhere). Returns the positions of the
    other features, which the caller writes.
    """
    groups, rest = _indicator_groups(cols, features)
    for first, js, f_pos in groups:
        x[f_pos] = 0.0
        r, f, v = _hot_entries(first, js, f_pos)
        x[f, r] = v
    return rest


def assemble_sparse(cols: dict[str, Any], features: Sequence[str], n_rows: int, dtype: Any) -> Any:
    """A ``scipy.sparse.csr_matrix`` (rows x features) straight from the working columns.

    One-hot features (:class:`~frame.ml._base.Indicator`, signed or not) are taken from their
    shared code arrays: one entry per row and block, valued 1.0 or the row's sign, and no
    dense block is built (a 2**20-bucket ``Hash`` block costs O(rows + buckets)). Other
    features contribute their non-zero entries (NaN is stored explicitly).
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
    groups, rest = _indicator_groups(cols, features)
    for f_idx in rest:
        x = to_float(cols[features[f_idx]])
        nz = np.flatnonzero(x != 0.0)
        rows.append(nz)
        cols_.append(np.full(len(nz), f_idx, dtype=np.int64))
        vals.append(x[nz])
    for first, js, f_pos in groups:
        r, f, v = _hot_entries(first, js, f_pos)
        rows.append(r)
        cols_.append(f)
        vals.append(v)
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols_) if cols_ else np.empty(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.empty(0)
    with np.errstate(over="ignore"):
        v = v.astype(dtype)
    return sp.csr_matrix((v, (r, c)), shape=(n_rows, len(features)), dtype=dtype)


def feature_ranges(cols: dict[str, Any], features: Sequence[str]) -> dict[str, list[float]]:
    """The ``[min, max]`` of every feature over the working columns, NaN ignored.

    ``[inf, -inf]`` when a feature has no value. Indicator features are summarised from their
    shared codes with one ``bincount`` per block instead of materialising each 0/1 column, so
    a wide one-hot block costs O(rows + features), not O(rows x features).
    """
    from frame.ml._base import to_float

    ranges: list[list[float]] = [[]] * len(features)
    groups, rest = _indicator_groups(cols, features)
    for p in rest:
        x = to_float(cols[features[p]])
        seen = x[~np.isnan(x)]
        ranges[p] = [float(seen.min()), float(seen.max())] if len(seen) else [math.inf, -math.inf]
    for first, js, f_pos in groups:
        codes, sign, n = first.codes, first.sign, len(first.codes)
        if n == 0:
            for p in f_pos:
                ranges[p] = [math.inf, -math.inf]
            continue
        size = max(max(js), int(codes.max(initial=-1))) + 1
        ok = codes >= 0
        j = np.asarray(js, dtype=np.int64)
        if sign is None:
            pos = np.bincount(codes[ok], minlength=size)[j]
            neg = np.zeros_like(pos)
        else:
            pos = np.bincount(codes[ok & (sign > 0)], minlength=size)[j]
            neg = np.bincount(codes[ok & (sign < 0)], minlength=size)[j]
        zero = pos + neg < n  # some row holds 0.0 for the feature
        lo = np.where(neg > 0, -1.0, np.where(zero, 0.0, 1.0))
        hi = np.where(pos > 0, 1.0, np.where(zero, 0.0, -1.0))
        for p, a, b in zip(f_pos, lo.tolist(), hi.tolist(), strict=True):
            ranges[p] = [a, b]
    return dict(zip(features, ranges, strict=True))


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
