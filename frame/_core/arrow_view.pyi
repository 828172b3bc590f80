import pyarrow as pa

class UnsupportedLayout(TypeError): ...

def layout_of(dtype: pa.DataType) -> tuple[int, int]: ...

class ArrayView:
    array: pa.Array
    type: pa.DataType
    dictionary: pa.Array | None
    extra_buffers: list[pa.Buffer | None]
    layout: int
    byte_width: int
    length: int
    offset: int
    null_count: int
    has_validity: bool
    def __init__(self, array: pa.Array) -> None: ...
