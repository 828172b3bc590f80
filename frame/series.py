"""Series: one named Arrow column. Its methods evaluate the matching expression."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.types as pat

from frame import _eval, _ops
from frame._construct import to_chunked
from frame._repr import format_value
from frame.dtypes import to_arrow_type, type_name
from frame.exceptions import InvalidOperationError, ShapeError
from frame.expr import Expr, col

if TYPE_CHECKING:
    import pandas
    import polars

    from frame.dataframe import DataFrame

__all__ = ["Series"]


class Series:
    """A named column of Arrow data.

    Parameters
    ----------
    name
        Column name.
    values
        A list, NumPy array, pyarrow array or anything Arrow-exportable.
    dtype
        Optional type to cast to.

    Examples
    --------
    >>> import frame as fr
    >>> s = fr.Series("x", [1, None, 3])
    >>> s.sum(), s.null_count(), (s * 2).to_list()
    (4, 1, [2, None, 6])
    """

    __slots__ = ("__weakref__", "_data", "_name")

    def __init__(self, name: str | Any = "", values: Any = None, dtype: Any = None):
        if not isinstance(name, str) and values is None:
            name, values = "", name
        if values is None:
            values = []
        target = None if dtype is None else to_arrow_type(dtype)
        self._name = name
        self._data = to_chunked(values, name, target)

    @classmethod
    def _from_chunked(cls, name: str, data: pa.ChunkedArray) -> Series:
        obj = cls.__new__(cls)
        obj._name = name
        obj._data = data
        return obj

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        """Column name."""
        return self._name

    @property
    def dtype(self) -> pa.DataType:
        """Arrow type."""
        return self._data.type

    @property
    def shape(self) -> tuple[int]:
        """(length,)."""
        return (len(self._data),)

    def __len__(self) -> int:
        return len(self._data)

    def len(self) -> int:
        """Number of values, nulls included."""
        return len(self._data)

    def alias(self, name: str) -> Series:
        """Same data under another name."""
        return Series._from_chunked(name, self._data)

    rename = alias

    # ------------------------------------------------------------------ evaluation helper
    def _frame(self) -> pa.Table:
        return pa.Table.from_arrays([self._data], names=[self._name or "_"])

    def _apply(self, build: Callable[[Expr], Expr]) -> Any:
        table = self._frame()
        value = _eval.evaluate(build(col(table.column_names[0])), table)
        if isinstance(value, pa.Scalar):
            return value.as_py()
        return Series._from_chunked(self._name, value)

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Series:
        other_expr = other if isinstance(other, Expr) else None
        if isinstance(other, Series):
            if len(other) != len(self):
                raise ShapeError(f"series lengths differ: {len(self)} and {len(other)}")
            other_expr = Expr("series", (), {"series": other})
        elif other_expr is None:
            from frame.expr import lit

            other_expr = lit(other)

        def build(c: Expr) -> Expr:
            return Expr(op, (other_expr, c) if reflected else (c, other_expr))

        result = self._apply(build)
        if not isinstance(result, Series):
            return Series(self._name, [result])
        return result

    # arithmetic and comparison operators
    def __add__(self, o: Any) -> Series:
        return self._binary("add", o)

    def __radd__(self, o: Any) -> Series:
        return self._binary("add", o, True)

    def __sub__(self, o: Any) -> Series:
        return self._binary("sub", o)

    def __rsub__(self, o: Any) -> Series:
        return self._binary("sub", o, True)

    def __mul__(self, o: Any) -> Series:
        return self._binary("mul", o)

    def __rmul__(self, o: Any) -> Series:
        return self._binary("mul", o, True)

    def __truediv__(self, o: Any) -> Series:
        return self._binary("truediv", o)

    def __rtruediv__(self, o: Any) -> Series:
        return self._binary("truediv", o, True)

    def __floordiv__(self, o: Any) -> Series:
        return self._binary("floordiv", o)

    def __mod__(self, o: Any) -> Series:
        return self._binary("mod", o)

    def __pow__(self, o: Any) -> Series:
        return self._binary("pow", o)

    def __eq__(self, o: Any) -> Series:  # type: ignore[override]
        return self._binary("eq", o)

    def __ne__(self, o: Any) -> Series:  # type: ignore[override]
        return self._binary("ne", o)

    def __lt__(self, o: Any) -> Series:
        return self._binary("lt", o)

    def __le__(self, o: Any) -> Series:
        return self._binary("le", o)

    def __gt__(self, o: Any) -> Series:
        return self._binary("gt", o)

    def __ge__(self, o: Any) -> Series:
        return self._binary("ge", o)

    def __and__(self, o: Any) -> Series:
        return self._binary("and", o)

    def __or__(self, o: Any) -> Series:
        return self._binary("or", o)

    def __xor__(self, o: Any) -> Series:
        return self._binary("xor", o)

    def __invert__(self) -> Series:
        return self._apply(lambda c: ~c)

    def __neg__(self) -> Series:
        return self._apply(lambda c: -c)

    def __abs__(self) -> Series:
        return self._apply(lambda c: c.abs())

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        raise InvalidOperationError(
            "the truth value of a Series is ambiguous; use .any(), .all() or len(s)"
        )

    # ------------------------------------------------------------------ element access
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int | np.integer):
            n = len(self)
            i = int(key)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for a Series of length {n}")
            return self._data[i % n].as_py()
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1:
                return Series._from_chunked(self._name, self._data.slice(start, max(0, stop - start)))
            return self._take(np.arange(start, stop, step, dtype=np.int64))
        if isinstance(key, Series) and pat.is_boolean(key.dtype):
            return self.filter(key)
        if isinstance(key, list | np.ndarray | Series):
            arr = np.asarray(key.to_numpy() if isinstance(key, Series) else key)
            if arr.dtype == np.bool_:
                return self.filter(Series("", arr))
            return self._take(arr.astype(np.int64))
        raise TypeError(f"cannot index a Series with {type(key).__name__}")

    def _take(self, idx: np.ndarray) -> Series:
        n = len(self)
        idx = np.where(idx < 0, idx + n, idx)
        table = _ops.take_table(self._frame(), idx, check_bounds=True)
        return Series._from_chunked(self._name, table.column(0))

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._data.chunks:
            yield from chunk.to_pylist()

    def item(self, index: int | None = None) -> Any:
        """The single value of a length-1 Series (or the value at ``index``)."""
        if index is None:
            if len(self) != 1:
                raise ShapeError(f"item() needs a Series of length 1, this one has {len(self)}")
            return self[0]
        return self[index]

    # ------------------------------------------------------------------ row operations
    def filter(self, mask: Series | Any) -> Series:
        """Values where ``mask`` is true (null drops)."""
        m = mask.to_arrow_chunked() if isinstance(mask, Series) else pa.chunked_array([pa.array(mask, type=pa.bool_())])
        arr = _ops.as_mask(m, len(self))
        return Series._from_chunked(self._name, _ops.filter_column(self._data, arr))

    def sort(self, *, descending: bool = False, nulls_last: bool = False) -> Series:
        """Sorted copy (stable; NaN after numbers; nulls first unless ``nulls_last``)."""
        if len(self) <= 1:
            return self
        order = _ops.argsort([self._data], [descending], [nulls_last])
        return self._take(order)

    def arg_sort(self, *, descending: bool = False, nulls_last: bool = False) -> Series:
        """Positions that would sort the Series (stable)."""
        order = _ops.argsort([self._data], [descending], [nulls_last])
        return Series(self._name, order)

    def unique(self, *, maintain_order: bool = True) -> Series:
        """Distinct values in order of first appearance."""
        if len(self) == 0:
            return self
        _, _, first = _ops.factorize([self._data])
        return self._take(np.sort(first))

    def n_unique(self) -> int:
        """Number of distinct values (null is one value)."""
        return _ops.n_unique(self._data)

    def value_counts(self, *, sort: bool = True) -> DataFrame:
        """Frame of distinct values and their counts (most frequent first when ``sort``)."""
        from frame.dataframe import DataFrame

        if len(self) == 0:
            return DataFrame({self._name: self, "count": pa.array([], pa.int64())})
        codes, n, first = _ops.factorize([self._data])
        counts = np.bincount(codes, minlength=n).astype(np.int64)
        values = self._take(first)
        out = DataFrame({self._name: values, "count": counts})
        if sort:
            out = out.sort("count", descending=True)
        return out

    def head(self, n: int = 10) -> Series:
        """First ``n`` values."""
        return self[: n if n >= 0 else max(0, len(self) + n)]

    def tail(self, n: int = 10) -> Series:
        """Last ``n`` values."""
        n = min(n if n >= 0 else max(0, len(self) + n), len(self))
        return self[len(self) - n :]

    def slice(self, offset: int, length: int | None = None) -> Series:
        """Zero-copy slice."""
        from frame.dataframe import _slice_bounds

        start, stop = _slice_bounds(offset, length, len(self))
        return Series._from_chunked(self._name, self._data.slice(start, stop - start))

    def drop_nulls(self) -> Series:
        """Values that are not null."""
        return self.filter(self.is_not_null())

    def hash(self, seed: int = 0) -> Series:
        """Stable 64-bit hash of every value (identical across processes and machines)."""
        return Series(self._name, _ops.hash_rows(self._data, seed))

    # ------------------------------------------------------------------ export
    def to_arrow(self) -> pa.Array:
        """A single ``pyarrow.Array`` (zero-copy when the Series has one chunk)."""
        if self._data.num_chunks == 1:
            return self._data.chunk(0)
        if self._data.num_chunks == 0:
            return pa.array([], type=self.dtype)
        return self._data.combine_chunks()

    def to_arrow_chunked(self) -> pa.ChunkedArray:
        """The underlying ``pyarrow.ChunkedArray``."""
        return self._data

    def to_list(self) -> list[Any]:
        """Python values (None for null)."""
        return self._data.to_pylist()

    def to_numpy(self, dtype: Any = None, *, copy: bool | None = None, writable: bool = False) -> np.ndarray:
        """1-D NumPy array; zero-copy (read-only) for a null-free numeric single chunk.

        Nulls become NaN (integers with nulls become float64) unless ``dtype`` forbids it.

        Examples
        --------
        >>> import frame as fr
        >>> fr.Series("a", [1, None]).to_numpy()
        array([ 1., nan])
        """
        target = None if dtype is None else np.dtype(dtype)
        return _column_to_numpy(self._data, self._name, target, copy, writable)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.to_numpy(dtype, copy=copy)

    def to_pandas(self, **kwargs: Any) -> pandas.Series:
        """pandas Series."""
        out = self._data.to_pandas(**kwargs)
        out.name = self._name
        return out

    def to_polars(self) -> polars.Series:
        """polars Series."""
        import polars as pl

        return pl.Series(self._name, self.to_arrow())

    def to_frame(self) -> DataFrame:
        """One-column DataFrame."""
        from frame.dataframe import DataFrame

        return DataFrame._from_table(pa.Table.from_arrays([self._data], names=[self._name]))

    def __arrow_c_array__(self, requested_schema: Any = None) -> Any:
        """Arrow PyCapsule array export (zero-copy for one chunk)."""
        return self.to_arrow().__arrow_c_array__(requested_schema)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Arrow PyCapsule stream export (chunks preserved)."""
        return self._data.__arrow_c_stream__(requested_schema)

    def equals(self, other: Series, *, check_names: bool = True) -> bool:
        """Same type and values (NaN equals NaN, null equals null)."""
        from frame.dataframe import _columns_equal

        if not isinstance(other, Series) or self.dtype != other.dtype:
            return False
        if check_names and self._name != other._name:
            return False
        return _columns_equal(self._data, other._data, null_equal=True)

    def __repr__(self) -> str:
        n = len(self)
        shown = list(range(min(n, 10)))
        if n > 10:
            shown = list(range(5)) + list(range(n - 5, n))
        lines = [f"shape: ({n},)", f"Series: {self._name!r} [{type_name(self.dtype)}]", "["]
        for k, i in enumerate(shown):
            if n > 10 and k == 5:
                lines.append("\t…")
            lines.append(f"\t{format_value(self._data[i].as_py())}")
        lines.append("]")
        return "\n".join(lines)


