"""The db-benchmark group-by questions in frame, polars, duckdb, pandas and pyarrow.

Usage (from the repository root)::

    .venv/bin/python asv_benchmarks/compare_groupby.py                    # 1e7 rows, both key kinds
    .venv/bin/python asv_benchmarks/compare_groupby.py --rows 1_000_000 --repeat 3
    .venv/bin/python asv_benchmarks/compare_groupby.py --engines frame,polars --questions q1,q10 \
        --keys categorical --out groupby.md

Data: ``groupby_table(rows, k=100, nas=--nas)`` of ``benchmarks/dbbench_data.py`` — the shape
of db-benchmark's ``G1_<rows>_1e2_<nas>_0`` (``--nas 5``: 5% nulls in every column).
``--keys string`` has id1..id3 as plain strings, ``--keys categorical`` dictionary-encodes them
(frame/polars Categorical, pandas ``category``; duckdb scans an Arrow dictionary as VARCHAR);
the default runs both. The table is generated once per key kind and
written as an Arrow IPC file in a temporary directory; every engine process reads that file
into memory (no memory map) and converts it to its native frame before any timing.

The questions are db-benchmark's, spelled as its polars reference solutions (frame and polars
run the very same functions, ``groupby_queries`` in ``dbbench_data.py``); the duckdb, pandas
and pyarrow spellings are below. A question an engine cannot answer exactly is reported as
``—`` with a note (pyarrow has no exact median, top-k or correlation aggregation).

Each engine runs in its own subprocess per key kind (``--in-process`` runs them here); thread
pools are set to ``--threads`` (default 2). Every question is run once as a warm-up and then
``--repeat`` times; the median and the minimum are reported. The timed call ends when the
engine's native result exists: a frame/polars/pandas DataFrame, a pyarrow Table, a DuckDB
temporary table (``CREATE TEMP TABLE ans AS ...``, as db-benchmark does). Peak RSS is read
per question (the high-water mark is reset before the question's warm-up) and includes the
loaded table.

After the timings each question is run once more (untimed), its result written as Arrow IPC,
and the parent cross-checks all engines against a reference (polars when it ran): row count,
column sums, and the full result sorted by its keys — keys exactly, integers exactly, floats
with relative tolerance 1e-9 (1e-6 for std and corr²), null and NaN treated as the same
"no value". A mismatch is printed loudly and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmarks.dbbench_data import GROUPBY_QUESTIONS, groupby_queries, groupby_table
from compare_peers import _table, _versions
from peer_harness import (
    Engine,
    _as_float,
    _column_sum,
    _normalise,
    _read_ipc,
    _write_ipc,
    time_questions,
    timing_sections,
)
from peer_harness import run_subprocess as _run_subprocess

ENGINES = ("frame", "polars", "duckdb", "pandas", "pyarrow")
KEY_KINDS = ("string", "categorical")
QUESTIONS = tuple(GROUPBY_QUESTIONS)

#: question → (key columns, names of the aggregated columns), the canonical result layout.
LAYOUT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "q1": (("id1",), ("v1",)),
    "q2": (("id1", "id2"), ("v1",)),
    "q3": (("id3",), ("v1", "v3")),
    "q4": (("id4",), ("v1", "v2", "v3")),
    "q5": (("id6",), ("v1", "v2", "v3")),
    "q6": (("id4", "id5"), ("median_v3", "sd_v3")),
    "q7": (("id3",), ("range_v1_v2",)),
    "q8": (("id6",), ("largest2_v3",)),
    "q9": (("id2", "id4"), ("r2",)),
    "q10": (("id1", "id2", "id3", "id4", "id5", "id6"), ("v3", "count_v1")),
}

#: Sum columns: SQL engines (duckdb, pyarrow) give null for a group whose values are all null,
#: polars, pandas and frame give 0; the check treats the two alike (only matters with --nas).
SUMS = {
    ("q1", "v1"),
    ("q2", "v1"),
    ("q3", "v1"),
    ("q5", "v1"),
    ("q5", "v2"),
    ("q5", "v3"),
    ("q10", "v3"),
}

#: Aggregates compared with a relative tolerance of 1e-6 (two-pass vs one-pass algorithms).
LOOSE = {"sd_v3", "r2"}
RTOL, RTOL_LOOSE = 1e-9, 1e-6

NOTES = {
    ("pyarrow", "q6"): "no exact median aggregation (only `approximate_median`/`tdigest`)",
    ("pyarrow", "q8"): "no top-k aggregation in `TableGroupBy.aggregate`",
    ("pyarrow", "q9"): "no correlation aggregation in `TableGroupBy.aggregate`",
    ("duckdb", "q8"): "window `row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) <= 2`",
    ("duckdb", "q9"): "`pow(corr(v1, v2), 2)`",
    ("pandas", "q8"): "`sort_values('v3', ascending=False)` then `groupby('id6').head(2)`",
    ("pandas", "q9"): "`groupby(...)[['v1', 'v2']].corr()`, then the v1×v2 cell squared",
}


# --------------------------------------------------------------------------- engines
class FrameEngine(Engine):
    name = "frame"

    def __init__(self, table: pa.Table, threads: int):
        super().__init__(table, threads)
        import frame as fr

        fr.set_num_threads(threads)
        self.fr = fr
        self.df = fr.from_arrow(table)

    def questions(self) -> dict[str, Callable[[], Any]]:
        df = self.df
        return {q: (lambda f=f: f(df)) for q, f in groupby_queries(self.fr).items()}

    def threads(self) -> str:
        return str(self.fr.get_num_threads())

    def describe(self) -> str:
        return "fr.from_arrow (zero-copy)"


class PolarsEngine(Engine):
    name = "polars"

    def __init__(self, table: pa.Table, threads: int):
        super().__init__(table, threads)
        import polars as pl

        self.pl = pl
        self.df = pl.from_arrow(table).rechunk()
        self.table = None  # polars holds its own copy of the strings

    def questions(self) -> dict[str, Callable[[], Any]]:
        df = self.df
        return {q: (lambda f=f: f(df)) for q, f in groupby_queries(self.pl).items()}

    def threads(self) -> str:
        return str(self.pl.thread_pool_size())

    def describe(self) -> str:
        return "pl.from_arrow, eager DataFrame"


class PandasEngine(Engine):
    """NumPy-backed numbers and pandas' default (pyarrow-backed) ``str`` for string keys.

    Measured at 1e6 rows that is as fast as or faster than ``types_mapper=pd.ArrowDtype`` on
    every question (q8 2x, q9 1.5x faster), so it is what a pandas user gets by default.
    """

    name = "pandas"

    def __init__(self, table: pa.Table, threads: int):
        super().__init__(table, threads)
        import pandas as pd

        self.pd = pd
        self.df = table.to_pandas()
        self.table = None

    def questions(self) -> dict[str, Callable[[], Any]]:
        df = self.df

        def g(*keys: str, frame: Any = None) -> Any:
            frame = df if frame is None else frame
            return frame.groupby(
                list(keys), observed=True, sort=False, dropna=False, as_index=False
            )

        def q7() -> Any:
            r = g("id3").agg(v1=("v1", "max"), v2=("v2", "min"))
            r["range_v1_v2"] = r["v1"] - r["v2"]
            return r[["id3", "range_v1_v2"]]

        def q8() -> Any:
            x = df[["id6", "v3"]]
            x = x[x["v3"].notna()].sort_values("v3", ascending=False)
            return x.groupby("id6", observed=True, sort=False, dropna=False).head(2)

        def q9() -> Any:
            x = df[["id2", "id4", "v1", "v2"]]
            c = x.groupby(["id2", "id4"], observed=True, sort=False, dropna=False)[
                ["v1", "v2"]
            ].corr()
            r2 = c.xs("v1", level=-1)["v2"] ** 2
            return r2.reset_index(name="r2")

        return {
            "q1": lambda: g("id1").agg(v1=("v1", "sum")),
            "q2": lambda: g("id1", "id2").agg(v1=("v1", "sum")),
            "q3": lambda: g("id3").agg(v1=("v1", "sum"), v3=("v3", "mean")),
            "q4": lambda: g("id4").agg(v1=("v1", "mean"), v2=("v2", "mean"), v3=("v3", "mean")),
            "q5": lambda: g("id6").agg(v1=("v1", "sum"), v2=("v2", "sum"), v3=("v3", "sum")),
            "q6": lambda: g("id4", "id5").agg(median_v3=("v3", "median"), sd_v3=("v3", "std")),
            "q7": q7,
            "q8": q8,
            "q9": q9,
            "q10": lambda: g("id1", "id2", "id3", "id4", "id5", "id6").agg(
                v3=("v3", "sum"), count_v1=("v1", "count")
            ),
        }

    def describe(self) -> str:
        kinds = sorted({str(t) for t in self.df.dtypes})
        return "Table.to_pandas(): " + ", ".join(kinds)


class PyarrowEngine(Engine):
    name = "pyarrow"

    def __init__(self, table: pa.Table, threads: int):
        super().__init__(table, threads)
        pa.set_cpu_count(threads)

    def questions(self) -> dict[str, Callable[[], Any]]:
        t = self.table

        def agg(keys: list[str], aggs: list[tuple[str, str]]) -> pa.Table:
            r = t.group_by(keys).aggregate(aggs)
            return r.select([*keys, *(f"{c}_{f}" for c, f in aggs)])

        def q7() -> pa.Table:
            r = t.group_by("id3").aggregate([("v1", "max"), ("v2", "min")])
            diff = pc.subtract(r.column("v1_max"), r.column("v2_min"))
            return pa.table({"id3": r.column("id3"), "range_v1_v2": diff})

        return {
            "q1": lambda: agg(["id1"], [("v1", "sum")]),
            "q2": lambda: agg(["id1", "id2"], [("v1", "sum")]),
            "q3": lambda: agg(["id3"], [("v1", "sum"), ("v3", "mean")]),
            "q4": lambda: agg(["id4"], [("v1", "mean"), ("v2", "mean"), ("v3", "mean")]),
            "q5": lambda: agg(["id6"], [("v1", "sum"), ("v2", "sum"), ("v3", "sum")]),
            "q7": q7,
            "q10": lambda: agg(
                ["id1", "id2", "id3", "id4", "id5", "id6"], [("v3", "sum"), ("v1", "count")]
            ),
        }

    def threads(self) -> str:
        return str(pa.cpu_count())

    def describe(self) -> str:
        return "the pyarrow.Table itself"


class DuckdbEngine(Engine):
    name = "duckdb"

    SQL: ClassVar[dict[str, str]] = {
        "q1": "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
        "q2": "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
        "q3": "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
        "q4": "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
        "q5": "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
        "q6": "SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 "
        "FROM x GROUP BY id4, id5",
        "q7": "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
        "q8": "SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER "
        "(PARTITION BY id6 ORDER BY v3 DESC) AS rn FROM x WHERE v3 IS NOT NULL) sub WHERE rn <= 2",
        "q9": "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
        "q10": "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(v1) AS count_v1 "
        "FROM x GROUP BY id1, id2, id3, id4, id5, id6",
    }

    def __init__(self, table: pa.Table, threads: int):
        super().__init__(table, threads)
        import duckdb

        self.con = duckdb.connect()
        self.con.execute(f"SET threads TO {threads}")
        self.con.register("x", table)

    def questions(self) -> dict[str, Callable[[], Any]]:
        def run(sql: str) -> Callable[[], str]:
            def q() -> str:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE ans AS {sql}")
                return "ans"

            return q

        return {q: run(sql) for q, sql in self.SQL.items()}

    def as_arrow(self, result: Any) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {result}").to_arrow_table()

    def threads(self) -> str:
        return str(self.con.sql("SELECT current_setting('threads')").fetchall()[0][0])

    def describe(self) -> str:
        types = self.con.sql("SELECT column_type FROM (DESCRIBE x) WHERE column_name = 'id1'")
        return f"Arrow table registered as a view (id1 scans as {types.fetchall()[0][0]})"


ENGINE_CLASSES: dict[str, type[Engine]] = {
    "frame": FrameEngine,
    "polars": PolarsEngine,
    "duckdb": DuckdbEngine,
    "pandas": PandasEngine,
    "pyarrow": PyarrowEngine,
}


# --------------------------------------------------------------------------- running
def _canonical(question: str, table: pa.Table) -> pa.Table:
    keys, values = LAYOUT[question]
    names = [*keys, *values]
    if table.num_columns != len(names):
        raise ValueError(f"{question}: expected columns {names}, got {table.column_names}")
    return table.rename_columns(names)


def run_engine(
    name: str, data_path: str, repeat: int, questions: list[str], threads: int, out_dir: str | None
) -> dict[str, Any]:
    """Time every question of one engine; results go to ``out_dir`` for the cross-check."""
    table = _read_ipc(data_path)
    engine = ENGINE_CLASSES[name](table, threads)
    del table
    available = engine.questions()
    return time_questions(name, engine, available, repeat, questions, out_dir, _canonical)


def run_subprocess(
    name: str, data_path: str, args: argparse.Namespace, questions: list[str], out_dir: str
) -> dict[str, Any]:
    engine_args = [
        "--engine",
        name,
        "--data",
        data_path,
        "--result-dir",
        out_dir,
        "--repeat",
        str(args.repeat),
        "--threads",
        str(args.threads),
        "--questions",
        ",".join(questions),
    ]
    return _run_subprocess(__file__, engine_args, args.threads)


# --------------------------------------------------------------------------- checks
def _sorted(question: str, table: pa.Table) -> pa.Table:
    """``table`` sorted by the question's keys (q8, two rows per key, by its value too)."""
    keys, values = LAYOUT[question]
    by = [*keys, *values] if question == "q8" else list(keys)
    # A multi-column sort_by of a 1e7-row q10 result takes many seconds; the dense ranks of
    # each column combined into one int64 sort the same way in a fraction of that.
    ranks, sizes = [], []
    for c in by:
        column = table.column(c)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        encoded = pc.dictionary_encode(column)  # rank the distinct values only
        order = pc.rank(encoded.dictionary, tiebreaker="dense").to_numpy().astype(np.int64)
        order = np.append(order, len(order) + 1)  # null last
        codes = pc.fill_null(encoded.indices, len(order) - 1).to_numpy()
        ranks.append(order[codes])
        sizes.append(len(order) + 2)
    if math.prod(sizes) >= 2**63:
        return table.sort_by([(c, "ascending") for c in by])
    composite = np.zeros(table.num_rows, dtype=np.int64)
    for r, size in zip(ranks, sizes):
        composite = composite * size + r
    return table.take(np.argsort(composite, kind="stable"))


