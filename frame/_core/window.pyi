"""Window-function kernels: streaming kernels over group codes and layout kernels over
``(order, offsets)`` (see ``window.pyx``)."""

import numpy as np
import numpy.typing as npt

from frame._core.buffer import OwnedBuffer

_Index = npt.NDArray[np.int64]
_Codes = npt.NDArray[np.int64] | None
_Order = npt.NDArray[np.int64] | None
_Values = npt.NDArray[np.generic]
_Bitmap = npt.NDArray[np.uint8] | None
_Flags = npt.NDArray[np.uint8]

ROLL_SUM: int
ROLL_MEAN: int
ROLL_MIN: int
ROLL_MAX: int
ROLL_VAR: int
ROLL_STD: int
CUM_SUM: int
CUM_PROD: int
CUM_MIN: int
CUM_MAX: int
RANK_AVERAGE: int
RANK_MIN: int
RANK_MAX: int
RANK_DENSE: int
RANK_ORDINAL: int

def ring_fits(n_groups: int, width: int, height: int) -> bool: ...
def rolling_fits(n_groups: int, left: int, right: int, op: int, height: int) -> bool: ...
def first_rows(codes: _Index, n_groups: int) -> _Index: ...
def pack_validity(ok: _Flags) -> tuple[OwnedBuffer | None, int]: ...
def shift_indices(codes: _Codes, n_groups: int, height: int, n: int) -> _Index: ...
def shift_indices_layout(order: _Order, offsets: _Index, n: int) -> _Index: ...
def cum_count(
    valid: _Bitmap, offset: int, codes: _Codes, n_groups: int, height: int, reverse: bool
) -> _Index: ...
def cumulative(
    values: _Values, valid: _Bitmap, offset: int, codes: _Codes, n_groups: int, op: int,
    reverse: bool,
) -> tuple[_Values, _Flags]: ...
def ewm_mean(
    values: _Values, valid: _Bitmap, offset: int, codes: _Codes, n_groups: int, alpha: float,
    adjust: bool, min_samples: int, ignore_nulls: bool,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
def rolling_count(
    values: _Values, valid: _Bitmap, offset: int, codes: _Codes, n_groups: int, left: int,
    right: int, op: int, min_samples: int, ddof: int = ...,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
def rolling(
    values: _Values, valid: _Bitmap, offset: int, order: _Order, offsets: _Index,
    lo: _Index | None, hi: _Index | None, op: int, min_samples: int, ddof: int = ...,
    left: int = ..., right: int = ...,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
def period_bounds(
    t: _Index, order: _Order, offsets: _Index, max_back: int, closed_right: bool
) -> tuple[_Index, _Index, int]: ...
def rank_runs(
    sorted_rows: _Index, offsets: _Index, codes: npt.NDArray[np.uint64], valid: _Bitmap,
    offset: int, method: int,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
