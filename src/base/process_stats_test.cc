#include "base/process_stats.h"

#include <gtest/gtest.h>

#include <vector>

namespace liteopt {
namespace {

TEST(ProcessStats, CpuTimeAdvancesWithWorkAndPeakRssCoversWhatWasTouched) {
  const double p0 = ProcessCpuSeconds(), t0 = ThreadCpuSeconds();
  volatile double x = 0;
  for (int i = 0; i < 20000000; ++i) x = x + i * 1e-9;
  EXPECT_GT(ThreadCpuSeconds(), t0);
  EXPECT_GE(ProcessCpuSeconds() - p0, ThreadCpuSeconds() - t0 - 1e-3);
  // 64 MiB written page by page must show in the high-water mark.
  std::vector<char> big(64 << 20);
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = 1;
  EXPECT_GE(PeakRssBytes(), int64_t{64} << 20);
}

}  // namespace
}  // namespace liteopt
