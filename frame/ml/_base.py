"""Step base class, column selection, input conversion and the schema check of ``frame.ml``.

Architecture (one definition of each transform, two executions)::

    Pipeline.fit(df)            resolve selectors -> fit each Step on the working columns
         |                      (working columns: raw Arrow arrays, float64 NumPy arrays, and
         |                      one Block per one-hot block, whatever its width)
         v
    Step._batch(cols)           vectorised NumPy/pyarrow.compute over whole columns
    Step._row_op()              a closure over plain Python floats/dicts, built once at fit

Both executions perform the same IEEE double operations in the same order; the pipeline then
rounds once to the output dtype, so ``transform(df)`` and ``transform_row(mapping)`` agree bit
for bit.

Missing values: in numeric columns a null and a NaN are both "missing" and travel through the
pipeline as NaN. In categorical columns (string, dictionary, integer, boolean) a null is the
key ``None``.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from frame._core.features import to_float64
from frame.dtypes import type_name
from frame.exceptions import (
    ColumnNotFoundError,
    ComputeError,
    InvalidOperationError,
    SchemaError,
)
from frame.ml._layout import Schema

__all__ = [
    "FLOAT",
    "LoadError",
    "NotFittedError",
    "RowUnknown",
    "Selector",
    "Step",
    "by_dtype",
    "by_name",
    "by_pattern",
]

NAN = float("nan")
FLOAT = pa.float64()  # the type of every derived (numeric) working column
RowOp = Callable[[dict], None]
# the row-path "I don't know" check of one step: the flagged input columns, or None
RowUnknownOp = Callable[[dict], "list[str] | None"]


class NotFittedError(InvalidOperationError):
    """A step or pipeline was used before ``fit``.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> try:
    ...     ml.Standardize().transform(fr.DataFrame({"x": [1.0]}))
    ... except ml.NotFittedError as err:
    ...     print(err)
    Standardize is not fitted yet; call fit(df) first
    """


class LoadError(ComputeError):
    """A saved pipeline could not be loaded (corrupt, incomplete or incompatible files).

    Examples
    --------
    >>> from frame import ml
    >>> issubclass(ml.LoadError, ml.FrameError)
    True
    """


class RowUnknown(tuple):
    """The "I don't know" report of one record: a tuple of the flagged ``"<step>.<column>"``.

    ``Pipeline.transform_row(row, return_unknown=True)`` returns it next to the features. It
    holds exactly the names whose flag :meth:`Pipeline.unknown_mask` would set for this
    record, in the mask's column order, so it is empty (and false) when every value is inside
    the fitted support. A tuple of names rather than a dict of flags: the usual answer is
    "nothing" (an empty tuple, shared, costs nothing to build), ``if report:`` is the overall
    test, and the names go straight into a log line, a metric label or JSON.

    Attributes
    ----------
    any
        The overall flag (the mask's ``"any"`` column): ``bool(report)``.

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> pipe = ml.Pipeline([ml.Standardize("x"), ml.OneHot("c")]).fit(
    ...     fr.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]}))
    >>> x, report = pipe.transform_row({"x": 11.0, "c": "a"}, return_unknown=True)
    >>> report, report.any, "standardize.x" in report
    (('standardize.x',), True, True)
    >>> pipe.transform_row({"x": 5.0, "c": "a"}, return_unknown=True)[1].any
    False
    """

    __slots__ = ()

    @property
    def any(self) -> bool:
        return len(self) > 0


NO_UNKNOWN = RowUnknown()  # the shared report of a record with nothing flagged


# ----------------------------------------------------------------------------- dtype classes
def family(t: pa.DataType) -> str:
    """Serving-compatibility family of an Arrow type ("int", "float", "bool", "string", ...)."""
    if pat.is_dictionary(t):
        return family(t.value_type)
    if pat.is_integer(t):
        return "int"
    if pat.is_floating(t):
        return "float"
    if pat.is_boolean(t):
        return "bool"
    if pat.is_string(t) or pat.is_large_string(t) or pat.is_string_view(t):
        return "string"
    if pat.is_null(t):
        return "null"
    if pat.is_timestamp(t):  # any unit; any zone is one family, naive is another
        return "timestamp_tz" if t.tz is not None else "timestamp"
    if pat.is_date(t):
        return "date"
    return str(t)


_CLASSES: dict[str, Callable[[pa.DataType], bool]] = {
    "numeric": lambda t: family(t) in ("int", "float"),
    "integer": lambda t: family(t) == "int",
    "float": lambda t: family(t) == "float",
    "boolean": lambda t: family(t) == "bool",
    "string": lambda t: family(t) == "string",
    "categorical": lambda t: family(t) in ("string", "bool") or pat.is_dictionary(t),
    "temporal": lambda t: family(t) in ("timestamp", "timestamp_tz", "date"),
    "any": lambda t: True,
}


def _is_numeric_input(t: pa.DataType) -> bool:
    return family(t) in ("int", "float", "bool", "null")


def _is_categorical_input(t: pa.DataType) -> bool:
    return family(t) in ("string", "int", "bool", "null")


class Selector:
    """Selects columns by name, dtype class and/or regular expression.

    Parameters
    ----------
    names
        Exact column names (an unknown name raises :class:`~frame.ColumnNotFoundError` with
        close-name suggestions).
    dtypes
        Dtype classes: ``"numeric"`` (integer and float, including features made by earlier
        steps), ``"integer"``, ``"float"``, ``"boolean"``, ``"string"``, ``"categorical"``
        (string, dictionary and boolean), ``"temporal"`` (timestamp and date) or ``"any"``.
    pattern
        A regular expression matched with ``re.search`` against each name.
    exclude
        Names removed from the selection.

    Notes
    -----
    A selector is resolved when the pipeline is fitted, against the columns present at that
    point of the pipeline (inputs not yet consumed, plus the outputs of earlier steps), and
    always listed in column order (also for explicit names), so a step's features come out
    in column order. The resolved names are frozen in the fitted step.

    Examples
    --------
    >>> from frame import ml
    >>> import pyarrow as pa
    >>> schema = {"age": pa.int64(), "city": pa.string(), "x_1": pa.float64()}
    >>> ml.by_dtype("numeric").resolve(schema)
    ['age', 'x_1']
    >>> (ml.by_pattern("^x_") | ml.by_name("city")).resolve(schema)
    ['city', 'x_1']
    """

    def __init__(
        self,
        names: Sequence[str] | None = None,
        dtypes: Sequence[str] | None = None,
        pattern: str | None = None,
        exclude: Sequence[str] = (),
    ):
        self.names = list(names) if names is not None else None
        self.dtypes = list(dtypes) if dtypes is not None else None
        for d in self.dtypes or ():
            if d not in _CLASSES:
                raise InvalidOperationError(
                    f"unknown dtype class {d!r}; use one of {', '.join(sorted(_CLASSES))}"
                )
        self.pattern = pattern
        self.exclude = list(exclude)
        self._union: list[Selector] = []

    def __or__(self, other: Selector) -> Selector:
        out = Selector()
        out._union = [self, other]
        return out

    def __repr__(self) -> str:
        if self._union:
            return " | ".join(repr(s) for s in self._union)
        parts = []
        if self.names is not None:
            parts.append(f"names={self.names!r}")
        if self.dtypes is not None:
            parts.append(f"dtypes={self.dtypes!r}")
        if self.pattern is not None:
            parts.append(f"pattern={self.pattern!r}")
        if self.exclude:
            parts.append(f"exclude={self.exclude!r}")
        return f"Selector({', '.join(parts)})"

    def _to_json(self) -> dict[str, Any]:
        if self._union:
            return {"union": [s._to_json() for s in self._union]}
        return {"names": self.names, "dtypes": self.dtypes, "pattern": self.pattern,
                "exclude": self.exclude}

    @classmethod
    def _from_json(cls, d: dict[str, Any]) -> Selector:
        if "union" in d:
            out = cls()
            out._union = [cls._from_json(s) for s in d["union"]]
            return out
        return cls(d.get("names"), d.get("dtypes"), d.get("pattern"), d.get("exclude") or ())

    def resolve(self, schema: Mapping[str, pa.DataType]) -> list[str]:
        """The selected names, always in schema (column) order.

        ``schema`` is a mapping of name to type, or the pipeline's block-aware
        :class:`~frame.ml._layout.Schema`, against which a one-hot block's names are listed
        only when selected (by a dtype class that includes float features, or a pattern).

        Examples
        --------
        >>> import pyarrow as pa
        >>> from frame import ml
        >>> ml.by_name("b", "a").resolve({"a": pa.int64(), "b": pa.string()})
        ['a', 'b']
        """
        schema = Schema.of(schema)
        if self._union:
            picked: set[str] = set()
            for s in self._union:
                picked.update(s.resolve(schema))
            return schema.order(picked)
        wanted = None
        if self.names is not None:
            for n in self.names:
                if n not in schema:
                    raise ColumnNotFoundError.for_name(n, schema.hint_names())
            wanted = set(self.names)
        if self.dtypes is not None:
            tests = [_CLASSES[d] for d in self.dtypes]

            def keep(t: pa.DataType) -> bool:
                return any(f(t) for f in tests)
        else:
            def keep(t: pa.DataType) -> bool:
                return True
        rx = re.compile(self.pattern) if self.pattern is not None else None
        return schema.select(keep, wanted, rx, set(self.exclude))


def by_name(*names: str) -> Selector:
    """Select columns by exact name.

    Examples
    --------
    >>> from frame import ml
    >>> ml.by_name("a", "b")
    Selector(names=['a', 'b'])
    """
    return Selector(names=names)


def by_dtype(*classes: str, exclude: Sequence[str] = ()) -> Selector:
    """Select columns by dtype class (``"numeric"``, ``"string"``, ``"categorical"``, ...).

    Examples
    --------
    >>> from frame import ml
    >>> ml.by_dtype("numeric", exclude=["id"])
    Selector(dtypes=['numeric'], exclude=['id'])
    """
    return Selector(dtypes=classes, exclude=exclude)


def by_pattern(regex: str, exclude: Sequence[str] = ()) -> Selector:
    """Select columns whose name matches ``regex`` (``re.search``).

    Examples
    --------
    >>> from frame import ml
    >>> ml.by_pattern("^x_")
    Selector(pattern='^x_')
    """
    return Selector(pattern=regex, exclude=exclude)


def as_selector(columns: Any, default: Selector) -> Selector:
    if columns is None:
        return default
    if isinstance(columns, Selector):
        return columns
    if isinstance(columns, str):
        return Selector(names=[columns])
    if isinstance(columns, Iterable):
        names = list(columns)
        if not all(isinstance(n, str) for n in names):
            raise InvalidOperationError("columns= must be a name, a list of names or a Selector")
        return Selector(names=names)
    raise InvalidOperationError(
        f"columns= must be a name, a list of names or a Selector, got {type(columns).__name__}"
    )


# ----------------------------------------------------------------------------- conversion
class Block:
    """A one-hot block as ONE working column: ``n`` features sharing a code array.

    Row ``i`` holds ``sign[i]`` (1.0 when ``sign`` is None) in feature ``codes[i]`` and +0.0
    in every other feature of the block; code -1 is a row of zeros. One-hot steps
    (``OneHot``, ``Hash(output="onehot")``) emit one per block, keyed by
    ``step._block_key(input)``, so a batch costs O(rows) whatever the width: dense output
    scatters the codes, sparse output takes its entries from them, and feature ranges come
    from a ``bincount``. A later step that reads a block feature by name gets an
    :class:`Indicator` of it (see ``Schema.extract``).
    """

    __slots__ = ("codes", "n", "sign")

    def __init__(self, codes: np.ndarray, n: int, sign: np.ndarray | None = None):
        self.codes = codes
        self.n = n
        self.sign = sign

    def __len__(self) -> int:
        return len(self.codes)

    def indicator(self, j: int) -> Indicator:
        """Feature ``j`` of the block as a lazy column of its own."""
        return Indicator(self.codes, j) if self.sign is None else SignedIndicator(self.codes, j, self.sign)

    def entries(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(row, feature - lo, value)`` of the nonzeros in features ``lo .. hi-1``."""
        codes = self.codes
        if lo == 0 and hi >= self.n:
            r = np.flatnonzero(codes >= 0)
        else:
            r = np.flatnonzero((codes >= lo) & (codes < hi))
        j = codes[r] - lo if lo else codes[r]
        return r, j, (np.ones(len(r)) if self.sign is None else self.sign[r])

    def ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """Per feature, the ``(min, max)`` over the rows (``(inf, -inf)`` with no rows)."""
        codes, sign, n_rows = self.codes, self.sign, len(self.codes)
        if n_rows == 0:
            return np.full(self.n, np.inf), np.full(self.n, -np.inf)
        ok = codes >= 0
        if sign is None:
            pos = np.bincount(codes[ok], minlength=self.n)
            neg = np.zeros_like(pos)
        else:
            pos = np.bincount(codes[ok & (sign > 0)], minlength=self.n)
            neg = np.bincount(codes[ok & (sign < 0)], minlength=self.n)
        zero = pos + neg < n_rows  # some row holds 0.0 for the feature
        lo = np.where(neg > 0, -1.0, np.where(zero, 0.0, 1.0))
        hi = np.where(pos > 0, 1.0, np.where(zero, 0.0, -1.0))
        return lo, hi


