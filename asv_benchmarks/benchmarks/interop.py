"""Import and export: the zero-copy paths must stay O(1) in the data size.

``to_arrow``, ``from_arrow``, ``pl.DataFrame(df)`` (Arrow C stream) and
``to_numpy(copy=False)`` of a null-free numeric column share memory; ``to_pandas`` and 2-D
``to_numpy`` copy. ``track_*`` benchmarks record whether memory is really shared, so a silent
copy shows up as a changed value rather than only as a slower timing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

import frame as fr
from benchmarks.common import N_ROWS, TableCache, load_table, memo


class Arrow(TableCache):
    """To and from ``pyarrow.Table`` and the Arrow PyCapsule stream."""

    params = (N_ROWS,)
    param_names = ("n_rows",)

    def setup(self, cache, n_rows):
        self.table = load_table(cache, n_rows)
        self.df = fr.from_arrow(self.table)

    def time_to_arrow(self, cache, n_rows):
        self.df.to_arrow()

    def time_from_arrow(self, cache, n_rows):
        fr.from_arrow(self.table)

    def time_from_arrow_c_stream(self, cache, n_rows):
        # A foreign producer that speaks only the PyCapsule stream protocol.
        fr.DataFrame(_Stream(self.table))

    def time_to_arrow_c_stream(self, cache, n_rows):
        pa.table(self.df)

    def time_pyarrow_c_stream_roundtrip(self, cache, n_rows):
        pa.table(_Stream(self.table))

    def track_to_arrow_zero_copy(self, cache, n_rows):
        """1 when ``to_arrow()`` returns the same buffers as the source table."""
        out = self.df.to_arrow().column("x").chunk(0).buffers()[1]
        src = self.table.column("x").chunk(0).buffers()[1]
        return int(out.address == src.address)


class _Stream:
    """A minimal foreign Arrow producer (only the PyCapsule protocol)."""

    def __init__(self, table: pa.Table):
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


class Polars(TableCache):
    """``pl.DataFrame(df)`` through the Arrow C stream, and back with ``fr.from_polars``."""

    params = (N_ROWS,)
    param_names = ("n_rows",)

    def setup(self, cache, n_rows):
        self.table = load_table(cache, n_rows)
        self.df = fr.from_arrow(self.table)
        self.pl_df = memo(("polars", n_rows), lambda: pl.from_arrow(self.table))

    def time_to_polars(self, cache, n_rows):
        pl.DataFrame(self.df)

    def time_to_polars_method(self, cache, n_rows):
        self.df.to_polars()

    def time_pyarrow_to_polars(self, cache, n_rows):
        pl.from_arrow(self.table)

    def time_from_polars(self, cache, n_rows):
        fr.from_polars(self.pl_df)

    def time_pyarrow_from_polars(self, cache, n_rows):
        self.pl_df.to_arrow()

    def peakmem_to_polars(self, cache, n_rows):
        pl.DataFrame(self.df)

    def peakmem_pyarrow_to_polars(self, cache, n_rows):
        pl.from_arrow(self.table)

    def track_to_polars_zero_copy(self, cache, n_rows):
        """1 when the float column of ``pl.DataFrame(df)`` uses frame's buffer."""
        out = pl.DataFrame(self.df)["x"].to_numpy()
        src = self.table.column("x").chunk(0).buffers()[1]
        return int(out.ctypes.data == src.address)


class Numpy(TableCache):
    """``to_numpy``: one null-free float column (shared) and a 2-D numeric block (copied)."""

    params = (N_ROWS,)
    param_names = ("n_rows",)

    def setup(self, cache, n_rows):
        self.table = load_table(cache, n_rows).select(["id", "x", "k2"])
        self.df = fr.from_arrow(self.table)
        self.df_x = self.df.select("x")
        self.series_x = self.df.get_column("x")

    def time_to_numpy_zero_copy(self, cache, n_rows):
        self.df_x.to_numpy(copy=False)

    def time_series_to_numpy(self, cache, n_rows):
        self.series_x.to_numpy()

    def time_pyarrow_to_numpy(self, cache, n_rows):
        self.table.column("x").to_numpy()

    def time_to_numpy_2d(self, cache, n_rows):
        self.df.to_numpy()

    def time_pyarrow_to_numpy_2d(self, cache, n_rows):
        out = np.empty((self.table.num_rows, self.table.num_columns), dtype=np.float64, order="F")
        for j, column in enumerate(self.table.columns):
            out[:, j] = column.to_numpy()

    def track_to_numpy_zero_copy(self, cache, n_rows):
        """1 when ``to_numpy(copy=False)`` of a null-free float column shares Arrow's buffer."""
        out = self.df_x.to_numpy(copy=False)
        src = self.table.column("x").chunk(0).buffers()[1]
        return int(out.ctypes.data == src.address)


class Pandas(TableCache):
    """``to_pandas`` (NumPy-backed, and Arrow-backed with ``types_mapper=pd.ArrowDtype``)."""

    params = (N_ROWS, ["numpy", "arrow"])
    param_names = ("n_rows", "backend")

    def setup(self, cache, n_rows, backend):
        self.table = load_table(cache, n_rows)
        self.df = fr.from_arrow(self.table)
        self.kwargs = {"types_mapper": pd.ArrowDtype} if backend == "arrow" else {}
        self.pd_df = memo(("pandas", n_rows, backend), lambda: self.table.to_pandas(**self.kwargs))

    def time_to_pandas(self, cache, n_rows, backend):
        self.df.to_pandas(**self.kwargs)

    def time_pyarrow_to_pandas(self, cache, n_rows, backend):
        self.table.to_pandas(**self.kwargs)

    def time_from_pandas(self, cache, n_rows, backend):
        fr.from_pandas(self.pd_df)

    def time_pyarrow_from_pandas(self, cache, n_rows, backend):
        pa.Table.from_pandas(self.pd_df, preserve_index=False)

    def peakmem_to_pandas(self, cache, n_rows, backend):
        self.df.to_pandas(**self.kwargs)

    def peakmem_pyarrow_to_pandas(self, cache, n_rows, backend):
        self.table.to_pandas(**self.kwargs)
