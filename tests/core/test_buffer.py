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


def test_a_full_cache_releases_the_least_recently_freed_blocks() -> None:
    buffer.clear_buffer_cache()
    mib = 1 << 20
    blocks = [buffer.allocate_buffer(mib, zeroed=False) for _ in range(70)]
    del blocks  # 70 blocks freed into 64 slots: the first six freed are released
    assert buffer.buffer_cache_bytes() == 64 * mib
    newest = buffer.allocate_buffer(3 * mib, zeroed=False)
    address = newest.address
    del newest  # a full cache makes room for the newest block by releasing the oldest
    assert buffer.buffer_cache_bytes() == 64 * mib - mib + 3 * mib
    again = buffer.allocate_buffer(3 * mib, zeroed=False)
    assert again.address == address
    del again
    buffer.clear_buffer_cache()
    assert buffer.buffer_cache_bytes() == 0
