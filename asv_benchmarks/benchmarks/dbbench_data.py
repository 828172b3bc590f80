"""Seeded generators for the db-benchmark tables (h2oai/db-benchmark, now duckdblabs/db-benchmark).

``groupby_table(n, k, nas, seed)`` reproduces the shape of ``G1_<n>_<k>_<nas>_0`` from the original
``groupby-datagen.R``: the columns, their types, value ranges and cardinalities are the same, the
random stream is numpy's (so values differ from the R files but every statistic the questions
depend on matches):

=======  ========  ====================================================
column   type      values
=======  ========  ====================================================
id1      string    ``"id%03d"`` of 1..k            (k groups, large)
id2      string    ``"id%03d"`` of 1..k            (k groups, large)
id3      string    ``"id%010d"`` of 1..n/k         (n/k groups, small)
id4      int32     1..k
id5      int32     1..k
id6      int32     1..n/k
v1       int32     1..5
v2       int32     1..15
v3       float64   uniform [0, 100) rounded to 6 decimals
=======  ========  ====================================================

With ``nas > 0`` that percentage of each column is null (the generator's NA injection).
``categorical=True`` dictionary-encodes id1..id3 (what the benchmark's "factor" runs use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = [
    "ASOF_QUESTIONS",
    "GROUPBY_QUESTIONS",
    "JOIN_QUESTIONS",
    "asof_tables",
    "groupby_queries",
    "groupby_table",
    "join_queries",
    "join_tables",
]

#: The ten db-benchmark group-by questions (label → description).
GROUPBY_QUESTIONS = {
    "q1": "sum v1 by id1",
    "q2": "sum v1 by id1:id2",
    "q3": "sum v1 mean v3 by id3",
    "q4": "mean v1:v3 by id4",
    "q5": "sum v1:v3 by id6",
    "q6": "median v3 sd v3 by id4 id5",
    "q7": "max v1 - min v2 by id3",
    "q8": "largest two v3 by id6",
    "q9": "regression v1 v2 by id2 id4",
    "q10": "sum v3 count by id1:id6",
}


def _labels(fmt: str, count: int) -> pa.Array:
    return pa.array([fmt % i for i in range(1, count + 1)], type=pa.string())


def _with_nulls(arr: pa.Array, rng: np.random.Generator, nas: int) -> pa.Array:
    if nas <= 0:
        return arr
    mask = rng.random(len(arr)) < nas / 100.0
    return (
        pa.array(arr.to_numpy(zero_copy_only=False), mask=mask, type=arr.type)
        if not pa.types.is_dictionary(arr.type)
        else pa.DictionaryArray.from_arrays(
            pa.array(arr.indices.to_numpy(), mask=mask), arr.dictionary
        )
    )


def groupby_table(
    n: int = 10_000_000, k: int = 100, nas: int = 0, seed: int = 2021, categorical: bool = False
) -> pa.Table:
    """The db-benchmark group-by table ``G1_<n>_<k>_<nas>_0`` (see the module docstring)."""
    rng = np.random.default_rng([seed, n, k, nas])
    small = max(n // k, 1)
    cols: dict[str, pa.Array] = {}
    for name, fmt, card in (("id1", "id%03d", k), ("id2", "id%03d", k), ("id3", "id%010d", small)):
        idx = rng.integers(0, card, n, dtype=np.int32)
        arr = pa.DictionaryArray.from_arrays(pa.array(idx), _labels(fmt, card))
        cols[name] = arr if categorical else arr.cast(pa.string())
    for name, card in (("id4", k), ("id5", k), ("id6", small)):
        cols[name] = pa.array(rng.integers(1, card + 1, n, dtype=np.int32))
    cols["v1"] = pa.array(rng.integers(1, 6, n, dtype=np.int32))
    cols["v2"] = pa.array(rng.integers(1, 16, n, dtype=np.int32))
    cols["v3"] = pa.array(np.round(rng.random(n) * 100.0, 6))
    if nas > 0:
        cols = {name: _with_nulls(arr, rng, nas) for name, arr in cols.items()}
    return pa.table(cols)


def groupby_queries(lib: Any) -> dict[str, Callable[[Any], Any]]:
    """The ten questions as functions of an eager DataFrame, in ``lib``'s expression API.

    ``lib`` is ``frame`` or ``polars``: both spell the questions the same way (the polars
    reference solutions of db-benchmark), so the asv benchmarks and ``compare_groupby.py`` run
    exactly this code for frame and for polars. Each function returns the materialised result:
    the key columns first, then one column per aggregation.
    """
    col = lib.col

    return {
        "q1": lambda df: df.group_by("id1").agg(col("v1").sum()),
        "q2": lambda df: df.group_by("id1", "id2").agg(col("v1").sum()),
        "q3": lambda df: df.group_by("id3").agg(col("v1").sum(), col("v3").mean()),
        "q4": lambda df: df.group_by("id4").agg(
            col("v1").mean(), col("v2").mean(), col("v3").mean()
        ),
        "q5": lambda df: df.group_by("id6").agg(col("v1").sum(), col("v2").sum(), col("v3").sum()),
        "q6": lambda df: df.group_by("id4", "id5").agg(
            col("v3").median().alias("median_v3"), col("v3").std().alias("sd_v3")
        ),
        "q7": lambda df: df.group_by("id3").agg(
            (col("v1").max() - col("v2").min()).alias("range_v1_v2")
        ),
        "q8": lambda df: (
            df.drop_nulls("v3")
            .group_by("id6")
            .agg(col("v3").top_k(2).alias("largest2_v3"))
            .explode("largest2_v3")
        ),
        "q9": lambda df: df.group_by("id2", "id4").agg((lib.corr("v1", "v2") ** 2).alias("r2")),
        "q10": lambda df: df.group_by("id1", "id2", "id3", "id4", "id5", "id6").agg(
            col("v3").sum(), col("v1").count()
        ),
    }


# --------------------------------------------------------------------------- join
#: The five db-benchmark join questions (label → description), plus an as-of join.
JOIN_QUESTIONS = {
    "q1": "small inner on int",
    "q2": "medium inner on int",
    "q3": "medium outer on int",
    "q4": "medium inner on factor",
    "q5": "big inner on int",
}
ASOF_QUESTIONS = {"a1": "as-of backward on int time by int key"}


def _split_xlr(m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """join-datagen.R's ``split_xlr(m)``: a permutation of ``1..1.1 m`` cut into the keys both
    sides share (0.9 m), the left-only keys (0.1 m) and the right-only keys (0.1 m).

    For tiny ``m`` (the asv ``fast`` profile) there is at least one shared key.
    """
    common = max(int(m * 0.9), 1)
    left_only = max(m - common, 0)
    right_only = int(m * 1.1) - m if m >= 10 else left_only
    key = rng.permutation(common + left_only + right_only).astype(np.int32) + 1
    return (
        key[:common],
        key[common : common + left_only],
        key[common + left_only :],
    )


def _sample_all(keys: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """join-datagen.R's ``sample_all(x, size)``: every key once, then uniform draws with
    replacement up to ``size``, shuffled (so ``size == len(keys)`` is a permutation)."""
    if len(keys) > size:
        raise ValueError(f"sample_all: {len(keys)} keys do not fit in {size} rows")
    extra = keys[rng.integers(0, len(keys), size - len(keys))] if size > len(keys) else keys[:0]
    return rng.permutation(np.concatenate([keys, extra]))


def _id_labels(ids: np.ndarray, categorical: bool) -> pa.Array:
    """``sprintf("id%.0f", ids)``, a factor in R: dictionary-encoded when ``categorical``."""
    import pyarrow.compute as pc

    labels = pc.binary_join_element_wise("id", pc.cast(pa.array(ids), pa.string()), "")
    return pc.dictionary_encode(labels) if categorical else labels


def join_tables(
    n: int = 10_000_000, nas: int = 0, seed: int = 2021, categorical: bool = False
) -> dict[str, pa.Table]:
    """db-benchmark's join data ``J1_<n>_NA_<nas>_0``: ``{"x", "small", "medium", "big"}``.

    Reproduces ``join-datagen.R`` with numpy's random stream. Three key tiers are split by
    ``split_xlr(m)``: a permutation of ``1..1.1 m`` cut into 0.9 m keys both sides share,
    0.1 m keys only the left table ``x`` has and 0.1 m keys only the right tables have. ``x``
    draws each key column from shared + left-only keys, the right tables from shared +
    right-only keys, each with ``sample_all`` (every key once, the rest uniform with
    replacement, shuffled):

    ======  ========  =======  =========================================================
    table   rows      columns  keys
    ======  ========  =======  =========================================================
    x       n         id1 id2 id3 id4 id5 id6 v1
    small   n/1e6     id1 id4 v2                 id1 unique (a permutation of its keys)
    medium  n/1e3     id1 id2 id4 id5 v2         id2 unique; id1 n/1e6 distinct, repeated
    big     n         id1 id2 id3 id4 id5 id6 v2 id3 unique; id1, id2 repeated
    ======  ========  =======  =========================================================

    Key tiers: id1 has m = n/1e6 (at least 1) keys, id2 m = n/1e3, id3 m = n. In ``x`` id1
    takes m distinct values, id2 m distinct values, and id3 is a permutation (x's id3 is
    unique, so it identifies an x row). id4/id5/id6 are ``"id%d"`` of id1/id2/id3 (R factors:
    plain strings, or dictionary-encoded with ``categorical=True``; every table then has its
    own dictionary). v1, v2: uniform [0, 100) rounded to 6 decimals. ids are int32 (R integers).

    Match statistics (what the five questions depend on): the right key of each question is
    unique in its right table, so every inner join returns each matching x row exactly once,
    about 90% of x's rows (0.9 n; exactly the rows whose key is a shared key), and the left
    join (q3) returns n rows, ~10% of them with null right columns. For n = 1e7: small 10 rows,
    medium 10,000, big 1e7; inner-join results ~9e6 rows.

    With ``nas > 0`` about that percentage of the rows of every table gets null keys (an id and
    its string twin together) and, independently, null values, mimicking the generator's NA
    runs (db-benchmark publishes the join data only with ``nas=0``).
    """
    rng = np.random.default_rng([seed, n, nas, 7])
    tiers = {m: _split_xlr(m, rng) for m in (max(n // 1_000_000, 1), max(n // 1_000, 1), n)}
    k1, k2, k3 = tiers.values()

    def side(keys: tuple[np.ndarray, np.ndarray, np.ndarray], right: bool, size: int):
        shared, left_only, right_only = keys
        pool = np.concatenate([shared, right_only if right else left_only])
        return _sample_all(pool, size, rng)

    sizes = {"x": n, "small": max(n // 1_000_000, 1), "medium": max(n // 1_000, 1), "big": n}
    layout = {"x": 3, "small": 1, "medium": 2, "big": 3}  # how many key tiers each table has
    tables = {}
    for name, size in sizes.items():
        right = name != "x"
        ids = [side(t, right, size) for t in (k1, k2, k3)[: layout[name]]]
        mask = rng.random(size) < nas / 100.0 if nas > 0 else None
        cols: dict[str, pa.Array] = {}
        for i, v in enumerate(ids, 1):
            cols[f"id{i}"] = pa.array(v, mask=mask)
        for i, v in enumerate(ids, 4):
            labels = _id_labels(v, categorical)
            if mask is not None:
                labels = pa.array(labels.to_pylist(), type=labels.type, mask=mask)
            cols[f"id{i}"] = labels
        values = np.round(rng.random(size) * 100.0, 6)
        vmask = rng.random(size) < nas / 100.0 if nas > 0 else None
        cols["v1" if name == "x" else "v2"] = pa.array(values, mask=vmask)
        if name == "small":
            cols = {c: cols[c] for c in ("id1", "id4", "v2")}
        elif name == "medium":
            cols = {c: cols[c] for c in ("id1", "id2", "id4", "id5", "v2")}
        tables[name] = pa.table(cols)
    return tables


def asof_tables(
    n: int = 10_000_000, n_by: int = 10_000, right_ratio: int = 10, seed: int = 2021
) -> dict[str, pa.Table]:
    """Inputs of the as-of join (not a db-benchmark question): ``{"left", "right"}``.

    ``left``: n rows ``t`` (int64, sorted ascending, uniform over 0..10 n), ``id`` (int32, 1..
    ``n_by``, uniform) and ``v1`` (float64); ``right``: n / ``right_ratio`` rows of ``t`` (sorted),
    ``id`` and ``v2`` on the same ranges. Both sides are sorted by ``t`` (what polars' and
    pandas' as-of joins require); a backward join by ``id`` then finds a match for all but the
    left rows that come before their key's first right row (~n_by · right_ratio rows).
    """
    rng = np.random.default_rng([seed, n, n_by, 11])
    out = {}
    for name, size, value in (
        ("left", n, "v1"),
        ("right", max(n // right_ratio, 1), "v2"),
    ):
        out[name] = pa.table(
            {
                "t": pa.array(np.sort(rng.integers(0, 10 * n, size, dtype=np.int64))),
                "id": pa.array(rng.integers(1, n_by + 1, size, dtype=np.int32)),
                value: pa.array(np.round(rng.random(size) * 100.0, 6)),
            }
        )
    return out


def join_queries(lib: Any) -> dict[str, Callable[..., Any]]:
    """The join questions as functions of eager DataFrames, in ``lib``'s API.

    ``lib`` is ``frame`` or ``polars`` (the polars reference solutions of db-benchmark; q3,
    "medium outer on int", is a left join there). q1..q5 take ``(x, small, medium, big)``;
    ``a1`` takes ``(left, right)`` and is only present when ``lib.DataFrame`` has ``join_asof``.
    """
    queries: dict[str, Callable[..., Any]] = {
        "q1": lambda x, small, medium, big: x.join(small, on="id1"),
        "q2": lambda x, small, medium, big: x.join(medium, on="id2"),
        "q3": lambda x, small, medium, big: x.join(medium, on="id2", how="left"),
        "q4": lambda x, small, medium, big: x.join(medium, on="id5"),
        "q5": lambda x, small, medium, big: x.join(big, on="id3"),
    }
    if hasattr(lib.DataFrame, "join_asof"):
        # polars warns that it cannot check sortedness with ``by``; both inputs are sorted.
        extra = {"check_sortedness": False} if lib.__name__ == "polars" else {}
        queries["a1"] = lambda left, right: left.join_asof(
            right, on="t", by="id", strategy="backward", **extra
        )
    return queries
