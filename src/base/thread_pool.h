// A small fixed-size thread pool for data-parallel kernels: Run(n, fn) calls fn(task, thread) for every task in
// [0, n) on the calling thread and the pool's workers, and returns when all are done. Tasks are handed out one at a
// time from an atomic counter, so uneven tasks balance, and the caller never waits for a worker that has not
// started: on a busy machine where workers are not scheduled, the caller runs every task itself. Run does not
// allocate (the callable is passed by pointer); workers sleep on a condition variable between runs. One Run at a
// time per pool (not reentrant).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace liteopt {

class ThreadPool {
 public:
  // `threads` counts the calling thread: ThreadPool(1) runs everything inline and starts no worker.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // fn(task, thread) for task in [0, tasks); thread in [0, size()) identifies the executing thread (0 = caller),
  // e.g. to pick per-thread scratch memory.
  template <typename F>
  void Run(int tasks, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    RunImpl(tasks, [](void* f, int task, int thread) { (*static_cast<Fn*>(f))(task, thread); },
            const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  using TaskFn = void (*)(void* ctx, int task, int thread);
  // One Run: what to call and how many tasks. Workers copy it under the mutex.
  struct Job {
    TaskFn fn = nullptr;
    void* ctx = nullptr;
    int tasks = 0;
    uint32_t generation = 0;
  };
  void RunImpl(int tasks, TaskFn fn, void* ctx);
  void WorkerLoop(int thread);
  // Claims and runs tasks of `job` until none is left (or a newer job replaced it).
  void Drain(const Job& job, int thread);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  Job job_;  // guarded by mu_
  // (generation << 32) | next task index: a worker that wakes late cannot claim a task of a newer job.
  std::atomic<uint64_t> next_{0};
  std::atomic<int> done_{0};  // tasks of the current job finished
};

}  // namespace liteopt
