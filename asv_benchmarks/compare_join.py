"""The db-benchmark join questions in frame, polars, duckdb, pandas and pyarrow.

Usage (from the repository root)::

    .venv/bin/python asv_benchmarks/compare_join.py                       # 1e7 rows, both key kinds
    .venv/bin/python asv_benchmarks/compare_join.py --rows 1_000_000 --repeat 3
    .venv/bin/python asv_benchmarks/compare_join.py --engines frame,polars --questions q1,q5 \
        --keys categorical --out join.md

Data: ``join_tables(rows, nas=--nas)`` of ``benchmarks/dbbench_data.py`` — db-benchmark's
``J1_<rows>_NA_<nas>_0``: ``x`` (rows), ``small`` (rows/1e6), ``medium`` (rows/1e3) and ``big``
(rows); every right key is unique in its table and ~90% of x's rows find a match.
``--keys int`` has id4..id6 as plain strings, ``--keys categorical`` dictionary-encodes them
(R factors; frame/polars Categorical, pandas ``category``; each table has its own dictionary);
the default runs both. The ids id1..id3 are int32 either way. The as-of question ``a1`` (not a
db-benchmark question) joins ``asof_tables(rows)``: ``rows`` left rows sorted by time, a right
table of rows/10, ``by`` an int key with 1e4 values, backward strategy; it runs once, with the
first key kind. The tables are written as Arrow IPC files in a temporary directory; every engine
process reads them into memory and converts them to its native frames before any timing.

The questions are db-benchmark's, spelled as its polars reference solutions (frame and polars
run the very same functions, ``join_queries`` in ``dbbench_data.py``; "medium outer" is a left
join there); the duckdb, pandas and pyarrow spellings are below. A question an engine cannot
answer is reported as ``—`` with a note.

Each engine runs in its own subprocess per key kind (``--in-process`` runs them here); thread
pools are set to ``--threads`` (default 2). Every question is run once as a warm-up and then
``--repeat`` times; the median and the minimum are reported. The timed call ends when the
engine's native result exists: a frame/polars/pandas DataFrame, a pyarrow Table, a DuckDB
temporary table (``CREATE OR REPLACE TEMP TABLE ans AS ...``, as db-benchmark does). Peak RSS
is read per question (the high-water mark is reset before the question's warm-up) and includes
the loaded tables.

After the timings each question is run once more (untimed), its result written as Arrow IPC,
and the parent cross-checks all engines against a reference (polars when it ran): row count,
order-independent column sums (string columns: total length) and, up to ``--full-check-rows``
result rows, the full result sorted by x's unique ``id3`` (a1: by ``t, id, v1``) compared
exactly (null and NaN alike). Join output order is not compared (pyarrow's and duckdb's is
arbitrary). A mismatch is printed loudly and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import gc
import json
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
from benchmarks.dbbench_data import (
    ASOF_QUESTIONS,
    JOIN_QUESTIONS,
    asof_tables,
    join_queries,
    join_tables,
)
from compare_peers import _table, _versions
from peer_harness import (
    Engine,
    _as_float,
    _normalise,
    _read_ipc,
    _write_ipc,
    run_subprocess,
    time_questions,
    timing_sections,
)

ENGINES = ("frame", "polars", "duckdb", "pandas", "pyarrow")
KEY_KINDS = ("int", "categorical")
ALL_QUESTIONS = {**JOIN_QUESTIONS, **ASOF_QUESTIONS}
QUESTIONS = tuple(ALL_QUESTIONS)
JOIN_TABLES = ("x", "small", "medium", "big")
ASOF_TABLES = ("left", "right")

_X = ("id1", "id2", "id3", "id4", "id5", "id6", "v1")
#: question → canonical output columns (x's columns, then the right table's non-key columns).
LAYOUT: dict[str, tuple[str, ...]] = {
    "q1": (*_X, "id4_right", "v2"),
    "q2": (*_X, "id1_right", "id4_right", "id5_right", "v2"),
    "q3": (*_X, "id1_right", "id4_right", "id5_right", "v2"),
    "q4": (*_X, "id1_right", "id2_right", "id4_right", "v2"),
    "q5": (*_X, "id1_right", "id2_right", "id4_right", "id5_right", "id6_right", "v2"),
    "a1": ("t", "id", "v1", "v2"),
}
#: question → the columns the full comparison sorts by (x's id3 is unique per x row and every
#: right key is unique, so it identifies an output row).
SORT_BY = dict.fromkeys(JOIN_QUESTIONS, ("id3",)) | {"a1": ("t", "id", "v1")}

NOTES = {
    ("frame", "a1"): "not implemented yet (no `DataFrame.join_asof` in this build)",
    ("pyarrow", "a1"): "no as-of join in pyarrow's public API",
    ("duckdb", "a1"): "`FROM l ASOF LEFT JOIN r ON l.id = r.id AND l.t >= r.t`",
    ("pandas", "a1"): "`pd.merge_asof(left, right, on='t', by='id', direction='backward')`",
    ("pyarrow", "all"): "`Table.join(..., right_suffix='_right')`; output order is arbitrary",
}


# --------------------------------------------------------------------------- engines
def _join_fns(
    queries: dict[str, Callable[..., Any]], t: dict[str, Any]
) -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {}
    for q, f in queries.items():
        if q in JOIN_QUESTIONS and all(n in t for n in JOIN_TABLES):
            out[q] = lambda f=f: f(t["x"], t["small"], t["medium"], t["big"])
        elif q in ASOF_QUESTIONS and all(n in t for n in ASOF_TABLES):
            out[q] = lambda f=f: f(t["left"], t["right"])
    return out


class FrameEngine(Engine):
    name = "frame"

    def __init__(self, table: dict[str, pa.Table], threads: int):
        super().__init__(table, threads)
        import frame as fr

        fr.set_num_threads(threads)
        self.fr = fr
        self.dfs = {name: fr.from_arrow(t) for name, t in table.items()}

    def questions(self) -> dict[str, Callable[[], Any]]:
        return _join_fns(join_queries(self.fr), self.dfs)

    def threads(self) -> str:
        return str(self.fr.get_num_threads())

    def describe(self) -> str:
        return "fr.from_arrow (zero-copy)"


class PolarsEngine(Engine):
    name = "polars"

    def __init__(self, table: dict[str, pa.Table], threads: int):
        super().__init__(table, threads)
        import polars as pl

        self.pl = pl
        self.dfs = {name: pl.from_arrow(t).rechunk() for name, t in table.items()}
        self.table = None  # polars holds its own copy of the strings

    def questions(self) -> dict[str, Callable[[], Any]]:
        return _join_fns(join_queries(self.pl), self.dfs)

    def threads(self) -> str:
        return str(self.pl.thread_pool_size())

    def describe(self) -> str:
        return "pl.from_arrow, eager DataFrames"


class PandasEngine(Engine):
    """``Table.to_pandas()``: NumPy-backed numbers, pandas' default ``str`` or ``category``."""

    name = "pandas"

    def __init__(self, table: dict[str, pa.Table], threads: int):
        super().__init__(table, threads)
        import pandas as pd

        self.pd = pd
        self.dfs = {name: t.to_pandas() for name, t in table.items()}
        self.table = None

    def questions(self) -> dict[str, Callable[[], Any]]:
        pd = self.pd

        def merge(right: str, on: str, how: str = "inner") -> Callable[..., Any]:
            return lambda x, small, medium, big: x.merge(
                {"small": small, "medium": medium, "big": big}[right],
                on=on,
                how=how,
                suffixes=("", "_right"),
                sort=False,
            )

        queries = {
            "q1": merge("small", "id1"),
            "q2": merge("medium", "id2"),
            "q3": merge("medium", "id2", "left"),
            "q4": merge("medium", "id5"),
            "q5": merge("big", "id3"),
            "a1": lambda left, right: pd.merge_asof(
                left, right, on="t", by="id", direction="backward"
            ),
        }
        return _join_fns(queries, self.dfs)

    def describe(self) -> str:
        kinds = sorted({str(t) for df in self.dfs.values() for t in df.dtypes})
        return "Table.to_pandas(): " + ", ".join(kinds)


