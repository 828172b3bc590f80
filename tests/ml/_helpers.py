"""Shared data builders and comparison helpers for the frame.ml tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

import frame as fr
from frame import ml
from frame.testing import rechunk

CATS = ["a", "b", "c", "d", "é", ""]


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality, except that every NaN equals every NaN."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    na, nb = np.isnan(a), np.isnan(b)
    if not np.array_equal(na, nb):
        return False
    iview = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    return bool(np.array_equal(a[~na].view(iview), b[~nb].view(iview)))


def random_frame(rng: np.random.Generator, n: int, *, null_frac: float = 0.1,
                 cats: list[str] | None = None) -> fr.DataFrame:
    """Numeric (float64/float32/int64 with nulls and NaN) and categorical columns."""
    cats = cats or CATS[:4]
    f = rng.standard_normal(n) * 3
    f[rng.random(n) < null_frac] = np.nan
    g = rng.exponential(2.0, n)
    i = rng.integers(-5, 50, n)
    s = rng.choice(np.array(cats, dtype=object), n)
    k = rng.integers(0, 4, n)
    return fr.DataFrame({
        "f": pa.array(f, mask=rng.random(n) < null_frac),
        "g": pa.array(g.astype(np.float32)),
        "i": pa.array(i, mask=rng.random(n) < null_frac),
        "s": pa.array(s.tolist(), mask=rng.random(n) < null_frac),
        "k": pa.array(k),
        "y": pa.array((rng.random(n) < 0.4).astype(np.float64)),
    })


# ----------------------------------------------------------------------------- hypothesis
def string_array(draw: Any, values: list) -> pa.Array:
    """``values`` as a plain, large or dictionary-encoded string array (the layout is drawn)."""
    arr = pa.array(values, pa.string())
    layout = draw(st.sampled_from(["plain", "large", "dict"]))
    if layout == "large":
        return arr.cast(pa.large_string())
    if layout == "dict":
        return arr.dictionary_encode()
    return arr


_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(-100, 100),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]),
)


@st.composite
def frames(draw: Any, min_rows: int = 1, max_rows: int = 30, cats: tuple[str, ...] = ("a", "b", "c")) -> fr.DataFrame:
    """Random frames with float64 (NaN, inf, null), float32, int (null), string (null) columns."""
    n = draw(st.integers(min_rows, max_rows))
    f = draw(st.lists(st.one_of(st.none(), _floats), min_size=n, max_size=n))
    g = draw(st.lists(st.one_of(st.none(), st.floats(-1e4, 1e4, width=32)), min_size=n, max_size=n))
    i = draw(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.integers(-3, 3)), min_size=n, max_size=n))
    s = draw(st.lists(st.one_of(st.none(), st.sampled_from(cats)), min_size=n, max_size=n))
    k = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    y = draw(st.lists(st.sampled_from([0.0, 1.0, 0.25]), min_size=n, max_size=n))
    s_arr = string_array(draw, s)
    table = pa.table({
        "f": pa.array(f, pa.float64()),
        "g": pa.array(g, pa.float32()),
        "i": pa.array(i, pa.int64()),
        "s": s_arr,
        "k": pa.array(k, pa.int32()),
        "y": pa.array(y, pa.float64()),
    })
    if n and draw(st.booleans()):  # several chunks, possibly empty ones
        table = rechunk(table, draw(st.lists(st.integers(0, n), min_size=1, max_size=3)))
    return fr.DataFrame(table)


@st.composite
def pipelines(draw: Any) -> ml.Pipeline:
    """Random pipelines over the columns of :func:`frames`."""
    steps: list[Any] = []
    num = ["f", "g", "i"]
    if draw(st.booleans()):
        strategy = draw(st.sampled_from(["mean", "median", "most_frequent", "constant"]))
        steps.append(ml.Impute(num, strategy=strategy, add_indicator=draw(st.booleans())))
    menu = [
        lambda c: ml.Standardize(c, with_mean=draw(st.booleans())),
        lambda c: ml.MinMaxScale(c, clip=draw(st.booleans())),
        lambda c: ml.Clip(c, lower=draw(st.sampled_from([None, 0.0, 0.1])), upper=draw(st.sampled_from([None, 0.9, 1.0]))),
        lambda c: ml.Log1p(c, signed=draw(st.booleans())),
        lambda c: ml.QuantileBins(c, n_bins=draw(st.integers(2, 6))),
        lambda c: ml.Bins(c, cuts=[-1.0, 0.0, 2.5]),
        lambda c: ml.PowerTransform(c),
    ]
    for _ in range(draw(st.integers(0, 3))):
        cols = draw(st.lists(st.sampled_from(num), min_size=1, max_size=3, unique=True))
        steps.append(draw(st.sampled_from(menu))(cols))
    if draw(st.booleans()):
        steps.append(ml.GroupAgg("k", draw(st.sampled_from(num)),
                                 aggs=draw(st.lists(st.sampled_from(["mean", "std", "count", "max", "median"]), min_size=1, max_size=2, unique=True)),
                                 fill=draw(st.sampled_from(["global", "nan"]))))
    if draw(st.booleans()):
        steps.append(ml.Hash(["s", "k"], n_buckets=draw(st.sampled_from([7, 1 << 20])), seed=draw(st.integers(0, 3)), cross=True))
    for c in ("s", "k"):
        if c == "s" and draw(st.booleans()):
            steps.append(ml.Impute(c, strategy=draw(st.sampled_from(["most_frequent", "constant"])), add_indicator=draw(st.booleans())))
        enc = draw(st.sampled_from(["onehot", "ordinal", "target", "count", "freq", "hash", "none"]))
        if enc == "onehot":
            steps.append(ml.OneHot(c, min_frequency=draw(st.sampled_from([None, 2, 0.3])),
                                   max_categories=draw(st.sampled_from([None, 1, 2])),
                                   handle_unknown=draw(st.sampled_from(["ignore", "other"])),
                                   handle_null=draw(st.sampled_from(["category", "ignore"]))))
        elif enc == "ordinal":
            steps.append(ml.Ordinal(c, min_frequency=draw(st.sampled_from([None, 2]))))
        elif enc == "target":
            steps.append(ml.TargetEncode(c, smooth=draw(st.sampled_from(["auto", 0.0, 3.0])), cv=draw(st.integers(2, 4))))
        elif enc == "count":
            steps.append(ml.CountEncode(c))
        elif enc == "freq":
            steps.append(ml.FrequencyEncode(c))
        elif enc == "hash":
            steps.append(ml.Hash(c, n_buckets=draw(st.sampled_from([3, 1000])), seed=draw(st.integers(0, 2))))
        elif c == "s" and steps and isinstance(steps[-1], ml.Impute) and steps[-1].columns == c:
            steps.append(ml.CountEncode(c))
    if not steps:
        steps.append(ml.Standardize("f"))
    remainder = draw(st.sampled_from(["drop", "passthrough"]))
    return ml.Pipeline(steps, remainder=remainder)
