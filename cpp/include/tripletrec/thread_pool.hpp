// A small pool of threads for one job at a time: training (Hogwild, each thread on its own shard
// of the epoch) and evaluation (each thread on its own users). The caller runs part 0 itself.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tripletrec {

// False in the wasm build without threads: code for several threads compiles away there (a
// smaller download).
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
inline constexpr bool kThreadsAvailable = false;
#else
inline constexpr bool kThreadsAvailable = true;
#endif

// Threads the platform can run at once: the hardware concurrency (navigator.hardwareConcurrency
// in a threaded wasm build), 1 in a wasm build without threads.
int hardware_threads();
// How many of `wanted` threads the platform can start: 1 in a wasm build without threads,
// `wanted` otherwise (a pool may still get fewer if the platform refuses one).
int runnable_threads(int wanted);

class ThreadPool {
 public:
  // Starts threads - 1 workers beside the caller; fewer when the platform refuses one (a wasm
  // build without threads, an exhausted worker pool): size() says how many run a job.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs part(i) for every i in [0, parts), parts <= size(): part 0 on the calling thread, the
  // others on workers. Returns when all are done; rethrows the first exception a part threw.
  // Allocates nothing (the job is passed by reference, not as a std::function).
  template <class Part>
  void run(int parts, Part& part) {
    run_erased(parts, &part, [](void* job, int i) { (*static_cast<Part*>(job))(i); });
  }

 private:
  using Invoke = void (*)(void*, int);
  void run_erased(int parts, void* job, Invoke invoke);
  void work(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::uint64_t generation_ = 0;  // bumped for every job
  int parts_ = 0, pending_ = 0;
  void* job_ = nullptr;
  Invoke invoke_ = nullptr;
  std::exception_ptr error_;
  bool stopping_ = false;
};

}  // namespace tripletrec
