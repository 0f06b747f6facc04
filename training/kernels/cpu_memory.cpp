#include "training/kernels/cpu_memory.h"

#include <cstdlib>  // defines __GLIBC__ on glibc; without a libc header the check below is false

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace glossa {

void keep_freed_cpu_memory() {
#if defined(__GLIBC__)
  // Every block from the heap (no per-block mmap), and no trimming of the heap's top: memory
  // freed by one step is reused by the next. Peak RSS is unchanged (the step needs it anyway).
  mallopt(M_MMAP_MAX, 0);         // no block served by its own mmap (their pages come zeroed)
  mallopt(M_TRIM_THRESHOLD, -1);  // never give the heap's top back
  mallopt(M_TOP_PAD, 64 << 20);   // grow the heap in 64 MiB steps
#endif
}

}  // namespace glossa
