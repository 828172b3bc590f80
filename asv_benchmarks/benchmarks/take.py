"""Gather rows by position (``df[indices]``): the take kernel behind sort, sample and joins."""

from __future__ import annotations

import pyarrow as pa

import frame as fr
from benchmarks.common import N_ROWS, TableCache, load_table, make_indices, memo, with_nulls

#: Benchmark dtype name → column of the base table holding that type.
COLUMN_OF = {"int64": "id", "float64": "x", "string": "s"}


def _indices(n_rows: int, kind: str):
    return memo(("indices", n_rows, kind), lambda: make_indices(n_rows, kind))


class TakeColumn(TableCache):
    """One column gathered by ``n_rows`` positions of different access patterns."""

    params = (N_ROWS, ["int64", "float64", "string"], ["permutation", "random", "sorted"])
    param_names = ("n_rows", "dtype", "indices")

    def setup(self, cache, n_rows, dtype, indices):
        self.table = load_table(cache, n_rows).select([COLUMN_OF[dtype]])
        self.df = fr.from_arrow(self.table)
        self.idx = _indices(n_rows, indices)

    def time_take(self, cache, n_rows, dtype, indices):
        self.df[self.idx]

    def time_pyarrow_take(self, cache, n_rows, dtype, indices):
        self.table.take(self.idx)


class TakeNulls(TableCache):
    """Gather from a column with nulls (the validity bitmap is gathered bit by bit)."""

    params = (N_ROWS, ["float64", "string"], [0.0, 0.1])
    param_names = ("n_rows", "dtype", "null_fraction")

    def setup(self, cache, n_rows, dtype, null_fraction):
        name = COLUMN_OF[dtype]

        def build() -> pa.Table:
            column = with_nulls(load_table(cache, n_rows).column(name), null_fraction)
            return pa.table({name: column})

        self.table = memo(("take-nulls", n_rows, name, null_fraction), build)
        self.df = fr.from_arrow(self.table)
        self.idx = _indices(n_rows, "random")

    def time_take(self, cache, n_rows, dtype, null_fraction):
        self.df[self.idx]

    def time_pyarrow_take(self, cache, n_rows, dtype, null_fraction):
        self.table.take(self.idx)


class TakeTable(TableCache):
    """The three-column table (id, x, s) in a random order: a shuffle before training."""

    params = (N_ROWS,)
    param_names = ("n_rows",)

    def setup(self, cache, n_rows):
        self.table = load_table(cache, n_rows).select(["id", "x", "s"])
        self.df = fr.from_arrow(self.table)
        self.idx = _indices(n_rows, "permutation")

    def time_take(self, cache, n_rows):
        self.df[self.idx]

    def time_pyarrow_take(self, cache, n_rows):
        self.table.take(self.idx)

    def time_sample_shuffle(self, cache, n_rows):
        self.df.sample(fraction=1.0, shuffle=True, seed=0)

    def peakmem_take(self, cache, n_rows):
        self.df[self.idx]

    def peakmem_pyarrow_take(self, cache, n_rows):
        self.table.take(self.idx)
