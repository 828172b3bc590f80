import numpy as np
import numpy.typing as npt

_Codes = npt.NDArray[np.int64]

def join_size(probe_codes: _Codes, build_offsets: _Codes, keep_unmatched: bool) -> int: ...
def join_fill(
    probe_codes: _Codes, build_order: _Codes, build_offsets: _Codes, keep_unmatched: bool
) -> tuple[_Codes, _Codes, bool]: ...
def unique_positions(build_codes: _Codes, ncodes: int, nkeys: int) -> _Codes | None: ...
def join_lookup(
    probe_codes: _Codes, pos: _Codes, keep_unmatched: bool
) -> _Codes | tuple[object, _Codes]: ...
def direct_codes(
    values: npt.NDArray[np.integer],
    validity: npt.NDArray[np.uint8],
    bit_offset: int,
    base: int,
    size: int,
    sentinel: int,
) -> _Codes: ...
def mapped_codes(
    indices: npt.NDArray[np.integer],
    validity: npt.NDArray[np.uint8],
    bit_offset: int,
    mapping: _Codes,
    sentinel: int,
) -> _Codes: ...
def sorted_within_groups(
    values: npt.NDArray[np.int64] | npt.NDArray[np.float64], order: _Codes, offsets: _Codes
) -> bool: ...
def asof_match(
    lvals: npt.NDArray[np.int64] | npt.NDArray[np.float64],
    lorder: _Codes,
    loff: _Codes,
    rvals: npt.NDArray[np.int64] | npt.NDArray[np.float64],
    rorder: _Codes,
    roff: _Codes,
    strategy: int,
    allow_exact: bool,
    has_tolerance: bool,
    tolerance: float,
) -> _Codes: ...
def asof_match_sorted(
    lvals: npt.NDArray[np.int64] | npt.NDArray[np.float64],
    lcodes: _Codes,
    ng: int,
    rvals: npt.NDArray[np.int64] | npt.NDArray[np.float64],
    rorder: _Codes,
    roff: _Codes,
    strategy: int,
    allow_exact: bool,
    has_tolerance: bool,
    tolerance: float,
) -> _Codes | None: ...
