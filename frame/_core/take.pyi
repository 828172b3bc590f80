from collections.abc import Buffer, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

def take_array(
    arr: pa.Array,
    indices: npt.NDArray[np.integer] | Buffer | Sequence[int] | pa.Array,
    *,
    check_bounds: bool = True,
    all_valid_indices: bool = False,
) -> pa.Array: ...
