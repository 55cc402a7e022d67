// Ten threads increment a std::atomic<int>: no lock needed.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  std::atomic<int> counter{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&counter] {
      for (int n = 0; n < 100000; ++n)
        counter++;
    });
  for (std::thread &t : threads)
    t.join();
  std::printf("counter = %d (expected %d)\n", counter.load(), 10 * 100000);
  return counter == 10 * 100000 ? 0 : 1;
}
