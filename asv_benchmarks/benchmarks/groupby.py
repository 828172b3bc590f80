"""Group-by: the ten db-benchmark questions (``dbbench_data.GROUPBY_QUESTIONS``).

The table is db-benchmark's ``G1_<n>_1e2_0_0`` (``groupby_table``), with id1..id3 either plain
strings or dictionary-encoded (``keys="categorical"``, the benchmark's "factor" runs). Sizes:
10_000 rows in the ``fast`` profile, 1e7 (db-benchmark's smallest size) in ``regular``, 1e7 and
5e7 in ``large``.

frame and polars run the same question functions (``groupby_queries``); the polars twin class
reads frame's numbers relative to the reference implementation on the same machine. Both
return eager, fully materialised DataFrames, so the timed call needs nothing else.
``asv_benchmarks/compare_groupby.py`` times the other peers and cross-checks the answers.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pyarrow as pa
import pyarrow.ipc as paipc

import frame as fr
from benchmarks.common import PROFILE
from benchmarks.dbbench_data import GROUPBY_QUESTIONS, groupby_queries, groupby_table

#: Row counts per profile (db-benchmark's sizes are 1e7, 1e8 and 1e9; k = 100 groups).
GROUPBY_ROWS: dict[str, tuple[int, ...]] = {
    "fast": (10_000,),
    "regular": (10_000_000,),
    "large": (10_000_000, 50_000_000),
}
N_ROWS = GROUPBY_ROWS[PROFILE]
KEYS = ("string", "categorical")
QUESTIONS = list(GROUPBY_QUESTIONS)

FRAME_QUERIES = groupby_queries(fr)


@lru_cache(maxsize=1)
def _polars_queries() -> dict:
    import polars as pl

    return groupby_queries(pl)


@lru_cache(maxsize=1)
def _load(path: str) -> pa.Table:
    # Into process memory (not a memory map): asv re-runs ``setup`` before every sample.
    with pa.OSFile(path, "rb") as f:
        return paipc.open_file(f).read_all()


@lru_cache(maxsize=1)
def _generated(n_rows: int, keys: str) -> pa.Table:
    return groupby_table(n_rows, categorical=keys == "categorical")


@lru_cache(maxsize=1)
def _warm_up() -> None:
    # frame imports its group-by machinery on the first call; keep that out of the timed
    # region (``asv run --quick`` times a single call without warm-up).
    fr.DataFrame({"k": [1, 1], "v": [1.0, 2.0]}).group_by("k").agg(fr.col("v").sum())


@lru_cache(maxsize=1)
def _frame_df(n_rows: int, keys: str, path: str | None) -> fr.DataFrame:
    return fr.from_arrow(_load(path) if path else _generated(n_rows, keys))


@lru_cache(maxsize=1)
def _polars_df(n_rows: int, keys: str, path: str | None):
    import polars as pl

    table = _load(path) if path else _generated(n_rows, keys)
    # One small group-by first, like frame's _warm_up (polars starts its thread pool lazily).
    pl.DataFrame({"k": [1, 1], "v": [1.0, 2.0]}).group_by("k").agg(pl.col("v").sum())
    return pl.from_arrow(table).rechunk()


class GroupByCache:
    """Mixin: writes the group-by tables for every size and key kind once per environment.

    asv keys ``setup_cache`` by the defining module and line, so every class inheriting this
    shares one cache: ``{"<n_rows>_<keys>": path}``.
    """

    # q10 on 1e7 rows is a second or more per call (and more in the large profile).
    timeout = 600.0

    def setup_cache(self) -> dict[str, str]:
        paths = {}
        for n in N_ROWS:
            for keys in KEYS:
                path = os.path.abspath(f"frame_bench_groupby_{PROFILE}_{n}_{keys}.arrow")
                table = groupby_table(n, categorical=keys == "categorical")
                with paipc.new_file(path, table.schema) as writer:
                    writer.write_table(table)
                paths[f"{n}_{keys}"] = path
                del table
        return paths

    setup_cache.timeout = 1800  # type: ignore[attr-defined]  # 5e7 rows, two key kinds

    def _path(self, cache: dict[str, str], n_rows: int, keys: str) -> str | None:
        path = cache.get(f"{n_rows}_{keys}")
        return path if path is not None and os.path.exists(path) else None


class GroupByQuestion(GroupByCache):
    """One db-benchmark question in frame, on string or dictionary-encoded keys."""

    params = (N_ROWS, QUESTIONS, list(KEYS))
    param_names = ("n_rows", "question", "keys")

    def setup(self, cache, n_rows, question, keys):
        _warm_up()
        self.df = _frame_df(n_rows, keys, self._path(cache, n_rows, keys))
        self.query = FRAME_QUERIES[question]

    def time_question(self, cache, n_rows, question, keys):
        self.query(self.df)


class GroupByQuestionPolars(GroupByCache):
    """The same question in polars (eager ``DataFrame.group_by``), the reference solution."""

    params = (N_ROWS, QUESTIONS, list(KEYS))
    param_names = ("n_rows", "question", "keys")

    def setup(self, cache, n_rows, question, keys):
        self.df = _polars_df(n_rows, keys, self._path(cache, n_rows, keys))
        self.query = _polars_queries()[question]

    def time_question(self, cache, n_rows, question, keys):
        self.query(self.df)


class GroupByPeakMem(GroupByCache):
    """Peak memory of the widest-output (q10) and the many-groups (q3) questions.

    asv's ``peakmem`` is the process's peak RSS, so it includes the loaded table.
    """

    params = (N_ROWS, ["q3", "q10"], list(KEYS))
    param_names = ("n_rows", "question", "keys")

    def setup(self, cache, n_rows, question, keys):
        _warm_up()
        self.df = _frame_df(n_rows, keys, self._path(cache, n_rows, keys))
        self.query = FRAME_QUERIES[question]

    def peakmem_question(self, cache, n_rows, question, keys):
        self.query(self.df)