def compare(question: str, ref: pa.Table, got: pa.Table) -> list[str]:
    """Differences between two canonical, normalised, sorted results of ``question``."""
    problems = []
    if got.num_rows != ref.num_rows:
        return [f"{got.num_rows:,} result rows, reference has {ref.num_rows:,}"]
    keys, values = LAYOUT[question]
    for name in keys:
        a, b = ref.column(name), got.column(name)
        if a.type != b.type:
            a, b = a.cast(pa.string()), b.cast(pa.string())
        same = pc.fill_null(pc.equal(a, b), False)
        both_null = pc.and_(pc.is_null(a), pc.is_null(b))
        bad = pc.invert(pc.or_(same, both_null))
        n_bad = pc.sum(bad).as_py() or 0
        if n_bad:
            first = pc.index(bad, True).as_py()
            problems.append(
                f"key {name}: {n_bad:,} rows differ after sorting by the keys; first at row "
                f"{first}: {b[first].as_py()!r} vs reference {a[first].as_py()!r}"
            )
    if problems:
        return problems  # the value comparison would only repeat the key mismatch
    for name in values:
        a, b = ref.column(name), got.column(name)
        if (question, name) in SUMS:
            a, b = pc.fill_null(a, 0), pc.fill_null(b, 0)
        sa, sb = _column_sum(a), _column_sum(b)
        if pa.types.is_integer(a.type) and pa.types.is_integer(b.type):
            if a.null_count or b.null_count:
                x, y = _as_float(a), _as_float(b)
                bad = ~((x == y) | (np.isnan(x) & np.isnan(y)))
            else:
                x, y = a.to_numpy(), b.to_numpy()
                bad = x != y
            rtol = 0.0
        else:
            x, y = _as_float(a), _as_float(b)
            rtol = RTOL_LOOSE if name in LOOSE else RTOL
            bad = ~np.isclose(x, y, rtol=rtol, atol=1e-12, equal_nan=True)
        n_bad = int(bad.sum())
        if n_bad:
            i = int(np.argmax(bad))
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
            worst = float(np.nanmax(np.where(bad, rel, np.nan))) if n_bad else 0.0
            key = {k: got.column(k)[i].as_py() for k in keys}
            problems.append(
                f"{name}: {n_bad:,} of {len(x):,} groups differ (tolerance rel {rtol:g}; "
                f"largest relative difference {worst:.3g}); first at {key}: {y[i].item()!r} vs "
                f"reference {x[i].item()!r}; column sums {sb!r} vs {sa!r}"
            )
    return problems


