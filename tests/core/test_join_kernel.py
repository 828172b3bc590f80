"""``frame._core.join`` against a nested-loop reference over random codes.

The kernel receives the probe side's codes and the build side counting-sorted by code; it must
emit every (probe row, build row) pair with equal codes, probe-major with build rows in order,
plus one (row, -1) pair per unmatched probe row when asked.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frame._core import groupby as gb
from frame._core import join as jn


def _reference(probe: np.ndarray, build: np.ndarray, keep: bool) -> tuple[list[int], list[int]]:
    pi, bi = [], []
    for i, c in enumerate(probe.tolist()):
        matches = [j for j, d in enumerate(build.tolist()) if d == c]
        if not matches and keep:
            pi.append(i)
            bi.append(-1)
        for j in matches:
            pi.append(i)
            bi.append(j)
    return pi, bi


def _run(probe: np.ndarray, build: np.ndarray, ncodes: int, keep: bool):
    order, offsets = gb.group_order(build, ncodes)
    size = jn.join_size(probe, offsets, keep)
    pi, bi, identity = jn.join_fill(probe, order, offsets, keep)
    assert size == len(pi) == len(bi)
    return pi, bi, identity


@given(
    ncodes=st.integers(1, 12),
    n_probe=st.integers(0, 60),
    n_build=st.integers(0, 60),
    keep=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_pairs_match_nested_loop_reference(ncodes, n_probe, n_build, keep, seed):
    rng = np.random.default_rng(seed)
    probe = rng.integers(0, ncodes, n_probe)
    build = rng.integers(0, ncodes, n_build)
    pi, bi, identity = _run(probe, build, ncodes, keep)
    exp_pi, exp_bi = _reference(probe, build, keep)
    assert pi.tolist() == exp_pi
    assert bi.tolist() == exp_bi
    assert identity == (exp_pi == list(range(n_probe)))


@pytest.mark.parametrize("keep", [False, True])
def test_parallel_blocks_give_the_serial_answer(keep):
    # several 2**16-row probe blocks, with duplicates, misses and one-to-one rows mixed
    rng = np.random.default_rng(7)
    n = 5 * (1 << 16) + 321
    ncodes = 5_000
    probe = rng.integers(0, ncodes, n)
    build = rng.integers(0, ncodes // 2, 3_000)  # codes >= ncodes // 2 never match
    pi, bi, _ = _run(probe, build, ncodes, keep)
    order = np.argsort(build, kind="stable")
    counts = np.bincount(build, minlength=ncodes)
    starts = np.concatenate([[0], np.cumsum(counts)])
    exp_pi, exp_bi = [], []
    for i, c in enumerate(probe.tolist()):
        rows = order[starts[c] : starts[c + 1]]
        if len(rows) == 0 and keep:
            exp_pi.append(i)
            exp_bi.append(-1)
        exp_pi.extend([i] * len(rows))
        exp_bi.extend(rows.tolist())
    np.testing.assert_array_equal(pi, exp_pi)
    np.testing.assert_array_equal(bi, exp_bi)


def test_identity_flag_for_one_to_one_and_unmatched_left_rows():
    build = np.array([2, 0, 1], dtype=np.int64)
    probe = np.array([0, 1, 2, 1], dtype=np.int64)
    pi, bi, identity = _run(probe, build, 4, False)
    assert identity and pi.tolist() == [0, 1, 2, 3] and bi.tolist() == [1, 2, 0, 2]
    # an unmatched row kept as (row, -1) still gives one pair per row
    pi, bi, identity = _run(np.array([3, 0]), build, 4, True)
    assert identity and bi.tolist() == [-1, 1]
    # dropped by an inner join: no longer the identity
    pi, bi, identity = _run(np.array([3, 0]), build, 4, False)
    assert not identity and pi.tolist() == [1]


@pytest.mark.parametrize("bad", [-1, 4, 2**40])
def test_codes_outside_the_build_range_raise(bad):
    order, offsets = gb.group_order(np.array([0, 1], dtype=np.int64), 4)
    probe = np.array([0, bad], dtype=np.int64)
    with pytest.raises(ValueError, match="probe codes"):
        jn.join_size(probe, offsets, False)
    with pytest.raises(ValueError, match="probe codes"):
        jn.join_fill(probe, order, offsets, True)


def test_empty_inputs_and_read_only_arrays():
    order, offsets = gb.group_order(np.empty(0, dtype=np.int64), 2)
    probe = np.array([0, 1], dtype=np.int64)
    probe.flags.writeable = False
    pi, bi, identity = jn.join_fill(probe, order, offsets, True)
    assert pi.tolist() == [0, 1] and bi.tolist() == [-1, -1] and identity
    pi, bi, identity = jn.join_fill(np.empty(0, dtype=np.int64), order, offsets, False)
    assert len(pi) == len(bi) == 0
    assert jn.join_size(probe, offsets, False) == 0



def _lookup_reference(probe: np.ndarray, build: np.ndarray, keep: bool):
    """``join_lookup``'s answer from the nested-loop pairs (build codes are distinct)."""
    pi, bi = _reference(probe, build, keep)
    if keep:
        return bi
    matched = np.zeros(len(probe), dtype=bool)
    matched[pi] = True
    return matched.tolist(), bi