class PyarrowEngine(Engine):
    name = "pyarrow"

    def __init__(self, table: dict[str, pa.Table], threads: int):
        super().__init__(table, threads)
        pa.set_cpu_count(threads)

    def questions(self) -> dict[str, Callable[[], Any]]:
        def join(right: str, on: str, how: str = "inner") -> Callable[..., Any]:
            return lambda x, small, medium, big: x.join(
                {"small": small, "medium": medium, "big": big}[right],
                keys=on,
                join_type=how,
                right_suffix="_right",
            )

        queries = {
            "q1": join("small", "id1"),
            "q2": join("medium", "id2"),
            "q3": join("medium", "id2", "left outer"),
            "q4": join("medium", "id5"),
            "q5": join("big", "id3"),
        }
        return _join_fns(queries, self.table)

    def threads(self) -> str:
        return str(pa.cpu_count())

    def describe(self) -> str:
        return "the pyarrow.Tables themselves"


class DuckdbEngine(Engine):
    name = "duckdb"

    SQL: ClassVar[dict[str, str]] = {
        "q1": "SELECT x.*, small.* EXCLUDE (id1) FROM x JOIN small ON x.id1 = small.id1",
        "q2": "SELECT x.*, medium.* EXCLUDE (id2) FROM x JOIN medium ON x.id2 = medium.id2",
        "q3": "SELECT x.*, medium.* EXCLUDE (id2) FROM x LEFT JOIN medium ON x.id2 = medium.id2",
        "q4": "SELECT x.*, medium.* EXCLUDE (id5) FROM x JOIN medium ON x.id5 = medium.id5",
        "q5": "SELECT x.*, big.* EXCLUDE (id3) FROM x JOIN big ON x.id3 = big.id3",
        "a1": 'SELECT l.*, r.v2 FROM "left" l ASOF LEFT JOIN "right" r '
        "ON l.id = r.id AND l.t >= r.t",
    }

    def __init__(self, table: dict[str, pa.Table], threads: int):
        super().__init__(table, threads)
        import duckdb

        self.con = duckdb.connect()
        self.con.execute(f"SET threads TO {threads}")
        for name, t in table.items():
            self.con.register(name, t)

    def questions(self) -> dict[str, Callable[[], Any]]:
        def run(sql: str) -> Callable[[], str]:
            def q() -> str:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE ans AS {sql}")
                return "ans"

            return q

        have = set(self.table)
        return {
            q: run(sql)
            for q, sql in self.SQL.items()
            if set(JOIN_TABLES if q in JOIN_QUESTIONS else ASOF_TABLES) <= have
        }

    def as_arrow(self, result: Any) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {result}").to_arrow_table()

    def threads(self) -> str:
        return str(self.con.sql("SELECT current_setting('threads')").fetchall()[0][0])

    def describe(self) -> str:
        if "x" not in self.table:
            return "Arrow tables registered as views"
        types = self.con.sql("SELECT column_type FROM (DESCRIBE x) WHERE column_name = 'id5'")
        return f"Arrow tables registered as views (x.id5 scans as {types.fetchall()[0][0]})"


