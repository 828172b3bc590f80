"""The DataFrame: ordered, uniquely named, equal-length Arrow columns; no row index."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from frame import _eval, _ops
from frame import join as _join
from frame._construct import check_names, to_table
from frame._repr import render_html, render_table
from frame.dtypes import is_numeric, is_string_like, to_arrow_type, type_name
from frame.exceptions import (
    ColumnNotFoundError,
    InvalidOperationError,
    SchemaError,
    ShapeError,
    UnsupportedTypeError,
)
from frame.expr import Expr, col
from frame.groupby import GroupBy

if TYPE_CHECKING:
    import pandas
    import polars

    from frame.series import Series

__all__ = ["DataFrame"]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | Expr):
        return [value]
    return list(value)


class DataFrame:
    """A table of named, typed columns backed by Apache Arrow memory.

    Parameters
    ----------
    data
        A dict of columns (lists, NumPy arrays, pyarrow arrays, Series), a list of row dicts,
        a ``pyarrow.Table``/``RecordBatch``, a pandas or polars frame, a 2-D NumPy array, or
        any object exporting the Arrow PyCapsule interface. ``None`` makes an empty frame.
    schema
        Optional ``{name: dtype}`` (or ``pyarrow.Schema``) casting the given columns.

    Notes
    -----
    Nulls are Arrow nulls (the validity bitmap); NaN is a float value distinct from null.
    Columns may be chunked; results never depend on the chunking.

    Examples
    --------
    >>> import frame as fr
    >>> df = fr.DataFrame({"id": [1, 2, 3], "city": ["Oslo", None, "Lima"]})
    >>> df
    shape: (3, 2)
    ┌─────┬────────┐
    │ id  ┆ city   │
    │ i64 ┆ str    │
    ╞═════╪════════╡
    │ 1   ┆ "Oslo" │
    │ 2   ┆ null   │
    │ 3   ┆ "Lima" │
    └─────┴────────┘
    """

    __slots__ = ("__weakref__", "_table")

    def __init__(self, data: Any = None, schema: Any = None):
        table = to_table(data, schema)
        if table.schema.metadata:
            table = table.replace_schema_metadata(None)
        self._table = table

    @classmethod
    def _from_table(cls, table: pa.Table) -> DataFrame:
        obj = cls.__new__(cls)
        obj._table = table
        return obj

    # ------------------------------------------------------------------ properties
    @property
    def schema(self) -> dict[str, pa.DataType]:
        """Column names mapped to their Arrow types (ordered)."""
        return {f.name: f.type for f in self._table.schema}

    @property
    def columns(self) -> list[str]:
        """Column names in order."""
        return list(self._table.column_names)

    @property
    def dtypes(self) -> list[pa.DataType]:
        """Column types in order."""
        return list(self._table.schema.types)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width)."""
        return (self._table.num_rows, self._table.num_columns)

    @property
    def height(self) -> int:
        """Number of rows."""
        return self._table.num_rows

    @property
    def width(self) -> int:
        """Number of columns."""
        return self._table.num_columns

    def __len__(self) -> int:
        return self._table.num_rows

    def __contains__(self, name: object) -> bool:
        return name in self._table.column_names

    def __iter__(self) -> Iterator[Series]:
        return iter(self.get_columns())

    def __bool__(self) -> bool:
        raise InvalidOperationError(
            "the truth value of a DataFrame is ambiguous; use df.is_empty() or len(df)"
        )

    def is_empty(self) -> bool:
        """True when the frame has no rows."""
        return self._table.num_rows == 0

    def estimated_size(self) -> int:
        """Bytes referenced by the columns' buffers."""
        return int(self._table.nbytes)

    # ------------------------------------------------------------------ access
    def _column_index(self, name: str) -> int:
        idx = self._table.schema.get_field_index(name)
        if idx < 0:
            raise ColumnNotFoundError.for_name(name, self._table.column_names)
        return idx

    def get_column(self, name: str) -> Series:
        """One column as a Series.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, 2]}).get_column("a").to_list()
        [1, 2]
        """
        from frame.series import Series

        return Series._from_chunked(name, self._table.column(self._column_index(name)))

    def get_columns(self) -> list[Series]:
        """All columns as Series."""
        return [self.get_column(n) for n in self.columns]

    def to_series(self, index: int = 0) -> Series:
        """Column ``index`` as a Series."""
        return self.get_column(self.columns[index])

    def __getitem__(self, key: Any) -> Any:
        """``df["a"]`` → Series; ``df[["a", "b"]]`` → DataFrame; ``df[mask]`` filters rows;
        ``df[2:5]`` slices rows; ``df[i]`` is row ``i`` as a one-row frame; ``df[rows, cols]``.
        """
        from frame.series import Series

        if isinstance(key, tuple) and len(key) == 2:
            rows, cols = key
            out = self[rows] if not (isinstance(rows, slice) and rows == slice(None)) else self
            if isinstance(cols, str):
                return out.get_column(cols)
            return out[cols] if isinstance(cols, list) else out.select(cols)
        if isinstance(key, str):
            return self.get_column(key)
        if isinstance(key, slice):
            return self._slice_rows(key)
        if isinstance(key, int | np.integer):
            i = int(key)
            n = self.height
            if not -n <= i < n:
                raise IndexError(f"row {i} is out of bounds for a frame of height {n}")
            return self.slice(i % n if n else 0, 1)
        if isinstance(key, Series):
            if pat.is_boolean(key.dtype):
                return self.filter(key)
            return self._take(np.asarray(key.to_numpy(), dtype=np.int64))
        if isinstance(key, np.ndarray):
            if key.dtype == np.bool_:
                return self.filter(pa.array(key))
            if key.dtype.kind in "iu":
                return self._take(key.astype(np.int64))
        if isinstance(key, list | tuple):
            if all(isinstance(k, str) for k in key):
                return self.select(list(key))
            if all(isinstance(k, bool | np.bool_) for k in key):
                return self.filter(pa.array(key, type=pa.bool_()))
            if all(isinstance(k, int | np.integer) for k in key):
                return self._take(np.asarray(key, dtype=np.int64))
        raise TypeError(
            f"cannot index a DataFrame with {type(key).__name__}; use a column name, a list of "
            "names, a slice, a boolean mask or integer row positions"
        )

    def _take(self, idx: np.ndarray) -> DataFrame:
        """Rows at positions ``idx`` (negative positions count from the end, as in Python)."""
        n = self.height
        if idx.size:
            lo, hi = int(idx.min()), int(idx.max())
            if lo < -n or hi >= n:
                bad = idx[(idx < -n) | (idx >= n)][0]
                raise IndexError(f"row position {bad} is out of bounds for height {n}")
            if lo < 0:  # only then pay for a rewritten copy of the indices
                idx = np.where(idx < 0, idx + n, idx)
        return DataFrame._from_table(_ops.take_table(self._table, idx, check_bounds=False))

    def _slice_rows(self, key: slice) -> DataFrame:
        start, stop, step = key.indices(self.height)
        if step == 1:
            return DataFrame._from_table(self._table.slice(start, max(0, stop - start)))
        return self._take(np.arange(start, stop, step, dtype=np.int64))

    def item(self, row: int | None = None, column: str | int | None = None) -> Any:
        """The single value of a 1x1 frame, or the value at (row, column).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [7]}).item()
        7
        """
        if row is None and column is None:
            if self.shape != (1, 1):
                raise ShapeError(
                    f"item() without arguments needs a 1x1 frame, this one is {self.shape}; "
                    "pass row= and column="
                )
            return self._table.column(0)[0].as_py()
        if row is None or column is None:
            raise InvalidOperationError("pass both row and column, or neither")
        name = self.columns[column] if isinstance(column, int) else column
        return self.get_column(name)[row]

    def row(self, index: int, *, named: bool = False) -> tuple[Any, ...] | dict[str, Any]:
        """One row as a tuple (or dict with ``named=True``)."""
        n = self.height
        if not -n <= index < n:
            raise IndexError(f"row {index} is out of bounds for a frame of height {n}")
        index %= n
        values = tuple(c[index].as_py() for c in self._table.columns)
        return dict(zip(self.columns, values)) if named else values

    def rows(self, *, named: bool = False) -> list[Any]:
        """All rows as tuples (or dicts)."""
        if named:
            return self.to_dicts()
        cols = [c.to_pylist() for c in self._table.columns]
        return list(zip(*cols)) if cols else [() for _ in range(self.height)]

    def iter_rows(self, *, named: bool = False) -> Iterator[Any]:
        """Iterate over rows (tuples or dicts)."""
        yield from self.rows(named=named)

    # ------------------------------------------------------------------ repr
    def __repr__(self) -> str:
        return render_table(self._table)

    def __str__(self) -> str:
        return render_table(self._table)

    def _repr_html_(self) -> str:
        return render_html(self._table)

    # ------------------------------------------------------------------ expressions
    def _evaluate(self, exprs: Sequence[Any], named: Mapping[str, Any]) -> list[tuple[str, Any]]:
        items = list(exprs)
        if len(items) == 1 and isinstance(items[0], list | tuple):
            items = list(items[0])
        planned = _eval.expand(items, self._table.schema)
        planned += [
            (v if isinstance(v, Expr) else col(v) if isinstance(v, str) else _eval_lit_or_series(v)).alias(k)
            for k, v in named.items()
        ]
        values = _eval.evaluate_all(planned, self._table)
        results = [(e.output_name(), v) for e, v in zip(planned, values, strict=True)]
        _eval.check_unique_names([n for n, _ in results])
        return results

    def select(self, *exprs: Any, **named_exprs: Any) -> DataFrame:
        """Columns computed from expressions (names, ``fr.col``, arithmetic, aggregations).

        Aggregations alone give one row; mixed with full columns they are broadcast.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})
        >>> df.select("a", (fr.col("b") / 2).alias("half")).rows()
        [(1, 2.0), (2, 2.5), (3, 3.0)]
        >>> df.select(fr.col("a").sum(), fr.col("b").mean()).rows()
        [(6, 5.0)]
        """
        results = self._evaluate(exprs, named_exprs)
        if not results:
            return DataFrame()
        if all(isinstance(v, pa.Scalar) for _, v in results):
            height = 1
        else:
            height = max(len(v) for _, v in results if not isinstance(v, pa.Scalar))
        cols = {n: _eval.broadcast(v, height, n) for n, v in results}
        return DataFrame._from_table(pa.Table.from_arrays(list(cols.values()), names=list(cols)))

    def with_columns(self, *exprs: Any, **named_exprs: Any) -> DataFrame:
        """Add or replace columns; every expression sees the input frame.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": [1, 2]})
        >>> df.with_columns((fr.col("a") * 2).alias("b"), c=fr.col("a") + 1).rows()
        [(1, 2, 2), (2, 4, 3)]
        """
        results = self._evaluate(exprs, named_exprs)
        table = self._table
        height = table.num_rows
        for name, value in results:
            column = _eval.broadcast(value, height, name)
            idx = table.schema.get_field_index(name)
            if idx >= 0:
                table = table.set_column(idx, name, column)
            else:
                table = table.append_column(name, column)
        return DataFrame._from_table(table)

    def filter(self, *predicates: Any, **constraints: Any) -> DataFrame:
        """Rows where every predicate is true (a null predicate drops the row).

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": [1, 5, None, 9], "s": ["x", "y", "z", "x"]})
        >>> df.filter(fr.col("a") > 2, s="x").rows()
        [(9, 'x')]
        """
        from frame.series import Series

        preds: list[Expr] = []
        for p in predicates:
            if isinstance(p, list | tuple) and not isinstance(p, Expr):
                if p and all(isinstance(x, bool) for x in p):
                    p = pa.array(p, type=pa.bool_())
                else:
                    preds.extend(_to_predicate(x) for x in p)
                    continue
            preds.append(_to_predicate(p) if not isinstance(p, pa.Array | Series | np.ndarray) else _mask_expr(p))
        for name, value in constraints.items():
            preds.append(col(name) == value)
        if not preds:
            return self
        combined = preds[0]
        for p in preds[1:]:
            combined = combined & p
        value = _eval.evaluate(combined, self._table)
        if isinstance(value, pa.Scalar):
            if not (pat.is_boolean(value.type) or pat.is_null(value.type)):
                raise SchemaError(f"a filter predicate must be boolean, got {type_name(value.type)}")
            keep = value.is_valid and bool(value.as_py())
            return self if keep else self.clear()
        mask = _ops.as_mask(value, self.height)
        return DataFrame._from_table(_ops.filter_table(self._table, mask))

    def sort(
        self,
        by: Any,
        *more_by: Any,
        descending: bool | Sequence[bool] = False,
        nulls_last: bool | Sequence[bool] = False,
        maintain_order: bool = True,
    ) -> DataFrame:
        """Rows ordered by one or more keys (names or expressions); always stable.

        Parameters
        ----------
        by, *more_by
            Sort keys, most significant first.
        descending
            One flag or one per key.
        nulls_last
            One flag or one per key; nulls go first by default (as in polars).
        maintain_order
            Accepted for polars compatibility; frame's sort is always stable.

        Notes
        -----
        NaN sorts after every number (before nulls when ``nulls_last=True``); -0.0 and 0.0
        tie; strings sort by UTF-8 bytes (code point order); categoricals by value.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["b", "a", "b", None], "v": [1, 2, 3, 4]})
        >>> df.sort("g", "v", descending=[False, True], nulls_last=True).rows()
        [('a', 2), ('b', 3), ('b', 1), (None, 4)]
        """
        keys = _as_list(by) + [k for m in more_by for k in _as_list(m)]
        if not keys:
            raise InvalidOperationError("sort needs at least one key")
        n = len(keys)
        desc = _per_key(descending, n, "descending")
        nlast = _per_key(nulls_last, n, "nulls_last")
        exprs = _eval.expand(keys, self._table.schema)
        if len(exprs) != n:
            desc = desc[:1] * len(exprs) if len(set(desc)) == 1 else desc
            nlast = nlast[:1] * len(exprs) if len(set(nlast)) == 1 else nlast
            if len(desc) != len(exprs) or len(nlast) != len(exprs):
                raise ShapeError("descending/nulls_last must have one flag per sort key")
        columns = [_eval.broadcast(_eval.evaluate(e, self._table), self.height, e.output_name()) for e in exprs]
        for e, c in zip(exprs, columns):
            if not _ops.has_kernel_layout(c.type):
                raise UnsupportedTypeError(
                    f"cannot sort by {e!r}: type {type_name(c.type)} has no ordering in frame; "
                    "sort by a derived key instead (e.g. its length or a cast)"
                )
        if self.height <= 1:
            return self
        order = _ops.argsort(columns, desc, nlast)
        return DataFrame._from_table(_ops.take_table(self._table, order, check_bounds=False))

    def head(self, n: int = 5) -> DataFrame:
        """First ``n`` rows (all but the last ``-n`` when negative)."""
        if n < 0:
            n = max(0, self.height + n)
        return DataFrame._from_table(self._table.slice(0, n))

    def tail(self, n: int = 5) -> DataFrame:
        """Last ``n`` rows (all but the first ``-n`` when negative)."""
        if n < 0:
            n = max(0, self.height + n)
        n = min(n, self.height)
        return DataFrame._from_table(self._table.slice(self.height - n, n))

    def slice(self, offset: int, length: int | None = None) -> DataFrame:
        """Rows ``offset .. offset+length`` (negative offset counts from the end); zero-copy.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [0, 1, 2, 3]}).slice(1, 2)["a"].to_list()
        [1, 2]
        """
        start, stop = _slice_bounds(offset, length, self.height)
        return DataFrame._from_table(self._table.slice(start, stop - start))

    def limit(self, n: int = 5) -> DataFrame:
        """Alias of :meth:`head`."""
        return self.head(n)

    def clear(self) -> DataFrame:
        """An empty frame with the same schema."""
        return DataFrame._from_table(self._table.slice(0, 0))

    def unique(
        self,
        subset: str | Sequence[str] | None = None,
        *,
        keep: str = "any",
        maintain_order: bool = True,
    ) -> DataFrame:
        """Drop duplicate rows (by ``subset`` columns).

        Null equals null, all NaNs are equal and -0.0 equals 0.0. ``keep`` is ``"first"``,
        ``"last"``, ``"any"`` (first, the fastest) or ``"none"`` (drop every duplicated
        row). Rows keep their original order.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": [1, 1, 2, None, None], "b": [1, 1, 2, 3, 3]})
        >>> df.unique().rows()
        [(1, 1), (2, 2), (None, 3)]
        >>> df.unique(keep="none").rows()
        [(2, 2)]
        """
        if keep not in ("first", "last", "any", "none"):
            raise InvalidOperationError(f"keep must be 'first', 'last', 'any' or 'none', got {keep!r}")
        names = self.columns if subset is None else _as_list(subset)
        for name in names:
            self._column_index(name)
        if self.height == 0 or not names:
            return self
        codes, n_groups, first = _ops.factorize([self._table.column(n) for n in names])
        if keep in ("first", "any"):
            rows = np.sort(first)
        elif keep == "last":
            last = np.empty(n_groups, dtype=np.int64)
            last[codes] = np.arange(len(codes), dtype=np.int64)  # later rows overwrite
            rows = np.sort(last)
        else:
            counts = np.bincount(codes, minlength=n_groups)
            rows = np.flatnonzero(counts[codes] == 1)
        return DataFrame._from_table(_ops.take_table(self._table, rows, check_bounds=False))

    def n_unique(self, subset: str | Sequence[str] | None = None) -> int:
        """Number of distinct rows (by ``subset``)."""
        names = self.columns if subset is None else _as_list(subset)
        if self.height == 0:
            return 0
        return _ops.factorize([self._table.column(self.columns[self._column_index(n)]) for n in names])[1]

    def is_duplicated(self) -> Series:
        """Boolean Series: the row appears more than once."""
        from frame.series import Series

        if self.height == 0:
            return Series("is_duplicated", [], dtype=pa.bool_())
        codes, n, _ = _ops.factorize(self._table.columns)
        counts = np.bincount(codes, minlength=n)
        return Series("is_duplicated", counts[codes] > 1)

    def group_by(self, *keys: Any, maintain_order: bool = True, sort: bool = False) -> GroupBy:
        """Group rows by key columns or expressions; aggregate with ``.agg(...)``.

        Groups come out in order of first appearance (``sort=True``: ordered by the keys).
        ``maintain_order`` is accepted for polars compatibility; frame's order is always
        deterministic. Null keys form one group, every NaN is one key, -0.0 equals 0.0, and
        categorical keys group by value.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"g": ["b", "a", "b"], "v": [1.0, 2.0, 4.0]})
        >>> df.group_by("g").agg(fr.col("v").mean(), n=fr.len()).rows()
        [('b', 2.5, 2), ('a', 2.0, 1)]
        >>> df.group_by("g", sort=True).agg(fr.col("v").max()).rows()
        [('a', 2.0), ('b', 4.0)]
        """
        return GroupBy(self, keys, maintain_order=maintain_order, sort=sort)

    def join(
        self,
        other: DataFrame,
        on: str | Sequence[str] | None = None,
        how: str = "inner",
        *,
        left_on: str | Sequence[str] | None = None,
        right_on: str | Sequence[str] | None = None,
        suffix: str = "_right",
        nulls_equal: bool = False,
        validate: str = "m:m",
        coalesce: bool | None = None,
    ) -> DataFrame:
        """Join with ``other`` on equal keys (or every pair of rows for ``how="cross"``).

        ``how`` is inner, left, right, full, semi, anti or cross. Null keys match nothing unless
        ``nulls_equal=True``; NaN matches NaN and -0.0 matches 0.0; categorical keys match by
        value. Keys of different types are joined only through a safe promotion (int32 with
        int64, string with large_string or categorical, float32 with float64); anything else
        raises ``SchemaError`` naming both types. Inner and left joins keep the left order (each
        left row followed by its matches in right order); right joins keep the right order; a
        full join lists the left join, then the unmatched right rows. ``validate`` ("1:m",
        "m:1", "1:1") checks key uniqueness; an output too large for memory raises
        ``ComputeError`` before anything is allocated.

        Examples
        --------
        >>> import frame as fr
        >>> users = fr.DataFrame({"id": [1, 2, 3], "name": ["ann", "bob", "cy"]})
        >>> orders = fr.DataFrame({"id": [3, 1, 1, 4], "amount": [5.0, 7.5, 1.0, 2.0]})
        >>> users.join(orders, on="id").rows()
        [(1, 'ann', 7.5), (1, 'ann', 1.0), (3, 'cy', 5.0)]
        >>> users.join(orders, on="id", how="left").rows()
        [(1, 'ann', 7.5), (1, 'ann', 1.0), (2, 'bob', None), (3, 'cy', 5.0)]
        >>> users.join(orders, on="id", how="anti").rows()
        [(2, 'bob')]
        """
        if not isinstance(other, DataFrame):
            raise InvalidOperationError(
                f"join needs a frame DataFrame, got {type(other).__name__}; wrap it with "
                "fr.from_arrow(...) (or fr.from_pandas / fr.from_polars)"
            )
        table = _join.join(
            self._table,
            other._table,
            on,
            how,
            left_on=left_on,
            right_on=right_on,
            suffix=suffix,
            nulls_equal=nulls_equal,
            validate=validate,
            coalesce=coalesce,
        )
        return DataFrame._from_table(table)

    def join_asof(
        self,
        other: DataFrame,
        on: str | None = None,
        *,
        left_on: str | None = None,
        right_on: str | None = None,
        by: str | Sequence[str] | None = None,
        by_left: str | Sequence[str] | None = None,
        by_right: str | Sequence[str] | None = None,
        strategy: str = "backward",
        tolerance: Any = None,
        allow_exact_matches: bool = True,
        suffix: str = "_right",
    ) -> DataFrame:
        """Join each row to the nearest row of ``other`` by an ordered key (point-in-time join).

        ``strategy="backward"`` takes the last row of ``other`` whose ``on`` value is at or
        before the row's (so no future information leaks into a row), ``"forward"`` the first at
        or after, ``"nearest"`` the closer of the two (the earlier on a tie). Rows match only
        within equal ``by`` keys; ``allow_exact_matches=False`` excludes equal ``on`` values;
        ``tolerance`` (a number, or a ``timedelta`` for temporal keys) caps the distance. Every
        row of this frame is kept, in order; rows without a match get nulls. Neither side needs
        to be sorted. Null ``on`` or ``by`` values match nothing.

        Examples
        --------
        >>> import frame as fr
        >>> trades = fr.DataFrame({"t": [2, 5, 9], "sym": ["a", "a", "b"]})
        >>> quotes = fr.DataFrame({"t": [1, 4, 5, 8], "sym": ["a", "a", "b", "b"],
        ...                        "bid": [10.0, 11.0, 20.0, 21.0]})
        >>> trades.join_asof(quotes, on="t", by="sym").rows()
        [(2, 'a', 10.0), (5, 'a', 11.0), (9, 'b', 21.0)]
        >>> trades.join_asof(quotes, on="t", by="sym", strategy="forward").rows()
        [(2, 'a', 11.0), (5, 'a', None), (9, 'b', None)]
        """
        if not isinstance(other, DataFrame):
            raise InvalidOperationError(
                f"join_asof needs a frame DataFrame, got {type(other).__name__}"
            )
        table = _join.join_asof(
            self._table,
            other._table,
            on,
            left_on=left_on,
            right_on=right_on,
            by=by,
            by_left=by_left,
            by_right=by_right,
            strategy=strategy,
            tolerance=tolerance,
            allow_exact_matches=allow_exact_matches,
            suffix=suffix,
        )
        return DataFrame._from_table(table)

    def explode(self, columns: str | Sequence[str]) -> DataFrame:
        """One row per list element of ``columns`` (other columns repeated).

        Lists of the exploded columns must have equal lengths row by row. An empty or null list
        gives one row with a null.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"k": ["a", "b"], "v": [[1, 2], []]})
        >>> df.explode("v").rows()
        [('a', 1), ('a', 2), ('b', None)]
        """
        names = _as_list(columns)
        if not names:
            raise InvalidOperationError("explode needs at least one column")
        lists = []
        for name in names:
            column = _ops.single(self._table.column(self._column_index(name)))
            if not (pat.is_list(column.type) or pat.is_large_list(column.type)):
                raise SchemaError(
                    f"explode needs list columns, but {name!r} is {type_name(column.type)}"
                )
            lists.append(column)
        lengths = np.asarray(pc.fill_null(pc.list_value_length(lists[0]), 0).to_numpy(), dtype=np.int64)
        for name, column in zip(names[1:], lists[1:]):
            other = np.asarray(pc.fill_null(pc.list_value_length(column), 0).to_numpy(), dtype=np.int64)
            if not np.array_equal(lengths, other):
                raise ShapeError(
                    f"explode: the lists in {names[0]!r} and {name!r} differ in length in some rows"
                )
        slots = np.maximum(lengths, 1)
        parent = np.repeat(np.arange(len(lengths), dtype=np.int64), slots)
        starts = np.cumsum(slots) - slots
        position = np.arange(len(parent), dtype=np.int64) - np.repeat(starts, slots)
        has_value = np.repeat(lengths > 0, slots)
        out = {}
        for name, column in zip(self.columns, self._table.columns):
            if name in names:
                arr = lists[names.index(name)]
                arr = arr.cast(pa.large_list(arr.type.value_type)) if pat.is_list(arr.type) else arr
                offsets = np.asarray(arr.offsets.to_numpy(), dtype=np.int64)[:-1]
                flat_index = np.where(has_value, offsets[parent] + position, -1)
                values = pa.chunked_array([arr.values]) if len(arr.values) else pa.chunked_array([], type=arr.type.value_type)
                out[name] = _ops.take_column(values, flat_index, check_bounds=False)
            else:
                out[name] = _ops.take_column(column, parent, check_bounds=False)
        return DataFrame._from_table(pa.table(out))

    def drop_nulls(self, subset: str | Sequence[str] | None = None) -> DataFrame:
        """Rows without nulls (in ``subset`` columns). NaN is not null.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, None, 3], "b": [None, 2.0, float("nan")]}).drop_nulls().rows()
        [(3, nan)]
        """
        names = self.columns if subset is None else _as_list(subset)
        pred = None
        for name in names:
            if self._table.column(self._column_index(name)).null_count == 0:
                continue
            p = col(name).is_not_null()
            pred = p if pred is None else pred & p
        return self if pred is None else self.filter(pred)

    def fill_null(self, value: Any = None, *, strategy: str | None = None) -> DataFrame:
        """Replace nulls in every column whose type fits the value (or by a strategy).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, None], "s": [None, "x"]}).fill_null(0).rows()
        [(1, None), (0, 'x')]
        """
        exprs = []
        for name, dtype in self.schema.items():
            if self._table.column(name).null_count == 0:
                continue
            if strategy is not None:
                if strategy in ("mean", "zero", "one") and not is_numeric(dtype):
                    continue
                exprs.append(col(name).fill_null(strategy=strategy))
            elif _value_fits(value, dtype):
                exprs.append(col(name).fill_null(value))
        if strategy is None and value is None:
            raise InvalidOperationError("fill_null needs a value or a strategy")
        return self.with_columns(exprs) if exprs else self

    def fill_nan(self, value: Any) -> DataFrame:
        """Replace NaN in every float column."""
        exprs = [col(n).fill_nan(value) for n, t in self.schema.items() if pat.is_floating(t)]
        return self.with_columns(exprs) if exprs else self

    def rename(self, mapping: Mapping[str, str]) -> DataFrame:
        """Rename columns; unknown old names raise ColumnNotFoundError.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1]}).rename({"a": "b"}).columns
        ['b']
        """
        for old in mapping:
            self._column_index(old)
        names = [mapping.get(n, n) for n in self.columns]
        check_names(names)
        return DataFrame._from_table(self._table.rename_columns(names))

    def drop(self, *columns: str | Sequence[str], strict: bool = True) -> DataFrame:
        """Remove columns.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1], "b": [2]}).drop("a").columns
        ['b']
        """
        names = [c for item in columns for c in _as_list(item)]
        if strict:
            for n in names:
                self._column_index(n)
        keep = [n for n in self.columns if n not in set(names)]
        return DataFrame._from_table(self._table.select(keep))

    def cast(self, dtypes: Mapping[str, Any] | Any, *, strict: bool = True) -> DataFrame:
        """Cast columns: ``{name: dtype}`` or one dtype for every column.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, 2]}).cast({"a": "float32"}).dtypes
        [DataType(float)]
        """
        if isinstance(dtypes, Mapping):
            for n in dtypes:
                self._column_index(n)
            exprs = [col(n).cast(t, strict=strict) for n, t in dtypes.items()]
        else:
            exprs = [col(n).cast(dtypes, strict=strict) for n in self.columns]
        return self.with_columns(exprs)

    def sample(
        self,
        n: int | None = None,
        *,
        fraction: float | None = None,
        with_replacement: bool = False,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> DataFrame:
        """Random rows (reproducible with ``seed``); without ``shuffle`` rows keep their order.

        Examples
        --------
        >>> import frame as fr
        >>> df = fr.DataFrame({"a": list(range(10))})
        >>> df.sample(3, seed=1).equals(df.sample(3, seed=1))
        True
        """
        if (n is None) == (fraction is None):
            if n is None and fraction is None:
                n = 1
            else:
                raise InvalidOperationError("pass either n or fraction, not both")
        if fraction is not None:
            n = math.floor(fraction * self.height)
        if n is None:  # pragma: no cover - unreachable, keeps type checkers informed
            raise InvalidOperationError("sample needs n or fraction")
        if n < 0:
            raise InvalidOperationError(f"sample size must be >= 0, got {n}")
        if n > self.height and not with_replacement:
            raise ShapeError(
                f"cannot take {n} rows without replacement from {self.height}; "
                "pass with_replacement=True"
            )
        rng = np.random.default_rng(seed)
        if with_replacement:
            idx = rng.integers(0, max(self.height, 1), size=n, dtype=np.int64)
        else:
            idx = rng.choice(self.height, size=n, replace=False).astype(np.int64)
        if not shuffle:
            idx.sort()
        return DataFrame._from_table(_ops.take_table(self._table, idx, check_bounds=False))

    def describe(self, percentiles: Sequence[float] = (0.25, 0.5, 0.75)) -> DataFrame:
        """Summary statistics per column (count, null_count, mean, std, min, percentiles, max).

        Examples
        --------
        >>> import frame as fr
        >>> d = fr.DataFrame({"a": [1, 2, 3, None]}).describe()
        >>> d.columns
        ['statistic', 'a']
        >>> d.row(0), d.row(2)
        (('count', 3.0), ('mean', 2.0))
        """
        stats = ["count", "null_count", "mean", "std", "min"]
        stats += [f"{int(p * 100) if p * 100 == int(p * 100) else p * 100}%" for p in percentiles]
        stats += ["max"]
        out: dict[str, list[Any]] = {"statistic": stats}
        for name, dtype in self.schema.items():
            s = self.get_column(name)
            numeric = is_numeric(dtype) or pat.is_boolean(dtype)
            values: list[Any] = [s.count(), s.null_count()]
            if numeric and not pat.is_boolean(dtype):
                values += [s.mean(), s.std()]
            else:
                values += [None, None]
            orderable = numeric or pat.is_temporal(dtype) or is_string_like(dtype)
            values.append(s.min() if orderable else None)
            for p in percentiles:
                values.append(s.quantile(p, "nearest") if numeric and not pat.is_boolean(dtype) else None)
            values.append(s.max() if orderable else None)
            if numeric:
                out[name] = [None if v is None else float(v) for v in values]
            else:
                out[name] = [None if v is None else _describe_str(v) for v in values]
        return DataFrame(out)

    def equals(self, other: DataFrame, *, null_equal: bool = True) -> bool:
        """True when both frames have the same schema and values (NaN equals NaN; null equals
        null unless ``null_equal=False``). Chunking does not matter.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1.0, float("nan")]}).equals(fr.DataFrame({"a": [1.0, float("nan")]}))
        True
        """
        if not isinstance(other, DataFrame):
            return False
        if self._table.schema != other._table.schema:
            return False
        for left, right in zip(self._table.columns, other._table.columns):
            if not _columns_equal(left, right, null_equal=null_equal):
                return False
        return True

    # ------------------------------------------------------------------ combining
    def vstack(self, other: DataFrame) -> DataFrame:
        """Append the rows of ``other`` (same schema)."""
        from frame.functions import concat

        return concat([self, other])

    def hstack(self, columns: Sequence[Series] | DataFrame) -> DataFrame:
        """Add columns side by side (same height)."""
        from frame.functions import concat

        other = columns if isinstance(columns, DataFrame) else DataFrame(list(columns))
        return concat([self, other], how="horizontal")

    # ------------------------------------------------------------------ export
    def to_arrow(self) -> pa.Table:
        """The underlying ``pyarrow.Table`` (zero-copy)."""
        return self._table

    def to_pandas(self, **kwargs: Any) -> pandas.DataFrame:
        """pandas DataFrame (via pyarrow; ``types_mapper=pd.ArrowDtype`` keeps Arrow memory)."""
        return self._table.to_pandas(**kwargs)

    def to_polars(self) -> polars.DataFrame:
        """polars DataFrame (zero-copy for most types, through the Arrow C stream)."""
        try:
            import polars as pl
        except ImportError as err:  # pragma: no cover - polars is a test dependency
            raise ImportError("to_polars needs polars: pip install polars") from err
        return pl.DataFrame(self)

    def to_dict(self, *, as_series: bool = True) -> dict[str, Any]:
        """``{name: Series}`` (or ``{name: list}``)."""
        if as_series:
            return {n: self.get_column(n) for n in self.columns}
        return {n: self._table.column(n).to_pylist() for n in self.columns}

    def to_dicts(self) -> list[dict[str, Any]]:
        """Rows as dicts.

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, 2], "b": ["x", None]}).to_dicts()
        [{'a': 1, 'b': 'x'}, {'a': 2, 'b': None}]
        """
        return self._table.to_pylist()

    def to_numpy(
        self,
        dtype: Any = None,
        *,
        order: str = "fortran",
        copy: bool | None = None,
        writable: bool = False,
    ) -> np.ndarray:
        """2-D NumPy array (rows x columns).

        Parameters
        ----------
        dtype
            Result dtype (e.g. ``"float32"``); by default the common NumPy type of the columns.
        order
            ``"fortran"`` (column-major, one copy per column, the fast default) or ``"c"``.
        copy
            NumPy 2 semantics: ``False`` raises ``ValueError`` when a copy is unavoidable
            (only a single null-free numeric column can be shared); ``None`` copies only
            when needed; ``True`` always copies.
        writable
            Force a writable result (zero-copy views of Arrow memory are read-only).

        Notes
        -----
        Nulls become NaN in float output; integer or boolean columns with nulls are
        converted to float64 unless ``dtype`` is given (then a null raises).

        Examples
        --------
        >>> import frame as fr
        >>> fr.DataFrame({"a": [1, 2], "b": [0.5, None]}).to_numpy()
        array([[1. , 0.5],
               [2. , nan]])
        """
        from frame.series import _column_to_numpy

        target = None if dtype is None else np.dtype(dtype)
        if self.width == 1 and order in ("fortran", "f", "F", "c", "C"):
            arr = _column_to_numpy(self._table.column(0), self.columns[0], target, copy, writable)
            return arr.reshape(-1, 1)
        if copy is False:
            raise ValueError(
                "to_numpy(copy=False) is impossible for several columns: Arrow stores each "
                "column separately, so a 2-D array needs a copy"
            )
        parts = [
            _column_to_numpy(c, n, target, None, False)
            for n, c in zip(self.columns, self._table.columns)
        ]
        if target is None:
            target = np.result_type(*[p.dtype for p in parts]) if parts else np.dtype("float64")
        out = np.empty((self.height, self.width), dtype=target, order="F" if order.lower() in ("fortran", "f") else "C")
        for j, p in enumerate(parts):
            out[:, j] = p
        return out

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.to_numpy(dtype, copy=copy)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Arrow PyCapsule stream export (re-callable; zero-copy)."""
        return self._table.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self) -> Any:
        """Arrow PyCapsule schema export."""
        return self._table.schema.__arrow_c_schema__()

    def __dataframe__(self, nan_as_null: bool = False, allow_copy: bool = True) -> Any:
        """Interchange-protocol shim (delegates to pyarrow) for consumers that still need it."""
        return self._table.__dataframe__(nan_as_null=nan_as_null, allow_copy=allow_copy)

    # ------------------------------------------------------------------ IO
    def write_csv(self, path: str | Path, *, include_header: bool = True, separator: str = ",") -> None:
        """Write CSV (via pyarrow)."""
        from frame.io import write_csv

        write_csv(self, path, include_header=include_header, separator=separator)

    def write_parquet(self, path: str | Path, *, compression: str = "zstd", **kwargs: Any) -> None:
        """Write Parquet (via pyarrow)."""
        from frame.io import write_parquet

        write_parquet(self, path, compression=compression, **kwargs)

    def write_ipc(self, path: str | Path, *, compression: str | None = None) -> None:
        """Write an Arrow IPC (Feather v2) file."""
        from frame.io import write_ipc

        write_ipc(self, path, compression=compression)

    # ------------------------------------------------------------------ misc
    def __eq__(self, other: object) -> Any:
        raise InvalidOperationError(
            "== between frames is ambiguous; use df.equals(other) for a bool"
        )

    def __hash__(self) -> int:
        return id(self)

    def __copy__(self) -> DataFrame:
        return DataFrame._from_table(self._table)

    def __deepcopy__(self, memo: Any) -> DataFrame:
        return DataFrame._from_table(self._table)

    def clone(self) -> DataFrame:
        """A new frame sharing the same immutable Arrow memory."""
        return DataFrame._from_table(self._table)

    def rechunk(self) -> DataFrame:
        """Combine every column into one contiguous chunk."""
        return DataFrame._from_table(self._table.combine_chunks())

    def n_chunks(self) -> int:
        """Largest number of chunks over the columns."""
        return max((c.num_chunks for c in self._table.columns), default=0)

    def null_count(self) -> DataFrame:
        """One-row frame with the number of nulls per column."""
        return DataFrame({n: [c.null_count] for n, c in zip(self.columns, self._table.columns)})

    def select_dtypes(self, *dtypes: Any) -> DataFrame:
        """Columns whose type is one of ``dtypes``."""
        wanted = {to_arrow_type(d) for d in dtypes}
        return DataFrame._from_table(self._table.select([n for n, t in self.schema.items() if t in wanted]))


def _slice_bounds(offset: int, length: int | None, height: int) -> tuple[int, int]:
    """[start, stop) of a polars-style slice: a negative offset counts from the end, and a
    window reaching before the first row is cut, not shifted."""
    if length is not None and length < 0:
        raise InvalidOperationError(f"slice length must be >= 0, got {length}")
    start = offset + height if offset < 0 else offset
    stop = height if length is None else start + length
    start = min(max(start, 0), height)
    stop = min(max(stop, start), height)
    return start, stop


def _describe_str(value: Any) -> str:
    return str(value)


def _value_fits(value: Any, dtype: pa.DataType) -> bool:
    try:
        pa.scalar(value).cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError):
        return False
    if isinstance(value, str) and not (pat.is_string(dtype) or pat.is_large_string(dtype) or pat.is_string_view(dtype) or pat.is_dictionary(dtype)):
        return False
    if isinstance(value, int | float) and not isinstance(value, bool) and not is_numeric(dtype):
        return False
    return True


def _columns_equal(left: pa.ChunkedArray, right: pa.ChunkedArray, *, null_equal: bool) -> bool:
    if len(left) != len(right):
        return False
    if not null_equal and (left.null_count or right.null_count):
        return False
    if left.null_count != right.null_count:
        return False
    if left.null_count:
        if not pc.all(pc.equal(pc.is_null(left), pc.is_null(right))).as_py():
            return False
    if len(left) == 0:
        return True
    if pat.is_dictionary(left.type):
        left, right = left.cast(left.type.value_type), right.cast(right.type.value_type)
    eq = pc.equal(left, right)
    if pat.is_floating(left.type):
        both_nan = pc.and_(pc.is_nan(left), pc.is_nan(right))
        eq = pc.or_(eq, both_nan)
    return bool(pc.all(pc.fill_null(eq, True)).as_py())


def _per_key(flag: bool | Sequence[bool], n: int, name: str) -> list[bool]:
    if isinstance(flag, bool | np.bool_):
        return [bool(flag)] * n
    flags = [bool(f) for f in flag]
    if len(flags) != n:
        raise ShapeError(f"{name} has {len(flags)} flags for {n} sort keys")
    return flags


def _to_predicate(p: Any) -> Expr:
    if isinstance(p, Expr):
        return p
    if isinstance(p, str):
        return col(p)
    if isinstance(p, bool):
        from frame.expr import lit

        return lit(p)
    raise TypeError(f"filter takes expressions, boolean masks or keyword constraints, got {type(p).__name__}")


def _mask_expr(mask: Any) -> Expr:
    from frame.series import Series

    if not isinstance(mask, Series):
        mask = Series("mask", mask)
    return Expr("series", (), {"series": mask})


def _eval_lit_or_series(value: Any) -> Expr:
    from frame.expr import _to_expr
    from frame.series import Series

    if isinstance(value, Series | pa.Array | pa.ChunkedArray | np.ndarray | list):
        s = value if isinstance(value, Series) else Series("", value)
        return Expr("series", (), {"series": s})
    return _to_expr(value)