class Indicator:
    """A lazy one-hot feature: 1.0 where ``codes == j``, else 0.0.

    The working column of a single block feature that a later step reads by name
    (:meth:`Block.indicator`). ``sign`` is ``None`` here; :class:`SignedIndicator` carries
    per-row values instead of 1.0.
    """

    __slots__ = ("codes", "j")
    sign: np.ndarray | None = None

    def __init__(self, codes: np.ndarray, j: int):
        self.codes = codes
        self.j = j

    def __len__(self) -> int:
        return len(self.codes)

    def dense(self) -> np.ndarray:
        return (self.codes == self.j).astype(np.float64)


class SignedIndicator(Indicator):
    """A lazy signed one-hot feature: ``sign[i]`` (+1.0 or -1.0) where ``codes == j``, else +0.0.

    A feature of a ``Hash(output="onehot", alternate_sign=True)`` block read by a later step.
    """

    __slots__ = ("sign",)

    def __init__(self, codes: np.ndarray, j: int, sign: np.ndarray):
        self.codes = codes
        self.j = j
        self.sign = sign

    def dense(self) -> np.ndarray:
        return np.where(self.codes == self.j, self.sign, 0.0)


def to_float(x: Any) -> np.ndarray:
    """A working column as float64 NumPy (null -> NaN). NumPy arrays pass through."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Indicator):
        return x.dense()
    return to_float64(x)  # ints beyond 2**53 round to nearest, as float(int)


def canonical_cat_type(t: pa.DataType) -> pa.DataType:
    f = family(t)
    return {"string": pa.string(), "int": pa.int64(), "bool": pa.bool_()}.get(f, pa.string())


def to_cat(x: Any, canonical: pa.DataType) -> pa.Array:
    """A categorical working column as a plain Arrow array of ``canonical`` type."""
    if isinstance(x, np.ndarray):
        raise SchemaError("a numeric feature cannot be used as a categorical column")
    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks() if x.num_chunks != 1 else x.chunk(0)
    if pat.is_dictionary(x.type):
        x = x.dictionary_decode()
    if x.type != canonical:
        x = pc.cast(x, canonical)
    return x


def row_float(v: Any) -> float:
    return NAN if v is None else float(v)


# ----------------------------------------------------------------------------- Step
class Step:
    """Base class of every ``frame.ml`` step.

    A step is a specification (constructor parameters) plus, after :meth:`fit`, explicit fitted
    state in ``state_`` (a dict keyed by input column, holding Python floats, ints, strings and
    lists). Fitting a :class:`Pipeline` fits *copies* of its steps, so one step object can be
    used in several pipelines.

    Parameters
    ----------
    columns
        A name, a list of names or a :class:`Selector`; ``None`` uses the step's default
        (numeric columns for numeric steps, categorical columns for encoders).

    Examples
    --------
    >>> import frame as fr
    >>> from frame import ml
    >>> step = ml.Standardize().fit(fr.DataFrame({"x": [1.0, 3.0]}))
    >>> step.state_
    {'x': {'mean': 2.0, 'scale': 1.0, 'min': 1.0, 'max': 3.0, 'missing': False}}
    >>> step.transform(fr.DataFrame({"x": [5.0]}))
    array([[3.]], dtype=float32)
    """

    default_columns: Selector = Selector(dtypes=["numeric"])
    input_kind = "numeric"  # "numeric" | "categorical"
    needs_y = False
    consumes = True  # outputs replace the inputs (False: outputs are appended)
    _params: tuple[str, ...] = ()

    def __init__(self, columns: Any = None):
        self.columns = columns
        self.state_: dict[str, Any] | None = None
        self.columns_in_: list[str] = []
        self.outputs_: dict[str, list[str]] = {}
        self.types_in_: dict[str, pa.DataType] = {}
        self._solo: Any = None

    # ---- parameters
    def get_params(self) -> dict[str, Any]:
        """Constructor parameters (JSON-friendly).

        Examples
        --------
        >>> from frame import ml
        >>> ml.Clip(lower=0.05).get_params()["lower"]
        0.05
        """
        out: dict[str, Any] = {"columns": self.columns}
        for p in self._params:
            out[p] = getattr(self, p)
        return out

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}={v!r}" for k, v in self.get_params().items() if v is not None or k != "columns"
        )
        return f"{type(self).__name__}({args})"

    def _clone(self) -> Step:
        new = copy.copy(self)
        new.state_ = None
        new.columns_in_ = []
        new.outputs_ = {}
        new.types_in_ = {}
        new._solo = None
        new._cache = {}
        return new

    # ---- planning (called by Pipeline)
    def _check_input(self, name: str, t: pa.DataType) -> None:
        ok = _is_numeric_input(t) if self.input_kind == "numeric" else _is_categorical_input(t)
        if not ok:
            want = (
                "an integer, float or boolean column"
                if self.input_kind == "numeric"
                else "a string, integer, boolean or dictionary column"
            )
            hint = "; turn it into features with DateTimeFeatures first" if _CLASSES["temporal"](t) else ""
            raise SchemaError(
                f"{type(self).__name__} needs {want}; column {name!r} is {type_name(t)}{hint}"
            )

    def _output_names(self, name: str) -> list[str]:
        return [name]

    def _fit(self, cols: dict[str, Any], y: np.ndarray | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _fit_transform(self, cols: dict[str, Any], y: np.ndarray | None) -> dict[str, Any]:
        self._fit(cols, y)
        return self._batch(cols)

    def _batch(self, cols: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        """Outputs (name -> working column) for whole columns."""
        raise NotImplementedError

    def _row_op(self) -> RowOp:  # pragma: no cover
        """A closure writing this step's outputs into the row dict."""
        raise NotImplementedError

    def _unknown(self, cols: dict[str, Any]) -> dict[str, np.ndarray]:
        """Per input column, a boolean array flagging values outside the fitted support."""
        return {}

    def _row_unknown_op(self) -> tuple[list[str], RowUnknownOp | None]:
        """The row-path counterpart of :meth:`_unknown`, built once after fit.

        Returns the input columns the step reports on (the keys of ``_unknown``, in the same
        order) and a closure that, given the row dict as this step receives it (after the
        earlier steps ran), returns the flagged ones (a list, or None when none is flagged);
        the closure is None when the step can never flag a value. A step that overrides
        ``_unknown`` must override this too, with the same answer for every value.
        """
        return [], None

    def _cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """Arrays derived from the fitted state (value sets, lookup tables), built once."""
        cache = self.__dict__.setdefault("_cache", {})
        value = cache.get(key)
        if value is None:
            value = cache[key] = build()
        return value

    def _lineage_params(self, name: str, out: str) -> dict[str, Any]:
        st = self.state_ or {}
        return {k: v for k, v in st.get(name, {}).items() if not isinstance(v, list | dict)}

    # ---- one-hot blocks (see frame.ml._layout)
    def _blocks(self) -> list[tuple[str, Sequence[str]]]:
        """The one-hot blocks this step emits: ``(input column, feature names)`` each.

        ``outputs_[input]`` are the block's features. ``_batch`` returns the block as one
        :class:`Block` under ``_block_key(input)`` (instead of a column per feature) and the
        row op writes its nonzeros ``((j, value), ...)`` under the same key.
        """
        return []

    def _block_key(self, name: str) -> tuple[str, str, str]:
        """The working-column / row-dict key of the block of input ``name``: not a str, so no
        column name can equal it, and the same for every copy of the fitted step."""
        return ("#block", type(self).__name__, name)

    def _lineage_block(self, name: str) -> tuple[dict[str, Any], str] | None:
        """For a block whose names are numbered: the lineage parameters shared by its features
        and the parameter holding the feature's number (``lineage()`` summarises such a block
        in one line); None: lineage lists the features one by one."""
        return None

    # ---- standalone use (a one-step pipeline)
    def fit(self, data: Any, y: Any = None) -> Step:
        """Fit this step alone on ``data`` (and target ``y`` for supervised steps).

        Returns
        -------
        Step
            ``self``, fitted; the state is in ``state_``.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> ml.CountEncode("c").fit(fr.DataFrame({"c": ["a", "a", "b"]})).state_["c"]["values"]
        [2.0, 1.0]
        """
        from frame.ml._pipeline import Pipeline

        self._solo = Pipeline([self])._fit(data, y, clone=False)
        self._solo._train_cols = None
        return self

    def fit_transform(self, data: Any, y: Any = None, *, dtype: str | None = None) -> np.ndarray:
        """Fit, then return the training features (cross-fitted for supervised steps).

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> ml.MinMaxScale().fit_transform(fr.DataFrame({"x": [1.0, 3.0]}))[:, 0]
        array([0., 1.], dtype=float32)
        """
        from frame.ml._pipeline import Pipeline

        self._solo = Pipeline([self])
        return self._solo._fit_transform(data, y, dtype, clone=False)

    def _fitted(self) -> Any:
        if self._solo is None or self.state_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(df) first")
        return self._solo

    def transform(self, data: Any, **kwargs: Any) -> Any:
        """Transform a batch; see :meth:`frame.ml.Pipeline.transform`.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> step = ml.Ordinal().fit(fr.DataFrame({"c": ["a", "b"]}))
        >>> step.transform(fr.DataFrame({"c": ["b"]}), dtype="float64")
        array([[3.]])
        """
        return self._fitted().transform(data, **kwargs)

    def transform_row(self, row: dict[str, Any], **kwargs: Any) -> np.ndarray:
        """Transform one record; see :meth:`frame.ml.Pipeline.transform_row`.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> ml.Ordinal().fit(fr.DataFrame({"c": ["a", "b"]})).transform_row({"c": None})
        array([1.], dtype=float32)
        """
        return self._fitted().transform_row(row, **kwargs)

    def get_feature_names_out(self) -> list[str]:
        """Output feature names of the fitted step.

        Examples
        --------
        >>> import frame as fr
        >>> from frame import ml
        >>> ml.OneHot().fit(fr.DataFrame({"c": ["x", "y"]})).get_feature_names_out()
        ['c=x', 'c=y']
        """
        if self.state_ is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(df) first")
        return [o for n in self.columns_in_ for o in self.outputs_[n]]


