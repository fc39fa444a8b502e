#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace liteopt {
namespace {

TEST(ThreadPool, RunsEveryTaskOnceWithValidThreadIds) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int tasks : {0, 1, 3, 17, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
      std::atomic<int> bad_thread{0};
      pool.Run(tasks, [&](int task, int thread) {
        hits[task].fetch_add(1);
        if (thread < 0 || thread >= threads) bad_thread.fetch_add(1);
      });
      for (int t = 0; t < tasks; ++t) EXPECT_EQ(hits[t].load(), 1) << "threads " << threads << " task " << t;
      EXPECT_EQ(bad_thread.load(), 0);
    }
  }
}

TEST(ThreadPool, ManyConsecutiveRunsComplete) {
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  for (int r = 0; r < 2000; ++r) pool.Run(5, [&](int task, int) { sum.fetch_add(task); });
  EXPECT_EQ(sum.load(), 2000 * 10);
}

}  // namespace
}  // namespace liteopt
