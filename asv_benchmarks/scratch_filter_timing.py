"""Scratch timing (not an asv benchmark): filter a 1e7-row table, frame kernels vs polars/pyarrow.

    .venv/bin/python asv_benchmarks/scratch_filter_timing.py [--rows N] [--repeat K] [--nulls]
        [--threads T] [--retain-memory] [--passive-omp]

Table: ``x`` float64 standard normal (predicate ``x > 0``, ~50 % selected), ``i`` int64, ``s``
string (int32 offsets, ~9 bytes per value). Reports the median of K runs (ms) for:

* frame kernels: mask from ``pc.greater`` + ``filter_array`` per column, and the filter alone;
* polars ``df.filter(pl.col("x") > 0)`` and ``df.filter(precomputed_series)``;
* pyarrow ``Table.filter(pc.greater(...))`` and ``Table.filter(mask)``.

Runs are interleaved (one run of every scenario per round) so load from other processes on a
shared machine hits all engines alike; ``--separate`` runs each scenario's repeats back to back
(polars' expression filter is markedly slower when interleaved with the other engines: ~90 ms
median instead of ~30 ms here). ``--retain-memory`` re-executes with glibc tunables that
keep freed memory in the heap (what polars' and pyarrow's allocators do): frame's outputs come
from ``posix_memalign``, which ``mmap``s every buffer above 32 MiB afresh, so each call pays the
first-touch page faults. ``--passive-omp`` sets ``OMP_WAIT_POLICY=passive`` (idle OpenMP threads
sleep instead of spinning; matters when the cores are shared).

polars stores strings as string views: its string filter moves 16-byte views, frame's copies the
characters (frame's ``string_view`` column is timed separately for the like-for-like number).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from frame._core import parallel
from frame._core.filter import filter_array


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--nulls", action="store_true", help="10%% nulls in i and s")
    ap.add_argument("--threads", type=int, default=0, help="frame kernel threads (0: default)")
    ap.add_argument("--retain-memory", action="store_true")
    ap.add_argument("--passive-omp", action="store_true")
    ap.add_argument(
        "--separate",
        action="store_true",
        help="run each scenario's repeats back to back instead of interleaving the scenarios",
    )
    args = ap.parse_args()
    env = dict(os.environ)
    if args.retain_memory:
        env["GLIBC_TUNABLES"] = (
            "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=8589934592"
        )
    if args.passive_omp:
        env["OMP_WAIT_POLICY"] = "passive"
    if env != dict(os.environ):
        argv = [a for a in sys.argv if a not in ("--retain-memory", "--passive-omp")]
        os.execve(sys.executable, [sys.executable, *argv], env)
    if args.threads:
        parallel.set_num_threads(args.threads)
    n = args.rows
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    null_mask = (rng.random(n) < 0.1) if args.nulls else None
    i = pa.array(rng.integers(-(10**9), 10**9, n), mask=null_mask)
    s = pc.cast(pa.array(rng.integers(0, 10**9, n), mask=null_mask), pa.string())
    tbl = pa.table({"x": x, "i": i, "s": s})
    cols = [c.combine_chunks() for c in tbl.columns]
    df = pl.from_arrow(tbl)
    mask = pc.greater(cols[0], 0)
    series = df.select(pl.col("x") > 0).to_series()
    sv = s.cast(pa.string_view())

    def frame_full():
        m = pc.greater(cols[0], 0)
        return [filter_array(c, m) for c in cols]

    rows = [
        ("frame: pc.greater + filter_array x3", lambda: frame_full()),
        ("frame: filter_array x3 (mask given)", lambda: [filter_array(c, mask) for c in cols]),
        ("frame:   float64 column", lambda: filter_array(cols[0], mask)),
        ("frame:   int64 column", lambda: filter_array(cols[1], mask)),
        ("frame:   string column", lambda: filter_array(cols[2], mask)),
        ("frame:   string_view column", lambda: filter_array(sv, mask)),
        ("polars: df.filter(pl.col('x') > 0)", lambda: df.filter(pl.col("x") > 0)),
        ("polars: df.filter(series)", lambda: df.filter(series)),
        ("pyarrow: Table.filter(pc.greater)", lambda: tbl.filter(pc.greater(tbl["x"], 0))),
        ("pyarrow: Table.filter(mask)", lambda: tbl.filter(mask)),
        ("pc.greater (mask only)", lambda: pc.greater(cols[0], 0)),
    ]
    print(
        f"rows={n:,} nulls={args.nulls} threads={parallel.get_num_threads()} "
        f"openmp={parallel.openmp_enabled()} selected={pc.sum(mask).as_py():,} "
        f"GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '-')} "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '-')} "
        f"loadavg={os.getloadavg()[0]:.1f}"
    )
    times: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _name, fn in rows:  # warm-up: thread pools, allocator caches
        fn()
    if args.separate:
        schedule = [(name, fn) for name, fn in rows for _ in range(args.repeat)]
    else:
        schedule = [(name, fn) for _ in range(args.repeat) for name, fn in rows]
    for name, fn in schedule:
        t0 = time.perf_counter()
        fn()
        times[name].append(time.perf_counter() - t0)
    for name, _ in rows:
        ts = times[name]
        print(
            f"{name:42s} median {statistics.median(ts) * 1e3:7.1f} ms   min {min(ts) * 1e3:7.1f} ms"
        )
    print(f"loadavg after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
