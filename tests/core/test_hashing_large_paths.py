"""The size-triggered factorize paths, checked against pandas on inputs big enough to take them.

* short strings (every value <= 15 bytes) are keyed as 128-bit words; from 2**18 rows the input is
  split in two halves factorized on two threads and merged;
* multi-column keys whose combined cardinality exceeds the direct table are factorized by radix
  partitions from 2**20 rows.

Both must give exactly the first-appearance codes a one-pass factorize gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from frame._core import hashing

N_SPLIT = (1 << 18) + 12_345
N_PARTITION = (1 << 20) + 777


def _expected(values: list) -> tuple[np.ndarray, int, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    first = np.unique(codes, return_index=True)[1]
    return codes, len(uniques), first


def _strings(rng: np.random.Generator, n: int, n_distinct: int, max_len: int) -> list:
    pool = [
        "".join(chr(97 + c) for c in rng.integers(0, 26, rng.integers(0, max_len + 1)))
        for _ in range(n_distinct)
    ]
    pool[0] = ""  # the empty string is a value, distinct from null
    picks = rng.integers(0, n_distinct, n)
    nulls = rng.random(n) < 0.05
    return [None if z else pool[p] for p, z in zip(picks, nulls)]


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize(("n_distinct", "max_len"), [(50, 5), (20_000, 15), (300, 40)])
def test_string_factorize_matches_pandas_on_large_inputs(large, n_distinct, max_len):
    rng = np.random.default_rng([n_distinct, max_len, large])
    values = _strings(rng, N_SPLIT, n_distinct, max_len)
    arr = pa.array(values, type=pa.large_string() if large else pa.string())
    for piece in (arr, arr.slice(7)):
        codes, nu, first = hashing.factorize(piece)
        exp_codes, exp_nu, exp_first = _expected(piece.to_pylist())
        assert nu == exp_nu
        np.testing.assert_array_equal(codes, exp_codes)
        np.testing.assert_array_equal(first, exp_first)


def test_short_strings_that_differ_only_in_trailing_zero_bytes():
    # "a", "a\\0" and "a\\0\\0" share their zero-padded bytes; the length keeps them apart
    values = ["a", "a\x00", "a\x00\x00", None, ""] * (N_SPLIT // 5)
    codes, nu, first = hashing.factorize(pa.array(values))
    assert nu == 5
    np.testing.assert_array_equal(codes[:10], [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
    np.testing.assert_array_equal(first, [0, 1, 2, 3, 4])


@pytest.mark.parametrize("with_nulls", [False, True])
def test_partitioned_multi_key_factorize_matches_pandas(with_nulls):
    rng = np.random.default_rng(with_nulls)
    n = N_PARTITION
    a = rng.integers(0, 5_000, n)
    b = rng.integers(-(2**62), 2**62, n) % 997  # 997 values spread over a wide int64 range
    c = rng.integers(0, 3_000, n)
    mask = rng.random(n) < 0.1 if with_nulls else None
    arrays = [pa.array(a, mask=mask), pa.array(b * 9_000_000_000_000), pa.array(c)]
    codes, nu, first = hashing.factorize_multi(arrays)
    tuples = list(zip(arrays[0].to_pylist(), b.tolist(), c.tolist()))
    exp_codes, exp_nu, exp_first = _expected(tuples)
    assert nu == exp_nu
    np.testing.assert_array_equal(codes, exp_codes)
    np.testing.assert_array_equal(first, exp_first)


def test_partitioned_multi_key_factorize_on_sliced_inputs():
    rng = np.random.default_rng(3)
    n = N_PARTITION + 100
    arrays = [
        pa.array(rng.integers(0, 4_000, n)).slice(100),
        pa.array(rng.integers(0, 4_000, n)).slice(100),
    ]
    codes, nu, first = hashing.factorize_multi(arrays)
    exp_codes, exp_nu, exp_first = _expected(list(zip(*(x.to_pylist() for x in arrays))))
    assert nu == exp_nu
    np.testing.assert_array_equal(codes, exp_codes)
    np.testing.assert_array_equal(first, exp_first)


def _probe_reference(build: list, probe: list, missing: int):
    """First-appearance codes of ``build`` (null a key) and each probe value's build code."""
    codes: dict = {}
    build_codes = [codes.setdefault(v, len(codes)) for v in build]
    return build_codes, len(codes), [codes.get(v, missing) for v in probe]


@pytest.mark.parametrize("dtype", [pa.string(), pa.large_string(), pa.binary(), pa.large_binary()])
@pytest.mark.parametrize("n_probe", [0, 1, 1000, 300_007])  # the last runs on two threads
def test_probe_short_matches_a_dictionary_reference(dtype, n_probe):
    rng = np.random.default_rng(n_probe)
    labels = ["", "a", "a\x00", "id7", "x" * 15, "\x00", "zz", None]
    build_values = [labels[i] for i in rng.integers(0, len(labels), 40)]
    # probe values: the build's, unseen short ones, and long ones that can never match
    pool = [*labels, "unseen", "y" * 16, "x" * 15 + "!"]
    probe_values = [pool[i] for i in rng.integers(0, len(pool), n_probe)]
    if dtype in (pa.binary(), pa.large_binary()):
        build_values = [None if v is None else v.encode() for v in build_values]
        probe_values = [None if v is None else v.encode() for v in probe_values]
    build = pa.array(build_values, dtype)
    probe = pa.array(["pad", *probe_values], dtype).slice(1)  # a non-zero offset
    got_build, n_keys, got_probe = hashing.probe_short(build, probe, 999)
    exp_build, exp_n, exp_probe = _probe_reference(build_values, probe_values, 999)
    assert got_build.tolist() == exp_build and n_keys == exp_n
    assert got_probe.tolist() == exp_probe


def test_probe_short_declines_long_build_values_and_rejects_other_types():
    assert hashing.probe_short(pa.array(["a", "b" * 16]), pa.array(["a"]), 5) is None
    build_codes, n, probe_codes = hashing.probe_short(pa.array([], pa.string()), pa.array(["a"]), 5)
    assert len(build_codes) == 0 and n == 0 and probe_codes.tolist() == [5]
    with pytest.raises(TypeError, match="string/binary"):
        hashing.probe_short(pa.array([1, 2]), pa.array(["a"]), 5)