def _unpack(bitmap, n: int) -> list[bool]:
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[:n].astype(bool).tolist()


@given(
    nkeys=st.integers(0, 40),
    n_probe=st.integers(0, 80),
    n_build=st.integers(0, 40),
    repeats=st.booleans(),
    keep=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_unique_positions_and_lookup_match_nested_loop_reference(
    nkeys, n_probe, n_build, repeats, keep, seed
):
    rng = np.random.default_rng(seed)
    ncodes = nkeys + 2  # plus the two null sentinels, which never match
    probe = rng.integers(0, ncodes, n_probe)
    if repeats:
        build = rng.integers(0, ncodes, n_build)
    else:  # distinct keys, plus any number of sentinel rows
        build = np.concatenate([rng.permutation(nkeys)[: min(n_build, nkeys)],
                                np.full(rng.integers(0, 3), nkeys)])
        build = rng.permutation(build)
    pos = jn.unique_positions(build, ncodes, nkeys)
    keys = build[build < nkeys]
    assert (pos is None) == (len(np.unique(keys)) != len(keys))
    if pos is None:
        return
    expected_pos = np.full(ncodes, -1)
    expected_pos[keys] = np.flatnonzero(build < nkeys)
    np.testing.assert_array_equal(pos, expected_pos)
    got = jn.join_lookup(probe, pos, keep)
    expected = _lookup_reference(probe, np.where(build < nkeys, build, -1), keep)
    if keep:
        assert got.tolist() == expected
    else:
        bitmap, bi = got
        assert _unpack(bitmap, n_probe) == expected[0]
        assert bi.tolist() == expected[1]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, (1 << 16) - 1, 1 << 16, 3 * (1 << 16) + 5])
def test_lookup_bitmap_across_block_and_byte_edges(n):
    # several 2**16-row blocks (each writes its own bitmap bytes) and a ragged last byte
    rng = np.random.default_rng(n)
    ncodes = 1_000
    build = rng.permutation(ncodes)[: ncodes // 2]
    probe = rng.integers(0, ncodes, n)
    pos = jn.unique_positions(build, ncodes, ncodes)
    bitmap, bi = jn.join_lookup(probe, pos, False)
    expected = np.full(ncodes, -1)
    expected[build] = np.arange(len(build))
    hit = expected[probe] >= 0
    assert len(bitmap) == (n + 7) // 8
    assert _unpack(bitmap, n) == hit.tolist()
    np.testing.assert_array_equal(bi, expected[probe][hit])
    np.testing.assert_array_equal(jn.join_lookup(probe, pos, True), expected[probe])


def test_lookup_rejects_bad_codes_and_positions_report_repeats():
    pos = jn.unique_positions(np.array([0, 1], dtype=np.int64), 4, 2)
    with pytest.raises(ValueError, match="probe codes"):
        jn.join_lookup(np.array([0, 4], dtype=np.int64), pos, False)
    with pytest.raises(ValueError, match="probe codes"):
        jn.join_lookup(np.array([-1], dtype=np.int64), pos, True)
    assert jn.unique_positions(np.array([0, 1, 1], dtype=np.int64), 4, 2) is None
    # repeated sentinel rows (null keys) are not repeats
    assert jn.unique_positions(np.array([2, 0, 2], dtype=np.int64), 4, 2).tolist() == [1, -1, -1, -1]
    assert jn.join_lookup(np.array([0, 3], dtype=np.int64), pos, True).tolist() == [0, -1]
    with pytest.raises(ValueError, match="nkeys"):
        jn.unique_positions(np.array([0], dtype=np.int64), 2, 3)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                                   np.uint32, np.uint64])
