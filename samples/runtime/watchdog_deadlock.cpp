// A real deadlock: each thread holds one lock and waits for the other.
// Run plainly it hangs forever; under `fearless run --watchdog MS` the
// watchdog prints the wait-for cycle (fearless-rt-deadlock) and ends the
// process with the configured exit code instead of hanging the CI job.
#include <atomic>
#include <mutex>
#include <thread>

std::mutex a, b;
std::atomic<int> holding{0};

void hold_then_take(std::mutex &first, std::mutex &second) {
  std::lock_guard<std::mutex> one(first);
  holding++;
  while (holding.load() < 2) // both hold their first lock before going on
    std::this_thread::yield();
  std::lock_guard<std::mutex> two(second);
}

int main() {
  std::thread t1(hold_then_take, std::ref(a), std::ref(b));
  std::thread t2(hold_then_take, std::ref(b), std::ref(a));
  t1.join();
  t2.join();
  return 0;
}
