// ctest-labels: unit
// keep_freed_cpu_memory really changes glibc's malloc: a block far above every mmap threshold
// comes from the heap (no mmap of its own, whose pages the kernel would zero again each step),
// and freeing it does not shrink the heap. (It was once compiled to nothing: __GLIBC__ was
// undefined in its file.)
#include <QtTest>
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "support/test_support.h"
#include "training/kernels/cpu_memory.h"

class TestCpuMemory : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void largeBlocksComeFromTheHeapAndStay() {
#if !defined(__GLIBC__)
    // Allowed: the allocator tuning exists only with glibc (Debian has it; tests/README.md).
    GLOSSA_ALLOWED_SKIP("not glibc: keep_freed_cpu_memory is a no-op here");
#else
    glossa::keep_freed_cpu_memory();
    constexpr size_t kBytes = size_t{96} << 20;  // 96 MiB: glibc's mmap threshold is <= 32 MiB
    const struct mallinfo2 before = mallinfo2();
    auto* block = static_cast<volatile char*>(std::malloc(kBytes));
    QVERIFY(block != nullptr);
    block[0] = 1;
    block[kBytes - 1] = 2;
    const struct mallinfo2 during = mallinfo2();
    QCOMPARE(during.hblks, before.hblks);  // no block of its own mapped
    QVERIFY(during.arena >= before.arena + kBytes);
    std::free(const_cast<char*>(block));
    const struct mallinfo2 after = mallinfo2();
    QCOMPARE(after.arena, during.arena);  // the heap keeps the freed block
#endif
  }
};

QTEST_GUILESS_MAIN(TestCpuMemory)
#include "test_cpu_memory.moc"