def _expr_method(name: str) -> Callable[..., Any]:
    method = getattr(Expr, name)

    def series_method(self: Series, *args: Any, **kwargs: Any) -> Any:
        return self._apply(lambda c: method(c, *args, **kwargs))

    series_method.__name__ = name
    series_method.__doc__ = method.__doc__
    return series_method


for _name in (
    "cast", "is_null", "is_not_null", "is_nan", "is_not_nan", "is_finite", "is_infinite",
    "fill_null", "fill_nan", "is_in", "is_between", "abs", "sqrt", "log", "log10", "log1p",
    "exp", "round", "floor", "ceil", "sign", "clip", "sum", "mean", "min", "max", "count",
    "null_count", "std", "var", "median", "quantile", "first", "last", "product", "any", "all",
    "arg_min", "arg_max", "eq_missing",
):
    setattr(Series, _name, _expr_method(_name))


class _SeriesNameSpace:
    def __init__(self, series: Series, accessor: str):
        self._series = series
        self._accessor = accessor

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        namespace = getattr(col("_"), self._accessor)
        if not hasattr(namespace, attr) or attr.startswith("_"):
            raise AttributeError(f"Series.{self._accessor} has no method {attr!r}")

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._series._apply(lambda c: getattr(getattr(c, self._accessor), attr)(*args, **kwargs))

        return call


