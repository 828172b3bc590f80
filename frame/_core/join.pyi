import numpy as np
import numpy.typing as npt

_Codes = npt.NDArray[np.int64]

def join_size(probe_codes: _Codes, build_offsets: _Codes, keep_unmatched: bool) -> int: ...
def join_fill(
    probe_codes: _Codes, build_order: _Codes, build_offsets: _Codes, keep_unmatched: bool
) -> tuple[_Codes, _Codes, bool]: ...
