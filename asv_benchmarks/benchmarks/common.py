"""Shared pieces of frame's asv benchmarks: size profiles, seeded data and a table cache.

Sizes come from ``FRAME_ASV_PROFILE`` (read when asv imports the benchmarks):

* ``fast``    — 10_000 rows; every benchmark runs in well under 0.2 s (CI smoke runs).
* ``regular`` — 1e6 and 1e7 rows (the default; what release comparisons use).
* ``large``   — 1e7 and 5e7 rows (by hand, on a machine with >= 16 GiB).

Data is generated with ``np.random.default_rng(seed)`` only (no global seeding). The base
table is built once per asv environment by :meth:`TableCache.setup_cache`, written as Arrow
IPC files in asv's cache directory, and read back once per benchmark process, so the
``setup`` that asv re-runs before every sample only slices columns out of memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as paipc

__all__ = [
    "K2_CARDINALITY",
    "N_KEYS",
    "N_ROWS",
    "PROFILE",
    "SEED",
    "TableCache",
    "load_table",
    "make_indices",
    "make_mask",
    "make_table",
    "memo",
    "with_nulls",
]

PROFILES: dict[str, tuple[int, ...]] = {
    "fast": (10_000,),
    "regular": (1_000_000, 10_000_000),
    "large": (10_000_000, 50_000_000),
}

PROFILE = os.environ.get("FRAME_ASV_PROFILE", "regular")
if PROFILE not in PROFILES:
    raise ValueError(
        f"FRAME_ASV_PROFILE={PROFILE!r} is not one of {sorted(PROFILES)}; "
        "use fast (CI), regular (default) or large"
    )

T = TypeVar("T")

#: Row counts every size-parameterised benchmark runs over.
N_ROWS: tuple[int, ...] = PROFILES[PROFILE]

#: Base seed; each generator mixes in its own salt so columns are independent.
SEED = 20_240_611

#: Distinct values of the string column ``s`` ("key_00000" … "key_99999").
N_KEYS = 100_000

#: Distinct values of the small-cardinality key ``k2``.
K2_CARDINALITY = 100


def _rng(seed: int, *salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, *salt])


def make_table(n_rows: int, seed: int = SEED) -> pa.Table:
    """The benchmark table: one chunk per column, no nulls.

    ========  =======  ==========================================================
    column    type     values
    ========  =======  ==========================================================
    ``id``    int64    a random permutation of ``0 .. n_rows-1`` (unique keys)
    ``x``     float64  standard normal (so ``x > 0`` keeps about half the rows)
    ``s``     string   ``"key_%05d"``, ``N_KEYS`` distinct values, uniform
    ``k2``    int64    ``0 .. K2_CARDINALITY-1``, uniform
    ========  =======  ==========================================================
    """
    rng = _rng(seed, n_rows)
    ids = rng.permutation(n_rows).astype(np.int64)
    x = rng.standard_normal(n_rows)
    keys = pa.array([f"key_{i:05d}" for i in range(N_KEYS)], type=pa.string())
    s = keys.take(pa.array(rng.integers(0, N_KEYS, size=n_rows, dtype=np.int64)))
    k2 = rng.integers(0, K2_CARDINALITY, size=n_rows, dtype=np.int64)
    return pa.table({"id": ids, "x": x, "s": s, "k2": k2})


def with_nulls(column: pa.Array | pa.ChunkedArray, fraction: float, seed: int = SEED) -> pa.Array:
    """``column`` with about ``fraction`` of its values replaced by null (seeded)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if fraction <= 0:
        return column
    hit = _rng(seed, len(column), 7).random(len(column)) < fraction
    return pc.if_else(pa.array(hit), pa.scalar(None, type=column.type), column)


def make_mask(n_rows: int, selectivity: float, seed: int = SEED) -> np.ndarray:
    """Boolean mask keeping about ``selectivity`` of ``n_rows`` rows at random positions."""
    return _rng(seed, n_rows, 11).random(n_rows) < selectivity


def make_indices(n_rows: int, kind: str, seed: int = SEED) -> np.ndarray:
    """``n_rows`` int64 row positions into a table of ``n_rows`` rows.

    ``kind``: ``"permutation"`` (every row once, random order), ``"random"`` (uniform with
    repeats: the cache-hostile gather), ``"sorted"`` (random with repeats, ascending: the
    gather after a filter or a group-by) or ``"reverse"``.
    """
    rng = _rng(seed, n_rows, 13)
    if kind == "permutation":
        return rng.permutation(n_rows).astype(np.int64)
    if kind == "random":
        return rng.integers(0, n_rows, size=n_rows, dtype=np.int64)
    if kind == "sorted":
        return np.sort(rng.integers(0, n_rows, size=n_rows, dtype=np.int64))
    if kind == "reverse":
        return np.arange(n_rows - 1, -1, -1, dtype=np.int64)
    raise ValueError(f"unknown index kind {kind!r}")


_MEMO: dict[tuple[object, ...], object] = {}


def memo(key: tuple[object, ...], build: Callable[[], T]) -> T:
    """``build()`` once per process for ``key`` (setup re-runs before every asv sample).

    asv runs each benchmark in its own process, so a handful of entries is enough; the memo
    is cleared when it grows so that one process never holds more than a few big inputs.
    """
    if key not in _MEMO:
        if len(_MEMO) >= 8:
            _MEMO.clear()
        _MEMO[key] = build()
    return _MEMO[key]  # type: ignore[return-value]


@lru_cache(maxsize=2)
def _read_ipc(path: str) -> pa.Table:
    # Read into process memory (not a memory map): asv re-runs ``setup`` before every sample,
    # and a fresh map per sample would put page faults inside the timed region.
    with pa.OSFile(path, "rb") as f:
        return paipc.open_file(f).read_all()


def load_table(cache: dict[int, str] | None, n_rows: int) -> pa.Table:
    """The table of ``n_rows`` rows: from the ``setup_cache`` files when given, else generated.

    Memoised per process, so calling it from ``setup`` is cheap after the first sample.
    """
    if cache is not None and n_rows in cache and os.path.exists(cache[n_rows]):
        return _read_ipc(cache[n_rows])
    return _generated(n_rows)


@lru_cache(maxsize=2)
def _generated(n_rows: int) -> pa.Table:
    return make_table(n_rows)


class TableCache:
    """Mixin: builds the base tables for every size of the profile once per environment.

    asv keys ``setup_cache`` by the defining module and line, so every class inheriting this
    shares one cache. Benchmark methods and ``setup`` then receive the cache (a small dict
    ``{n_rows: path}``) as their first argument, before the parameters.
    """

    # A two-key string sort of 1e7 rows takes seconds per call; asv's default limit (60 s for
    # warm-up plus all samples of one benchmark) is too tight for the regular profile.
    timeout = 300.0

    def setup_cache(self) -> dict[int, str]:
        paths = {}
        for n in N_ROWS:
            path = os.path.abspath(f"frame_bench_{PROFILE}_{n}.arrow")
            table = make_table(n)
            with paipc.new_file(path, table.schema) as writer:
                writer.write_table(table)
            paths[n] = path
        return paths

    setup_cache.timeout = 900  # type: ignore[attr-defined]  # 5e7 rows in the large profile
