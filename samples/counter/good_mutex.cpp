// Ten threads increment a counter protected by a std::mutex.
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

int main() {
  int counter = 0;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&counter, &mu] {
      for (int n = 0; n < 100000; ++n) {
        std::lock_guard<std::mutex> lock(mu);
        counter++;
      }
    });
  for (std::thread &t : threads)
    t.join();
  std::printf("counter = %d (expected %d)\n", counter, 10 * 100000);
  return counter == 10 * 100000 ? 0 : 1;
}
