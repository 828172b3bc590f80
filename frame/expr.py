"""Expressions: lazy, composable descriptions of column computations.

An :class:`Expr` is a small tree (``op``, ``args``, ``params``). Nothing is computed when it is
built; :mod:`frame._eval` evaluates it against a table. Elementwise math uses
``pyarrow.compute`` (already optimal there); aggregations reduce to one value that is broadcast
when mixed with full-length columns.

Null semantics are Arrow's: a null in any input of an elementwise operation gives null, except
``&``/``|`` which use Kleene logic (``null & False`` is ``False``) and the null-handling
functions (``is_null``, ``fill_null``). NaN is a float value, not null.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from frame.dtypes import to_arrow_type
from frame.exceptions import InvalidOperationError

__all__ = ["Expr", "all", "col", "corr", "cov", "len", "lit", "when"]

_builtin_len = len

# Aggregations reduce a column to one value.
AGGREGATIONS = frozenset(
    {
        "sum",
        "mean",
        "min",
        "max",
        "count",
        "len",
        "n_unique",
        "std",
        "var",
        "median",
        "quantile",
        "first",
        "last",
        "null_count",
        "product",
        "any",
        "all",
        "arg_min",
        "arg_max",
        "top_k",
        "bottom_k",
        "implode",
        "corr",
        "cov",
    }
)

_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")

# Window functions give one value per row, computed along the rows of a group (the whole column,
# or each group of ``.over(keys)`` walked in ``order_by`` order).
WINDOW_FUNCTIONS = frozenset(
    {"shift", "diff", "cum_agg", "cum_count", "rolling", "rolling_by", "ewm_mean", "rank"}
)

_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")
_CLOSED = ("right", "left", "both", "none")


def _to_expr(value: Any) -> Expr:
    """Wrap a Python value as a literal expression; expressions pass through."""
    if isinstance(value, Expr):
        return value
    from frame.series import Series

    if isinstance(value, Series):
        return Expr("series", (), {"series": value})
    return lit(value)


class Expr:
    """A column expression, e.g. ``fr.col("price") * 2 > 10``.

    Build expressions with :func:`col`, :func:`lit` and :func:`when`, combine them with
    operators, and pass them to ``DataFrame.select``, ``with_columns`` or ``filter``.

    Examples
    --------
    >>> import frame as fr
    >>> df = fr.DataFrame({"a": [1, 2, 3], "b": [0.5, None, 2.0]})
    >>> df.select((fr.col("a") * 10).alias("a10"), fr.col("b").fill_null(0.0))
    shape: (3, 2)
    ┌─────┬─────┐
    │ a10 ┆ b   │
    │ i64 ┆ f64 │
    ╞═════╪═════╡
    │ 10  ┆ 0.5 │
    │ 20  ┆ 0.0 │
    │ 30  ┆ 2.0 │
    └─────┴─────┘
    """

    __slots__ = ("_args", "_op", "_params")
    __array_priority__ = 100  # numpy defers binary operators to Expr

    def __init__(self, op: str, args: Sequence[Expr] = (), params: dict[str, Any] | None = None):
        self._op = op
        self._args = tuple(args)
        self._params = params or {}

    # ---------------------------------------------------------------- introspection
    @property
    def op(self) -> str:
        """Name of the operation at the root of this expression."""
        return self._op

    @property
    def args(self) -> tuple[Expr, ...]:
        """Child expressions."""
        return self._args

    @property
    def params(self) -> dict[str, Any]:
        """Non-expression parameters of the root operation."""
        return dict(self._params)

    def output_name(self) -> str:
        """Name of the column this expression produces (alias, else leftmost input column).

        Examples
        --------
        >>> import frame as fr
        >>> (fr.col("a") + fr.col("b")).output_name()
        'a'
        >>> fr.lit(1).output_name()
        'literal'
        """
        if self._op == "alias":
            return self._params["name"]
        if self._op == "col":
            return self._params["name"]
        if self._op == "cols":
            raise InvalidOperationError(
                "a multi-column expression has several output names; use it directly in "
                "select/with_columns (it expands to one expression per column)"
            )
        if self._op == "lit":
            return "literal"
        if self._op == "series":
            return self._params["series"].name
        if self._op == "len" and not self._args:
            return "len"
        if self._op == "when":
            return self._args[1].output_name()
        for arg in self._args:
            return arg.output_name()
        return "literal"

    def __repr__(self) -> str:
        if self._op == "col":
            return f"col({self._params['name']!r})"
        if self._op == "cols":
            return f"cols({self._params})"
        if self._op == "lit":
            return f"lit({self._params['value']!r})"
        inner = ", ".join(repr(a) for a in self._args)
        extra = ", ".join(f"{k}={v!r}" for k, v in self._params.items() if k != "series")
        sep = ", " if inner and extra else ""
        return f"{self._op}({inner}{sep}{extra})"

    def __bool__(self) -> bool:
        raise InvalidOperationError(
            "the truth value of an expression is ambiguous; combine conditions with & and | "
            "(not 'and'/'or'), and use 'is_in' instead of 'in'"
        )

    def __hash__(self) -> int:
        return id(self)

    def __iter__(self):
        raise TypeError("an expression is not iterable; evaluate it with DataFrame.select")

    # ---------------------------------------------------------------- builders
    def _unary(self, op: str, **params: Any) -> Expr:
        return Expr(op, (self,), params)

    def _binary(self, op: str, other: Any, *, reflected: bool = False) -> Expr:
        other = _to_expr(other)
        return Expr(op, (other, self) if reflected else (self, other))

    # arithmetic
    def __add__(self, other: Any) -> Expr:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> Expr:
        return self._binary("add", other, reflected=True)

    def __sub__(self, other: Any) -> Expr:
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> Expr:
        return self._binary("sub", other, reflected=True)

    def __mul__(self, other: Any) -> Expr:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> Expr:
        return self._binary("mul", other, reflected=True)

    def __truediv__(self, other: Any) -> Expr:
        return self._binary("truediv", other)

    def __rtruediv__(self, other: Any) -> Expr:
        return self._binary("truediv", other, reflected=True)

    def __floordiv__(self, other: Any) -> Expr:
        return self._binary("floordiv", other)

    def __rfloordiv__(self, other: Any) -> Expr:
        return self._binary("floordiv", other, reflected=True)

    def __mod__(self, other: Any) -> Expr:
        return self._binary("mod", other)

    def __rmod__(self, other: Any) -> Expr:
        return self._binary("mod", other, reflected=True)

    def __pow__(self, other: Any) -> Expr:
        return self._binary("pow", other)

    def __rpow__(self, other: Any) -> Expr:
        return self._binary("pow", other, reflected=True)

    def __neg__(self) -> Expr:
        return self._unary("neg")

    def __pos__(self) -> Expr:
        return self

    def __abs__(self) -> Expr:
        return self.abs()

    # comparisons
    def __eq__(self, other: Any) -> Expr:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: Any) -> Expr:  # type: ignore[override]
        return self._binary("ne", other)

    def __lt__(self, other: Any) -> Expr:
        return self._binary("lt", other)

    def __le__(self, other: Any) -> Expr:
        return self._binary("le", other)

    def __gt__(self, other: Any) -> Expr:
        return self._binary("gt", other)

    def __ge__(self, other: Any) -> Expr:
        return self._binary("ge", other)

    # boolean logic (Kleene)
    def __and__(self, other: Any) -> Expr:
        return self._binary("and", other)

    def __rand__(self, other: Any) -> Expr:
        return self._binary("and", other, reflected=True)

    def __or__(self, other: Any) -> Expr:
        return self._binary("or", other)

    def __ror__(self, other: Any) -> Expr:
        return self._binary("or", other, reflected=True)

    def __xor__(self, other: Any) -> Expr:
        return self._binary("xor", other)

    def __rxor__(self, other: Any) -> Expr:
        return self._binary("xor", other, reflected=True)

    def __invert__(self) -> Expr:
        return self._unary("not")

    # named versions (polars spellings)
    def eq(self, other: Any) -> Expr:
        """Elementwise ``==`` (null if either side is null)."""
        return self == other

    def ne(self, other: Any) -> Expr:
        """Elementwise ``!=``."""
        return self != other

    def lt(self, other: Any) -> Expr:
        """Elementwise ``<``."""
        return self < other

    def le(self, other: Any) -> Expr:
        """Elementwise ``<=``."""
        return self <= other

    def gt(self, other: Any) -> Expr:
        """Elementwise ``>``."""
        return self > other

    def ge(self, other: Any) -> Expr:
        """Elementwise ``>=``."""
        return self >= other

    def eq_missing(self, other: Any) -> Expr:
        """Elementwise ``==`` where null equals null (never returns null)."""
        return self._binary("eq_missing", other)

    def and_(self, other: Any) -> Expr:
        """Kleene AND, same as ``&``."""
        return self & other

    def or_(self, other: Any) -> Expr:
        """Kleene OR, same as ``|``."""
        return self | other

    def not_(self) -> Expr:
        """Logical NOT, same as ``~``."""
        return ~self

    # ---------------------------------------------------------------- naming and types
    def alias(self, name: str) -> Expr:
        """Rename the output column.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1]}).select(fr.col("a").alias("b")).columns
        ['b']
        """
        if not isinstance(name, str):
            raise TypeError(f"alias needs a str name, got {type(name).__name__}")
        return Expr("alias", (self,), {"name": name})

    def cast(self, dtype: Any, *, strict: bool = True) -> Expr:
        """Cast to another type.

        With ``strict=True`` (default) a value that does not fit (overflow, unparsable string)
        raises :class:`~frame.exceptions.InvalidOperationError`; with ``strict=False`` such
        values become null.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": ["1", "x"]}).select(fr.col("a").cast("int64", strict=False))["a"].to_list()
        [1, None]
        """
        return Expr("cast", (self,), {"dtype": to_arrow_type(dtype), "strict": strict})

    # ---------------------------------------------------------------- nulls and NaN
    def is_null(self) -> Expr:
        """True where the value is null (never null itself)."""
        return self._unary("is_null")

    def is_not_null(self) -> Expr:
        """True where the value is not null."""
        return self._unary("is_not_null")

    def is_nan(self) -> Expr:
        """True where a float value is NaN (null stays null)."""
        return self._unary("is_nan")

    def is_not_nan(self) -> Expr:
        """True where a float value is not NaN (null stays null)."""
        return self._unary("is_not_nan")

    def is_finite(self) -> Expr:
        """True where a float value is finite."""
        return self._unary("is_finite")

    def is_infinite(self) -> Expr:
        """True where a float value is +inf or -inf."""
        return self._unary("is_infinite")

    def fill_null(self, value: Any = None, *, strategy: str | None = None) -> Expr:
        """Replace nulls by a value or by a strategy.

        Parameters
        ----------
        value
            A scalar or expression (cast to the column's type).
        strategy
            ``"forward"``, ``"backward"``, ``"min"``, ``"max"``, ``"mean"``, ``"zero"``,
            ``"one"``.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": [1, None, 3]})
        >>> df.select(fr.col("a").fill_null(strategy="forward"))["a"].to_list()
        [1, 1, 3]
        """
        if (value is None) == (strategy is None):
            raise InvalidOperationError("fill_null needs exactly one of `value` or `strategy`")
        if strategy is not None:
            allowed = ("forward", "backward", "min", "max", "mean", "zero", "one")
            if strategy not in allowed:
                raise InvalidOperationError(
                    f"unknown fill_null strategy {strategy!r}; use one of {allowed}"
                )
            return Expr("fill_null_strategy", (self,), {"strategy": strategy})
        return Expr("fill_null", (self, _to_expr(value)))

    def fill_nan(self, value: Any) -> Expr:
        """Replace NaN (not null) in float columns by ``value``.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": [1.0, float("nan"), None]})
        >>> df.select(fr.col("a").fill_nan(0.0))["a"].to_list()
        [1.0, 0.0, None]
        """
        return Expr("fill_nan", (self, _to_expr(value)))

    # ---------------------------------------------------------------- membership and ranges
    def is_in(self, values: Iterable[Any] | Expr) -> Expr:
        """True where the value is one of ``values``; a null input gives null.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": ["x", "y", None]})
        >>> df.select(fr.col("a").is_in(["x", "z"]))["a"].to_list()
        [True, False, None]
        """
        if isinstance(values, Expr):
            return Expr("is_in", (self, values))
        from frame.series import Series

        if isinstance(values, Series):
            values = values.to_arrow()
        elif isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise TypeError(
                f"is_in needs a collection of values, got {type(values).__name__}; "
                "wrap a single value in a list"
            )
        return Expr("is_in", (self,), {"values": values})

    def is_between(self, lower: Any, upper: Any, closed: str = "both") -> Expr:
        """True where ``lower <= x <= upper`` (``closed``: both, left, right, none).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, 5, 9]}).select(fr.col("a").is_between(2, 9))["a"].to_list()
        [False, True, True]
        """
        if closed not in ("both", "left", "right", "none"):
            raise InvalidOperationError(
                f"closed must be 'both', 'left', 'right' or 'none', got {closed!r}"
            )
        lo, hi = _to_expr(lower), _to_expr(upper)
        left = self >= lo if closed in ("both", "left") else self > lo
        right = self <= hi if closed in ("both", "right") else self < hi
        return left & right

    # ---------------------------------------------------------------- math
    def abs(self) -> Expr:
        """Absolute value (overflow of the most negative integer raises)."""
        return self._unary("abs")

    def sqrt(self) -> Expr:
        """Square root (float64 for integer input; negative input gives NaN)."""
        return self._unary("sqrt")

    def log(self, base: float = 2.718281828459045) -> Expr:
        """Logarithm (natural by default); log of 0 is -inf, of a negative number NaN."""
        return self._unary("log", base=base)

    def log10(self) -> Expr:
        """Base-10 logarithm."""
        return self._unary("log", base=10.0)

    def log1p(self) -> Expr:
        """``log(1 + x)``, accurate near zero."""
        return self._unary("log1p")

    def exp(self) -> Expr:
        """Exponential."""
        return self._unary("exp")

    def round(self, decimals: int = 0) -> Expr:
        """Round to ``decimals`` places, ties to even as Python and NumPy do (ints unchanged).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [0.5, 1.5, 2.675, -1.25]}).select(fr.col("a").round(1))["a"].to_list()
        [0.5, 1.5, 2.7, -1.2]
        """
        return self._unary("round", decimals=int(decimals))

    def floor(self) -> Expr:
        """Round down."""
        return self._unary("floor")

    def ceil(self) -> Expr:
        """Round up."""
        return self._unary("ceil")

    def sign(self) -> Expr:
        """-1, 0 or 1."""
        return self._unary("sign")

    def clip(self, lower_bound: Any = None, upper_bound: Any = None) -> Expr:
        """Limit values to ``[lower_bound, upper_bound]`` (either may be None).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [-5, 0, 5]}).select(fr.col("a").clip(-1, 1))["a"].to_list()
        [-1, 0, 1]
        """
        args = [self]
        params = {"lower": lower_bound is not None, "upper": upper_bound is not None}
        if lower_bound is not None:
            args.append(_to_expr(lower_bound))
        if upper_bound is not None:
            args.append(_to_expr(upper_bound))
        return Expr("clip", args, params)

    # ---------------------------------------------------------------- aggregations
    def _agg(self, op: str, **params: Any) -> Expr:
        return Expr(op, (self,), params)

    def sum(self) -> Expr:
        """Sum of non-null values; 0 for an empty or all-null column.

        Integer sums are computed in int64 (uint64 for unsigned input) and raise
        :class:`~frame.exceptions.ComputeError` on overflow instead of wrapping.
        """
        return self._agg("sum")

    def mean(self) -> Expr:
        """Mean of non-null values (float64); null when there are none."""
        return self._agg("mean")

    def min(self) -> Expr:
        """Smallest non-null value (NaN ignored unless all values are NaN); null if none."""
        return self._agg("min")

    def max(self) -> Expr:
        """Largest non-null value (NaN ignored unless all values are NaN); null if none."""
        return self._agg("max")

    def count(self) -> Expr:
        """Number of non-null values."""
        return self._agg("count")

    def len(self) -> Expr:
        """Number of values, nulls included."""
        return self._agg("len")

    def null_count(self) -> Expr:
        """Number of nulls."""
        return self._agg("null_count")

    def n_unique(self) -> Expr:
        """Number of distinct values; null counts as one value, all NaNs as one, -0.0 == 0.0."""
        return self._agg("n_unique")

    def std(self, ddof: int = 1) -> Expr:
        """Standard deviation with ``ddof`` delta degrees of freedom; null if count <= ddof."""
        return self._agg("std", ddof=int(ddof))

    def var(self, ddof: int = 1) -> Expr:
        """Variance with ``ddof`` delta degrees of freedom; null if count <= ddof."""
        return self._agg("var", ddof=int(ddof))

    def median(self) -> Expr:
        """Exact median of non-null values (NaN ignored); float64."""
        return self._agg("quantile", q=0.5, interpolation="linear")

    def quantile(self, quantile: float, interpolation: str = "nearest") -> Expr:
        """Exact quantile; ``interpolation`` is nearest, lower, higher, midpoint or linear.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, 2, 3, 4]}).select(fr.col("a").quantile(0.5, "linear")).item()
        2.5
        """
        if not 0.0 <= float(quantile) <= 1.0:
            raise InvalidOperationError(f"quantile must be between 0 and 1, got {quantile}")
        if interpolation not in _INTERPOLATIONS:
            raise InvalidOperationError(
                f"unknown interpolation {interpolation!r}; use one of {_INTERPOLATIONS}"
            )
        return self._agg("quantile", q=float(quantile), interpolation=interpolation)

    def first(self) -> Expr:
        """First value (may be null); null for an empty column."""
        return self._agg("first")

    def last(self) -> Expr:
        """Last value (may be null); null for an empty column."""
        return self._agg("last")

    def product(self) -> Expr:
        """Product of non-null values; 1 for an empty column."""
        return self._agg("product")

    def any(self) -> Expr:
        """True if any non-null value is true."""
        return self._agg("any")

    def all(self) -> Expr:
        """True if every non-null value is true."""
        return self._agg("all")

    def arg_min(self) -> Expr:
        """Row index of the first smallest non-null value; null if none."""
        return self._agg("arg_min")

    def arg_max(self) -> Expr:
        """Row index of the first largest non-null value; null if none."""
        return self._agg("arg_max")

    def top_k(self, k: int = 5) -> Expr:
        """The ``k`` largest non-null values, largest first (NaN above every number).

        On a whole column it gives up to ``k`` rows; inside ``group_by(...).agg`` one list per
        group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [3, 1, None, 5]}).select(fr.col("a").top_k(2))["a"].to_list()
        [5, 3]
        """
        return self._agg("top_k", k=_check_k(k))

    def bottom_k(self, k: int = 5) -> Expr:
        """The ``k`` smallest non-null values, smallest first (see :meth:`top_k`).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [3, 1, None, 5]}).select(fr.col("a").bottom_k(2))["a"].to_list()
        [1, 3]
        """
        return self._agg("bottom_k", k=_check_k(k))

    def implode(self) -> Expr:
        """All values as one list (one list per group inside ``group_by(...).agg``).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, None, 3]}).select(fr.col("a").implode()).item()
        [1, None, 3]
        """
        return self._agg("implode")

    # ---------------------------------------------------------------- row selection and windows
    def filter(self, predicate: Any) -> Expr:
        """Only the values where ``predicate`` is true (null counts as false).

        Mostly useful right before an aggregation: inside ``group_by(...).agg`` the filter is
        applied per group, and a group left with no values aggregates like an empty column.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["a", "a", "b"], "v": [1, 2, 3], "w": [0, 1, 0]})
        >>> df.group_by("g").agg(fr.col("v").filter(fr.col("w") > 0).sum()).rows()
        [('a', 2), ('b', 0)]
        """
        return Expr("filter", (self, _to_expr(predicate)))

    def over(
        self,
        *keys: Any,
        order_by: Any = None,
        descending: bool | Sequence[bool] = False,
        nulls_last: bool = False,
    ) -> Expr:
        """Evaluate per group of ``keys`` and broadcast back to the rows (a window expression).

        Every aggregation inside the expression is computed per group; elementwise parts are
        computed row by row, so the result has the frame's height and row order. Window
        functions (:meth:`shift`, :meth:`cum_sum`, :meth:`rolling_mean`, :meth:`rank`, ...) run
        separately inside each group.

        Parameters
        ----------
        *keys
            Column names or expressions (or lists of them) defining the groups. May be empty
            when ``order_by`` is given: then the whole column is one group.
        order_by
            Column name or expression, or a list of them. Window functions and order-dependent
            aggregations (``first``, ``last``, ``implode``...) then see each group's rows sorted
            by these keys (stable: ties keep row order); results still land on the original
            rows. Without it, rows are taken in frame order.
        descending
            Sort ``order_by`` descending (one flag, or one per ``order_by`` key).
        nulls_last
            Put null ``order_by`` values last (default: first).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["a", "b", "a"], "x": [1.0, 10.0, 3.0]})
        >>> df.select((fr.col("x") - fr.col("x").mean()).over("g"))["x"].to_list()
        [-1.0, 0.0, 1.0]
        >>> df = fr.DataFrame({"g": ["a", "a", "a"], "t": [3, 1, 2], "x": [30, 10, 20]})
        >>> df.select(fr.col("x").cum_sum().over("g", order_by="t"))["x"].to_list()
        [60, 10, 30]
        """
        flat = _flatten_keys(keys)
        if order_by is None:
            if not flat:
                raise InvalidOperationError(
                    "over() needs at least one key, e.g. .over('user_id'), or an order_by="
                )
            return Expr("over", (self, *flat))
        order = _flatten_keys([order_by])
        if not order:
            raise InvalidOperationError("over(order_by=...) needs at least one column")
        if isinstance(descending, bool):
            desc = [descending] * _builtin_len(order)
        else:
            desc = [bool(d) for d in descending]
            if _builtin_len(desc) != _builtin_len(order):
                raise InvalidOperationError(
                    f"over() got {_builtin_len(desc)} descending flags for "
                    f"{_builtin_len(order)} order_by keys; pass one flag or one per key"
                )
        params = {"n_order": _builtin_len(order), "descending": tuple(desc),
                  "nulls_last": bool(nulls_last)}
        return Expr("over", (self, *flat, *order), params)

    # ---------------------------------------------------------------- window functions
    def shift(self, n: int = 1, *, fill_value: Any = None) -> Expr:
        """Values shifted down by ``n`` rows (up for negative ``n``) within the group.

        The first ``n`` rows (last ``-n`` for negative ``n``) get ``fill_value``, or null when
        it is None; other nulls are moved like values. The type is kept. With
        ``.over(keys, order_by=...)`` rows shift inside each group in ``order_by`` order.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"x": [1, 2, 3]})
        >>> df.select(fr.col("x").shift(), fr.col("x").shift(-1, fill_value=0).alias("y")).rows()
        [(None, 2), (1, 3), (2, 0)]
        """
        n = _check_int(n, "shift n")
        if fill_value is None:
            return Expr("shift", (self,), {"n": n, "fill": False})
        return Expr("shift", (self, _to_expr(fill_value)), {"n": n, "fill": True})

    def diff(self, n: int = 1) -> Expr:
        """``x - x.shift(n)`` within the group (null for the first ``n`` rows).

        Integers give int64 (an int64 overflow raises
        :class:`~frame.exceptions.ComputeError`), floats keep their type, timestamps and dates
        give durations.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [1, 4, None, 10]}).select(fr.col("x").diff())["x"].to_list()
        [None, 3, None, None]
        """
        return Expr("diff", (self,), {"n": _check_int(n, "diff n")})

    def _cum(self, fn: str, reverse: bool) -> Expr:
        return Expr("cum_agg", (self,), {"fn": fn, "reverse": bool(reverse)})

    def cum_sum(self, *, reverse: bool = False) -> Expr:
        """Running sum within the group (from the end when ``reverse``).

        Null rows stay null and do not stop the sum. Integers and booleans are summed in int64
        and raise :class:`~frame.exceptions.ComputeError` on overflow (never wrap); floats keep
        their type and follow IEEE rules (after a NaN the sum is NaN); durations stay durations.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"x": [1, None, 3, 4]})
        >>> df.select(fr.col("x").cum_sum(), fr.col("x").cum_sum(reverse=True).alias("r")).rows()
        [(1, 8), (None, None), (4, 7), (8, 4)]
        """
        return self._cum("sum", reverse)

    def cum_prod(self, *, reverse: bool = False) -> Expr:
        """Running product within the group (integers in int64, overflow raises).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [1, 2, 3, 4]}).select(fr.col("x").cum_prod())["x"].to_list()
        [1, 2, 6, 24]
        """
        return self._cum("prod", reverse)

    def cum_min(self, *, reverse: bool = False) -> Expr:
        """Running minimum within the group; the type is kept; after a NaN it is NaN.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [3, 1, None, 2]}).select(fr.col("x").cum_min())["x"].to_list()
        [3, 1, None, 1]
        """
        return self._cum("min", reverse)

    def cum_max(self, *, reverse: bool = False) -> Expr:
        """Running maximum within the group; the type is kept; after a NaN it is NaN.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [1, 3, None, 2]}).select(fr.col("x").cum_max())["x"].to_list()
        [1, 3, None, 3]
        """
        return self._cum("max", reverse)

    def cum_count(self, *, reverse: bool = False) -> Expr:
        """Number of non-null values so far within the group (int64, never null).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": ["a", None, "c"]}).select(fr.col("x").cum_count())["x"].to_list()
        [1, 1, 2]
        """
        return Expr("cum_count", (self,), {"reverse": bool(reverse)})

    def _rolling(self, fn: str, window_size: int, min_samples: int | None, center: bool,
                 ddof: int = 1) -> Expr:
        w = _check_int(window_size, f"rolling_{fn} window_size", minimum=1)
        m = w if min_samples is None else _check_int(min_samples, "min_samples", minimum=1)
        if m > w:
            raise InvalidOperationError(
                f"rolling_{fn}: min_samples ({m}) must not exceed window_size ({w})"
            )
        return Expr("rolling", (self,), {"fn": fn, "window_size": w, "min_samples": m,
                                         "center": bool(center), "ddof": int(ddof)})

    def rolling_sum(self, window_size: int, *, min_samples: int | None = None,
                    center: bool = False) -> Expr:
        """Sum over a window of ``window_size`` rows ending at each row (centred on it when
        ``center``), within the group.

        Nulls inside the window are skipped; a window with fewer than ``min_samples``
        (default ``window_size``) non-null values gives null. NaN in the window gives NaN.
        The result is float64 (float32 for float32 input).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"x": [1, 2, None, 4]})
        >>> df.select(fr.col("x").rolling_sum(2, min_samples=1))["x"].to_list()
        [1.0, 3.0, 2.0, 4.0]
        """
        return self._rolling("sum", window_size, min_samples, center)

    def rolling_mean(self, window_size: int, *, min_samples: int | None = None,
                     center: bool = False) -> Expr:
        """Mean over a window of ``window_size`` rows (see :meth:`rolling_sum` for the rules).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [1, 2, 3, 4]}).select(fr.col("x").rolling_mean(2))["x"].to_list()
        [None, 1.5, 2.5, 3.5]
        """
        return self._rolling("mean", window_size, min_samples, center)

    def rolling_min(self, window_size: int, *, min_samples: int | None = None,
                    center: bool = False) -> Expr:
        """Minimum over a window of ``window_size`` rows (see :meth:`rolling_sum`).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [3, 1, 2]}).select(fr.col("x").rolling_min(2))["x"].to_list()
        [None, 1.0, 1.0]
        """
        return self._rolling("min", window_size, min_samples, center)

    def rolling_max(self, window_size: int, *, min_samples: int | None = None,
                    center: bool = False) -> Expr:
        """Maximum over a window of ``window_size`` rows (see :meth:`rolling_sum`).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [3, 1, 2]}).select(fr.col("x").rolling_max(2))["x"].to_list()
        [None, 3.0, 2.0]
        """
        return self._rolling("max", window_size, min_samples, center)

    def rolling_var(self, window_size: int, *, min_samples: int | None = None,
                    center: bool = False, ddof: int = 1) -> Expr:
        """Variance over a window of ``window_size`` rows (null with ``ddof`` or fewer values).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [1, 2, 4]}).select(fr.col("x").rolling_var(2))["x"].to_list()
        [None, 0.5, 2.0]
        """
        return self._rolling("var", window_size, min_samples, center, ddof)

    def rolling_std(self, window_size: int, *, min_samples: int | None = None,
                    center: bool = False, ddof: int = 1) -> Expr:
        """Standard deviation over a window of ``window_size`` rows (see :meth:`rolling_var`).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"x": [1, 3, 3]}).select(fr.col("x").rolling_std(2))["x"].to_list()
        [None, 1.414..., 0.0]
        """
        return self._rolling("std", window_size, min_samples, center, ddof)

    def _rolling_by(self, fn: str, by: Any, window_size: Any, min_samples: int, closed: str,
                    ddof: int = 1) -> Expr:
        if closed not in _CLOSED:
            raise InvalidOperationError(
                f"rolling_{fn}_by: closed must be one of {_CLOSED}, got {closed!r}"
            )
        period = _parse_period(window_size, f"rolling_{fn}_by")
        m = _check_int(min_samples, "min_samples", minimum=1)
        return Expr("rolling_by", (self, _to_input(by)),
                    {"fn": fn, "period": period, "min_samples": m, "closed": closed,
                     "ddof": int(ddof)})

    def rolling_sum_by(self, by: str | Expr, window_size: Any, *, min_samples: int = 1,
                       closed: str = "right") -> Expr:
        """Sum over a time (or integer) period ending at each row's ``by`` value.

        The window of a row with ``by == t`` holds the rows of its group whose ``by`` lies in
        ``(t - window_size, t]`` (``closed``: ``"right"`` (default), ``"left"`` ``[t - w, t)``,
        ``"both"`` ``[t - w, t]``, ``"none"`` ``(t - w, t)``); later rows with the same ``t``
        are inside. ``by`` must be ascending within each group (sort first, or use
        ``.over(keys, order_by=by)``) and have no nulls. ``window_size`` is a duration string
        (``"7d"``, ``"2h30m"``; units ns, us, ms, s, m, h, d, w), a ``datetime.timedelta``, or
        for an integer ``by`` an int or ``"3i"``. Nulls in the values are skipped; fewer than
        ``min_samples`` non-null values give null.

        Examples
        --------
        >>> import datetime as dt, frame as fr
        >>> t = [dt.date(2024, 1, d) for d in (1, 2, 4, 5)]
        >>> df = fr.DataFrame({"t": t, "x": [1, 2, 3, 4]})
        >>> df.select(fr.col("x").rolling_sum_by("t", "2d"))["x"].to_list()
        [1.0, 3.0, 3.0, 7.0]
        """
        return self._rolling_by("sum", by, window_size, min_samples, closed)

    def rolling_mean_by(self, by: str | Expr, window_size: Any, *, min_samples: int = 1,
                        closed: str = "right") -> Expr:
        """Mean over a period ending at each row's ``by`` value (see :meth:`rolling_sum_by`).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"t": [1, 2, 5], "x": [1.0, 3.0, 5.0]})
        >>> df.select(fr.col("x").rolling_mean_by("t", 2))["x"].to_list()
        [1.0, 2.0, 5.0]
        """
        return self._rolling_by("mean", by, window_size, min_samples, closed)

    def rolling_min_by(self, by: str | Expr, window_size: Any, *, min_samples: int = 1,
                       closed: str = "right") -> Expr:
        """Minimum over a period ending at each row's ``by`` value (see :meth:`rolling_sum_by`).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"t": [1, 2, 5], "x": [4, 3, 5]})
        >>> df.select(fr.col("x").rolling_min_by("t", 3))["x"].to_list()
        [4.0, 3.0, 5.0]
        """
        return self._rolling_by("min", by, window_size, min_samples, closed)

    def rolling_max_by(self, by: str | Expr, window_size: Any, *, min_samples: int = 1,
                       closed: str = "right") -> Expr:
        """Maximum over a period ending at each row's ``by`` value (see :meth:`rolling_sum_by`).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"t": [1, 2, 5], "x": [4, 3, 5]})
        >>> df.select(fr.col("x").rolling_max_by("t", 3))["x"].to_list()
        [4.0, 4.0, 5.0]
        """
        return self._rolling_by("max", by, window_size, min_samples, closed)

    def rolling_var_by(self, by: str | Expr, window_size: Any, *, min_samples: int = 1,
                       closed: str = "right", ddof: int = 1) -> Expr:
        """Variance over a period ending at each row's ``by`` value (see :meth:`rolling_sum_by`;
        null with ``ddof`` or fewer values).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"t": [1, 2, 5], "x": [1.0, 3.0, 5.0]})
        >>> df.select(fr.col("x").rolling_var_by("t", 2))["x"].to_list()
        [None, 2.0, None]
        """
        return self._rolling_by("var", by, window_size, min_samples, closed, ddof)

    def rolling_std_by(self, by: str | Expr, window_size: Any, *, min_samples: int = 1,
                       closed: str = "right", ddof: int = 1) -> Expr:
        """Standard deviation over a period ending at each row's ``by`` value (see
        :meth:`rolling_var_by`).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"t": [1, 2, 5], "x": [1.0, 3.0, 5.0]})
        >>> df.select(fr.col("x").rolling_std_by("t", 2))["x"].to_list()
        [None, 1.414..., None]
        """
        return self._rolling_by("std", by, window_size, min_samples, closed, ddof)

    def ewm_mean(
        self,
        *,
        com: float | None = None,
        span: float | None = None,
        half_life: float | None = None,
        alpha: float | None = None,
        adjust: bool = True,
        min_samples: int = 1,
        ignore_nulls: bool = False,
    ) -> Expr:
        """Exponentially weighted mean within the group, as pandas ``ewm(...).mean()``.

        Give exactly one of ``com`` (``alpha = 1 / (1 + com)``, ``com >= 0``), ``span``
        (``alpha = 2 / (span + 1)``, ``span >= 1``), ``half_life``
        (``alpha = 1 - exp(-ln 2 / half_life)``, ``> 0``) or ``alpha`` (``0 < alpha <= 1``).
        ``adjust`` and ``ignore_nulls`` are pandas' ``adjust`` and ``ignore_na``. Null rows
        stay null (pandas repeats the previous mean there; the non-null rows are identical);
        rows with fewer than ``min_samples`` values so far are null; a NaN value makes the rest
        of the group NaN. float64 result (float32 for float32 input).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"x": [1.0, 2.0, 3.0]})
        >>> df.select(fr.col("x").ewm_mean(alpha=0.5))["x"].to_list()
        [1.0, 1.666..., 2.428...]
        """
        given = {k: v for k, v in
                 {"com": com, "span": span, "half_life": half_life, "alpha": alpha}.items()
                 if v is not None}
        if _builtin_len(given) != 1:
            raise InvalidOperationError(
                "ewm_mean needs exactly one of com, span, half_life or alpha, e.g. "
                ".ewm_mean(span=10)"
            )
        ((name, value),) = given.items()
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InvalidOperationError(f"ewm_mean: {name} must be a number, got {value!r}") from None
        if name == "com":
            if not value >= 0:
                raise InvalidOperationError(f"ewm_mean: com must be >= 0, got {value}")
            a = 1.0 / (1.0 + value)
        elif name == "span":
            if not value >= 1:
                raise InvalidOperationError(f"ewm_mean: span must be >= 1, got {value}")
            a = 2.0 / (value + 1.0)
        elif name == "half_life":
            if not value > 0:
                raise InvalidOperationError(f"ewm_mean: half_life must be > 0, got {value}")
            a = 1.0 - math.exp(-math.log(2.0) / value)
        else:
            if not 0 < value <= 1:
                raise InvalidOperationError(f"ewm_mean: alpha must be in (0, 1], got {value}")
            a = value
        m = _check_int(min_samples, "min_samples", minimum=1)
        return Expr("ewm_mean", (self,), {"alpha": a, "adjust": bool(adjust),
                                          "min_samples": m, "ignore_nulls": bool(ignore_nulls)})

    def rank(self, method: str = "average", *, descending: bool = False) -> Expr:
        """Rank of each value within the group (1 = smallest, or largest when ``descending``).

        ``method`` resolves ties: ``"average"`` (mean of the tied ranks, float64), ``"min"``,
        ``"max"``, ``"dense"`` (1, 2, 3 without gaps) or ``"ordinal"`` (ties by position in
        walking order, i.e. ``order_by`` order inside ``over``); all but ``"average"`` give
        int64. Nulls stay null and take no rank; NaN ranks above every number; ``-0.0`` ties
        ``0.0``. Works on every sortable type (numbers, strings, temporal, ...).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"x": [3.0, 1.0, None, 3.0]})
        >>> df.select(fr.col("x").rank(), fr.col("x").rank("dense").alias("d")).rows()
        [(2.5, 2), (1.0, 1), (None, None), (2.5, 2)]
        """
        if method not in _RANK_METHODS:
            raise InvalidOperationError(
                f"unknown rank method {method!r}; use one of {_RANK_METHODS}"
            )
        return Expr("rank", (self,), {"method": method, "descending": bool(descending)})

    # ---------------------------------------------------------------- namespaces
    @property
    def str(self) -> ExprStringNameSpace:
        """String functions (``fr.col("s").str.contains("x")``)."""
        return ExprStringNameSpace(self)

    @property
    def dt(self) -> ExprDateTimeNameSpace:
        """Date and time parts (``fr.col("t").dt.year()``)."""
        return ExprDateTimeNameSpace(self)


class ExprStringNameSpace:
    """String functions; every one gives null for a null input."""

    def __init__(self, expr: Expr):
        self._expr = expr

    def _op(self, op: str, **params: Any) -> Expr:
        return Expr(op, (self._expr,), params)

    def len_chars(self) -> Expr:
        """Number of characters (code points).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"s": ["héllo", None]}).select(fr.col("s").str.len_chars())["s"].to_list()
        [5, None]
        """
        return self._op("str_len_chars")

    def len(self) -> Expr:
        """Alias of :meth:`len_chars`."""
        return self.len_chars()

    def len_bytes(self) -> Expr:
        """Number of UTF-8 bytes."""
        return self._op("str_len_bytes")

    def contains(self, pattern: str, *, literal: bool = False) -> Expr:
        """True where the string matches the regular expression ``pattern`` (or contains the
        literal substring when ``literal=True``)."""
        return self._op("str_contains", pattern=pattern, literal=literal)

    def starts_with(self, prefix: str) -> Expr:
        """True where the string starts with ``prefix``."""
        return self._op("str_starts_with", pattern=prefix)

    def ends_with(self, suffix: str) -> Expr:
        """True where the string ends with ``suffix``."""
        return self._op("str_ends_with", pattern=suffix)

    def to_lowercase(self) -> Expr:
        """Lower-case (Unicode aware)."""
        return self._op("str_lower")

    def to_uppercase(self) -> Expr:
        """Upper-case (Unicode aware)."""
        return self._op("str_upper")

    def strip_chars(self, characters: str | None = None) -> Expr:
        """Remove leading and trailing whitespace (or the given characters)."""
        return self._op("str_strip", characters=characters)

    def replace_all(self, pattern: str, value: str, *, literal: bool = False) -> Expr:
        """Replace every match of ``pattern`` by ``value``."""
        return self._op("str_replace_all", pattern=pattern, value=value, literal=literal)

    def slice(self, offset: int, length: int | None = None) -> Expr:
        """Substring of ``length`` characters starting at ``offset``."""
        return self._op("str_slice", offset=offset, length=length)


class ExprDateTimeNameSpace:
    """Parts of dates and timestamps (time-zone aware: parts are in the column's zone)."""

    def __init__(self, expr: Expr):
        self._expr = expr

    def _op(self, part: str) -> Expr:
        return Expr("dt_part", (self._expr,), {"part": part})

    def year(self) -> Expr:
        """Calendar year.

        Examples
        --------
        >>> import datetime as dt, frame as fr
        >>> df = fr.DataFrame({"d": [dt.date(2024, 2, 29)]})
        >>> df.select(fr.col("d").dt.year(), fr.col("d").dt.weekday().alias("wd")).row(0)
        (2024, 4)
        """
        return self._op("year")

    def quarter(self) -> Expr:
        """Quarter of the year, 1-4."""
        return self._op("quarter")

    def month(self) -> Expr:
        """Month, 1-12."""
        return self._op("month")

    def day(self) -> Expr:
        """Day of the month, 1-31."""
        return self._op("day")

    def weekday(self) -> Expr:
        """ISO weekday: Monday = 1 … Sunday = 7."""
        return self._op("weekday")

    def ordinal_day(self) -> Expr:
        """Day of the year, 1-366."""
        return self._op("ordinal_day")

    def hour(self) -> Expr:
        """Hour, 0-23."""
        return self._op("hour")

    def minute(self) -> Expr:
        """Minute, 0-59."""
        return self._op("minute")

    def second(self) -> Expr:
        """Second, 0-59."""
        return self._op("second")

    def date(self) -> Expr:
        """The calendar date of a timestamp."""
        return self._op("date")


def col(name: str | Sequence[str] | pa.DataType, *more_names: str) -> Expr:
    """Reference a column by name; several names (or ``"*"``) select several columns.

    Examples
    --------
    >>> import frame as fr
    >>> df = fr.DataFrame({"a": [1, 2], "b": [3, 4]})
    >>> df.select(fr.col("a", "b") * 2).rows()
    [(2, 6), (4, 8)]
    """
    if isinstance(name, pa.DataType):
        return Expr("cols", (), {"dtypes": (name, *[to_arrow_type(m) for m in more_names])})
    if isinstance(name, str) and not more_names:
        if name == "*":
            return Expr("cols", (), {"names": None})
        return Expr("col", (), {"name": name})
    names = [name] if isinstance(name, str) else list(name)
    names += list(more_names)
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"column names must be str, got {type(n).__name__}: {n!r}")
    if _builtin_len(names) == 1:
        return Expr("col", (), {"name": names[0]})
    return Expr("cols", (), {"names": tuple(names)})


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise InvalidOperationError(f"k must be a non-negative integer, got {k!r}")
    return k