ENGINE_CLASSES: dict[str, type[Engine]] = {
    "frame": FrameEngine,
    "polars": PolarsEngine,
    "duckdb": DuckdbEngine,
    "pandas": PandasEngine,
    "pyarrow": PyarrowEngine,
}


# --------------------------------------------------------------------------- running
def _canonical(question: str, table: pa.Table) -> pa.Table:
    names = LAYOUT[question]
    if question in ASOF_QUESTIONS:  # polars keeps no right key, duckdb/pandas may: by name
        return table.select(list(names))
    if table.num_columns != len(names):
        raise ValueError(f"{question}: expected columns {names}, got {table.column_names}")
    return table.rename_columns(list(names))


def _read_tables(data_dir: str, names: tuple[str, ...]) -> dict[str, pa.Table]:
    return {n: _read_ipc(os.path.join(data_dir, f"{n}.arrow")) for n in names}


def run_engine(
    name: str,
    data_dir: str,
    asof_dir: str | None,
    repeat: int,
    questions: list[str],
    threads: int,
    out_dir: str | None,
) -> dict[str, Any]:
    """Time every question of one engine; results go to ``out_dir`` for the cross-check."""
    tables: dict[str, pa.Table] = {}
    if any(q in JOIN_QUESTIONS for q in questions):
        tables |= _read_tables(data_dir, JOIN_TABLES)
    if asof_dir and any(q in ASOF_QUESTIONS for q in questions):
        tables |= _read_tables(asof_dir, ASOF_TABLES)
    engine = ENGINE_CLASSES[name](tables, threads)  # type: ignore[arg-type]
    del tables
    available = engine.questions()
    return time_questions(name, engine, available, repeat, questions, out_dir, _canonical)


