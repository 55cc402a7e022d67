// sample-flags: -std=c++20
// A lock held while the coroutine suspends: it may resume on another
// thread, which then unlocks a mutex it does not own.
#include "task.h"
#include <mutex>

std::mutex mu;
int value = 0;

Task update() {
  std::lock_guard<std::mutex> lock(mu);
  value++;
  co_await Yield{}; // expect: fearless-lock-across-suspend 'mu' is held across co_await
  value++;
}

int main() {
  update();
  return 0;
}
