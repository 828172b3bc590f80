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

__all__ = ["GROUPBY_QUESTIONS", "groupby_queries", "groupby_table"]

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
