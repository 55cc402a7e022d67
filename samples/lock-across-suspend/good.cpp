// sample-flags: -std=c++20
// The guard's scope ends before the coroutine suspends.
#include "task.h"
#include <mutex>

std::mutex mu;
int value = 0;

Task update() {
  {
    std::lock_guard<std::mutex> lock(mu);
    value++;
  }
  co_await Yield{};
  std::lock_guard<std::mutex> lock(mu);
  value++;
}

int main() {
  update();
  return value == 2 ? 0 : 1;
}