def test_direct_codes_are_distances_from_the_base(dtype):
    info = np.iinfo(dtype)
    values = np.array([info.min, info.min + 1, info.max, info.max - 3, 0], dtype=dtype)
    for base, size in ((int(info.min), 4), (int(info.max) - 3, 4), (0, 1)):
        got = jn.direct_codes(values, np.empty(0, np.uint8), 0, base, size, 99)
        expected = [int(v) - base if 0 <= int(v) - base < size else 99 for v in values.tolist()]
        assert got.tolist() == expected
    # a validity bitmap with an offset: bit 3 + i says whether row i is valid
    validity = np.packbits(np.array([1, 1, 1, 0, 1, 1, 0, 1], dtype=np.uint8), bitorder="little")
    got = jn.direct_codes(np.array([5, 6, 7, 8, 9], dtype=dtype), validity, 3, 5, 10, 77)
    assert got.tolist() == [77, 1, 2, 77, 4]
    with pytest.raises(ValueError, match="shorter"):
        jn.direct_codes(np.arange(20, dtype=dtype), validity, 3, 0, 30, 77)


def _asof_reference(lv, lg, rv, rg, strategy, exact, tol):
    out = []
    for x, g in zip(lv.tolist(), lg.tolist()):
        cands = [(v, j) for j, (v, h) in enumerate(zip(rv.tolist(), rg.tolist())) if h == g]
        back = [(v, j) for v, j in cands if v < x or (exact and v == x)]
        fwd = [(v, j) for v, j in cands if v > x or (exact and v == x)]
        b = max(back, key=lambda p: (p[0], p[1]))[1] if back else -1  # last of equal values
        f = min(fwd, key=lambda p: (p[0], p[1]))[1] if fwd else -1  # first of equal values
        if strategy == 0:
            pick = b
        elif strategy == 1:
            pick = f
        else:
            pick = b
            if f >= 0 and (b < 0 or abs(rv[f] - x) < abs(x - rv[b])):
                pick = f
        if pick >= 0 and tol is not None and abs(rv[pick] - x) > tol:
            pick = -1
        out.append(pick)
    return out


