#include "base/thread_pool.h"

namespace liteopt {

ThreadPool::ThreadPool(int threads) {
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { WorkerLoop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::Drain(const Job& job, int thread) {
  const uint64_t tag = static_cast<uint64_t>(job.generation) << 32;
  uint64_t v = next_.load();
  for (;;) {
    if ((v & ~uint64_t{0xffffffff}) != tag || static_cast<int>(v & 0xffffffff) >= job.tasks) return;
    if (!next_.compare_exchange_weak(v, v + 1)) continue;  // v reloaded
    job.fn(job.ctx, static_cast<int>(v & 0xffffffff), thread);
    done_.fetch_add(1);
    v = next_.load();
  }
}

void ThreadPool::RunImpl(int tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1) {
    for (int task = 0; task < tasks; ++task) fn(ctx, task, 0);
    return;
  }
  Job job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job = {fn, ctx, tasks, job_.generation + 1};
    job_ = job;
    done_.store(0);
    next_.store(static_cast<uint64_t>(job.generation) << 32);
  }
  wake_.notify_all();
  Drain(job, 0);
  // Only tasks a worker has claimed are left: wait for them (short, so spin).
  while (done_.load() < tasks) std::this_thread::yield();
}

void ThreadPool::WorkerLoop(int thread) {
  uint32_t seen = 0;
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || job_.generation != seen; });
      if (stop_) return;
      job = job_;
      seen = job.generation;
    }
    Drain(job, thread);
  }
}

}  // namespace liteopt
