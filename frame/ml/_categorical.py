"""Categorical steps: OneHot, Ordinal, TargetEncode, CountEncode, FrequencyEncode, Hash, GroupAgg.

Categorical inputs are string, dictionary, integer or boolean columns. A null is the key
``None``. Fitted vocabularies are Python lists; the batch path looks values up with
``pyarrow.compute.index_in`` against the vocabulary and the row path with a ``dict`` built from
the same list, so both paths map every value to the same code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import frame as fr
from frame._core.hashing import hash_array
from frame.exceptions import ColumnNotFoundError, InvalidOperationError, SchemaError
from frame.ml._base import (
    NAN,
    Indicator,
    RowOp,
    Selector,
    Step,
    canonical_cat_type,
    family,
    numeric_support,
    numeric_unknown,
    to_cat,
    to_float,
)

__all__ = [
    "CountEncode",
    "FrequencyEncode",
    "GroupAgg",
    "Hash",
    "OneHot",
    "Ordinal",
    "TargetEncode",
    "category_counts",
]

_MASK64 = (1 << 64) - 1
_CROSS_PRIME = 0x9E3779B97F4A7C15


def _sort_key(k: Any) -> tuple[int, Any]:
    return (1, 0) if k is None else (0, k)


def category_counts(arr: pa.Array) -> tuple[list[Any], list[int]]:
    """Distinct keys (sorted, ``None`` last) and their counts, via frame's group-by."""
    if len(arr) == 0:
        return [], []
    df = fr.DataFrame({"k": arr})
    rows = df.group_by("k").agg(n=fr.len()).rows()
    rows.sort(key=lambda r: _sort_key(r[0]))
    return [r[0] for r in rows], [int(r[1]) for r in rows]


def lookup_codes(arr: pa.Array, keys: list[Any] | pa.Array, t: pa.DataType,
                 index: dict[Any, int] | None = None) -> np.ndarray:
    """Position of each value of ``arr`` in ``keys`` (``None`` matches null), -1 if absent.

    ``index`` (``{key: position}``) serves batches much smaller than the vocabulary with dict
    lookups instead of building a hash set of the whole vocabulary.
    """
    if len(keys) == 0:
        return np.full(len(arr), -1, dtype=np.int64)
    if index is not None and len(arr) * 16 < len(keys):
        get = index.get
        return np.fromiter((get(v, -1) for v in arr.to_pylist()), dtype=np.int64, count=len(arr))
    value_set = keys if isinstance(keys, pa.Array) else pa.array(keys, type=t)
    idx = pc.index_in(arr, value_set=value_set)
    if idx.null_count:
        idx = idx.fill_null(-1)
    return idx.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


class _CatStep(Step):
    default_columns = Selector(dtypes=["categorical"])
    input_kind = "categorical"
    _HANDLE_UNKNOWN: tuple[str, ...] = ("error", "ignore")

    def _ctype(self, n: str) -> pa.DataType:
        return canonical_cat_type(self.types_in_[n])

    def _arr(self, cols: dict[str, Any], n: str) -> pa.Array:
        return to_cat(cols[n], self._ctype(n))

    def _codes(self, cols: dict[str, Any], n: str, tag: str, keys: list[Any]) -> np.ndarray:
        """``lookup_codes`` against ``keys`` (fitted state), the Arrow value set built once."""
        t = self._ctype(n)
        value_set = self._cached((tag, n), lambda: pa.array(keys, type=t))
        index = self._cached(("index", tag, n), lambda: {k: i for i, k in enumerate(keys)})
        return lookup_codes(self._arr(cols, n), value_set, t, index)

    def _table(self, n: str, tag: str, values: list[float], default: float) -> np.ndarray:
        """``values`` then ``default`` as float64 (index -1 hits the default), built once."""
        return self._cached(("table", tag, n), lambda: np.append(np.asarray(values, dtype=np.float64), default))

    def _check_choice(self, name: str, value: str, choices: tuple[str, ...]) -> None:
        if value not in choices:
            raise InvalidOperationError(
                f"{type(self).__name__}: unknown {name}={value!r}; use one of {', '.join(choices)}"
            )

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        # a value never seen at fit (a null counts as unseen when training had no null)
        return {n: self._codes(cols, n, "seen", self.state_[n]["seen"]) < 0 for n in self.columns_in_}

    def _raise_unknown(self, n: str, value: Any) -> None:
        raise InvalidOperationError(
            f"{type(self).__name__}: column {n!r} has a value not seen at fit: {value!r} "
            "(handle_unknown='error')"
        )