def _run_one(
    name: str,
    data_dir: str,
    asof_dir: str | None,
    args: argparse.Namespace,
    questions: list[str],
    out_dir: str,
) -> dict[str, Any]:
    engine_args = [
        "--engine",
        name,
        "--data",
        data_dir,
        "--result-dir",
        out_dir,
        "--repeat",
        str(args.repeat),
        "--threads",
        str(args.threads),
        "--questions",
        ",".join(questions),
    ]
    if asof_dir:
        engine_args += ["--asof-data", asof_dir]
    return run_subprocess(__file__, engine_args, args.threads)


# --------------------------------------------------------------------------- checks
def _sort(question: str, table: pa.Table) -> pa.Table:
    by = SORT_BY[question]
    if len(by) == 1:
        order = np.argsort(pc.fill_null(table.column(by[0]), -1).to_numpy(), kind="stable")
        return table.take(order)
    return table.sort_by([(c, "ascending") for c in by])


def _summary(table: pa.Table) -> dict[str, float]:
    """Order-independent sums: numbers summed (null/NaN skipped), strings by total length."""
    out = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_string(column.type):
            out[name] = float(pc.sum(pc.utf8_length(column)).as_py() or 0)
        else:
            out[name] = float(np.nansum(_as_float(column)))
        out[f"{name} nulls"] = float(column.null_count)
    return out


def compare(question: str, ref: pa.Table, got: pa.Table, full: bool) -> list[str]:
    """Differences between two canonical, normalised results (sorted when ``full``)."""
    if got.num_rows != ref.num_rows:
        return [f"{got.num_rows:,} result rows, reference has {ref.num_rows:,}"]
    problems = []
    sa, sb = _summary(ref), _summary(got)
    for name in sa:
        a, b = sa[name], sb[name]
        if not (a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))):
            problems.append(f"column sum {name}: {b!r} vs reference {a!r}")
    if not full:
        return problems
    for name in LAYOUT[question]:
        a, b = ref.column(name), got.column(name)
        if pa.types.is_floating(a.type):
            x, y = _as_float(a), _as_float(b)
            bad = ~((x == y) | (np.isnan(x) & np.isnan(y)))
        else:
            same = pc.fill_null(pc.equal(a, b), False)
            both_null = pc.and_(pc.is_null(a), pc.is_null(b))
            bad = pc.invert(pc.or_(same, both_null)).to_numpy(zero_copy_only=False)
        n_bad = int(bad.sum())
        if n_bad:
            i = int(np.argmax(bad))
            key = {k: ref.column(k)[i].as_py() for k in SORT_BY[question]}
            problems.append(
                f"{name}: {n_bad:,} of {len(bad):,} rows differ after sorting by "
                f"{','.join(SORT_BY[question])}; first at {key}: {b[i].as_py()!r} vs reference "
                f"{a[i].as_py()!r}"
            )
    return problems


def _reference(results: dict[str, dict[str, Any]], question: str) -> str | None:
    have = [e for e in results if "result" in results[e]["questions"].get(question, {})]
    for name in ("polars", "duckdb", "pandas", "pyarrow", "frame"):
        if name in have:
            return name
    return None