def _check_int(value: Any, what: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOperationError(f"{what} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidOperationError(f"{what} must be >= {minimum}, got {value}")
    return int(value)


_PERIOD_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
    "d": 86400 * 1_000_000_000,
    "w": 7 * 86400 * 1_000_000_000,
}


def _parse_period(value: Any, what: str) -> tuple[str, int]:
    """A rolling period as ``("ns", nanoseconds)`` or ``("i", count)`` (integer ``by``)."""
    import datetime as _dt
    import re

    if isinstance(value, _dt.timedelta):
        ns = (value.days * 86400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000
        if ns <= 0:
            raise InvalidOperationError(f"{what}: window_size must be positive, got {value!r}")
        return ("ns", ns)
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise InvalidOperationError(f"{what}: window_size must be positive, got {value}")
        return ("i", int(value))
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        parts = re.findall(r"(\d+)([a-z]+)", text)
        if parts and "".join(n + u for n, u in parts) == text:
            units = [u for _, u in parts]
            if units == ["i"]:
                count = int(parts[0][0])
                if count > 0:
                    return ("i", count)
            elif not [u for u in units if u not in _PERIOD_UNITS_NS]:
                ns = sum(int(n) * _PERIOD_UNITS_NS[u] for n, u in parts)
                if ns > 0:
                    return ("ns", ns)
    raise InvalidOperationError(
        f"{what}: window_size {value!r} is not a positive period; use a duration string such as "
        "'7d' or '2h30m' (units ns, us, ms, s, m, h, d, w; calendar months/years are not "
        "supported), a datetime.timedelta, or an int / '3i' for an integer `by` column"
    )


def _flatten_keys(keys: Sequence[Any]) -> list[Expr]:
    """Key arguments (names, expressions or lists of them) as expressions."""
    out: list[Expr] = []
    for key in keys:
        if isinstance(key, list | tuple):
            out.extend(_flatten_keys(key))
        elif isinstance(key, str):
            out.append(col(key))
        elif isinstance(key, Expr):
            out.append(key)
        else:
            raise InvalidOperationError(
                f"a group key must be a column name or an expression, got {type(key).__name__}"
            )
    return out


def _to_input(value: Any) -> Expr:
    return col(value) if isinstance(value, str) else _to_expr(value)


def corr(a: str | Expr, b: str | Expr) -> Expr:
    """Pearson correlation of two columns over the rows where both are non-null.

    Null with fewer than two such rows; NaN when either column is constant.

    Examples
    --------
    >>> import frame as fr
    >>> df = fr.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 7.0]})
    >>> round(df.select(fr.corr("x", "y")).item(), 4)
    0.9934
    """
    return Expr("corr", (_to_input(a), _to_input(b)))


def cov(a: str | Expr, b: str | Expr, ddof: int = 1) -> Expr:
    """Covariance of two columns over the rows where both are non-null (null if count <= ddof).

    Examples
    --------
    >>> import frame as fr
    >>> fr.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 7.0]}).select(fr.cov("x", "y")).item()
    2.5
    """
    return Expr("cov", (_to_input(a), _to_input(b)), {"ddof": int(ddof)})


def all() -> Expr:
    """All columns, in order (``fr.col("*")``)."""
    return Expr("cols", (), {"names": None})


def lit(value: Any, dtype: Any = None) -> Expr:
    """A literal value, broadcast to the frame's height.

    Examples
    --------
    >>> import frame as fr
    >>> fr.DataFrame({"a": [1, 2]}).with_columns(fr.lit(0.5).alias("w")).rows()
    [(1, 0.5), (2, 0.5)]
    """
    if isinstance(value, Expr):
        return value
    return Expr("lit", (), {"value": value, "dtype": None if dtype is None else to_arrow_type(dtype)})


def len() -> Expr:
    """Number of rows (``fr.len()``), named ``"len"``.

    Examples
    --------
    >>> import frame as fr
    >>> fr.DataFrame({"a": [1, 2, 3]}).select(fr.len()).item()
    3
    """
    return Expr("len", (), {})


class When:
    """First stage of ``fr.when(cond).then(value)``."""

    def __init__(self, branches: list[tuple[Expr, Expr]], condition: Expr):
        self._branches = branches
        self._condition = condition

    def then(self, value: Any) -> Then:
        """Value where the condition holds."""
        return Then([*self._branches, (self._condition, _to_expr(value))])


class Then(Expr):
    """``when/then`` chain; finish with ``.otherwise(...)`` (or leave it: null elsewhere)."""

    __slots__ = ("_branches",)

    def __init__(self, branches: list[tuple[Expr, Expr]]):
        self._branches = branches
        args: list[Expr] = []
        for cond, value in branches:
            args += [cond, value]
        args.append(lit(None))
        super().__init__("when", args, {})

    def when(self, condition: Any) -> When:
        """Add another condition, tested when the earlier ones are not true."""
        return When(self._branches, _to_expr(condition))

    def otherwise(self, value: Any) -> Expr:
        """Value where no condition holds (a null condition counts as not true)."""
        args: list[Expr] = []
        for cond, val in self._branches:
            args += [cond, val]
        args.append(_to_expr(value))
        return Expr("when", args, {})


def when(condition: Any) -> When:
    """Start a conditional expression: ``fr.when(c).then(a).when(c2).then(b).otherwise(d)``.

    Conditions are tested in order; a null condition counts as false.

    Examples
    --------
    >>> import frame as fr
    >>> df = fr.DataFrame({"x": [1, 5, None]})
    >>> df.select(fr.when(fr.col("x") > 2).then(fr.lit("big")).otherwise(fr.lit("small")))["literal"].to_list()
    ['small', 'big', 'small']
    """
    return When([], _to_expr(condition))
