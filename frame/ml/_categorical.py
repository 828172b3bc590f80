"""Categorical steps: OneHot, Ordinal, TargetEncode, CountEncode, FrequencyEncode, Hash, GroupAgg.

Categorical inputs are string, dictionary, integer or boolean columns. A null is the key
``None``. Fitted vocabularies are Python lists; the batch path looks values up in a
``ValueIndex`` (frame's hash table of the vocabulary, built once per fitted step) and the row
path in a ``dict`` built from the same list, so both paths map every value to the same code.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

import frame as fr
from frame._core.hashing import ValueIndex, hash_array
from frame.exceptions import ColumnNotFoundError, InvalidOperationError, SchemaError
from frame.ml._base import (
    NAN,
    Block,
    RowOp,
    RowUnknownOp,
    Selector,
    Step,
    canonical_cat_type,
    family,
    key_row_spec,
    null_row_spec,
    numeric_row_spec,
    numeric_support,
    numeric_unknown,
    row_unknown_op,
    to_cat,
    to_float,
)
from frame.ml._layout import ListNames, NumberedNames, Schema

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
_MASK63 = (1 << 63) - 1
_CROSS_PRIME = 0x9E3779B97F4A7C15


def _sort_key(k: Any) -> tuple[int, Any]:
    return (1, 0) if k is None else (0, k)


def category_counts(arr: pa.Array) -> tuple[list[Any], list[int]]:
    """Distinct keys (sorted, ``None`` last) and their counts, via frame's group-by."""
    if len(arr) == 0:
        return [], []
    # frame's sort orders strings by UTF-8 bytes, i.e. by code point, as Python's sort does
    counts = fr.DataFrame({"k": arr}).group_by("k").agg(n=fr.len()).sort("k", nulls_last=True)
    return counts["k"].to_list(), counts["n"].to_list()


def lookup_codes(arr: pa.Array, keys: list[Any] | pa.Array | ValueIndex, t: pa.DataType) -> np.ndarray:
    """Position of each value of ``arr`` in ``keys`` (``None`` matches null), -1 if absent.

    ``keys`` is a vocabulary (a list or an Arrow array of type ``t``) or a prebuilt
    :class:`~frame._core.hashing.ValueIndex` of it; steps cache the index, so a served batch
    costs one probe per row and never rebuilds a table of the vocabulary.
    """
    if not isinstance(keys, ValueIndex):
        keys = ValueIndex(keys if isinstance(keys, pa.Array) else pa.array(keys, type=t))
    return keys.lookup(arr)


