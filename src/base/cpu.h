// What this machine can run: usable cores (from the affinity mask, not the CPU count: containers and
// Debian's cpuinfo misreport it) and the x86 ISA extensions optimized kernels are chosen by.
#pragma once

#include <string>

namespace liteopt {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx_vnni = false;
  bool neon = false;
  bool neon_dotprod = false;
};

// Detected once (cpuid / hwcaps), including the OS check that AVX state is enabled (xgetbv).
const CpuFeatures& GetCpuFeatures();
std::string CpuFeaturesString(const CpuFeatures& f);

// Number of CPUs this process may run on (sched_getaffinity); at least 1.
int AvailableCores();

}  // namespace liteopt
