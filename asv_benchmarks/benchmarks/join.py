"""Join: the five db-benchmark join questions (``dbbench_data.JOIN_QUESTIONS``) and an as-of join.

The tables are db-benchmark's ``J1_<n>_NA_0_0`` (``join_tables``: ``x`` of n rows joined to
``small`` n/1e6, ``medium`` n/1e3 and ``big`` n rows, at least one row each), with id4..id6
either plain strings or dictionary-encoded (``keys="categorical"``, the benchmark's factors).
Sizes: 10_000 rows in the ``fast`` profile, 1e7 (db-benchmark's smallest size) in ``regular``,
1e7 and 5e7 in ``large``. The as-of join (``a1``, not a db-benchmark question) joins
``asof_tables(n)``: n left rows sorted by time to n/10 right rows by an int key with 1e4 values,
backward; it is skipped when frame has no ``DataFrame.join_asof``.

frame and polars run the same question functions (``join_queries``); the polars twin class
reads frame's numbers relative to the reference implementation on the same machine. Both
return eager, fully materialised DataFrames. ``asv_benchmarks/compare_join.py`` times the
other peers (duckdb, pandas, pyarrow) and cross-checks the answers.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pyarrow as pa
import pyarrow.ipc as paipc

import frame as fr
from benchmarks.common import PROFILE
from benchmarks.dbbench_data import (
    ASOF_QUESTIONS,
    JOIN_QUESTIONS,
    asof_tables,
    join_queries,
    join_tables,
)

#: Row counts of x per profile (db-benchmark's sizes are 1e7, 1e8 and 1e9).
JOIN_ROWS: dict[str, tuple[int, ...]] = {
    "fast": (10_000,),
    "regular": (10_000_000,),
    "large": (10_000_000, 50_000_000),
}
N_ROWS = JOIN_ROWS[PROFILE]
KEYS = ("int", "categorical")
QUESTIONS = list(JOIN_QUESTIONS)
JOIN_TABLES = ("x", "small", "medium", "big")
ASOF_TABLES = ("left", "right")

FRAME_QUERIES = join_queries(fr)
FRAME_HAS_ASOF = "a1" in FRAME_QUERIES


@lru_cache(maxsize=1)
def _polars_queries() -> dict:
    import polars as pl

    return join_queries(pl)


def _read(path: str) -> pa.Table:
    # Into process memory (not a memory map): asv re-runs ``setup`` before every sample.
    with pa.OSFile(path, "rb") as f:
        return paipc.open_file(f).read_all()


@lru_cache(maxsize=1)
def _tables(n_rows: int, keys: str, paths: tuple[tuple[str, str], ...] | None) -> dict:
    """The tables of one dataset (``keys="asof"``: the as-of pair), from files or generated."""
    if paths:
        return {name: _read(path) for name, path in paths}
    if keys == "asof":
        return asof_tables(n_rows)
    return join_tables(n_rows, categorical=keys == "categorical")


@lru_cache(maxsize=1)
def _warm_up() -> None:
    # frame imports its join machinery on the first call; keep that out of the timed region
    # (``asv run --quick`` times a single call without warm-up).
    a = fr.DataFrame({"k": [1, 2], "v": [1.0, 2.0]})
    a.join(fr.DataFrame({"k": [1], "w": [3.0]}), on="k")


@lru_cache(maxsize=1)
def _frame_dfs(n_rows: int, keys: str, paths) -> dict[str, fr.DataFrame]:
    return {name: fr.from_arrow(t) for name, t in _tables(n_rows, keys, paths).items()}


@lru_cache(maxsize=1)
def _polars_dfs(n_rows: int, keys: str, paths) -> dict:
    import polars as pl

    # One small join first, like frame's _warm_up (polars starts its thread pool lazily).
    pl.DataFrame({"k": [1, 2]}).join(pl.DataFrame({"k": [1]}), on="k")
    return {name: pl.from_arrow(t).rechunk() for name, t in _tables(n_rows, keys, paths).items()}


def _call(query, dfs: dict, question: str):
    if question in ASOF_QUESTIONS:
        return lambda: query(dfs["left"], dfs["right"])
    return lambda: query(dfs["x"], dfs["small"], dfs["medium"], dfs["big"])


class JoinCache:
    """Mixin: writes the join tables for every size and key kind (and the as-of pair) once per
    environment.

    asv keys ``setup_cache`` by the defining module and line, so every class inheriting this
    shares one cache: ``{"<n_rows>_<keys>": {table name: path}}`` (keys "asof" for the pair).
    """

    # q5 on 1e7 rows is about a second per call (more in the large profile).
    timeout = 600.0

    def setup_cache(self) -> dict[str, dict[str, str]]:
        out = {}
        for n in N_ROWS:
            for keys in (*KEYS, "asof"):
                if keys == "asof":
                    tables = asof_tables(n)
                else:
                    tables = join_tables(n, categorical=keys == "categorical")
                paths = {}
                for name, table in tables.items():
                    path = os.path.abspath(f"frame_bench_join_{PROFILE}_{n}_{keys}_{name}.arrow")
                    with paipc.new_file(path, table.schema) as writer:
                        writer.write_table(table)
                    paths[name] = path
                out[f"{n}_{keys}"] = paths
                del tables
        return out

    setup_cache.timeout = 1800  # type: ignore[attr-defined]  # 5e7 rows, two key kinds

    def _paths(self, cache, n_rows: int, keys: str) -> tuple[tuple[str, str], ...] | None:
        paths = cache.get(f"{n_rows}_{keys}")
        if not paths or not all(os.path.exists(p) for p in paths.values()):
            return None
        return tuple(sorted(paths.items()))


class JoinQuestion(JoinCache):
    """One db-benchmark join question in frame, with string or dictionary-encoded id4..id6."""

    params = (N_ROWS, QUESTIONS, list(KEYS))
    param_names = ("n_rows", "question", "keys")

    def setup(self, cache, n_rows, question, keys):
        _warm_up()
        dfs = _frame_dfs(n_rows, keys, self._paths(cache, n_rows, keys))
        self.run = _call(FRAME_QUERIES[question], dfs, question)

    def time_question(self, cache, n_rows, question, keys):
        self.run()


class JoinQuestionPolars(JoinCache):
    """The same question in polars (eager ``DataFrame.join``), the reference solution."""

    params = (N_ROWS, QUESTIONS, list(KEYS))
    param_names = ("n_rows", "question", "keys")

    def setup(self, cache, n_rows, question, keys):
        dfs = _polars_dfs(n_rows, keys, self._paths(cache, n_rows, keys))
        self.run = _call(_polars_queries()[question], dfs, question)

    def time_question(self, cache, n_rows, question, keys):
        self.run()


class JoinAsof(JoinCache):
    """The as-of join (backward, by an int key) in frame and in polars.

    Skipped for frame (``NotImplementedError`` in setup) while frame has no ``join_asof``.
    """

    params = (N_ROWS, ["frame", "polars"])
    param_names = ("n_rows", "engine")

    def setup(self, cache, n_rows, engine):
        paths = self._paths(cache, n_rows, "asof")
        if engine == "frame":
            if not FRAME_HAS_ASOF:
                raise NotImplementedError("frame has no DataFrame.join_asof yet")
            _warm_up()
            self.run = _call(FRAME_QUERIES["a1"], _frame_dfs(n_rows, "asof", paths), "a1")
        else:
            self.run = _call(_polars_queries()["a1"], _polars_dfs(n_rows, "asof", paths), "a1")

    def time_asof(self, cache, n_rows, engine):
        self.run()


class JoinPeakMem(JoinCache):
    """Peak memory of the big-right-table (q5) and the left-join (q3) questions in frame.

    asv's ``peakmem`` is the process's peak RSS, so it includes the loaded tables.
    """

    params = (N_ROWS, ["q3", "q5"], list(KEYS))
    param_names = ("n_rows", "question", "keys")

    def setup(self, cache, n_rows, question, keys):
        _warm_up()
        dfs = _frame_dfs(n_rows, keys, self._paths(cache, n_rows, keys))
        self.run = _call(FRAME_QUERIES[question], dfs, question)

    def peakmem_question(self, cache, n_rows, question, keys):
        self.run()