class OneHot(_CatStep):
    """One-hot encode; categories are frozen at fit.

    Output features are ``"<col>=<category>"`` for the kept categories (sorted; the null
    category, when seen at fit, is ``"<col>=__null__"`` and comes last), plus ``"<col>=__other__"``
    when there are infrequent categories or ``handle_unknown="other"``.

    Parameters
    ----------
    columns
        Columns to encode (default: categorical columns).
    min_frequency
        Categories seen fewer times (an int) or in a smaller fraction of rows (a float in
        (0, 1)) are infrequent and go to the ``__other__`` column.
    max_categories
        Keep at most this many categories per column (most frequent first, ties by sort
        order); the rest are infrequent.
    handle_unknown
        A value never seen at fit: ``"ignore"`` (all zeros, the default), ``"other"`` (the
        ``__other__`` column) or ``"error"``.
    handle_null
        ``"category"`` (null is a category when it was seen at fit; an unseen null is treated
        like an unknown value), ``"ignore"`` (all zeros) or ``"error"``.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"c": ["b", "a", None, "b"]})
    >>> step = ml.OneHot(handle_unknown="other").fit(df)
    >>> step.get_feature_names_out()
    ['c=a', 'c=b', 'c=__null__', 'c=__other__']
    >>> step.transform(fr.DataFrame({"c": ["a", "zzz"]}))
    array([[1., 0., 0., 0.],
           [0., 0., 0., 1.]], dtype=float32)
    """

    _params = ("min_frequency", "max_categories", "handle_unknown", "handle_null")

    def __init__(
        self, columns: Any = None, *, min_frequency: int | float | None = None,
        max_categories: int | None = None, handle_unknown: str = "ignore",
        handle_null: str = "category",
    ):
        super().__init__(columns)
        self._check_choice("handle_unknown", handle_unknown, ("ignore", "other", "error"))
        self._check_choice("handle_null", handle_null, ("category", "ignore", "error"))
        if max_categories is not None and int(max_categories) < 1:
            raise InvalidOperationError(f"max_categories must be >= 1, got {max_categories!r}")
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.handle_null = handle_null

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            arr = self._arr(cols, n)
            keys, counts = category_counts(arr)
            seen = list(keys)
            pairs = [(k, c) for k, c in zip(keys, counts) if k is not None or self.handle_null == "category"]
            if self.min_frequency is not None:
                mf = self.min_frequency
                thr = mf * len(arr) if isinstance(mf, float) and mf < 1 else mf
                pairs = [(k, c) for k, c in pairs if c >= thr]
            if self.max_categories is not None and len(pairs) > self.max_categories:
                best = sorted(pairs, key=lambda p: (-p[1], _sort_key(p[0])))[: int(self.max_categories)]
                keep = {k for k, _ in best}
                pairs = [p for p in pairs if p[0] in keep]
            kept = [k for k, _ in pairs]
            infrequent = [k for k in seen if k not in set(kept) and (k is not None or self.handle_null == "category")]
            other = bool(infrequent) or self.handle_unknown == "other"
            st[n] = {"categories": kept, "infrequent": infrequent, "seen": seen, "other": other}
        self.state_ = st
        self.outputs_ = {n: self._output_names(n) for n in self.columns_in_}

    def _output_names(self, name: str) -> list[str]:
        st = self.state_[name]
        out = [f"{name}=__null__" if k is None else f"{name}={k}" for k in st["categories"]]
        if st["other"]:
            out.append(f"{name}=__other__")
        return out

    def _plan(self, n: str) -> tuple[list[Any], list[int], int]:
        """(keys, output index per key, index for an unknown value); -1 = all zeros, -2 = raise."""
        st = self.state_[n]
        kept, infrequent = st["categories"], st["infrequent"]
        other_j = len(kept) if st["other"] else -1
        keys = list(kept) + list(infrequent)
        js = list(range(len(kept))) + [other_j] * len(infrequent)
        unknown = {"ignore": -1, "other": other_j, "error": -2}[self.handle_unknown]
        if None not in keys:
            keys.append(None)
            js.append({"category": unknown, "ignore": -1, "error": -3}[self.handle_null])
        return keys, js, unknown

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for n in self.columns_in_:
            arr = self._arr(cols, n)
            keys, js, unknown = self._plan(n)
            codes = self._codes(cols, n, "plan", keys)
            jt = self._cached(("js", n), lambda js=js, unknown=unknown: np.append(np.asarray(js, dtype=np.int64), unknown))
            j = jt[codes]
            if (j < -1).any():
                bad = arr[int(np.flatnonzero(j < -1)[0])].as_py()
                if bad is None:
                    raise InvalidOperationError(f"OneHot: column {n!r} has a null (handle_null='error')")
                self._raise_unknown(n, bad)
            out.update((name, Indicator(j, i)) for i, name in enumerate(self.outputs_[n]))
        return out

    def _row_op(self) -> RowOp:
        specs = []
        for n in self.columns_in_:
            keys, js, unknown = self._plan(n)
            names = self.outputs_[n]
            rows = {-1: tuple(0.0 for _ in names)}
            for j in range(len(names)):
                rows[j] = tuple(1.0 if i == j else 0.0 for i in range(len(names)))
            table = {k: rows.get(j, j) for k, j in zip(keys, js)}
            specs.append((n, table, rows.get(unknown, unknown), names))
        raise_unknown = self._raise_unknown

        def op(v: dict, specs: list = specs) -> None:
            for n, table, unk, names in specs:
                k = v[n]
                r = table.get(k, unk)
                if r.__class__ is int:
                    if k is None:
                        raise InvalidOperationError(f"OneHot: column {n!r} has a null (handle_null='error')")
                    raise_unknown(n, k)
                v.update(zip(names, r))

        return op

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        return {"category": out[len(name) + 1:], "handle_unknown": self.handle_unknown}