def numeric_support(x: np.ndarray) -> dict[str, Any]:
    """min/max of the observed values and whether training had missing values."""
    ok = ~np.isnan(x)
    seen = x[ok]
    missing = bool(len(seen) != len(x))
    if len(seen) == 0:
        return {"min": NAN, "max": NAN, "missing": missing}
    return {"min": float(seen.min()), "max": float(seen.max()), "missing": missing}


def numeric_unknown(x: np.ndarray, st: dict[str, Any]) -> np.ndarray:
    miss = np.isnan(x)
    lo, hi = st["min"], st["max"]
    with np.errstate(invalid="ignore"):
        out = (x < lo) | (x > hi) if not math.isnan(lo) else ~miss
    if not st["missing"]:
        out |= miss
    return out


# ----------------------------------------------------------------------------- row-path checks
# One spec per input column, checked in order by the closure of ``row_unknown_op``:
# (name, ROW_NUMBER, min, max, missing_seen), (name, ROW_KEY, seen_set, _, _) or
# (name, ROW_NULL, _, _, _); each mirrors one batch ``_unknown`` test value for value.
ROW_NUMBER, ROW_KEY, ROW_NULL = 0, 1, 2


def numeric_row_spec(name: str, st: dict[str, Any]) -> tuple[Any, ...]:
    """The row form of :func:`numeric_unknown`: outside [min, max], or an unexpected NaN."""
    lo, hi = st["min"], st["max"]
    if math.isnan(lo):  # nothing observed at fit: every number is unknown
        lo, hi = math.inf, -math.inf
    return (name, ROW_NUMBER, lo, hi, bool(st["missing"]))


