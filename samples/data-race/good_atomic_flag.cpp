// The stop flag and the counter are atomics: polling them is well
// defined, and the worker sees main's store.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

std::atomic<bool> stop{false};
std::atomic<long> rounds{0};

void worker() {
  while (!stop.load(std::memory_order_acquire))
    rounds.fetch_add(1, std::memory_order_relaxed);
}

int main() {
  std::thread t(worker);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop.store(true, std::memory_order_release);
  t.join();
  std::printf("%ld rounds\n", rounds.load());
  return 0;
}