class Ordinal(_CatStep):
    """Stable integer codes for embedding layers, with reserved codes.

    Code 0 is reserved for unknown (and infrequent) values, code 1 for null, and the fitted
    categories get ``2 .. n_codes - 1`` in sorted order, so codes do not depend on row order.
    ``state_[col]["n_codes"]`` is the embedding table size. Codes are emitted as floats in the
    feature matrix (exact up to 2**24 in float32, 2048 in float16).

    Parameters
    ----------
    columns
        Columns to encode (default: categorical columns).
    min_frequency
        Categories seen fewer times get the unknown code.
    handle_unknown
        ``"code"`` (code 0, the default) or ``"error"``.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.Ordinal().fit(fr.DataFrame({"c": ["b", "a", "b"]}))
    >>> step.state_["c"]["categories"], step.state_["c"]["n_codes"]
    (['a', 'b'], 4)
    >>> step.transform(fr.DataFrame({"c": ["a", "b", None, "zzz"]}))[:, 0]
    array([2., 3., 1., 0.], dtype=float32)
    """

    UNKNOWN_CODE = 0
    NULL_CODE = 1
    _params = ("min_frequency", "handle_unknown")

    def __init__(self, columns: Any = None, *, min_frequency: int | None = None,
                 handle_unknown: str = "code"):
        super().__init__(columns)
        self._check_choice("handle_unknown", handle_unknown, ("code", "error"))
        self.min_frequency = min_frequency
        self.handle_unknown = handle_unknown

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            keys, counts = category_counts(self._arr(cols, n))
            mf = self.min_frequency or 0
            cats = [k for k, c in zip(keys, counts) if k is not None and c >= mf]
            st[n] = {"categories": cats, "n_codes": len(cats) + 2, "seen": keys}
        self.state_ = st

    def _code_table(self, n: str) -> dict[Any, float]:
        st = self.state_[n]
        table: dict[Any, float] = {k: float(i + 2) for i, k in enumerate(st["categories"])}
        for k in st["seen"]:  # infrequent values are known, not unknown
            table.setdefault(k, 0.0)
        table[None] = 1.0
        return table

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for n in self.columns_in_:
            table = self._code_table(n)
            codes = self._codes(cols, n, "codes", list(table))
            if self.handle_unknown == "error" and (codes < 0).any():
                arr = self._arr(cols, n)
                self._raise_unknown(n, arr[int(np.flatnonzero(codes < 0)[0])].as_py())
            out[n] = self._table(n, "codes", list(table.values()), 0.0)[codes]
        return out

    def _row_op(self) -> RowOp:
        specs = [(n, self._code_table(n)) for n in self.columns_in_]
        err = self.handle_unknown == "error"
        raise_unknown = self._raise_unknown

        def op(v: dict, specs: list = specs) -> None:
            for n, table in specs:
                k = v[n]
                c = table.get(k)
                if c is None:
                    if err:
                        raise_unknown(n, k)
                    c = 0.0
                v[n] = c

        return op