def key_row_spec(name: str, seen: Iterable[Any]) -> tuple[Any, ...]:
    """A value (``None`` for null) not among the keys seen at fit, compared as dict keys."""
    return (name, ROW_KEY, frozenset(seen), None, None)


def null_row_spec(name: str) -> tuple[Any, ...]:
    """A null (``None``), for a column that had none at fit."""
    return (name, ROW_NULL, None, None, None)


def row_unknown_op(specs: Sequence[tuple[Any, ...]]) -> RowUnknownOp | None:
    """A closure returning the flagged columns of a row dict (None if none); None if no spec.

    Numbers are read as the row ops read them (``None`` -> NaN, otherwise ``float``), so a
    value is tested exactly as the batch path tests its float64 working column. One loop per
    kind of spec, so the flagged names come out grouped by kind (the pipeline restores the
    mask's column order).
    """
    nums = tuple((n, lo, hi, missing_seen) for n, kind, lo, hi, missing_seen in specs
                 if kind == ROW_NUMBER)
    keys = tuple((n, seen) for n, kind, seen, _, _ in specs if kind == ROW_KEY)
    nulls = tuple(s[0] for s in specs if s[1] == ROW_NULL)

    def check_numbers(v: dict, specs: tuple = nums, nan: float = NAN, flt: type = float) -> list[str] | None:
        bad = None
        for n, lo, hi, missing_seen in specs:
            x = v[n]
            if x.__class__ is not flt:
                x = nan if x is None else flt(x)
            # in [lo, hi] (never for NaN; lo=inf, hi=-inf when nothing was observed at fit),
            # or a missing value where training had some
            if lo <= x <= hi or (missing_seen and x != x):
                continue
            if bad is None:
                bad = [n]
            else:
                bad.append(n)
        return bad

    def check_keys(v: dict, specs: tuple = keys) -> list[str] | None:
        bad = None
        for n, seen in specs:
            if v[n] not in seen:
                if bad is None:
                    bad = [n]
                else:
                    bad.append(n)
        return bad

    def check_nulls(v: dict, names: tuple = nulls) -> list[str] | None:
        bad = None
        for n in names:
            if v[n] is None:
                if bad is None:
                    bad = [n]
                else:
                    bad.append(n)
        return bad

    parts = [f for f, s in ((check_numbers, nums), (check_keys, keys), (check_nulls, nulls)) if s]
    if len(parts) <= 1:
        return parts[0] if parts else None

    def op(v: dict, parts: list = parts) -> list[str] | None:
        bad = None
        for check in parts:
            b = check(v)
            if b:
                bad = b if bad is None else bad + b
        return bad

    return op