def _str_ns(self: Series) -> Any:
    """String functions (same as ``Expr.str``)."""
    return _SeriesNameSpace(self, "str")


def _dt_ns(self: Series) -> Any:
    """Date/time parts (same as ``Expr.dt``)."""
    return _SeriesNameSpace(self, "dt")


Series.str = property(_str_ns)  # type: ignore[attr-defined]
Series.dt = property(_dt_ns)  # type: ignore[attr-defined]


def _column_to_numpy(
    data: pa.ChunkedArray,
    name: str,
    dtype: np.dtype | None,
    copy: bool | None,
    writable: bool,
) -> np.ndarray:
    """NumPy 2 copy semantics: copy=False raises when a copy is needed."""
    arr_type = data.type
    simple = (
        data.num_chunks == 1
        and data.null_count == 0
        and (pat.is_integer(arr_type) or pat.is_floating(arr_type))
    )
    if simple:
        view = data.chunk(0).to_numpy(zero_copy_only=True)
        if dtype is None or view.dtype == dtype:
            if copy or writable:
                return view.copy()
            return view
    if copy is False:
        why = (
            "it has nulls" if data.null_count else
            "it has several chunks" if data.num_chunks > 1 else
            f"type {type_name(arr_type)} has no zero-copy NumPy view" if dtype is None else
            f"the dtype changes to {dtype}"
        )
        raise ValueError(f"column {name!r} cannot be shared with NumPy without a copy: {why}")
    if data.null_count and (pat.is_integer(arr_type) or pat.is_boolean(arr_type)):
        if dtype is not None and dtype.kind not in "fcO":
            raise ValueError(
                f"column {name!r} has {data.null_count} nulls, which {dtype} cannot hold; "
                "fill them first with fill_null(...) or ask for a float dtype"
            )
        out = data.cast(pa.float64()).to_numpy()
    elif pat.is_dictionary(arr_type):
        out = data.cast(arr_type.value_type).to_numpy()
    else:
        out = data.to_numpy()
    if dtype is not None and out.dtype != dtype:
        out = out.astype(dtype)
    if (writable or copy) and not out.flags.writeable:
        out = out.copy()
    return out