class _MapEncode(_CatStep):
    """A category -> float mapping with a default for unseen values."""

    def _mapping(self, n: str) -> tuple[list[Any], list[float], float]:
        st = self.state_[n]
        return st["keys"], st["values"], st["default"]

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for n in self.columns_in_:
            keys, values, default = self._mapping(n)
            codes = self._codes(cols, n, "keys", keys)
            out[n] = self._table(n, "values", values, default)[codes]
        return out

    def _row_op(self) -> RowOp:
        specs = []
        for n in self.columns_in_:
            keys, values, default = self._mapping(n)
            specs.append((n, dict(zip(keys, values)), default))

        def op(v: dict, specs: list = specs) -> None:
            for n, table, default in specs:
                v[n] = table.get(v[n], default)

        return op

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        return {"n_categories": len(self.state_[name]["keys"]), "default": self.state_[name]["default"]}


class CountEncode(_MapEncode):
    """Replace each category by its training count (``normalize=True``: its frequency).

    Unseen values map to 0; a null maps to the null count when nulls were seen at fit.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.CountEncode().fit(fr.DataFrame({"c": ["a", "b", "a"]}))
    >>> step.transform(fr.DataFrame({"c": ["a", "b", "zzz"]}))[:, 0]
    array([2., 1., 0.], dtype=float32)
    """

    _params = ("normalize",)

    def __init__(self, columns: Any = None, *, normalize: bool = False):
        super().__init__(columns)
        self.normalize = normalize

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            arr = self._arr(cols, n)
            keys, counts = category_counts(arr)
            total = len(arr)
            vals = [c / total if self.normalize else float(c) for c in counts]
            st[n] = {"keys": keys, "values": vals, "default": 0.0, "seen": keys}
        self.state_ = st


class FrequencyEncode(CountEncode):
    """Replace each category by its training frequency (``CountEncode(normalize=True)``).

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.FrequencyEncode().fit(fr.DataFrame({"c": ["a", "b", "a", "a"]}))
    >>> step.transform(fr.DataFrame({"c": ["a", "b"]}))[:, 0]
    array([0.75, 0.25], dtype=float32)
    """

    _params = ()

    def __init__(self, columns: Any = None):
        super().__init__(columns, normalize=True)