def _reference(results: dict[str, dict[str, Any]], question: str) -> str | None:
    have = [e for e in results if "result" in results[e]["questions"].get(question, {})]
    for name in ("polars", "duckdb", "pandas", "pyarrow", "frame"):
        if name in have:
            return name
    return None


def cross_check(
    results: dict[str, dict[str, Any]], questions: list[str]
) -> tuple[list[str], dict[str, dict[str, str]], dict[str, dict[str, Any]]]:
    """(problems, per-engine status per question, reference summaries per question)."""
    problems: list[str] = []
    status: dict[str, dict[str, str]] = {e: {} for e in results}
    summaries: dict[str, dict[str, Any]] = {}
    for q in questions:
        ref_engine = _reference(results, q)
        if ref_engine is None:
            continue
        ref = _sorted(q, _normalise(_read_ipc(results[ref_engine]["questions"][q]["result"])))
        summaries[q] = {
            "reference": ref_engine,
            "rows": ref.num_rows,
            "sums": {v: _column_sum(ref.column(v)) for v in LAYOUT[q][1]},
        }
        for engine, report in results.items():
            entry = report["questions"].get(q)
            if entry is None:
                status[engine][q] = "—" if "error" not in report else "failed"
                continue
            if "error" in entry:
                status[engine][q] = "failed"
                problems.append(f"{q}: {engine} raised {entry['error']}")
                continue
            if "result" not in entry:
                status[engine][q] = "failed"
                problems.append(f"{q}: {engine} result not checked ({entry.get('check_error')})")
                continue
            if engine == ref_engine:
                status[engine][q] = "ref"
                continue
            got = _sorted(q, _normalise(_read_ipc(entry["result"])))
            diffs = compare(q, ref, got)
            status[engine][q] = "MISMATCH" if diffs else "ok"
            problems += [f"{q}: {engine} vs {ref_engine}: {d}" for d in diffs]
            del got
        del ref
    return problems, status, summaries


