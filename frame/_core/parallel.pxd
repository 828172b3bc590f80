cdef extern from "omp_guard.h":
    int FRAME_HAVE_OPENMP
    int omp_get_max_threads() noexcept nogil
    int omp_get_thread_num() noexcept nogil

cpdef int n_threads_for(long long n_work) noexcept
