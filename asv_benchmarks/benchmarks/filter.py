"""Row filtering: the filter kernel alone (precomputed mask) and end to end (predicate).

Every class has ``time_pyarrow_*`` twins doing the same work with ``pyarrow.compute`` so a
change can be read relative to pyarrow on the same machine.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.compute as pc

import frame as fr
from benchmarks.common import N_ROWS, TableCache, load_table, make_mask, memo, with_nulls

#: Benchmark dtype name → column of the base table holding that type.
COLUMN_OF = {"int64": "id", "float64": "x", "string": "s"}


def _mask(n_rows: int, selectivity: float) -> pa.Array:
    return memo(("mask", n_rows, selectivity), lambda: pa.array(make_mask(n_rows, selectivity)))


class FilterMask(TableCache):
    """One column filtered by a precomputed boolean mask (the kernel, no predicate)."""

    params = (N_ROWS, ["int64", "float64", "string"], [0.01, 0.5, 0.99])
    param_names = ("n_rows", "dtype", "selectivity")

    def setup(self, cache, n_rows, dtype, selectivity):
        self.table = load_table(cache, n_rows).select([COLUMN_OF[dtype]])
        self.df = fr.from_arrow(self.table)
        self.mask_arrow = _mask(n_rows, selectivity)
        self.mask = fr.Series("mask", self.mask_arrow)

    def time_filter(self, cache, n_rows, dtype, selectivity):
        self.df.filter(self.mask)

    def time_pyarrow_filter(self, cache, n_rows, dtype, selectivity):
        self.table.filter(self.mask_arrow)


class FilterNulls(TableCache):
    """Nulls in the data (validity bitmap filtered too) and in the mask (null drops the row)."""

    params = (N_ROWS, ["float64", "string"], [0.0, 0.1, 0.5])
    param_names = ("n_rows", "dtype", "null_fraction")

    def setup(self, cache, n_rows, dtype, null_fraction):
        name = COLUMN_OF[dtype]

        def build() -> tuple[pa.Table, pa.Array]:
            column = with_nulls(load_table(cache, n_rows).column(name), null_fraction)
            mask = with_nulls(_mask(n_rows, 0.5), null_fraction, seed=1)
            return pa.table({name: column}), mask

        self.table, self.mask_arrow = memo(("nulls", n_rows, name, null_fraction), build)
        self.df = fr.from_arrow(self.table)
        self.mask = fr.Series("mask", self.mask_arrow)

    def time_filter(self, cache, n_rows, dtype, null_fraction):
        self.df.filter(self.mask)

    def time_pyarrow_filter(self, cache, n_rows, dtype, null_fraction):
        self.table.filter(self.mask_arrow, null_selection_behavior="drop")


class FilterExpr(TableCache):
    """``df.filter(col("x") > 0)`` on the three-column table (id, x, s): predicate + kernel.

    ``n_chunks > 1`` is the shape data has after ``read_csv``/``read_parquet`` or a concat.
    """

    params = (N_ROWS, [1, 8])
    param_names = ("n_rows", "n_chunks")

    def setup(self, cache, n_rows, n_chunks):
        def build() -> pa.Table:
            table = load_table(cache, n_rows).select(["id", "x", "s"])
            if n_chunks > 1:
                size = math.ceil(n_rows / n_chunks)
                table = pa.Table.from_batches(table.to_batches(max_chunksize=size))
            return table

        self.table = memo(("expr", n_rows, n_chunks), build)
        self.df = fr.from_arrow(self.table)

    def time_filter(self, cache, n_rows, n_chunks):
        self.df.filter(fr.col("x") > 0)

    def time_pyarrow_filter(self, cache, n_rows, n_chunks):
        self.table.filter(pc.greater(self.table.column("x"), 0))

    def time_filter_two_predicates(self, cache, n_rows, n_chunks):
        self.df.filter(fr.col("x") > 0, fr.col("id") % 2 == 0)

    def time_pyarrow_filter_two_predicates(self, cache, n_rows, n_chunks):
        t = self.table
        even = pc.equal(pc.bit_wise_and(t.column("id"), 1), 0)
        t.filter(pc.and_kleene(pc.greater(t.column("x"), 0), even))

    def peakmem_filter(self, cache, n_rows, n_chunks):
        self.df.filter(fr.col("x") > 0)

    def peakmem_pyarrow_filter(self, cache, n_rows, n_chunks):
        self.table.filter(pc.greater(self.table.column("x"), 0))

    def track_n_rows(self, cache, n_rows, n_chunks):
        """Rows kept by ``x > 0`` (about half; must not drift with the data generator)."""
        return self.df.filter(fr.col("x") > 0).height

    track_n_rows.unit = "rows"  # type: ignore[attr-defined]