class TargetEncode(_MapEncode):
    """Target (mean) encoding with smoothing and out-of-fold cross-fitting.

    ``transform`` uses full-training-data statistics. ``fit_transform`` (and fitting inside a
    pipeline, whose later steps are fitted on these values) encodes each training row with
    statistics from the *other* folds only, so no row sees its own label.

    Parameters
    ----------
    columns
        Columns to encode (default: categorical columns).
    smooth
        ``m`` in ``(sum_y + m * prior) / (count + m)``, or ``"auto"`` (scikit-learn's
        empirical-Bayes shrinkage ``lambda = n var_y / (n var_y + var_cat)``).
    cv
        Number of folds for cross-fitting (>= 2).
    shuffle, seed
        Fold assignment: a seeded permutation of the rows, then ``position % cv``.

    Notes
    -----
    Binary or continuous targets (no multiclass). Unseen categories map to the prior (the
    training target mean); a null is a category when seen at fit, otherwise it maps to the
    prior.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"c": ["a", "a", "b", "b"], "y": [1.0, 1.0, 0.0, 1.0]})
    >>> step = ml.TargetEncode("c", smooth=0.0).fit(df, y="y")
    >>> step.transform(fr.DataFrame({"c": ["a", "b", "zzz"]}))[:, 0]
    array([1.  , 0.5 , 0.75], dtype=float32)
    """

    needs_y = True
    _params = ("smooth", "cv", "shuffle", "seed")

    def __init__(self, columns: Any = None, *, smooth: float | str = "auto", cv: int = 5,
                 shuffle: bool = True, seed: int = 0):
        super().__init__(columns)
        if smooth != "auto" and (not isinstance(smooth, int | float) or smooth < 0):
            raise InvalidOperationError(f"smooth must be 'auto' or a number >= 0, got {smooth!r}")
        if int(cv) < 2:
            raise InvalidOperationError(f"cv must be >= 2, got {cv!r}")
        self.smooth = smooth
        self.cv = int(cv)
        self.shuffle = shuffle
        self.seed = seed

    def _encode(self, codes: np.ndarray, k: int, y: np.ndarray) -> tuple[np.ndarray, float]:
        """Per-code encodings from rows (codes in 0..k-1) and targets; and the prior."""
        n = np.bincount(codes, minlength=k).astype(np.float64)
        s = np.bincount(codes, weights=y, minlength=k)
        prior = float(y.mean()) if len(y) else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.smooth == "auto":
                s2 = np.bincount(codes, weights=y * y, minlength=k)
                mean = s / n
                var_cat = s2 / n - mean * mean
                var_y = float(y.var()) if len(y) else 0.0
                lam = var_y * n / (var_y * n + var_cat)
                enc = lam * mean + (1.0 - lam) * prior
            else:
                m = float(self.smooth)
                enc = (s + m * prior) / (n + m)
        enc = np.where(np.isfinite(enc) & (n > 0), enc, prior)
        return enc, prior

    def _y(self, y: Any) -> np.ndarray:
        if y is None:
            raise InvalidOperationError("TargetEncode needs a target: fit(df, y=...)")
        y = np.asarray(y, dtype=np.float64)
        if np.isnan(y).any():
            raise InvalidOperationError("TargetEncode: the target has missing values")
        return y

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        y = self._y(y)
        st = {}
        for n in self.columns_in_:
            keys, _ = category_counts(self._arr(cols, n))
            codes = lookup_codes(self._arr(cols, n), keys, self._ctype(n))
            enc, prior = self._encode(codes, len(keys), y)
            st[n] = {"keys": keys, "values": [float(e) for e in enc], "default": prior,
                     "seen": keys}
        self.state_ = st

    def folds(self, n_rows: int) -> np.ndarray:
        """The fold of each training row used by :meth:`fit_transform` (0 .. cv-1).

        Examples
        --------
        >>> from frame import ml
        >>> ml.TargetEncode(cv=2, shuffle=False).folds(5).tolist()
        [0, 1, 0, 1, 0]
        """
        pos = np.arange(n_rows)
        if self.shuffle:
            perm = np.random.default_rng(self.seed).permutation(n_rows)
            pos = np.empty(n_rows, dtype=np.int64)
            pos[perm] = np.arange(n_rows)
        return pos % self.cv

    def _fit_transform(self, cols: dict[str, Any], y: Any) -> dict[str, Any]:
        self._fit(cols, y)
        y = self._y(y)
        fold = self.folds(len(y))
        out = {}
        for n in self.columns_in_:
            keys = self.state_[n]["keys"]
            codes = lookup_codes(self._arr(cols, n), keys, self._ctype(n))
            res = np.empty(len(y))
            for f in range(self.cv):
                test = fold == f
                train = ~test
                enc, prior = self._encode(codes[train], len(keys), y[train])
                res[test] = np.append(enc, prior)[codes[test]]
            out[n] = res
        return out


