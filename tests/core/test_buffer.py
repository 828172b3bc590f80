"""OwnedBuffer: alignment, zeroed padding, lifetime through pyarrow, and the reuse cache."""

import gc

import pyarrow as pa

from frame._core import buffer


def test_alignment_and_zeroed_padding() -> None:
    for size in (0, 1, 63, 64, 65, 1000, (1 << 20) + 3):
        buf = buffer.allocate_buffer(size, zeroed=False)
        assert buf.address % 64 == 0
        assert len(buf) == size
        wrapped = pa.py_buffer(buf)
        assert wrapped.size == size


def test_pyarrow_keeps_buffer_alive_and_releases_it() -> None:
    gc.collect()
    before = buffer.live_buffer_count()
    buf = buffer.allocate_buffer(80, zeroed=True)
    arr = pa.Array.from_buffers(pa.int64(), 10, [None, pa.py_buffer(buf)])
    del buf
    assert buffer.live_buffer_count() == before + 1
    assert arr.to_pylist() == [0] * 10  # zeroed=True really zeroes
    del arr
    gc.collect()
    assert buffer.live_buffer_count() == before


def test_large_blocks_are_recycled_and_can_be_released() -> None:
    size = 4 << 20
    first = buffer.allocate_buffer(size, zeroed=False)
    address = first.address
    del first
    assert buffer.buffer_cache_bytes() >= size
    second = buffer.allocate_buffer(size - 100, zeroed=True)  # reuses the cached block
    assert second.address == address
    view = memoryview(second)
    assert view.nbytes == size - 100 and not any(view[:4096]) and not any(view[-4096:])
    del view, second
    assert buffer.clear_buffer_cache() >= size
    assert buffer.buffer_cache_bytes() == 0
