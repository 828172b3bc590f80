"""``DataFrame.group_by``: per-group aggregation with frame's own hash-grouping kernels."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from frame import _aggregate, _eval, _ops
from frame.exceptions import ColumnNotFoundError, InvalidOperationError
from frame.expr import Expr, _flatten_keys, col
from frame.expr import len as _len

if TYPE_CHECKING:
    from frame.dataframe import DataFrame

__all__ = ["GroupBy"]


class GroupBy:
    """Rows of a frame grouped by key columns or expressions; made by :meth:`DataFrame.group_by`.

    Groups come out in the order their key first appears in the frame (``sort=True``: in key
    order). Null keys form one group, every NaN is one key, and -0.0 equals 0.0; categorical
    keys group by value.

    Examples
    --------
    >>> import frame as fr
    >>> df = fr.DataFrame({"g": ["b", "a", "b"], "v": [1, 2, 3]})
    >>> df.group_by("g").agg(fr.col("v").sum(), fr.len()).rows()
    [('b', 4, 2), ('a', 2, 1)]
    """

    def __init__(self, df: DataFrame, keys: Sequence[Any], *, maintain_order: bool = True,
                 sort: bool = False):
        self._df = df
        self._keys = _flatten_keys(keys)
        if not self._keys:
            raise InvalidOperationError("group_by needs at least one key, e.g. df.group_by('user_id')")
        self._sort = bool(sort)
        self._maintain_order = bool(maintain_order)  # groups are always in a deterministic order
        for key in self._keys:
            if _aggregate.contains_aggregation(key):
                raise InvalidOperationError(f"a group key cannot be an aggregation: {key!r}")
        self._key_names = [k.output_name() for k in self._keys]
        _eval.check_unique_names(self._key_names)

    # ------------------------------------------------------------------ grouping (computed once)
    @cached_property
    def _key_columns(self) -> list[pa.ChunkedArray]:
        table = self._df._table
        return [
            _eval.broadcast(_eval.evaluate(k, table), table.num_rows, name)
            for k, name in zip(self._keys, self._key_names)
        ]

    @cached_property
    def _grouping(self) -> _aggregate.Grouping:
        return _aggregate.make_grouping(self._key_columns, sort=self._sort)

    def _key_table(self) -> dict[str, pa.Array]:
        keys = _aggregate.group_keys(self._key_columns, self._grouping)
        return dict(zip(self._key_names, keys))

    # ------------------------------------------------------------------ aggregation
    def agg(self, *aggs: Any, **named_aggs: Any) -> DataFrame:
        """One row per group: the keys, then one column per aggregation expression.

        Expressions may combine aggregations arithmetically, filter rows before aggregating
        (``fr.col("v").filter(fr.col("w") > 0).sum()``), and a plain column gives a list of the
        group's values.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": [1, 1, 2], "a": [3, 5, 7], "b": [1, 1, 2]})
        >>> df.group_by("g").agg((fr.col("a").max() - fr.col("b").min()).alias("range")).rows()
        [(1, 4), (2, 5)]
        """
        from frame.dataframe import DataFrame

        table = self._df._table
        items = list(aggs)
        if len(items) == 1 and isinstance(items[0], list | tuple):
            items = list(items[0])
        # selectors (fr.all(), fr.col(dtype)) expand over the non-key columns, as in polars
        keys = set(self._key_names)
        value_schema = pa.schema([f for f in table.schema if f.name not in keys])
        exprs = _eval.expand(items, value_schema)
        exprs += [(_as_expr(v)).alias(name) for name, v in named_aggs.items()]
        names = [e.output_name() for e in exprs]
        _eval.check_unique_names(self._key_names + names)
        for e in exprs:
            _check_columns(e, table)
        out = self._key_table()
        grouping = self._grouping
        for name, e in zip(names, exprs):
            out[name] = _aggregate.aggregate(e, table, grouping)
        return DataFrame._from_table(pa.table(out) if out else pa.table({}))

    def _value_columns(self) -> list[str]:
        keys = set(self._key_names)
        return [c for c in self._df.columns if c not in keys]

    def _agg_all(self, method: str, **params: Any) -> DataFrame:
        return self.agg([getattr(col(c), method)(**params) for c in self._value_columns()])

    def len(self, name: str = "len") -> DataFrame:
        """Rows per group, in a column called ``name``.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": ["x", "y", "x"]}).group_by("g").len().rows()
        [('x', 2), ('y', 1)]
        """
        return self.agg(_len().alias(name))

    def count(self) -> DataFrame:
        """Rows per group (same as :meth:`len`, in a column called ``count``).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": ["x", "y", "x"]}).group_by("g").count().rows()
        [('x', 2), ('y', 1)]
        """
        return self.len("count")

    def sum(self) -> DataFrame:
        """Sum of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1, 2, 3]}).group_by("g").sum().rows()
        [(1, 3), (2, 3)]
        """
        return self._agg_all("sum")

    def mean(self) -> DataFrame:
        """Mean of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1, 2, 3]}).group_by("g").mean().rows()
        [(1, 1.5), (2, 3.0)]
        """
        return self._agg_all("mean")

    def min(self) -> DataFrame:
        """Minimum of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1, 2, 3]}).group_by("g").min().rows()
        [(1, 1), (2, 3)]
        """
        return self._agg_all("min")

    def max(self) -> DataFrame:
        """Maximum of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1, 2, 3]}).group_by("g").max().rows()
        [(1, 2), (2, 3)]
        """
        return self._agg_all("max")

    def first(self) -> DataFrame:
        """First row's value of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [None, 2, 3]}).group_by("g").first().rows()
        [(1, None), (2, 3)]
        """
        return self._agg_all("first")

    def last(self) -> DataFrame:
        """Last row's value of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1, None, 3]}).group_by("g").last().rows()
        [(1, None), (2, 3)]
        """
        return self._agg_all("last")

    def median(self) -> DataFrame:
        """Median of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1, 2, 3]}).group_by("g").median().rows()
        [(1, 1.5), (2, 3.0)]
        """
        return self._agg_all("median")

    def n_unique(self) -> DataFrame:
        """Distinct values of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [5, 5, 3]}).group_by("g").n_unique().rows()
        [(1, 1), (2, 1)]
        """
        return self._agg_all("n_unique")

    def std(self, ddof: int = 1) -> DataFrame:
        """Standard deviation of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1.0, 3.0, 3.0]}).group_by("g").std().rows()
        [(1, 1.4142135623730951), (2, None)]
        """
        return self._agg_all("std", ddof=ddof)

    def var(self, ddof: int = 1) -> DataFrame:
        """Variance of every non-key column per group.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"g": [1, 1, 2], "v": [1.0, 3.0, 3.0]}).group_by("g").var().rows()
        [(1, 2.0), (2, None)]
        """
        return self._agg_all("var", ddof=ddof)

    # ------------------------------------------------------------------ rows per group
    def _rows_frame(self, rows: np.ndarray) -> DataFrame:
        """Key columns then the other columns, at ``rows`` (grouped, in group order)."""
        from frame.dataframe import DataFrame

        table = self._df._table
        out = {}
        for name, key in zip(self._key_names, self._key_columns):
            out[name] = _ops.take_column(key, rows, check_bounds=False)
        for name in self._value_columns():
            out[name] = _ops.take_column(table.column(name), rows, check_bounds=False)
        if not out:
            return DataFrame()
        return DataFrame._from_table(pa.table(out))

    def head(self, n: int = 5) -> DataFrame:
        """The first ``n`` rows of every group (groups in output order, rows in frame order).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["a", "b", "a", "a"], "v": [1, 2, 3, 4]})
        >>> df.group_by("g").head(2).rows()
        [('a', 1), ('a', 3), ('b', 2)]
        """
        return self._rows_frame(self._head_tail_rows(n, tail=False))

    def tail(self, n: int = 5) -> DataFrame:
        """The last ``n`` rows of every group (groups in output order, rows in frame order).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["a", "b", "a", "a"], "v": [1, 2, 3, 4]})
        >>> df.group_by("g").tail(2).rows()
        [('a', 3), ('a', 4), ('b', 2)]
        """
        return self._rows_frame(self._head_tail_rows(n, tail=True))

    def _head_tail_rows(self, n: int, *, tail: bool) -> np.ndarray:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidOperationError(f"n must be a non-negative integer, got {n!r}")
        g = self._grouping
        order, offsets = _aggregate.group_rows(g)
        sizes = np.diff(offsets)
        position = np.arange(len(order), dtype=np.int64) - np.repeat(offsets[:-1], sizes)
        keep = position >= (np.repeat(sizes, sizes) - n) if tail else position < n
        return order[keep]

    def __iter__(self) -> Iterator[tuple[tuple[Any, ...], DataFrame]]:
        """``(key tuple, sub-frame)`` per group, in output group order.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["a", "b", "a"], "v": [1, 2, 3]})
        >>> [(key, sub["v"].to_list()) for key, sub in df.group_by("g")]
        [(('a',), [1, 3]), (('b',), [2])]
        """
        from frame.dataframe import DataFrame

        g = self._grouping
        order, offsets = _aggregate.group_rows(g)
        keys = [k.to_pylist() for k in self._key_table().values()]
        table = self._df._table
        for i in range(g.n_groups):
            rows = order[offsets[i] : offsets[i + 1]]
            yield tuple(k[i] for k in keys), DataFrame._from_table(_ops.take_table(table, rows))

    def __repr__(self) -> str:
        return f"GroupBy(keys={self._keys!r}, sort={self._sort})"


def _as_expr(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return col(value)
    raise InvalidOperationError(f"an aggregation must be an expression, got {type(value).__name__}")


def _check_columns(expr: Expr, table: pa.Table) -> None:
    """Unknown columns fail before any kernel runs, naming the closest existing names."""
    if expr.op == "col" and expr.params["name"] not in table.column_names:
        raise ColumnNotFoundError.for_name(expr.params["name"], table.column_names)
    for a in expr.args:
        _check_columns(a, table)
