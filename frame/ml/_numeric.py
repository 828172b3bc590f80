"""Numeric steps: Standardize, MinMaxScale, Impute, Clip, Bins, QuantileBins, Log1p, PowerTransform.

Each step has one definition of its arithmetic, written twice with the same IEEE double
operations in the same order: ``_batch`` (NumPy over whole columns) and ``_row_op`` (plain
Python floats). Missing values (null or NaN) are NaN on both paths.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frame._core.features import (
    bin_codes,
    fill_nan,
    log1p_array,
    log1p_value,
    signed_log1p_value,
    to_float64,
    yeo_johnson_array,
    yeo_johnson_value,
)
from frame.dtypes import type_name
from frame.exceptions import InvalidOperationError, SchemaError
from frame.ml._base import (
    NAN,
    RowOp,
    RowUnknownOp,
    Selector,
    Step,
    canonical_cat_type,
    family,
    null_row_spec,
    numeric_row_spec,
    numeric_support,
    numeric_unknown,
    row_unknown_op,
    to_cat,
    to_float,
)

__all__ = [
    "Bins", "Clip", "Impute", "Log1p", "MinMaxScale", "PowerTransform", "QuantileBins", "Standardize",
]


def _observed(x: np.ndarray) -> np.ndarray:
    return x[~np.isnan(x)]


class _NumericStep(Step):
    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        assert self.state_ is not None
        return {n: numeric_unknown(to_float(cols[n]), self.state_[n]) for n in self.columns_in_}

    def _row_unknown_op(self) -> tuple[list[str], RowUnknownOp | None]:
        names = list(self.columns_in_)
        return names, row_unknown_op([numeric_row_spec(n, self.state_[n]) for n in names])


class Standardize(_NumericStep):
    """Center and scale to unit variance: ``(x - mean) / scale``.

    Parameters
    ----------
    columns
        Columns to scale (default: numeric columns).
    with_mean, with_std
        Subtract the mean / divide by the standard deviation (population, ``ddof=0``, as
        scikit-learn's ``StandardScaler``).

    Notes
    -----
    Statistics ignore missing values; missing values stay NaN. A constant column gets
    ``scale = 1``; a column with no observed value gets ``mean = 0, scale = 1``.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.Standardize().fit(fr.DataFrame({"x": [1.0, 2.0, 3.0, None]}))
    >>> round(step.state_["x"]["scale"], 4)
    0.8165
    >>> step.transform(fr.DataFrame({"x": [2.0, None]}))[:, 0]
    array([ 0., nan], dtype=float32)
    """

    _params = ("with_mean", "with_std")

    def __init__(self, columns: Any = None, *, with_mean: bool = True, with_std: bool = True):
        super().__init__(columns)
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            seen = _observed(x)
            mean = float(seen.mean()) if len(seen) and self.with_mean else 0.0
            scale = float(seen.std()) if len(seen) and self.with_std else 1.0
            if scale == 0.0 or not math.isfinite(scale):
                scale = 1.0
            st[n] = {"mean": mean, "scale": scale, **numeric_support(x)}
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        st = self.state_
        return {n: (to_float(cols[n]) - st[n]["mean"]) / st[n]["scale"] for n in self.columns_in_}

    def _row_op(self) -> RowOp:
        specs = [(n, self.state_[n]["mean"], self.state_[n]["scale"]) for n in self.columns_in_]

        def op(v: dict, specs: list = specs, nan: float = NAN) -> None:
            for n, m, s in specs:
                x = v[n]
                x = nan if x is None else float(x)
                v[n] = (x - m) / s

        return op


class MinMaxScale(_NumericStep):
    """Scale to ``feature_range``: ``x * scale + offset`` (scikit-learn's ``MinMaxScaler``).

    Parameters
    ----------
    columns
        Columns to scale (default: numeric columns).
    feature_range
        Target ``(low, high)``.
    clip
        Clip transformed values to ``feature_range`` (values outside the fitted range otherwise
        map outside it).

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.MinMaxScale().fit(fr.DataFrame({"x": [2.0, 4.0, 6.0]}))
    >>> step.transform(fr.DataFrame({"x": [4.0, 8.0]}))[:, 0]
    array([0.5, 1.5], dtype=float32)
    """

    _params = ("feature_range", "clip")

    def __init__(
        self, columns: Any = None, *, feature_range: tuple[float, float] = (0.0, 1.0),
        clip: bool = False,
    ):
        super().__init__(columns)
        lo, hi = (float(v) for v in feature_range)
        if not lo < hi:
            raise InvalidOperationError(f"feature_range must be (low, high) with low < high, got {feature_range!r}")
        self.feature_range = [lo, hi]
        self.clip = clip

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        lo, hi = self.feature_range
        st = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            sup = numeric_support(x)
            dmin, dmax = (0.0, 1.0) if math.isnan(sup["min"]) else (sup["min"], sup["max"])
            rng = dmax - dmin
            if rng == 0.0 or not math.isfinite(rng):
                rng = 1.0
            scale = (hi - lo) / rng
            st[n] = {"scale": scale, "offset": lo - dmin * scale, **sup}
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out = {}
        lo, hi = self.feature_range
        for n in self.columns_in_:
            s = self.state_[n]
            y = to_float(cols[n]) * s["scale"] + s["offset"]
            if self.clip:
                y = np.where(y < lo, lo, np.where(y > hi, hi, y))
            out[n] = y
        return out

    def _row_op(self) -> RowOp:
        specs = [(n, self.state_[n]["scale"], self.state_[n]["offset"]) for n in self.columns_in_]
        lo, hi = self.feature_range
        clip = self.clip

        def op(v: dict, specs: list = specs, nan: float = NAN) -> None:
            for n, a, b in specs:
                x = v[n]
                x = nan if x is None else float(x)
                y = x * a + b
                if clip:
                    y = lo if y < lo else (hi if y > hi else y)
                v[n] = y

        return op


class Impute(Step):
    """Replace missing values (null, and NaN in float columns) by a fitted statistic.

    Parameters
    ----------
    columns
        Columns to impute (default: every column). Numeric columns accept every strategy;
        string, integer-coded or boolean categorical columns accept ``"most_frequent"`` and
        ``"constant"`` and stay categorical (to be encoded by a later step).
    strategy
        ``"mean"``, ``"median"``, ``"most_frequent"`` (ties: the smallest value) or
        ``"constant"``.
    fill_value
        The constant for ``strategy="constant"`` (default ``0.0``, or ``"missing"`` for string
        columns); also used when a column had no observed value at fit (default ``0.0``).
    add_indicator
        Add a ``"<name>__missing"`` feature (1.0 where the value was missing) for *every*
        selected column, so the output schema does not depend on the training data.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"x": [1.0, None, 5.0], "c": ["a", None, "a"]})
    >>> step = ml.Impute("x", strategy="median", add_indicator=True).fit(df)
    >>> step.get_feature_names_out()
    ['x', 'x__missing']
    >>> step.transform(df)
    array([[1., 0.],
           [3., 1.],
           [5., 0.]], dtype=float32)
    """

    default_columns = Selector(dtypes=["any"])
    input_kind = "any"
    _params = ("strategy", "fill_value", "add_indicator")
    _STRATEGIES = ("mean", "median", "most_frequent", "constant")

    def __init__(
        self, columns: Any = None, *, strategy: str = "mean", fill_value: Any = None,
        add_indicator: bool = False,
    ):
        super().__init__(columns)
        if strategy not in self._STRATEGIES:
            raise InvalidOperationError(
                f"unknown strategy {strategy!r}; use one of {', '.join(self._STRATEGIES)}"
            )
        self.strategy = strategy
        self.fill_value = fill_value
        self.add_indicator = add_indicator

    def _is_cat(self, n: str) -> bool:
        return family(self.types_in_[n]) in ("string", "bool")

    def _check_input(self, name: str, t: pa.DataType) -> None:
        f = family(t)
        if f not in ("int", "float", "bool", "string", "null"):
            raise SchemaError(
                f"Impute needs a numeric, string or boolean column; column {name!r} is {type_name(t)}"
            )
        if f in ("string", "bool") and self.strategy in ("mean", "median"):
            raise InvalidOperationError(
                f"strategy={self.strategy!r} needs a numeric column; column {name!r} is "
                f"{f}; use 'most_frequent' or 'constant'"
            )

    def _output_names(self, name: str) -> list[str]:
        return [name, f"{name}__missing"] if self.add_indicator else [name]

    def _out_type(self, name: str, out: str) -> pa.DataType:
        if out == name and self._is_cat(name):
            return canonical_cat_type(self.types_in_[name])
        return pa.float64()

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            if self._is_cat(n):
                t = canonical_cat_type(self.types_in_[n])
                arr = to_cat(cols[n], t)
                if self.strategy == "constant":
                    fill = self.fill_value if self.fill_value is not None else (
                        "missing" if t == pa.string() else False)
                else:
                    from frame.ml._categorical import category_counts

                    keys, counts = category_counts(arr)
                    pairs = [(k, c) for k, c in zip(keys, counts) if k is not None]
                    if pairs:
                        best = max(c for _, c in pairs)
                        fill = min(k for k, c in pairs if c == best)
                    else:
                        fill = self.fill_value if self.fill_value is not None else (
                            "missing" if t == pa.string() else False)
                st[n] = {"fill": fill, "missing": bool(arr.null_count)}
                continue
            x = to_float(cols[n])
            seen = _observed(x)
            default = 0.0 if self.fill_value is None else float(self.fill_value)
            if self.strategy == "constant" or len(seen) == 0:
                fill = default
            elif self.strategy == "mean":
                fill = float(seen.mean())
            elif self.strategy == "median":
                fill = float(np.median(seen))
            else:
                vals, counts = np.unique(seen, return_counts=True)
                fill = float(vals[np.argmax(counts)])  # first maximum = smallest value
            st[n] = {"fill": fill, **numeric_support(x)}
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n in self.columns_in_:
            fill = self.state_[n]["fill"]
            if self._is_cat(n):
                arr = to_cat(cols[n], canonical_cat_type(self.types_in_[n]))
                out[n] = pc.fill_null(arr, fill) if arr.null_count else arr
                if self.add_indicator:
                    out[f"{n}__missing"] = arr.is_null().to_numpy(zero_copy_only=False).astype(np.float64)
                continue
            c = cols[n]
            if self.add_indicator:
                x = to_float(c)
                out[f"{n}__missing"] = np.isnan(x).astype(np.float64)
                out[n] = fill_nan(x, fill)
            elif isinstance(c, np.ndarray):
                out[n] = fill_nan(c, fill)
            else:  # an Arrow column: one pass writes the fill for nulls and NaN
                out[n] = to_float64(c, fill, fill)
        return out

    def _row_op(self) -> RowOp:
        specs = [
            (n, self.state_[n]["fill"], self._is_cat(n), f"{n}__missing")
            for n in self.columns_in_
        ]
        ind = self.add_indicator

        def op(v: dict, specs: list = specs, nan: float = NAN) -> None:
            for n, fill, is_cat, mname in specs:
                x = v[n]
                if is_cat:
                    miss = x is None
                else:
                    x = nan if x is None else float(x)
                    miss = x != x
                v[n] = fill if miss else x
                if ind:
                    v[mname] = 1.0 if miss else 0.0

        return op

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        out = {}
        for n in self.columns_in_:
            st = self.state_[n]
            if self._is_cat(n):
                arr = to_cat(cols[n], canonical_cat_type(self.types_in_[n]))
                m = arr.is_null().to_numpy(zero_copy_only=False)
                out[n] = m if not st["missing"] else np.zeros(len(arr), dtype=bool)
            else:
                out[n] = numeric_unknown(to_float(cols[n]), st)
        return out

    def _row_unknown_op(self) -> tuple[list[str], RowUnknownOp | None]:
        specs = []
        for n in self.columns_in_:
            st = self.state_[n]
            if not self._is_cat(n):
                specs.append(numeric_row_spec(n, st))
            elif not st["missing"]:  # a categorical column: only an unexpected null
                specs.append(null_row_spec(n))
        return list(self.columns_in_), row_unknown_op(specs)


class Clip(_NumericStep):
    """Winsorize: clip each column to its fitted ``lower``/``upper`` quantiles.

    Parameters
    ----------
    columns
        Columns to clip (default: numeric columns).
    lower, upper
        Quantile levels in [0, 1] (linear interpolation, as ``numpy.quantile``); ``None``
        leaves that side open.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"x": [float(i) for i in range(101)]})
    >>> step = ml.Clip(lower=0.1, upper=0.9).fit(df)
    >>> step.state_["x"]["low"], step.state_["x"]["high"]
    (10.0, 90.0)
    >>> step.transform(fr.DataFrame({"x": [-5.0, 50.0, 500.0]}))[:, 0]
    array([10., 50., 90.], dtype=float32)
    """

    _params = ("lower", "upper")

    def __init__(self, columns: Any = None, *, lower: float | None = 0.01, upper: float | None = 0.99):
        super().__init__(columns)
        for q in (lower, upper):
            if q is not None and not 0.0 <= q <= 1.0:
                raise InvalidOperationError(f"quantile levels must be in [0, 1], got {q!r}")
        self.lower = lower
        self.upper = upper

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            seen = _observed(x)
            lo, hi = -math.inf, math.inf
            if len(seen):
                if self.lower is not None:
                    lo = float(np.quantile(seen, self.lower))
                if self.upper is not None:
                    hi = float(np.quantile(seen, self.upper))
            st[n] = {"low": lo, "high": hi, **numeric_support(x)}
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for n in self.columns_in_:
            lo, hi = self.state_[n]["low"], self.state_[n]["high"]
            x = to_float(cols[n])
            out[n] = np.where(x < lo, lo, np.where(x > hi, hi, x))
        return out

    def _row_op(self) -> RowOp:
        specs = [(n, self.state_[n]["low"], self.state_[n]["high"]) for n in self.columns_in_]

        def op(v: dict, specs: list = specs, nan: float = NAN) -> None:
            for n, lo, hi in specs:
                x = v[n]
                x = nan if x is None else float(x)
                v[n] = lo if x < lo else (hi if x > hi else x)

        return op


class Bins(_NumericStep):
    """Bin into intervals at fixed cut points; the output is the bin index as a float.

    ``code = number of cuts <= x`` (``bisect_right``), so bins are ``[c[i-1], c[i])`` and
    values beyond the outer cuts land in the first/last bin. Missing values stay NaN.

    Parameters
    ----------
    columns
        Columns to bin (default: numeric columns).
    cuts
        Increasing cut points shared by every selected column.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.Bins(cuts=[0.0, 10.0]).fit(fr.DataFrame({"x": [-1.0, 5.0]}))
    >>> step.transform(fr.DataFrame({"x": [-3.0, 0.0, 9.9, 10.0, None]}))[:, 0]
    array([ 0.,  1.,  1.,  2., nan], dtype=float32)
    """

    _params = ("cuts",)

    def __init__(self, columns: Any = None, *, cuts: list[float] | None = None):
        super().__init__(columns)
        if cuts is None or len(cuts) == 0:
            raise InvalidOperationError("Bins needs at least one cut point: Bins(cuts=[...])")
        cuts = [float(c) for c in cuts]
        if any(not a < b for a, b in itertools.pairwise(cuts)) or any(math.isnan(c) for c in cuts):
            raise InvalidOperationError(f"cuts must be strictly increasing numbers, got {cuts!r}")
        self.cuts = cuts

    def _cuts_for(self, x: np.ndarray) -> list[float]:
        return list(self.cuts)

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            st[n] = {"cuts": self._cuts_for(x), **numeric_support(x)}
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            cuts = self._cached(("cuts", n), lambda n=n: np.asarray(self.state_[n]["cuts"], dtype=np.float64))
            out[n] = bin_codes(x, cuts)
        return out

    def _row_op(self) -> RowOp:
        specs = [(n, list(self.state_[n]["cuts"])) for n in self.columns_in_]

        def op(v: dict, specs: list = specs, nan: float = NAN, br: Any = bisect.bisect_right) -> None:
            for n, cuts in specs:
                x = v[n]
                x = nan if x is None else float(x)
                v[n] = nan if x != x else float(br(cuts, x))

        return op

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        return {"cuts": self.state_[name]["cuts"]}


class QuantileBins(Bins):
    """Bin at fitted quantiles; the cut points are stored and reused at transform time.

    Cuts are the interior quantiles ``1/n, ..., (n-1)/n`` of the observed training values
    (``numpy.quantile``, linear), de-duplicated; the code is a float in ``0 .. len(cuts)``.

    Parameters
    ----------
    columns
        Columns to bin (default: numeric columns).
    n_bins
        Number of bins before de-duplication.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"x": [float(i) for i in range(1, 101)]})
    >>> step = ml.QuantileBins(n_bins=4).fit(df)
    >>> step.state_["x"]["cuts"]
    [25.75, 50.5, 75.25]
    >>> step.transform(fr.DataFrame({"x": [1.0, 50.0, 99.0]}))[:, 0]
    array([0., 1., 3.], dtype=float32)
    """

    _params = ("n_bins",)

    def __init__(self, columns: Any = None, *, n_bins: int = 5):
        Step.__init__(self, columns)
        if int(n_bins) < 2:
            raise InvalidOperationError(f"n_bins must be >= 2, got {n_bins!r}")
        self.n_bins = int(n_bins)

    def _cuts_for(self, x: np.ndarray) -> list[float]:
        seen = _observed(x)
        if len(seen) == 0:
            return []
        levels = np.linspace(0.0, 1.0, self.n_bins + 1)[1:-1]
        cuts = np.unique(np.quantile(seen, levels))
        return [float(c) for c in cuts if not math.isnan(c)]  # inf - inf interpolates to NaN


class Log1p(_NumericStep):
    """``log(1 + x)``; with ``signed=True``, ``sign(x) * log(1 + |x|)`` (defined on all reals).

    Unsigned: ``x == -1`` gives ``-inf`` and ``x < -1`` gives NaN (NumPy semantics). Both the
    batch and the row path call one compiled function (``frame._core.features``, the C
    library's ``log1p``), so the results agree bit for bit on every machine.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.Log1p(signed=True).fit(fr.DataFrame({"x": [0.0, 1.0]}))
    >>> step.transform(fr.DataFrame({"x": [-(2.718281828459045 - 1), 0.0]}), dtype="float64")[:, 0]
    array([-1.,  0.])
    """

    _params = ("signed",)

    def __init__(self, columns: Any = None, *, signed: bool = False):
        super().__init__(columns)
        self.signed = signed

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        self.state_ = {n: numeric_support(to_float(cols[n])) for n in self.columns_in_}

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        return {n: log1p_array(to_float(cols[n]), self.signed) for n in self.columns_in_}

    def _row_op(self) -> RowOp:
        names = list(self.columns_in_)
        fn = signed_log1p_value if self.signed else log1p_value

        def op(v: dict, names: list = names, nan: float = NAN) -> None:
            for n in names:
                x = v[n]
                v[n] = fn(nan if x is None else float(x))

        return op


_EPS = float(np.spacing(1.0))


def _yj_array(x: np.ndarray, lam: float) -> np.ndarray:
    """Vectorised Yeo-Johnson for fitting only (transforms use ``yeo_johnson_array``)."""
    out = np.full(len(x), NAN)
    pos = x >= 0
    neg = x < 0
    out[pos] = np.log1p(x[pos]) if abs(lam) < _EPS else (np.power(x[pos] + 1, lam) - 1) / lam
    out[neg] = (-(np.power(1 - x[neg], 2 - lam) - 1) / (2 - lam)) if abs(lam - 2) > _EPS else -np.log1p(-x[neg])
    return out


def _yj_lambda(x: np.ndarray) -> float:
    """Maximum-likelihood lambda (scikit-learn's criterion), golden-section search."""
    if len(x) < 2 or not np.isfinite(x).all():
        return 1.0
    const = (np.sign(x) * np.log1p(np.abs(x))).sum()
    n = len(x)

    def nll(lam: float) -> float:
        var = _yj_array(x, lam).var()
        if not var > np.finfo(np.float64).tiny or not math.isfinite(var):
            return math.inf
        return n / 2 * math.log(var) - (lam - 1) * const

    lo, hi = -5.0, 7.0
    g = (math.sqrt(5.0) - 1) / 2
    c, d = hi - g * (hi - lo), lo + g * (hi - lo)
    fc, fd = nll(c), nll(d)
    for _ in range(100):
        if fc <= fd:
            hi, d, fd = d, c, fc
            c = hi - g * (hi - lo)
            fc = nll(c)
        else:
            lo, c, fc = c, d, fd
            d = lo + g * (hi - lo)
            fd = nll(d)
        if hi - lo < 1e-9:
            break
    lam = (lo + hi) / 2
    return lam if math.isfinite(nll(lam)) else 1.0


class PowerTransform(_NumericStep):
    """Yeo-Johnson power transform with a fitted ``lambda`` per column.

    ``lambda`` maximises the Gaussian log-likelihood of the transformed training values (the
    criterion of scikit-learn's ``PowerTransformer``; found by golden-section search on
    [-5, 7]). No standardisation: follow with :class:`Standardize` if wanted. Both the batch
    and the row path call one compiled function per value (``frame._core.features``, the C
    library's ``pow``/``log1p``), so they agree bit for bit.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"x": [0.1, 0.5, 1.0, 2.0, 5.0, 30.0]})
    >>> step = ml.PowerTransform().fit(df)
    >>> round(step.state_["x"]["lambda"], 3)
    -0.553
    >>> step.transform(fr.DataFrame({"x": [1.0, None]}))[:, 0]
    array([0.5757796,       nan], dtype=float32)
    """

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            st[n] = {"lambda": float(_yj_lambda(_observed(x))), **numeric_support(x)}
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for n in self.columns_in_:
            x = to_float(cols[n])
            lam = self.state_[n]["lambda"]
            out[n] = yeo_johnson_array(x, lam)
        return out

    def _row_op(self) -> RowOp:
        specs = [(n, self.state_[n]["lambda"]) for n in self.columns_in_]

        def op(v: dict, specs: list = specs, nan: float = NAN, f: Any = yeo_johnson_value) -> None:
            for n, lam in specs:
                x = v[n]
                v[n] = f(nan if x is None else float(x), lam)

        return op
