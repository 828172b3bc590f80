"""Sorting: ``Series.arg_sort`` (the sort kernel alone) and ``DataFrame.sort`` (argsort + take).

frame's sort is always stable; pyarrow's ``sort_indices`` is stable too, so the baselines do
the same work. Nulls are placed last on both sides (frame's default is first, as in polars).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

import frame as fr
from benchmarks.common import N_ROWS, TableCache, load_table, memo, with_nulls

#: Benchmark key name → column of the base table: unique ints, 100 distinct ints, floats,
#: 1e5 distinct short strings.
COLUMN_OF = {"int64": "id", "int64_low_card": "k2", "float64": "x", "string": "s"}


class SortByKey(TableCache):
    """The four-column table sorted by one key of each type, with and without nulls."""

    params = (N_ROWS, ["int64", "int64_low_card", "float64", "string"], [0.0, 0.1])
    param_names = ("n_rows", "key", "null_fraction")

    def setup(self, cache, n_rows, key, null_fraction):
        name = COLUMN_OF[key]

        def build() -> pa.Table:
            table = load_table(cache, n_rows)
            if null_fraction:
                idx = table.schema.get_field_index(name)
                table = table.set_column(idx, name, with_nulls(table.column(name), null_fraction))
            return table

        self.name = name
        self.table = memo(("sort", n_rows, name, null_fraction), build)
        self.df = fr.from_arrow(self.table)
        self.series = self.df.get_column(name)
        self.column = self.table.column(name)

    def time_sort(self, cache, n_rows, key, null_fraction):
        self.df.sort(self.name, nulls_last=True)

    def time_pyarrow_sort(self, cache, n_rows, key, null_fraction):
        self.table.sort_by([(self.name, "ascending", "at_end")])

    def time_arg_sort(self, cache, n_rows, key, null_fraction):
        self.series.arg_sort(nulls_last=True)

    def time_pyarrow_arg_sort(self, cache, n_rows, key, null_fraction):
        pc.array_sort_indices(self.column, order="ascending", null_placement="at_end")


class SortMultiKey(TableCache):
    """Two-key sorts: a low-cardinality int then a float, and a string then an int."""

    params = (N_ROWS, ["k2,x", "s,id"])
    param_names = ("n_rows", "keys")

    def setup(self, cache, n_rows, keys):
        self.keys = keys.split(",")
        self.table = load_table(cache, n_rows)
        self.df = fr.from_arrow(self.table)

    def time_sort(self, cache, n_rows, keys):
        self.df.sort(self.keys)

    def time_pyarrow_sort(self, cache, n_rows, keys):
        self.table.sort_by([(k, "ascending") for k in self.keys])

    def peakmem_sort(self, cache, n_rows, keys):
        self.df.sort(self.keys)

    def peakmem_pyarrow_sort(self, cache, n_rows, keys):
        self.table.sort_by([(k, "ascending") for k in self.keys])