def cross_check(
    results: dict[str, dict[str, Any]], questions: list[str], full_rows: int
) -> tuple[list[str], dict[str, dict[str, str]], dict[str, dict[str, Any]]]:
    """(problems, per-engine status per question, reference summaries per question)."""
    problems: list[str] = []
    status: dict[str, dict[str, str]] = {e: {} for e in results}
    summaries: dict[str, dict[str, Any]] = {}
    for q in questions:
        ref_engine = _reference(results, q)
        if ref_engine is None:
            continue
        ref = _normalise(_read_ipc(results[ref_engine]["questions"][q]["result"]))
        full = ref.num_rows <= full_rows
        if full:
            ref = _sort(q, ref)
        summaries[q] = {
            "reference": ref_engine,
            "rows": ref.num_rows,
            "full": full,
            "sums": {k: v for k, v in _summary(ref).items() if not k.endswith(" nulls")},
            "nulls": sum(c.null_count for c in ref.columns),
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
            got = _normalise(_read_ipc(entry["result"]))
            if full:
                got = _sort(q, got)
            diffs = compare(q, ref, got, full)
            status[engine][q] = "MISMATCH" if diffs else "ok"
            problems += [f"{q}: {engine} vs {ref_engine}: {d}" for d in diffs]
            del got
        del ref
    return problems, status, summaries


# --------------------------------------------------------------------------- report
def _question_label(q: str) -> str:
    return f"{q} {ALL_QUESTIONS[q]}"


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
    sizes = (
        f"x {args.rows:,}, small {max(args.rows // 1_000_000, 1):,}, "
        f"medium {max(args.rows // 1_000, 1):,}, big {args.rows:,} rows"
    )
    asof = f" (+ a1: {args.rows:,} left rows, {max(args.rows // 10, 1):,} right)"
    out = [
        f"## join, {kind} keys — {sizes}"
        f"{asof if any(q in ASOF_QUESTIONS for q in questions) else ''}, "
        f"{f'{args.nas}% nulls' if args.nas else 'no nulls'}, {runs} after a warm-up",
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
        memory_caption="includes the loaded tables",
    )
    if summaries:
        rows = [
            [
                q,
                s["reference"],
                f"{s['rows']:,}",
                "sorted, every value" if s["full"] else "counts and sums only",
                f"{s['nulls']:,}",
                ", ".join(f"{k}={v:.6g}" for k, v in s["sums"].items() if k.startswith("v")),
            ]
            for q, s in summaries.items()
        ]
        header = ["question", "reference", "result rows", "compared", "nulls", "value sums"]
        out += [_table(header, rows), ""]
    return "\n".join(out)


def header(engines: list[str], args: argparse.Namespace, threads: dict[str, str]) -> str:
    return "\n".join(
        [
            f"# frame vs peers — db-benchmark join, {args.rows:,} rows",
            "",
            "Versions: " + ", ".join(f"{k} {v}" for k, v in _versions(engines).items()),
            f"Machine: {os.cpu_count()} CPUs, load average {args.load_before} before the run "
            f"and {args.load_after} after; threads: "
            + ", ".join(f"{e} {t}" for e, t in threads.items() if t),
            "",
        ]
    )


def footer(engines: list[str], questions: list[str], frame_asof: bool) -> str:
    out = ["Questions (frame and polars run the same code, `join_queries` in dbbench_data.py):"]
    out += [f"- `{_question_label(q)}`" for q in questions]
    notes = [
        f"- {e} `{q}`: {text}"
        for (e, q), text in NOTES.items()
        if e in engines
        and (q in questions or q == "all")
        and not (e == "frame" and q == "a1" and frame_asof)
    ]
    if notes:
        out += ["", "Notes:", *notes]
    out += [
        "- `—`: the engine cannot answer the question (see the notes); `error`: it raised.",
        '- q1..q5: `x.join(<right>, on=<key>)` (q3 `how="left"`) in frame/polars; pandas '
        "`x.merge(<right>, on=<key>, how=..., suffixes=('', '_right'), sort=False)`; duckdb's "
        "timed call is `CREATE OR REPLACE TEMP TABLE ans AS SELECT x.*, <right>.* EXCLUDE (<key>) "
        "FROM x [LEFT] JOIN <right> ON ...` (its native result, as in db-benchmark).",
        "- a1: `left.join_asof(right, on='t', by='id', strategy='backward')` in frame/polars "
        "(polars also `check_sortedness=False`: it cannot check with `by` and only warns).",
    ]
    return "\n".join(out)


def _write_tables(directory: str, tables: dict[str, pa.Table]) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, t in tables.items():
        _write_ipc(os.path.join(directory, f"{name}.arrow"), t)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per question (after one warm-up)"
    )
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset")
    parser.add_argument("--questions", default=",".join(QUESTIONS), help="comma-separated subset")
    parser.add_argument(
        "--keys", default="both", choices=[*KEY_KINDS, "both"], help="id4..id6 as string or dict"
    )
    parser.add_argument("--nas", type=int, default=0, help="percent of nulls (db-benchmark: 0)")
    parser.add_argument("--threads", type=int, default=2, help="thread pool size of every engine")
    parser.add_argument(
        "--full-check-rows",
        type=lambda s: int(s.replace("_", "")),
        default=20_000_000,
        help="compare every value of results up to this many rows (else counts and sums)",
    )
    parser.add_argument("--in-process", action="store_true", help="no subprocesses (no RSS)")
    parser.add_argument("--out", help="also write the markdown report to this file")
    parser.add_argument("--engine", help=argparse.SUPPRESS)  # internal: run one engine
    parser.add_argument("--data", help=argparse.SUPPRESS)  # internal: the join tables' directory
    parser.add_argument("--asof-data", help=argparse.SUPPRESS)  # internal: the as-of tables
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
            args.engine,
            args.data,
            args.asof_data,
            args.repeat,
            questions,
            args.threads,
            args.result_dir,
        )
        print(json.dumps(report))
        return 0

    import frame as fr

    frame_asof = hasattr(fr.DataFrame, "join_asof")
    os.environ.setdefault("POLARS_MAX_THREADS", str(args.threads))  # for --in-process
    args.load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())  # 1, 5, 15 min
    kinds = list(KEY_KINDS) if args.keys == "both" else [args.keys]
    work = tempfile.mkdtemp(prefix="frame_join_")
    sections, all_problems, threads = [], [], {}
    try:
        for i, kind in enumerate(kinds):
            # The as-of question does not depend on the key kind: it runs with the first one.
            kind_questions = [q for q in questions if q in JOIN_QUESTIONS or i == 0]
            data_dir = os.path.join(work, f"J1_{args.rows}_NA_{args.nas}_0_{kind}")
            asof_dir = None
            start = time.perf_counter()
            if any(q in JOIN_QUESTIONS for q in kind_questions):
                tables = join_tables(args.rows, nas=args.nas, categorical=kind == "categorical")
                _write_tables(data_dir, tables)
                del tables
            if any(q in ASOF_QUESTIONS for q in kind_questions):
                asof_dir = os.path.join(work, "asof")
                _write_tables(asof_dir, asof_tables(args.rows))
            gc.collect()
            print(
                f"{kind} keys: tables of {args.rows:,} rows generated in "
                f"{time.perf_counter() - start:.1f} s; timing {', '.join(engines)} ...",
                file=sys.stderr,
                flush=True,
            )
            results = {}
            out_dir = os.path.join(work, f"results_{kind}")
            os.makedirs(out_dir, exist_ok=True)
            for name in engines:
                if args.in_process:
                    results[name] = run_engine(
                        name, data_dir, asof_dir, args.repeat, kind_questions, args.threads, out_dir
                    )
                    # One process holds every engine's heap: its RSS says nothing per engine.
                    results[name].pop("rss_after_prep_mib")
                    gc.collect()
                else:
                    results[name] = _run_one(
                        name, data_dir, asof_dir, args, kind_questions, out_dir
                    )
                threads.setdefault(name, results[name].get("threads", ""))
            print(f"{kind} keys: cross-checking ...", file=sys.stderr, flush=True)
            problems, status, summaries = cross_check(results, kind_questions, args.full_check_rows)
            problems = [
                f"{e}: run failed ({r['error']})" for e, r in results.items() if "error" in r
            ] + problems
            all_problems += [f"[{kind} keys] {p}" for p in problems]
            sections.append(report_kind(kind, results, kind_questions, args, status, summaries))
            shutil.rmtree(out_dir, ignore_errors=True)
            shutil.rmtree(data_dir, ignore_errors=True)
            if asof_dir:
                shutil.rmtree(asof_dir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    args.load_after = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    text = "\n\n".join(
        [header(engines, args, threads), *sections, footer(engines, questions, frame_asof)]
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