@given(
    n_left=st.integers(0, 40),
    n_right=st.integers(0, 40),
    n_groups=st.integers(1, 4),
    strategy=st.sampled_from([0, 1, 2]),
    exact=st.booleans(),
    tol=st.sampled_from([None, 0, 2]),
    floats=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_asof_match_matches_brute_force(n_left, n_right, n_groups, strategy, exact, tol, floats,
                                        seed):
    rng = np.random.default_rng(seed)
    dtype = np.float64 if floats else np.int64
    lv = rng.integers(-20, 20, n_left).astype(dtype)
    rv = rng.integers(-20, 20, n_right).astype(dtype)
    lg = rng.integers(0, n_groups, n_left)
    rg = rng.integers(0, n_groups, n_right)
    orders = []
    for vals, codes in ((lv, lg), (rv, rg)):
        # sorted by (group, value), stable: ties keep row order, as the Python layer guarantees
        order = np.lexsort((np.arange(len(vals)), vals, codes)).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
        assert jn.sorted_within_groups(vals, order, offsets.astype(np.int64))
        orders.append((order, offsets.astype(np.int64)))
    (lo, loff), (ro, roff) = orders
    got = jn.asof_match(lv, lo, loff, rv, ro, roff, strategy, exact, tol is not None,
                        float(tol or 0))
    assert got.tolist() == _asof_reference(lv, lg, rv, rg, strategy, exact, tol)


def test_sorted_within_groups_detects_a_descent():
    vals = np.array([1, 5, 3], dtype=np.int64)
    offsets = np.array([0, 3], dtype=np.int64)
    assert not jn.sorted_within_groups(vals, np.array([0, 1, 2], dtype=np.int64), offsets)
    assert jn.sorted_within_groups(vals, np.array([0, 2, 1], dtype=np.int64), offsets)


@contextlib.contextmanager
def _threads_from_one_row(threads: int):
    """``threads`` threads from one element up, so tiny inputs exercise the chunk boundaries."""
    from frame._core import parallel

    before = parallel.get_num_threads()
    parallel.set_parallel_threshold(1)
    parallel.set_num_threads(threads)
    try:
        yield
    finally:
        parallel.set_parallel_threshold(200_000)
        parallel.set_num_threads(before)


@given(
    n_left=st.integers(0, 40),
    n_right=st.integers(0, 40),
    n_groups=st.integers(1, 4),
    strategy=st.sampled_from([0, 1, 2]),
    exact=st.booleans(),
    tol=st.sampled_from([None, 0, 2]),
    floats=st.booleans(),
    threads=st.sampled_from([1, 2]),
    seed=st.integers(0, 2**32 - 1),
)
def test_asof_match_sorted_matches_brute_force(
    n_left, n_right, n_groups, strategy, exact, tol, floats, threads, seed
):
    # the left side ascends in row order; some rows carry a sentinel group (null keys)
    rng = np.random.default_rng(seed)
    dtype = np.float64 if floats else np.int64
    lv = np.sort(rng.integers(-20, 20, n_left)).astype(dtype)
    rv = rng.integers(-20, 20, n_right).astype(dtype)
    lg = rng.integers(0, n_groups + 1, n_left)  # n_groups: a row that matches nothing
    if n_left:  # the sentinel rows may hold any value without breaking the order
        lv[lg == n_groups] = rng.integers(-99, 99, int((lg == n_groups).sum()))
    rg = rng.integers(0, n_groups, n_right)
    ro = np.lexsort((np.arange(n_right), rv, rg)).astype(np.int64)
    roff = np.concatenate([[0], np.cumsum(np.bincount(rg, minlength=n_groups))]).astype(np.int64)
    with _threads_from_one_row(threads):
        got = jn.asof_match_sorted(lv, lg, n_groups, rv, ro, roff, strategy, exact,
                                   tol is not None, float(tol or 0))
    expected = _asof_reference(lv, lg, rv, rg, strategy, exact, tol)
    assert got is not None
    assert got.tolist() == expected


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("where", ["inside a chunk", "across chunks"])
def test_asof_match_sorted_gives_up_on_an_unsorted_left_side(threads, where):
    n = 1_000
    lv = np.arange(n, dtype=np.int64)
    if where == "inside a chunk":
        lv[100], lv[101] = lv[101], lv[100]
    else:  # each half ascends, but the second starts below where the first ends
        lv[n // 2 :] -= n
    lg = np.zeros(n, dtype=np.int64)
    rv = np.array([5, 50], dtype=np.int64)
    ro = np.array([0, 1], dtype=np.int64)
    roff = np.array([0, 2], dtype=np.int64)
    with _threads_from_one_row(threads):
        assert jn.asof_match_sorted(lv, lg, 1, rv, ro, roff, 0, True, False, 0.0) is None
        lv.sort()
        assert jn.asof_match_sorted(lv, lg, 1, rv, ro, roff, 0, True, False, 0.0) is not None


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32])
def test_mapped_codes_look_up_every_valid_index(dtype):
    mapping = np.array([7, 3, 3, 9], dtype=np.int64)
    indices = np.array([0, 3, 2, 1, 0], dtype=dtype)
    got = jn.mapped_codes(indices, np.empty(0, np.uint8), 0, mapping, 42)
    assert got.tolist() == [7, 9, 3, 3, 7]
    # a validity bitmap read from bit 2 on: rows 1 and 4 are null
    validity = np.packbits(np.array([0, 0, 1, 0, 1, 1, 0, 1], dtype=np.uint8), bitorder="little")
    got = jn.mapped_codes(indices, validity, 2, mapping, 42)
    assert got.tolist() == [7, 42, 3, 3, 42]
    # an index outside the mapping (never in a valid array) cannot read past it
    bad = np.array([4, 0], dtype=dtype)
    assert jn.mapped_codes(bad, np.empty(0, np.uint8), 0, mapping, 42).tolist() == [42, 7]
    with pytest.raises(ValueError, match="shorter"):
        jn.mapped_codes(np.zeros(20, dtype=dtype), validity, 2, mapping, 42)