class Hash(_CatStep):
    """The hashing trick: stable, seeded 64-bit hashes (XXH64) reduced to ``n_buckets``.

    Each selected column is replaced by its bucket index (a float in ``0 .. n_buckets-1``);
    with ``cross=True`` the selected columns are combined into one hashed cross feature named
    ``"<a>*<b>*..."`` that is *appended* (the inputs stay available to later steps). Hashes are
    computed by frame's hashing kernel (``frame._core.hashing.hash_array``): equal values hash
    equal across integer widths and string layouts, and results are identical across
    processes and machines. Nulls hash to a fixed value.

    Parameters
    ----------
    columns
        Columns to hash (default: categorical columns).
    n_buckets
        Number of buckets (exact as float32 features up to 2**24).
    seed
        Hash seed.
    cross
        Hash the selected columns together into one feature.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    >>> step = ml.Hash(["a", "b"], n_buckets=1000, cross=True).fit(df)
    >>> step.get_feature_names_out()
    ['a*b']
    >>> step.transform(df, dtype="float64")[:, 0].tolist()
    [140.0, 890.0]
    """

    _params = ("n_buckets", "seed", "cross")

    def __init__(self, columns: Any = None, *, n_buckets: int = 1024, seed: int = 0,
                 cross: bool = False):
        super().__init__(columns)
        if not 1 <= int(n_buckets) <= 2**53:
            raise InvalidOperationError(f"n_buckets must be in [1, 2**53], got {n_buckets!r}")
        self.n_buckets = int(n_buckets)
        self.seed = int(seed)
        self.cross = cross
        self.consumes = not cross

    def _cross_name(self) -> str:
        return "*".join(self.columns_in_)

    def _output_names(self, name: str) -> list[str]:
        if not self.cross:
            return [name]
        return [self._cross_name()] if name == self.columns_in_[0] else []

    def _sources(self, out: str) -> list[str]:
        return list(self.columns_in_) if self.cross else [out]

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            arr = self._arr(cols, n)
            keys, _ = category_counts(arr)
            st[n] = {"seen": keys}
        self.state_ = st

    def _hashes(self, cols: dict[str, Any], n: str) -> np.ndarray:
        return hash_array(self._arr(cols, n), self.seed)

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        nb = np.uint64(self.n_buckets)
        if self.cross:
            h = None
            for n in self.columns_in_:
                hn = self._hashes(cols, n)
                h = hn if h is None else h * np.uint64(_CROSS_PRIME) + hn
            return {self._cross_name(): (h % nb).astype(np.float64)}
        return {n: (self._hashes(cols, n) % nb).astype(np.float64) for n in self.columns_in_}

    def _row_op(self) -> RowOp:
        seed, nb, cross = self.seed, self.n_buckets, self.cross
        specs = []
        for n in self.columns_in_:
            t = self._ctype(n)
            seen = self.state_[n]["seen"]
            cache: dict[Any, int] = {}
            if seen:
                cache = dict(zip(seen, (int(h) for h in hash_array(pa.array(seen, type=t), seed))))
            specs.append((n, t, cache))
        out_name = self._cross_name()
        limit = 1 << 20

        def h1(k: Any, t: pa.DataType, cache: dict) -> int:
            h = cache.get(k)
            if h is None:
                h = int(hash_array(pa.array([k], type=t), seed)[0])
                if len(cache) >= limit:
                    cache.clear()
                cache[k] = h
            return h

        def op(v: dict, specs: list = specs) -> None:
            if cross:
                acc = None
                for n, t, cache in specs:
                    hn = h1(v[n], t, cache)
                    acc = hn if acc is None else (acc * _CROSS_PRIME + hn) & _MASK64
                v[out_name] = float(acc % nb)
            else:
                for n, t, cache in specs:
                    v[n] = float(h1(v[n], t, cache) % nb)

        return op

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        # hashing accepts any value; only a null where training had none is flagged
        out = {}
        for n in self.columns_in_:
            arr = self._arr(cols, n)
            nulls = arr.is_null().to_numpy(zero_copy_only=False)
            out[n] = nulls if None not in self.state_[n]["seen"] else np.zeros(len(arr), dtype=bool)
        return out

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        return {"n_buckets": self.n_buckets, "seed": self.seed, "cross": self.cross}


