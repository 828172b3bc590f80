/* OpenMP routines behind a guard so the kernels compile without OpenMP (serial fallback). */
#ifndef FRAME_OMP_GUARD_H
#define FRAME_OMP_GUARD_H
#ifdef _OPENMP
#include <omp.h>
#define FRAME_HAVE_OPENMP 1
#else
#define FRAME_HAVE_OPENMP 0
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_thread_num(void) { return 0; }
#endif
#endif
