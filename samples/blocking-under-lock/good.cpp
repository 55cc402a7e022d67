// Blocking only with no lock held, or a condition wait on its own lock.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

std::mutex mu;
std::condition_variable ready;
bool done = false;
int value = 0;

void slow_update() {
  {
    std::lock_guard<std::mutex> lock(mu);
    value++;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void wait_for_ready() {
  std::unique_lock<std::mutex> lk(mu);
  ready.wait(lk, [] { return done; }); // releases mu while waiting
}

void signal() {
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  ready.notify_all();
}

int main() {
  std::thread t(wait_for_ready);
  signal();
  t.join();
  slow_update();
  return 0;
}
