"""Window-function kernels over a group layout ``(order, offsets)`` (see ``window.pyx``)."""

import numpy as np
import numpy.typing as npt

_Index = npt.NDArray[np.int64]
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

def shift_indices(order: _Index, offsets: _Index, n: int) -> _Index: ...
def cum_count(valid: _Bitmap, offset: int, order: _Index, offsets: _Index, reverse: bool) -> _Index: ...
def cumulative(
    values: _Values, valid: _Bitmap, offset: int, order: _Index, offsets: _Index, op: int,
    reverse: bool,
) -> tuple[_Values, _Flags]: ...
def count_bounds(offsets: _Index, left: int, right: int) -> tuple[_Index, _Index]: ...
def period_bounds(
    t: _Index, order: _Index, offsets: _Index, max_back: int, closed_right: bool
) -> tuple[_Index, _Index, int]: ...
def rolling(
    values: _Values, valid: _Bitmap, offset: int, order: _Index, offsets: _Index, lo: _Index,
    hi: _Index, op: int, min_samples: int, ddof: int = ...,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
def ewm_mean(
    values: _Values, valid: _Bitmap, offset: int, order: _Index, offsets: _Index, alpha: float,
    adjust: bool, min_samples: int, ignore_nulls: bool,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
def rank_runs(
    sorted_rows: _Index, offsets: _Index, codes: npt.NDArray[np.uint64], valid: _Bitmap,
    offset: int, method: int,
) -> tuple[npt.NDArray[np.float64], _Flags]: ...
