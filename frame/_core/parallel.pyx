"""Thread-count policy for the kernels.

One place decides how many threads a kernel may use: 1 when frame was built without OpenMP, when
the input is below the size where parallel dispatch pays for itself, or when the user set
``frame.set_num_threads(1)`` / ``FRAME_NUM_THREADS=1``.
"""
import os

cdef int _max_threads = 0
cdef long long _min_work = 200_000


def openmp_enabled():
    """True when the kernels were compiled with OpenMP."""
    return bool(FRAME_HAVE_OPENMP)


def _default_threads():
    env = os.environ.get("FRAME_NUM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def get_num_threads():
    """Threads kernels may use for large inputs."""
    global _max_threads
    if not FRAME_HAVE_OPENMP:
        return 1
    if _max_threads <= 0:
        _max_threads = min(_default_threads(), omp_get_max_threads())
    return _max_threads


def set_num_threads(int n):
    """Cap the threads kernels may use (``n >= 1``)."""
    global _max_threads
    if n < 1:
        raise ValueError(f"number of threads must be at least 1, got {n}")
    _max_threads = n


def set_parallel_threshold(long long n):
    """Inputs smaller than ``n`` elements run serially."""
    global _min_work
    _min_work = n


cpdef int n_threads_for(long long n_work) noexcept:
    if not FRAME_HAVE_OPENMP or n_work < _min_work:
        return 1
    try:
        return get_num_threads()
    except Exception:
        return 1
