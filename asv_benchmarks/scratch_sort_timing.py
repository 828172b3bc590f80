"""Scratch timing: frame's argsort against polars and pyarrow on 1e7 rows.

Run with ``.venv/bin/python asv_benchmarks/scratch_sort_timing.py [n_rows] [repeats]``.
Prints the median (and min) wall time of each contender per scenario; contenders run
interleaved so that load from other processes hits all of them alike. Not an asv suite (no classes);
kept as the reference measurement behind the sort kernel's design notes.

Contenders:

* ``frame.argsort``      -- ``frame._core.sort.argsort`` (returns the permutation only)
* ``polars.arg_sort_by`` -- ``df.select(pl.arg_sort_by(keys))`` (permutation only, like frame)
* ``polars.sort``        -- ``df.sort(keys)`` (permutation + gather of every column)
* ``pyarrow``            -- ``pc.sort_indices(table, sort_keys)`` (permutation only)

Note: pyarrow puts NaN next to nulls, frame and polars put NaN above +inf; the data below has no
NaN so all contenders compute the same permutation (checked once per scenario).
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from frame._core import parallel, sort


def _timings(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Wall times of every contender, interleaved (A B C A B C ...) so load drifts hit all alike."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def _contenders(table: pa.Table, keys: list[str]) -> dict[str, Callable[[], object]]:
    arrays = [table.column(k).chunk(0) for k in keys]
    df = pl.from_arrow(table)
    desc = [False] * len(keys)
    nl = [True] * len(keys)
    sort_keys = [(k, "ascending", "at_end") for k in keys]
    return {
        "frame": functools.partial(sort.argsort, arrays, desc, nl),
        "pl.arg_sort_by": functools.partial(df.select, pl.arg_sort_by(keys)),
        "pl.sort": functools.partial(df.sort, keys),
        "pyarrow": functools.partial(pc.sort_indices, table, sort_keys=sort_keys),
    }


def _scenarios(n: int) -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(42)
    words = np.array([f"key_{i:06d}_{rng.integers(1 << 30):x}" for i in range(100_000)])
    return {
        "1 key int64 (uniform +-1e9)": {"a": rng.integers(-(10**9), 10**9, n)},
        "2 keys int64 + float64": {
            "a": rng.integers(-(10**9), 10**9, n),
            "b": rng.standard_normal(n),
        },
        "2 keys int64 (1000 values) + float64": {
            "a": rng.integers(0, 1000, n),
            "b": rng.standard_normal(n),
        },
        "1 key float64": {"b": rng.standard_normal(n)},
        "1 key string (1e5 distinct)": {"s": words[rng.integers(0, len(words), n)]},
    }


def main() -> None:
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"n_rows={n:,}  repeats={repeats}  frame threads={parallel.get_num_threads()}")
    print("median seconds (min in parentheses)")
    names = ["frame", "pl.arg_sort_by", "pl.sort", "pyarrow"]
    print(f"{'scenario':38s}" + "".join(f"{name:>18s}" for name in names))
    for scenario, cols in _scenarios(n).items():
        keys = list(cols)
        table = pa.table({k: pa.array(v) for k, v in cols.items()}).combine_chunks()
        contenders = _contenders(table, keys)
        ours = contenders["frame"]()
        ref = contenders["pyarrow"]().to_numpy()
        assert np.array_equal(ours, ref), scenario
        times = _timings(contenders, repeats)
        cells = "".join(
            f"{statistics.median(times[name]):10.3f} ({min(times[name]):5.3f})" for name in names
        )
        print(f"{scenario:38s}{cells}", flush=True)


if __name__ == "__main__":
    main()
