"""Stable multi-key argsort over Arrow arrays (see ``sort.pyx`` for the algorithm)."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

def argsort(
    keys: Sequence[pa.Array],
    descending: Sequence[bool],
    nulls_last: Sequence[bool],
) -> npt.NDArray[np.int64]: ...
def rank_codes(
    arr: pa.Array, descending: bool = False, nulls_last: bool = True
) -> tuple[npt.NDArray[np.uint64], int]: ...