class GroupAgg(Step):
    """Per-key statistics of numeric columns, fitted on training data and joined back.

    For every selected numeric column ``x`` and aggregation ``agg``, appends the feature
    ``"<x>__<agg>_by_<by>"``: the statistic of ``x`` over the training rows with the same key.
    Statistics are computed with frame's ``group_by(...).agg(...)``. Keys never seen at fit get
    the statistic over all training rows (``fill="global"``) or NaN (``fill="nan"``).

    Parameters
    ----------
    by
        The key column (string, integer, boolean or dictionary). A null key is a group.
    columns
        Numeric columns to aggregate (default: numeric columns other than ``by``).
    aggs
        Any of ``"mean"``, ``"sum"``, ``"min"``, ``"max"``, ``"std"``, ``"median"``,
        ``"count"`` (statistics skip missing values; a group with none gives NaN, count 0).
    fill
        ``"global"`` or ``"nan"``.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> df = fr.DataFrame({"user": ["u", "u", "v"], "amt": [1.0, 3.0, 10.0]})
    >>> step = ml.GroupAgg("user", "amt", aggs=["mean", "count"]).fit(df)
    >>> step.get_feature_names_out()
    ['amt__mean_by_user', 'amt__count_by_user']
    >>> step.transform(fr.DataFrame({"user": ["v", "w"], "amt": [0.0, 0.0]}))
    array([[10.      ,  1.      ],
           [ 4.666667,  3.      ]], dtype=float32)
    """

    consumes = False
    _AGGS = ("mean", "sum", "min", "max", "std", "median", "count")
    _params = ("by", "aggs", "fill")

    def __init__(self, by: str, columns: Any = None, *, aggs: Any = ("mean",), fill: str = "global"):
        super().__init__(columns)
        self.by = by
        aggs = [aggs] if isinstance(aggs, str) else list(aggs)
        for a in aggs:
            if a not in self._AGGS:
                raise InvalidOperationError(f"GroupAgg: unknown agg {a!r}; use one of {', '.join(self._AGGS)}")
        if fill not in ("global", "nan"):
            raise InvalidOperationError(f"GroupAgg: fill must be 'global' or 'nan', got {fill!r}")
        self.aggs = aggs
        self.fill = fill
        self.default_columns = Selector(dtypes=["numeric"], exclude=[by])

    def _extra_inputs(self) -> list[str]:
        return [self.by]

    def _check_extra(self, schema: dict[str, pa.DataType]) -> None:
        if self.by not in schema:
            raise ColumnNotFoundError.for_name(self.by, schema)
        t = schema[self.by]
        if family(t) not in ("string", "int", "bool", "null"):
            raise SchemaError(f"GroupAgg: key column {self.by!r} must be categorical, not {t}")
        self.by_type_ = t

    def _output_names(self, name: str) -> list[str]:
        return [f"{name}__{a}_by_{self.by}" for a in self.aggs]

    def _sources(self, out: str) -> list[str]:
        src = next(n for n in self.columns_in_ if out in self._output_names(n))
        return [src, self.by]

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        t = canonical_cat_type(self.by_type_)
        key = to_cat(cols[self.by], t)
        data: dict[str, Any] = {"__key": key}
        for n in self.columns_in_:
            x = to_float(cols[n])
            data[n] = pa.array(x, mask=np.isnan(x))  # missing -> null so frame's aggs skip it
        df = fr.DataFrame(data)
        exprs = {}
        for n in self.columns_in_:
            for a in self.aggs:
                e = fr.col(n)
                exprs[f"{n}|{a}"] = e.count() if a == "count" else (
                    e.std(ddof=0) if a == "std" else getattr(e, a)())
        groups = df.group_by("__key").agg(**exprs)
        whole = df.select(**exprs)
        keys = groups["__key"].to_list()
        order = sorted(range(len(keys)), key=lambda i: _sort_key(keys[i]))
        keys = [keys[i] for i in order]
        st: dict[str, Any] = {"__key__": {"keys": keys, "seen": keys}}
        for n in self.columns_in_:
            st[n] = {**numeric_support(to_float(cols[n]))}
            for a in self.aggs:
                vals = groups[f"{n}|{a}"].to_list()
                g = whole[f"{n}|{a}"].to_list()[0]
                g = NAN if g is None else float(g)
                st[n][f"by_{a}"] = [NAN if vals[i] is None else float(vals[i]) for i in order]
                st[n][f"default_{a}"] = g if self.fill == "global" else NAN
        self.state_ = st

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        codes = self._key_codes(cols)
        out = {}
        for n in self.columns_in_:
            for a in self.aggs:
                st = self.state_[n]
                table = self._cached(("table", n, a), lambda st=st, a=a: np.append(
                    np.asarray(st[f"by_{a}"], dtype=np.float64), st[f"default_{a}"]))
                out[f"{n}__{a}_by_{self.by}"] = table[codes]
        return out

    def _key_codes(self, cols: dict[str, Any]) -> np.ndarray:
        t = canonical_cat_type(self.by_type_)
        keys = self.state_["__key__"]["keys"]
        value_set = self._cached("keys", lambda: pa.array(keys, type=t))
        index = self._cached("index", lambda: {k: i for i, k in enumerate(keys)})
        return lookup_codes(to_cat(cols[self.by], t), value_set, t, index)

    def _row_op(self) -> RowOp:
        keys = self.state_["__key__"]["keys"]
        specs = []
        for n in self.columns_in_:
            for a in self.aggs:
                specs.append((f"{n}__{a}_by_{self.by}", dict(zip(keys, self.state_[n][f"by_{a}"])),
                              self.state_[n][f"default_{a}"]))
        by = self.by

        def op(v: dict, specs: list = specs) -> None:
            k = v[by]
            for out, table, default in specs:
                v[out] = table.get(k, default)

        return op

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        out = {self.by: self._key_codes(cols) < 0}
        for n in self.columns_in_:
            out[n] = numeric_unknown(to_float(cols[n]), self.state_[n])
        return out

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        agg = self.aggs[self._output_names(name).index(out)]
        return {"agg": agg, "by": self.by, "fill": self.fill,
                "default": self.state_[name][f"default_{agg}"]}

