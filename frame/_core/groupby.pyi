import numpy as np
import numpy.typing as npt

_Codes = npt.NDArray[np.int64]
_Values = npt.NDArray[np.generic]
_Bitmap = npt.NDArray[np.uint8] | None

BLOCK_ROWS: int
INTERP_LINEAR: int
INTERP_LOWER: int
INTERP_HIGHER: int
INTERP_NEAREST: int
INTERP_MIDPOINT: int

def group_count(codes: _Codes, n_groups: int, valid: _Bitmap = ..., offset: int = ...) -> _Codes: ...
def group_sum(
    values: _Values, codes: _Codes, n_groups: int, valid: _Bitmap = ..., offset: int = ...
) -> _Values: ...
def group_sum_count(
    values: _Values, codes: _Codes, n_groups: int, valid: _Bitmap = ..., offset: int = ...
) -> tuple[npt.NDArray[np.float64], _Codes]: ...
def group_min_max(
    values: _Values,
    codes: _Codes,
    n_groups: int,
    want_max: bool,
    valid: _Bitmap = ...,
    offset: int = ...,
) -> tuple[_Values, npt.NDArray[np.bool_]]: ...
def group_first_last(codes: _Codes, n_groups: int) -> tuple[_Codes, _Codes]: ...
def group_arg_extreme(
    values: _Values,
    codes: _Codes,
    n_groups: int,
    want_max: bool,
    valid: _Bitmap = ...,
    offset: int = ...,
) -> _Codes: ...
def group_cumcount(codes: _Codes, n_groups: int) -> _Codes: ...
def group_order(codes: _Codes, n_groups: int) -> tuple[_Codes, _Codes]: ...
def group_m2(
    values: _Values, codes: _Codes, n_groups: int, valid: _Bitmap = ..., offset: int = ...
) -> tuple[_Codes, npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def group_comoments(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    codes: _Codes,
    n_groups: int,
    both: npt.NDArray[np.uint8] | None = ...,
) -> tuple[
    _Codes, npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]
]: ...
def group_product(
    values: _Values, codes: _Codes, n_groups: int, valid: _Bitmap = ..., offset: int = ...
) -> _Values: ...
def group_quantile(
    values: _Values,
    codes: _Codes,
    n_groups: int,
    q: float,
    interpolation: int,
    valid: _Bitmap = ...,
    offset: int = ...,
) -> tuple[_Values, npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...
def group_top_k(
    values: _Values,
    codes: _Codes,
    n_groups: int,
    k: int,
    largest: bool,
    valid: _Bitmap = ...,
    offset: int = ...,
) -> tuple[_Values, _Codes]: ...