class _CatStep(Step):
    default_columns = Selector(dtypes=["categorical"])
    input_kind = "categorical"
    _HANDLE_UNKNOWN: tuple[str, ...] = ("error", "ignore")

    def _ctype(self, n: str) -> pa.DataType:
        return canonical_cat_type(self.types_in_[n])

    def _arr(self, cols: dict[str, Any], n: str) -> pa.Array:
        return to_cat(cols[n], self._ctype(n))

    def _codes(self, cols: dict[str, Any], n: str, tag: str, keys: list[Any]) -> np.ndarray:
        """``lookup_codes`` against ``keys`` (fitted state), the value index built once."""
        t = self._ctype(n)
        index = self._cached((tag, n), lambda: ValueIndex(pa.array(keys, type=t)))
        return lookup_codes(self._arr(cols, n), index, t)

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

    def _row_unknown_op(self) -> tuple[list[str], RowUnknownOp | None]:
        names = list(self.columns_in_)
        return names, row_unknown_op([key_row_spec(n, self.state_[n]["seen"]) for n in names])

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
            out[self._block_key(n)] = Block(j, len(self.outputs_[n]))
        return out

    def _blocks(self) -> list[tuple[str, ListNames]]:
        return [(n, ListNames(self.outputs_[n])) for n in self.columns_in_]

    def _row_op(self) -> RowOp:
        specs = []
        for n in self.columns_in_:
            keys, js, unknown = self._plan(n)
            # the block's nonzeros per code (see Step._blocks); -2/-3 (an int) raise
            cells: dict[int, Any] = {j: ((j, 1.0),) for j in range(len(self.outputs_[n]))}
            cells[-1] = ()
            table = {k: cells.get(j, j) for k, j in zip(keys, js)}
            specs.append((n, table, cells.get(unknown, unknown), self._block_key(n)))
        raise_unknown = self._raise_unknown

        def op(v: dict, specs: list = specs) -> None:
            for n, table, unk, key in specs:
                k = v[n]
                r = table.get(k, unk)
                if r.__class__ is int:
                    if k is None:
                        raise InvalidOperationError(f"OneHot: column {n!r} has a null (handle_null='error')")
                    raise_unknown(n, k)
                v[key] = r

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

    With ``output="index"`` (the default) each selected column is replaced by its bucket number
    (one float feature in ``0 .. n_buckets-1``, e.g. for an embedding table). With
    ``output="onehot"`` it is replaced by a block of ``n_buckets`` indicator features
    ``"<col>#0" .. "<col>#<n_buckets-1>"``, 1.0 in the value's bucket and 0.0 elsewhere (the
    classic hashing trick, scikit-learn's ``FeatureHasher`` with one feature per column). The
    block is one object (its bucket codes) throughout the pipeline (see Notes):
    ``transform(..., output="sparse")`` stores one entry per row and block and never builds
    the dense block, and ``transform_row`` writes only the nonzero into the output vector.
    With ``cross=True`` the selected columns are hashed together into one cross
    feature ``"<a>*<b>*..."`` (one-hot: ``"<a>*<b>#<bucket>"``) that is *appended* (the inputs
    stay available to later steps). Hashes are computed by frame's hashing kernel
    (``frame._core.hashing.hash_array``): equal values hash equal across integer widths and
    string layouts, and results are identical across processes and machines. Nulls hash to a
    fixed value.

    Parameters
    ----------
    columns
        Columns to hash (default: categorical columns).
    n_buckets
        Number of buckets: at most 2**53 with ``output="index"`` (bucket numbers are exact as
        float32 features up to 2**24), at most ``Hash.MAX_ONEHOT_BUCKETS`` (2**24) with
        ``output="onehot"`` (see Notes).
    seed
        Hash seed.
    cross
        Hash the selected columns together into one feature (or one block).
    output
        ``"index"`` (one feature holding the bucket) or ``"onehot"`` (a block of ``n_buckets``
        indicator features).
    alternate_sign
        Only with ``output="onehot"``: the feature value is -1.0 when bit 63 (the most
        significant bit) of the 64-bit hash is set and +1.0 otherwise, and the bucket is taken
        from the other 63 bits, so colliding values cancel in expectation (``FeatureHasher``'s
        ``alternate_sign``).

    Notes
    -----
    A value (or a tuple, for a cross) with 64-bit hash ``h`` falls in bucket
    ``h mod n_buckets``; a cross folds the column hashes left to right,
    ``h = h_a * 0x9E3779B97F4A7C15 + h_b (mod 2**64)``. With ``alternate_sign=True`` the bucket
    is ``(h mod 2**63) mod n_buckets`` (bit 63 is the sign and never enters the bucket); for a
    power-of-two ``n_buckets`` that is the same bucket as without signs.

    A one-hot block is kept whole: its names are numbered (parsed, never stored), the batch
    path carries one bucket code per row, the manifest stores the block as one entry,
    ``lineage(as_text=True)`` summarises it in one line, and its training ranges (and int8
    parameters) are arrays of 16 (48 after ``quantize``) bytes per bucket, saved compressed.
    So fit, sparse batch ``transform``, ``save`` and ``load`` do the same Python work at 2**20
    buckets as at 16: measured on a busy 2-core machine at 2**20, fit 0.04 s, a sparse
    10 000-row transform 2 ms, ``save`` 0.03 s (a 4 KB manifest), ``load`` 0.02 s. What
    grows with ``n_buckets`` is what asks for every bucket: ``get_feature_names_out()``,
    the ``lineage()`` and ``quantize()`` frames, a later step selecting the block's
    features, dense batch output (``n_rows * n_buckets`` values; a dense batch that would
    not fit in the available memory raises ``MemoryError`` up front, so use
    ``output="sparse"``) and ``transform_row``'s dense output vector (written in place:
    0.1 ms at 2**20). ``n_buckets`` is capped at 2**24 (16.8 million features); wider
    hashing is ``output="index"``, one feature at any width.

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
    >>> onehot = ml.Hash("a", n_buckets=4, output="onehot").fit(df)
    >>> onehot.get_feature_names_out()
    ['a#0', 'a#1', 'a#2', 'a#3']
    >>> onehot.transform(df)
    array([[0., 0., 0., 1.],
           [0., 0., 1., 0.]], dtype=float32)
    >>> onehot.transform_row({"a": "y"}).nonzero()[0].tolist()  # the bucket of "y"
    [2]
    >>> signed = ml.Hash("a", n_buckets=4, output="onehot", alternate_sign=True).fit(df)
    >>> csr = signed.transform(df, output="sparse")  # one entry per row: bucket, sign
    >>> csr.indices.tolist(), csr.data.tolist()
    ([3, 2], [1.0, -1.0])
    """

    MAX_ONEHOT_BUCKETS = 1 << 24
    _params = ("n_buckets", "seed", "cross", "output", "alternate_sign")

    def __init__(self, columns: Any = None, *, n_buckets: int = 1024, seed: int = 0,
                 cross: bool = False, output: str = "index", alternate_sign: bool = False):
        super().__init__(columns)
        if not 1 <= int(n_buckets) <= 2**53:
            raise InvalidOperationError(f"n_buckets must be in [1, 2**53], got {n_buckets!r}")
        self._check_choice("output", output, ("index", "onehot"))
        if output == "onehot" and int(n_buckets) > self.MAX_ONEHOT_BUCKETS:
            raise InvalidOperationError(
                f"Hash: output='onehot' supports n_buckets up to 2**24 ({self.MAX_ONEHOT_BUCKETS}), "
                f"got {n_buckets!r}; every bucket is a feature of the output vector. For wider "
                "hashing use output='index' (one feature holding the bucket number)"
            )
        if alternate_sign and output != "onehot":
            raise InvalidOperationError(
                "Hash: alternate_sign=True needs output='onehot' (a bucket number has no sign)"
            )
        self.n_buckets = int(n_buckets)
        self.seed = int(seed)
        self.cross = cross
        self.output = output
        self.alternate_sign = bool(alternate_sign)
        self.consumes = not cross

    def _cross_name(self) -> str:
        return "*".join(self.columns_in_)

    def _output_names(self, name: str) -> list[str] | NumberedNames:
        if self.cross:
            if name != self.columns_in_[0]:
                return []
            name = self._cross_name()
        if self.output == "index":
            return [name]
        return NumberedNames(name, self.n_buckets)

    def _sources(self, out: str) -> list[str]:
        if self.cross:
            return list(self.columns_in_)
        return [out] if self.output == "index" else [out.rsplit("#", 1)[0]]

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        st = {}
        for n in self.columns_in_:
            arr = self._arr(cols, n)
            keys, _ = category_counts(arr)
            st[n] = {"seen": keys}
        self.state_ = st

    def _hashes(self, cols: dict[str, Any], n: str) -> np.ndarray:
        return hash_array(self._arr(cols, n), self.seed)

    def _block_hashes(self, cols: dict[str, Any]) -> list[tuple[str, np.ndarray]]:
        """(feature or block name, uint64 hash per row): one per column, or the cross."""
        if not self.cross:
            return [(n, self._hashes(cols, n)) for n in self.columns_in_]
        h = None
        for n in self.columns_in_:
            hn = self._hashes(cols, n)
            h = hn if h is None else h * np.uint64(_CROSS_PRIME) + hn
        return [(self._cross_name(), h)]

    def _buckets(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """int64 bucket per row, and with ``alternate_sign`` the float64 sign (bit 63)."""
        nb = np.uint64(self.n_buckets)
        if not self.alternate_sign:
            return (h % nb).astype(np.int64), None
        sign = np.where(h >> np.uint64(63), -1.0, 1.0)
        return ((h & np.uint64(_MASK63)) % nb).astype(np.int64), sign

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        if self.output == "index":
            nb = np.uint64(self.n_buckets)
            return {name: (h % nb).astype(np.float64) for name, h in self._block_hashes(cols)}
        out: dict[Any, Any] = {}
        for name, h in self._block_hashes(cols):
            codes, sign = self._buckets(h)
            out[self._block_key(self.columns_in_[0] if self.cross else name)] = Block(codes, self.n_buckets, sign)
        return out

    def _blocks(self) -> list[tuple[str, NumberedNames]]:
        """One block per column, or the cross (its block is the first column's output)."""
        if self.output == "index":
            return []
        ins = self.columns_in_[:1] if self.cross else self.columns_in_
        return [(n, self.outputs_[n]) for n in ins]

    def _block_key(self, name: str) -> tuple[str, str, str]:
        return ("#block", "Hash", self._cross_name() if self.cross else name)

    def _row_op(self) -> RowOp:
        seed, nb, cross = self.seed, self.n_buckets, self.cross
        onehot, signed = self.output == "onehot", self.alternate_sign
        specs = []
        for n in self.columns_in_:
            t = self._ctype(n)
            seen = self.state_[n]["seen"]
            cache: dict[Any, int] = {}
            if seen:
                cache = dict(zip(seen, (int(h) for h in hash_array(pa.array(seen, type=t), seed))))
            specs.append((n, t, cache, self._block_key(n)))
        out_name = self._cross_name()
        cross_key = self._block_key(self.columns_in_[0])
        limit = 1 << 20

        def h1(k: Any, t: pa.DataType, cache: dict) -> int:
            h = cache.get(k)
            if h is None:
                h = int(hash_array(pa.array([k], type=t), seed)[0])
                if len(cache) >= limit:
                    cache.clear()
                cache[k] = h
            return h

        def cell(h: int) -> tuple[tuple[int, float], ...]:
            """The one nonzero of a one-hot block, as the batch path's _buckets gives it."""
            if signed:
                return (((h & _MASK63) % nb, -1.0 if h >> 63 else 1.0),)
            return ((h % nb, 1.0),)

        def op(v: dict, specs: list = specs) -> None:
            if cross:
                acc = None
                for n, t, cache, _ in specs:
                    hn = h1(v[n], t, cache)
                    acc = hn if acc is None else (acc * _CROSS_PRIME + hn) & _MASK64
                if onehot:
                    v[cross_key] = cell(acc)
                else:
                    v[out_name] = float(acc % nb)
            elif onehot:
                for n, t, cache, key in specs:
                    v[key] = cell(h1(v[n], t, cache))
            else:
                for n, t, cache, _ in specs:
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

    def _row_unknown_op(self) -> tuple[list[str], RowUnknownOp | None]:
        names = list(self.columns_in_)
        specs = [null_row_spec(n) for n in names if None not in self.state_[n]["seen"]]
        return names, row_unknown_op(specs)

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        if self.output == "index":
            return {"n_buckets": self.n_buckets, "seed": self.seed, "cross": self.cross}
        return {"n_buckets": self.n_buckets, "seed": self.seed, "cross": self.cross,
                "output": "onehot", "alternate_sign": self.alternate_sign,
                "bucket": int(out[out.rindex("#") + 1:])}

    def _lineage_block(self, name: str) -> tuple[dict[str, Any], str] | None:
        params = self._lineage_params(name, "#0")
        return params, "bucket"


class GroupAgg(Step):
    """Per-key statistics of numeric columns, fitted on training data and joined back.

    For every selected numeric column ``x`` and aggregation ``agg``, appends the feature
    ``"<x>__<agg>_by_<by>"`` (several key columns: ``"<x>__<agg>_by_<a>+<b>"``): the
    statistic of ``x`` over the training rows with the same key. Statistics are computed with
    frame's ``group_by(...).agg(...)``. Keys never seen at fit get the statistic over all
    training rows (``fill="global"``) or NaN (``fill="nan"``).

    Parameters
    ----------
    by
        The key column, or a list of key columns whose tuple of values is the key (string,
        integer, boolean or dictionary columns). As in frame's ``group_by``, a null is a key
        value (in any part of a tuple), and values compare by type: the integer 1 and the
        string ``"1"`` are different keys.
    columns
        Numeric columns to aggregate (default: numeric columns other than the key columns).
    aggs
        Any of ``"mean"``, ``"sum"``, ``"min"``, ``"max"``, ``"std"``, ``"median"``,
        ``"count"`` (statistics skip missing values; a group with none gives NaN, count 0).
    fill
        ``"global"`` or ``"nan"``.

    Notes
    -----
    :meth:`Pipeline.unknown_mask` flags a key not seen at fit in the column
    ``"<step>.<by>"``; with several key columns it flags a *combination* not seen at fit
    (each part may have been seen) in one column ``"<step>.<a>+<b>"``.

    The batch path looks each key column up in its fitted vocabulary, folds the codes column
    by column into the codes of the fitted key prefixes (so no combined code exceeds
    ``groups**2``), and maps the last to the group; the row path looks the tuple up in a dict.
    Fitted keys are stored column-wise (``state_["__key__"]["keys_0"]``, ``"keys_1"``, ...),
    so each list holds one type and survives ``save``/``load`` exactly.

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
    >>> df = fr.DataFrame({"user": ["u", "u", "v"], "day": [1, 2, 1], "amt": [1.0, 3.0, 10.0]})
    >>> two = ml.GroupAgg(["user", "day"], "amt", aggs="sum", fill="nan").fit(df)
    >>> two.get_feature_names_out()
    ['amt__sum_by_user+day']
    >>> two.transform(fr.DataFrame({"user": ["u", "v"], "day": [2, 2], "amt": [0.0, 0.0]}))[:, 0].tolist()
    [3.0, nan]
    >>> two.transform_row({"user": "u", "day": 2, "amt": 0.0}).tolist()
    [3.0]
    """

    consumes = False
    _AGGS = ("mean", "sum", "min", "max", "std", "median", "count")
    _params = ("by", "aggs", "fill")

    def __init__(self, by: str | list[str], columns: Any = None, *, aggs: Any = ("mean",),
                 fill: str = "global"):
        super().__init__(columns)
        keys = [by] if isinstance(by, str) else list(by) if isinstance(by, list | tuple) else []
        if not keys or not all(isinstance(k, str) for k in keys):
            raise InvalidOperationError(
                f"GroupAgg: by must be a column name or a non-empty list of names, got {by!r}"
            )
        if len(set(keys)) != len(keys):
            raise InvalidOperationError(f"GroupAgg: by names a column twice: {by!r}")
        self.by = by if isinstance(by, str) else keys
        self._by = keys
        self._by_label = "+".join(keys)
        aggs = [aggs] if isinstance(aggs, str) else list(aggs)
        for a in aggs:
            if a not in self._AGGS:
                raise InvalidOperationError(f"GroupAgg: unknown agg {a!r}; use one of {', '.join(self._AGGS)}")
        if fill not in ("global", "nan"):
            raise InvalidOperationError(f"GroupAgg: fill must be 'global' or 'nan', got {fill!r}")
        self.aggs = aggs
        self.fill = fill
        self.default_columns = Selector(dtypes=["numeric"], exclude=keys)

    def _extra_inputs(self) -> list[str]:
        return list(self._by)

    def _check_extra(self, schema: dict[str, pa.DataType]) -> None:
        types = {}
        for b in self._by:
            if b not in schema:
                raise ColumnNotFoundError.for_name(b, Schema.of(schema).hint_names())
            t = schema[b]
            if family(t) not in ("string", "int", "bool", "null"):
                raise SchemaError(f"GroupAgg: key column {b!r} must be categorical, not {t}")
            types[b] = t
        self.by_types_ = types
        self.by_type_ = types[self._by[0]]  # saved with the step: the one-key state has no types

    def _output_names(self, name: str) -> list[str]:
        return [f"{name}__{a}_by_{self._by_label}" for a in self.aggs]

    def _sources(self, out: str) -> list[str]:
        src = next(n for n in self.columns_in_ if out in self._output_names(n))
        return [src, *self._by]

    def _fit(self, cols: dict[str, Any], y: Any) -> None:
        types = [canonical_cat_type(self.by_types_[b]) for b in self._by]
        # key columns under names no aggregated column (nor an "x|agg" result) can have
        prefix = "__key"
        while any(n.startswith(prefix) for n in self.columns_in_):
            prefix = "_" + prefix
        knames = [f"{prefix}{i}" for i in range(len(self._by))]
        data: dict[str, Any] = {k: to_cat(cols[b], t) for k, b, t in zip(knames, self._by, types, strict=True)}
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
        groups = df.group_by(knames).agg(**exprs)
        whole = df.select(**exprs)
        kcols = [groups[k].to_list() for k in knames]
        order = sorted(range(groups.height), key=lambda i: tuple(_sort_key(c[i]) for c in kcols))
        kcols = [[c[i] for i in order] for c in kcols]
        if len(kcols) == 1:
            key_state: dict[str, Any] = {"keys": kcols[0], "seen": kcols[0]}
        else:  # column-wise: each list holds one type (a list of tuples would not persist)
            key_state = {"by": list(self._by), "types": [str(t) for t in types]}
            key_state.update((f"keys_{i}", c) for i, c in enumerate(kcols))
        st: dict[str, Any] = {"__key__": key_state}
        for n in self.columns_in_:
            st[n] = {**numeric_support(to_float(cols[n]))}
            for a in self.aggs:
                vals = groups[f"{n}|{a}"].to_list()
                g = whole[f"{n}|{a}"].to_list()[0]
                g = NAN if g is None else float(g)
                st[n][f"by_{a}"] = [NAN if vals[i] is None else float(vals[i]) for i in order]
                st[n][f"default_{a}"] = g if self.fill == "global" else NAN
        self.state_ = st

    def _key_types(self) -> list[pa.DataType]:
        """The canonical type of each key column."""
        kst = self.state_["__key__"]
        if "types" in kst:
            return [pa.type_for_alias(t) for t in kst["types"]]
        return [canonical_cat_type(self.by_type_)]

    def _key_columns(self) -> list[list[Any]]:
        """The fitted keys column-wise: group ``g`` is ``tuple(c[g] for c in columns)``."""
        kst = self.state_["__key__"]
        if "types" in kst:
            return [kst[f"keys_{i}"] for i in range(len(self._by))]
        return [kst["keys"]]

    def _row_keys(self) -> list[Any]:
        """The fitted keys as the row path sees them: values, or tuples for several columns."""
        kcols = self._key_columns()
        return kcols[0] if len(kcols) == 1 else list(zip(*kcols, strict=True))

    def _key_plan(self) -> tuple[list[ValueIndex], list[tuple[int, ValueIndex]], np.ndarray]:
        """Lookup structures of several key columns, derived from the state (built once).

        Per key column a value index of its fitted vocabulary; per key column after the first
        ``(vocabulary size, value index of the fitted prefix codes)``, where the prefix code of
        columns ``0..i`` is ``position of (prefix code of 0..i-1) * size_i + code_i`` among the
        fitted combinations; and the group of each final prefix code.
        """
        kcols, types = self._key_columns(), self._key_types()
        n_groups = len(kcols[0])
        vocabs, sizes, gcodes = [], [], []
        for c, t in zip(kcols, types, strict=True):
            vocab = sorted(set(c), key=_sort_key)
            pos = {k: i for i, k in enumerate(vocab)}
            vocabs.append(ValueIndex(pa.array(vocab, type=t)))
            sizes.append(len(vocab))
            gcodes.append(np.fromiter((pos[k] for k in c), dtype=np.int64, count=n_groups))
        levels = []
        prefix = gcodes[0]
        for size, codes in zip(sizes[1:], gcodes[1:], strict=True):
            comb = prefix * size + codes  # < n_groups**2: no int64 overflow below 3e9 groups
            uniq = np.unique(comb)
            levels.append((size, ValueIndex(pa.array(uniq))))
            prefix = np.searchsorted(uniq, comb)
        group_of = np.empty(n_groups, dtype=np.int64)
        group_of[prefix] = np.arange(n_groups)  # distinct tuples: prefix is a permutation
        return vocabs, levels, group_of

    def _key_codes(self, cols: dict[str, Any]) -> np.ndarray:
        """The group of each row (position in the fitted keys), -1 for a key not seen at fit."""
        types = self._key_types()
        if len(types) == 1:
            t = types[0]
            keys = self._key_columns()[0]
            index = self._cached("index", lambda: ValueIndex(pa.array(keys, type=t)))
            return lookup_codes(to_cat(cols[self._by[0]], t), index, t)
        vocabs, levels, group_of = self._cached("plan", self._key_plan)
        arrs = [to_cat(cols[b], t) for b, t in zip(self._by, types, strict=True)]
        if len(group_of) == 0:
            return np.full(len(arrs[0]), -1, dtype=np.int64)
        codes = lookup_codes(arrs[0], vocabs[0], types[0])
        for arr, vocab, t, (size, level) in zip(arrs[1:], vocabs[1:], types[1:], levels, strict=True):
            ci = lookup_codes(arr, vocab, t)
            comb = np.where((codes >= 0) & (ci >= 0), codes * size + ci, -1)  # -1: never fitted
            codes = lookup_codes(pa.array(comb), level, pa.int64())
        return np.where(codes >= 0, group_of[codes], -1)

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:
        codes = self._key_codes(cols)
        out = {}
        for n in self.columns_in_:
            for a in self.aggs:
                st = self.state_[n]
                table = self._cached(("table", n, a), lambda st=st, a=a: np.append(
                    np.asarray(st[f"by_{a}"], dtype=np.float64), st[f"default_{a}"]))
                out[f"{n}__{a}_by_{self._by_label}"] = table[codes]
        return out

    def _row_op(self) -> RowOp:
        keys = self._row_keys()
        specs = []
        for n in self.columns_in_:
            for a in self.aggs:
                specs.append((f"{n}__{a}_by_{self._by_label}",
                              dict(zip(keys, self.state_[n][f"by_{a}"], strict=True)),
                              self.state_[n][f"default_{a}"]))
        key_of = itemgetter(*self._by)  # one column: its value; several: the tuple

        def op(v: dict, specs: list = specs) -> None:
            k = key_of(v)
            for out, table, default in specs:
                v[out] = table.get(k, default)

        return op

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        out = {self._by_label: self._key_codes(cols) < 0}
        for n in self.columns_in_:
            out[n] = numeric_unknown(to_float(cols[n]), self.state_[n])
        return out

    def _row_unknown_op(self) -> tuple[list[str], RowUnknownOp | None]:
        names = [self._by_label, *self.columns_in_]
        numbers = [numeric_row_spec(n, self.state_[n]) for n in self.columns_in_]
        if len(self._by) == 1:
            return names, row_unknown_op([key_row_spec(self._by[0], self._row_keys()), *numbers])
        check_numbers = row_unknown_op(numbers)
        seen, key_of, label = frozenset(self._row_keys()), itemgetter(*self._by), self._by_label

        def check(v: dict) -> list[str] | None:
            bad = check_numbers(v) if check_numbers is not None else None
            if key_of(v) in seen:
                return bad
            return [label] if bad is None else [label, *bad]

        return names, check

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        agg = self.aggs[self._output_names(name).index(out)]
        return {"agg": agg, "by": self.by, "fill": self.fill,
                "default": self.state_[name][f"default_{agg}"]}