# --------------------------------------------------------------------------- report
def _question_label(q: str) -> str:
    return f"{q} {GROUPBY_QUESTIONS[q]}"


def report_kind(
    kind: str,
    results: dict[str, dict[str, Any]],
    questions: list[str],
    args: argparse.Namespace,
    status: dict[str, dict[str, str]],
    summaries: dict[str, dict[str, Any]],
) -> str:
    engines = list(results)
    runs = f"{args.repeat} run{'s' if args.repeat > 1 else ''}"
    out = [
        f"## group-by, {kind} keys — {args.rows:,} rows (k=100, "
        f"{f'{args.nas}% nulls' if args.nas else 'no nulls'}), {runs} after a warm-up",
        "",
        "Inputs: " + "; ".join(f"{e}: {results[e].get('input', '?')}" for e in engines),
        "",
    ]
    out += timing_sections(
        results,
        questions,
        status,
        _question_label,
        in_process=args.in_process,
        memory_caption="includes the loaded table",
    )
    if summaries:
        rows = [
            [
                q,
                s["reference"],
                f"{s['rows']:,}",
                ", ".join(f"{k}={v:.6g}" for k, v in s["sums"].items()),
            ]
            for q, s in summaries.items()
        ]
        out += [_table(["question", "reference", "result rows", "column sums"], rows), ""]
    return "\n".join(out)


