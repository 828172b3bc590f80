"""frame next to its peers: the same operations in frame, polars, pandas, pyarrow and duckdb.

Usage (from the repository root)::

    .venv/bin/python asv_benchmarks/compare_peers.py                  # 1e7 rows, 5 repeats
    .venv/bin/python asv_benchmarks/compare_peers.py --rows 1_000_000 --repeat 3
    .venv/bin/python asv_benchmarks/compare_peers.py --engines frame,polars --ops filter,take

Data: the seeded table of ``benchmarks/common.py`` (the asv benchmarks use the same one) —
``id`` int64 (a random permutation, so every sort below has one right answer), ``x`` float64
(standard normal), ``s`` string (1e5 distinct ``"key_%05d"``), ``k2`` int64 (100 distinct).

Each engine runs in its own subprocess (so its peak RSS can be read and no engine inherits
another's heap or thread pools); ``--in-process`` runs them all here instead. Converting the
Arrow table into each engine's native frame happens before timing. Every op is run once as a
warm-up (not timed, its result is checksummed) and then ``--repeat`` times; the median is
reported. Every timed call returns a fully materialised result. Results are cross-checked
between engines (row count, sums, an order-sensitive checksum of ``id``, first and last rows);
a mismatch is printed loudly and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmarks.common import make_indices, make_table

ENGINES = ("frame", "polars", "pandas", "pyarrow", "duckdb")

#: op name → description printed under the tables.
OPS = {
    "filter": "filter x > 0 on (id, x, s), keeps ~50%",
    "sort_k2_x": "sort by k2, then x (all 4 columns)",
    "sort_s_id": "sort by s, then id (all 4 columns)",
    "take": "gather (id, x, s) by a random permutation",
    "select": "select id, x*2+1, s.str.len_chars, id+k2, when(x>0).then(k2).otherwise(-k2)",
    "to_polars": "export all 4 columns to a polars DataFrame",
    "to_pandas": "export all 4 columns to a pandas DataFrame",
    "from_arrow": "import the 4-column pyarrow.Table",
}

NOTES = {
    ("duckdb", "take"): "SQL has no positional gather: POSITIONAL JOIN with range(n), a hash "
    "join on the position, then ORDER BY",
    ("duckdb", "from_arrow"): "CREATE TABLE AS SELECT from the Arrow table (into DuckDB storage)",
    ("pandas", "from_arrow"): "pd.DataFrame.from_arrow (NumPy-backed numbers, pyarrow strings)",
    ("pandas", "sort_k2_x"): "both sorts are sort_values([...], ignore_index=True)",
}


# --------------------------------------------------------------------------- engines
class Engine:
    """Native inputs built before timing, and one callable per op."""

    name = ""

    def __init__(self, base: pa.Table, perm: np.ndarray):
        self.base = base
        self.t3 = base.select(["id", "x", "s"])
        self.perm = perm

    def ops(self) -> dict[str, Callable[[], Any]]:
        raise NotImplementedError

    def as_arrow(self, result: Any) -> pa.Table:
        """The result as a pyarrow.Table, for the cross-check (not timed)."""
        return _generic_arrow(result)

    def threads(self) -> str:
        return ""


class FrameEngine(Engine):
    name = "frame"

    def __init__(self, base: pa.Table, perm: np.ndarray):
        super().__init__(base, perm)
        import frame as fr

        self.fr = fr
        self.df = fr.from_arrow(base)
        self.df3 = self.df.select("id", "x", "s")

    def ops(self) -> dict[str, Callable[[], Any]]:
        fr, df, df3 = self.fr, self.df, self.df3
        import polars as pl

        return {
            "filter": lambda: df3.filter(fr.col("x") > 0),
            "sort_k2_x": lambda: df.sort("k2", "x"),
            "sort_s_id": lambda: df.sort("s", "id"),
            "take": lambda: df3[self.perm],
            "select": lambda: df.select(
                "id",
                (fr.col("x") * 2 + 1).alias("y"),
                fr.col("s").str.len_chars().alias("s_len"),
                (fr.col("id") + fr.col("k2")).alias("z"),
                fr.when(fr.col("x") > 0).then(fr.col("k2")).otherwise(-fr.col("k2")).alias("pos"),
            ),
            "to_polars": lambda: pl.DataFrame(df),
            "to_pandas": lambda: df.to_pandas(),
            "from_arrow": lambda: fr.from_arrow(self.base),
        }

    def threads(self) -> str:
        return str(self.fr.get_num_threads())


class PolarsEngine(Engine):
    name = "polars"

    def __init__(self, base: pa.Table, perm: np.ndarray):
        super().__init__(base, perm)
        import polars as pl

        self.pl = pl
        self.df = pl.from_arrow(base).rechunk()
        self.df3 = self.df.select("id", "x", "s")
        self.idx = pl.Series("idx", perm)

    def ops(self) -> dict[str, Callable[[], Any]]:
        pl, df, df3 = self.pl, self.df, self.df3
        return {
            "filter": lambda: df3.filter(pl.col("x") > 0),
            "sort_k2_x": lambda: df.sort("k2", "x"),
            "sort_s_id": lambda: df.sort("s", "id"),
            "take": lambda: df3.select(pl.all().gather(self.idx)),
            "select": lambda: df.select(
                "id",
                (pl.col("x") * 2 + 1).alias("y"),
                pl.col("s").str.len_chars().alias("s_len"),
                (pl.col("id") + pl.col("k2")).alias("z"),
                pl.when(pl.col("x") > 0).then(pl.col("k2")).otherwise(-pl.col("k2")).alias("pos"),
            ),
            "to_pandas": lambda: df.to_pandas(),
            "from_arrow": lambda: pl.from_arrow(self.base),
        }

    def threads(self) -> str:
        return str(self.pl.thread_pool_size())


class PandasEngine(Engine):
    name = "pandas"

    def __init__(self, base: pa.Table, perm: np.ndarray):
        super().__init__(base, perm)
        import pandas as pd

        self.pd = pd
        self.df = base.to_pandas()
        self.df3 = self.df[["id", "x", "s"]].copy()

    def ops(self) -> dict[str, Callable[[], Any]]:
        pd, df, df3 = self.pd, self.df, self.df3
        import polars as pl

        def select() -> Any:
            k2 = df["k2"]
            return pd.DataFrame(
                {
                    "id": df["id"],
                    "y": df["x"] * 2 + 1,
                    "s_len": df["s"].str.len(),
                    "z": df["id"] + k2,
                    "pos": np.where(df["x"] > 0, k2, -k2),
                }
            )

        return {
            "filter": lambda: df3[df3["x"] > 0],
            "sort_k2_x": lambda: df.sort_values(["k2", "x"], ignore_index=True),
            "sort_s_id": lambda: df.sort_values(["s", "id"], ignore_index=True),
            "take": lambda: df3.take(self.perm),
            "select": select,
            "to_polars": lambda: pl.from_pandas(df),
            "from_arrow": lambda: pd.DataFrame.from_arrow(self.base),
        }


class PyarrowEngine(Engine):
    name = "pyarrow"

    def ops(self) -> dict[str, Callable[[], Any]]:
        t, t3 = self.base, self.t3
        import polars as pl

        def select() -> pa.Table:
            k2 = t.column("k2")
            return pa.table(
                {
                    "id": t.column("id"),
                    "y": pc.add(pc.multiply(t.column("x"), 2), 1),
                    "s_len": pc.utf8_length(t.column("s")),
                    "z": pc.add(t.column("id"), k2),
                    "pos": pc.if_else(pc.greater(t.column("x"), 0), k2, pc.negate(k2)),
                }
            )

        return {
            "filter": lambda: t3.filter(pc.greater(t3.column("x"), 0)),
            "sort_k2_x": lambda: t.sort_by([("k2", "ascending"), ("x", "ascending")]),
            "sort_s_id": lambda: t.sort_by([("s", "ascending"), ("id", "ascending")]),
            "take": lambda: t3.take(self.perm),
            "select": select,
            "to_polars": lambda: pl.from_arrow(t),
            "to_pandas": lambda: t.to_pandas(),
        }

    def threads(self) -> str:
        return str(pa.cpu_count())


class DuckdbEngine(Engine):
    name = "duckdb"

    def __init__(self, base: pa.Table, perm: np.ndarray):
        super().__init__(base, perm)
        import duckdb

        self.con = duckdb.connect()
        self.con.register("t4", base)
        self.con.register("t3", self.t3)
        self.con.register(
            "perm", pa.table({"pos": np.arange(len(perm), dtype=np.int64), "i": perm})
        )

    def _q(self, sql: str) -> Callable[[], pa.Table]:
        return lambda: self.con.sql(sql).to_arrow_table()

    def ops(self) -> dict[str, Callable[[], Any]]:
        n = self.base.num_rows

        def from_arrow() -> str:
            self.con.execute("CREATE OR REPLACE TABLE imported AS SELECT * FROM t4")
            return "imported"

        return {
            "filter": self._q("SELECT id, x, s FROM t3 WHERE x > 0"),
            "sort_k2_x": self._q("SELECT * FROM t4 ORDER BY k2, x"),
            "sort_s_id": self._q("SELECT * FROM t4 ORDER BY s, id"),
            "take": self._q(
                "SELECT t.id, t.x, t.s FROM perm "
                f"JOIN (SELECT t3.*, r.range AS rn FROM t3 POSITIONAL JOIN range({n}) r) t "
                "ON t.rn = perm.i ORDER BY perm.pos"
            ),
            "select": self._q(
                "SELECT id, x * 2 + 1 AS y, length(s) AS s_len, id + k2 AS z, "
                "CASE WHEN x > 0 THEN k2 ELSE -k2 END AS pos FROM t4"
            ),
            "to_polars": lambda: self.con.sql("SELECT * FROM t4").pl(),
            "to_pandas": lambda: self.con.sql("SELECT * FROM t4").df(),
            "from_arrow": from_arrow,
        }

    def as_arrow(self, result: Any) -> pa.Table:
        if isinstance(result, str):
            return self.con.sql(f"SELECT * FROM {result}").to_arrow_table()
        return _generic_arrow(result)

    def threads(self) -> str:
        return str(self.con.sql("SELECT current_setting('threads')").fetchall()[0][0])


ENGINE_CLASSES: dict[str, type[Engine]] = {
    "frame": FrameEngine,
    "polars": PolarsEngine,
    "pandas": PandasEngine,
    "pyarrow": PyarrowEngine,
    "duckdb": DuckdbEngine,
}


def _generic_arrow(result: Any) -> pa.Table:
    if isinstance(result, pa.Table):
        return result
    module = type(result).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(result, preserve_index=False)
    if hasattr(result, "to_arrow"):  # frame and polars
        return result.to_arrow()
    return pa.table(result)


# --------------------------------------------------------------------------- checks
def digest(table: pa.Table) -> dict[str, Any]:
    """Row count, per-column sums, an order-sensitive checksum of ``id``, first/last rows."""
    n = table.num_rows
    out: dict[str, Any] = {"rows": n}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_integer(column.type):
            values = column.to_numpy().astype(np.uint64)  # wraps mod 2**64, like the checksum
            out[f"sum({name})"] = int(values.sum(dtype=np.uint64))
            if name == "id":
                weights = np.arange(1, n + 1, dtype=np.uint64)
                out["order(id)"] = int((values * weights).sum(dtype=np.uint64))
        elif pa.types.is_floating(column.type):
            out[f"sum({name})"] = float(np.sum(column.to_numpy()))
    if n:
        out["first"] = list(table.slice(0, 1).to_pylist()[0].values())
        out["last"] = list(table.slice(n - 1, 1).to_pylist()[0].values())
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float)
            and isinstance(b, int | float)
            and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def cross_check(results: dict[str, dict[str, Any]], ops: list[str]) -> list[str]:
    """Messages for every op where an engine's digest differs from the reference engine's."""
    problems = []
    for op in ops:
        digests = {e: r["ops"][op]["digest"] for e, r in results.items() if op in r["ops"]}
        if len(digests) < 2:
            continue
        ref_engine = "pyarrow" if "pyarrow" in digests else next(iter(digests))
        ref = digests[ref_engine]
        for engine, d in digests.items():
            for key in sorted(set(ref) | set(d)):
                if not _same(ref.get(key), d.get(key)):
                    problems.append(
                        f"{op}: {engine} {key} = {d.get(key)!r}, but {ref_engine} has {ref.get(key)!r}"
                    )
    return problems


# --------------------------------------------------------------------------- running
def _rss_mib() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(name: str, rows: int, repeat: int, ops: list[str]) -> dict[str, Any]:
    """Time every op of one engine; returns medians, all samples and result digests."""
    base = make_table(rows)
    perm = make_indices(rows, "permutation")
    engine = ENGINE_CLASSES[name](base, perm)
    available = engine.ops()
    gc.collect()
    report: dict[str, Any] = {
        "threads": engine.threads(),
        "rss_after_prep_mib": _rss_mib(),
        "ops": {},
    }
    for op in ops:
        if op not in available:
            continue
        fn = available[op]
        samples = []
        for i in range(repeat + 1):
            gc.collect()
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
            if i == 0:
                report["ops"][op] = {"digest": digest(engine.as_arrow(result))}
            else:
                samples.append(elapsed)
            del result
        report["ops"][op].update(median=statistics.median(samples), samples=samples)
        print(
            f"  {name:<8} {op:<11} {statistics.median(samples):9.4f} s", file=sys.stderr, flush=True
        )
    report["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def run_subprocess(name: str, args: argparse.Namespace, ops: list[str]) -> dict[str, Any]:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--engine",
        name,
        "--rows",
        str(args.rows),
        "--repeat",
        str(args.repeat),
        "--ops",
        ",".join(ops),
    ]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        # The child's traceback went to our stderr; keep the other engines' results.
        return {"threads": "", "ops": {}, "error": f"exit code {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report
def _fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.4f}" if value >= 0.001 else f"{value:.2e}"


def _fmt_ratio(value: float) -> str:
    return f"{value:.2f}" if 0.01 <= value < 100 else f"{value:.2g}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def report(results: dict[str, dict[str, Any]], ops: list[str], args: argparse.Namespace) -> str:
    engines = list(results)
    out = [
        f"## frame vs peers — {args.rows:,} rows, median of {args.repeat} run{'s' if args.repeat > 1 else ''} (warm-up excluded)",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in _versions(engines).items()),
        f"Machine: {os.cpu_count()} CPUs, load average {args.load_before} before the run; threads: "
        + ", ".join(f"{e} {results[e]['threads']}" for e in engines if results[e]["threads"]),
        "",
        "### Median time (seconds)",
        "",
    ]
    rows = []
    for op in ops:
        rows.append([op, *(_fmt_s(results[e]["ops"].get(op, {}).get("median")) for e in engines)])
    out += [_table(["op", *engines], rows), ""]

    out += ["### Ratio to the fastest engine (1.00 = fastest; frame ÷ fastest other)", ""]
    rows = []
    for op in ops:
        times = {e: results[e]["ops"][op]["median"] for e in engines if op in results[e]["ops"]}
        if not times:
            continue
        best = min(times.values())
        cells = [_fmt_ratio(times[e] / best) if e in times else "—" for e in engines]
        others = {e: t for e, t in times.items() if e != "frame"}
        if "frame" in times and others:
            rival = min(others, key=others.__getitem__)
            cells.append(f"{_fmt_ratio(times['frame'] / others[rival])} ({rival})")
        else:
            cells.append("—")
        rows.append([op, *cells])
    out += [_table(["op", *engines, "frame ÷ fastest other"], rows), ""]

    if any("peak_rss_mib" in results[e] for e in engines):
        out += ["### Memory (MiB; each engine in its own process)", ""]
        rows = [
            [e, f"{results[e]['rss_after_prep_mib']:.0f}", f"{results[e]['peak_rss_mib']:.0f}"]
            for e in engines
            if "peak_rss_mib" in results[e]
        ]
        out += [_table(["engine", "RSS after input prep", "peak RSS over all ops"], rows), ""]

    out += ["Ops:"] + [f"- `{op}`: {OPS[op]}" for op in ops]
    notes = [
        f"- {e} `{op}`: {text}" for (e, op), text in NOTES.items() if e in engines and op in ops
    ]
    if notes:
        out += ["", "Notes:", *notes]
    out += ["- `—`: not applicable (the engine's own format) or not run."]
    return "\n".join(out)


def _versions(engines: list[str]) -> dict[str, str]:
    out = {}
    for name in [
        "frame",
        "pyarrow",
        "numpy",
        *(e for e in engines if e not in ("frame", "pyarrow")),
    ]:
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = "not installed"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs per op (after one warm-up)"
    )
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset")
    parser.add_argument("--ops", default=",".join(OPS), help="comma-separated subset")
    parser.add_argument("--in-process", action="store_true", help="no subprocesses (no RSS)")
    parser.add_argument("--engine", help=argparse.SUPPRESS)  # internal: run one engine, print JSON
    args = parser.parse_args(argv)

    ops = [o for o in args.ops.split(",") if o]
    engines = [e for e in args.engines.split(",") if e]
    unknown = [o for o in ops if o not in OPS] + [e for e in engines if e not in ENGINES]
    if unknown:
        parser.error(f"unknown op/engine: {', '.join(unknown)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.engine:
        print(json.dumps(run_engine(args.engine, args.rows, args.repeat, ops)))
        return 0

    args.load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())  # 1, 5, 15 min
    print(f"timing {', '.join(engines)} on {args.rows:,} rows ...", file=sys.stderr, flush=True)
    results = {}
    for name in engines:
        if args.in_process:
            results[name] = run_engine(name, args.rows, args.repeat, ops)
            results[name].pop("peak_rss_mib")
            gc.collect()
        else:
            results[name] = run_subprocess(name, args, ops)
    print(report(results, ops, args))

    problems = [f"{e}: run failed ({r['error']})" for e, r in results.items() if "error" in r]
    problems += cross_check(results, ops)
    if problems:
        banner = "!" * 78
        print(f"\n{banner}\nCROSS-CHECK FAILED ({len(problems)} problems):", flush=True)
        for p in problems:
            print(f"  {p}")
        print(banner)
        print("\nCROSS-CHECK FAILED: see above", file=sys.stderr)
        return 1
    print(
        "\nCross-check: every engine returned the same rows (counts, sums, order, first/last rows)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
