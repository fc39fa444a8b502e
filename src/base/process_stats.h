// What this process has used so far: CPU time and peak memory, for benchmarks and reports.
#pragma once

#include <cstdint>

namespace liteopt {

// CPU time of the whole process (all threads) and of the calling thread, in seconds.
double ProcessCpuSeconds();
double ThreadCpuSeconds();

// Peak resident set size (VmHWM in /proc/self/status) in bytes, or -1 when it cannot be read.
int64_t PeakRssBytes();

}  // namespace liteopt