def header(engines: list[str], args: argparse.Namespace, threads: dict[str, str]) -> str:
    return "\n".join(
        [
            f"# frame vs peers — db-benchmark group-by, {args.rows:,} rows",
            "",
            "Versions: " + ", ".join(f"{k} {v}" for k, v in _versions(engines).items()),
            f"Machine: {os.cpu_count()} CPUs, load average {args.load_before} before the run; "
            "threads: " + ", ".join(f"{e} {t}" for e, t in threads.items() if t),
            "",
        ]
    )


def footer(engines: list[str], questions: list[str], nas: int) -> str:
    out = ["Questions (frame and polars run the same code, `groupby_queries` in dbbench_data.py):"]
    out += [f"- `{_question_label(q)}`" for q in questions]
    notes = [
        f"- {e} `{q}`: {text}" for (e, q), text in NOTES.items() if e in engines and q in questions
    ]
    if notes:
        out += ["", "Notes:", *notes]
    out += [
        "- `—`: the engine cannot answer the question exactly (see the notes); `error`: it raised.",
        "- duckdb's timed call is `CREATE OR REPLACE TEMP TABLE ans AS <query>` (its native "
        "result, as in db-benchmark); pandas uses `groupby(..., observed=True, sort=False, "
        "dropna=False, as_index=False)`.",
    ]
    if nas:
        out += [
            "- With nulls, the sum of an all-null group is null in duckdb and pyarrow (SQL) and 0 "
            "in frame, polars and pandas; the cross-check treats null and 0 alike there."
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per question (after one warm-up)"
    )
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset")
    parser.add_argument("--questions", default=",".join(QUESTIONS), help="comma-separated subset")
    parser.add_argument(
        "--keys", default="both", choices=[*KEY_KINDS, "both"], help="id1..id3 as string or dict"
    )
    parser.add_argument(
        "--nas", type=int, default=0, help="percent of nulls in every column (db-benchmark: 0 or 5)"
    )
    parser.add_argument("--threads", type=int, default=2, help="thread pool size of every engine")
    parser.add_argument("--in-process", action="store_true", help="no subprocesses (no RSS)")
    parser.add_argument("--out", help="also write the markdown report to this file")
    parser.add_argument("--engine", help=argparse.SUPPRESS)  # internal: run one engine
    parser.add_argument("--data", help=argparse.SUPPRESS)  # internal: the IPC file to read
    parser.add_argument("--result-dir", help=argparse.SUPPRESS)  # internal: where results go
    args = parser.parse_args(argv)

    questions = [q for q in args.questions.split(",") if q]
    engines = [e for e in args.engines.split(",") if e]
    unknown = [q for q in questions if q not in QUESTIONS] + [
        e for e in engines if e not in ENGINES
    ]
    if unknown:
        parser.error(f"unknown question/engine: {', '.join(unknown)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    questions = [q for q in QUESTIONS if q in questions]  # canonical order

    if args.engine:
        report = run_engine(
            args.engine, args.data, args.repeat, questions, args.threads, args.result_dir
        )
        print(json.dumps(report))
        return 0

    os.environ.setdefault("POLARS_MAX_THREADS", str(args.threads))  # for --in-process
    args.load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())  # 1, 5, 15 min
    kinds = list(KEY_KINDS) if args.keys == "both" else [args.keys]
    work = tempfile.mkdtemp(prefix="frame_groupby_")
    sections, all_problems, threads = [], [], {}
    try:
        for kind in kinds:
            data_path = os.path.join(work, f"G1_{args.rows}_1e2_{args.nas}_0_{kind}.arrow")
            start = time.perf_counter()
            table = groupby_table(args.rows, nas=args.nas, categorical=kind == "categorical")
            _write_ipc(data_path, table)
            del table
            gc.collect()
            print(
                f"{kind} keys: {args.rows:,} rows generated in {time.perf_counter() - start:.1f} s;"
                f" timing {', '.join(engines)} ...",
                file=sys.stderr,
                flush=True,
            )
            results = {}
            for name in engines:
                out_dir = os.path.join(work, kind)
                os.makedirs(out_dir, exist_ok=True)
                if args.in_process:
                    results[name] = run_engine(
                        name, data_path, args.repeat, questions, args.threads, out_dir
                    )
                    # One process holds every engine's heap: its RSS says nothing per engine.
                    results[name].pop("rss_after_prep_mib")
                    gc.collect()
                else:
                    results[name] = run_subprocess(name, data_path, args, questions, out_dir)
                threads.setdefault(name, results[name].get("threads", ""))
            print(f"{kind} keys: cross-checking ...", file=sys.stderr, flush=True)
            problems, status, summaries = cross_check(results, questions)
            problems = [
                f"{e}: run failed ({r['error']})" for e, r in results.items() if "error" in r
            ] + problems
            all_problems += [f"[{kind} keys] {p}" for p in problems]
            sections.append(report_kind(kind, results, questions, args, status, summaries))
            shutil.rmtree(os.path.join(work, kind), ignore_errors=True)
            os.remove(data_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    text = "\n\n".join(
        [header(engines, args, threads), *sections, footer(engines, questions, args.nas)]
    )
    if all_problems:
        banner = "!" * 78
        text += f"\n\n{banner}\nCROSS-CHECK FAILED ({len(all_problems)} problems):\n"
        text += "\n".join(f"  {p}" for p in all_problems) + f"\n{banner}"
    else:
        text += "\n\nCross-check: every engine agrees with the reference on every question it ran."
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if all_problems:
        print("\nCROSS-CHECK FAILED: see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
