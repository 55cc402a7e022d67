// Waits that recheck their condition: a predicate, or a loop around a
// plain wait.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

std::mutex mu;
std::condition_variable ready;
bool done = false;

void wait_with_predicate() {
  std::unique_lock<std::mutex> lk(mu);
  ready.wait(lk, [] { return done; });
}

void wait_in_loop() {
  std::unique_lock<std::mutex> lk(mu);
  while (!done)
    ready.wait(lk);
}

bool wait_bounded() {
  std::unique_lock<std::mutex> lk(mu);
  return ready.wait_for(lk, std::chrono::seconds(5), [] { return done; });
}

int main() {
  std::thread t(wait_in_loop);
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  ready.notify_all();
  t.join();
  wait_with_predicate();
  return wait_bounded() ? 0 : 1;
}
