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

// A condition-variable wrapper: its callers loop around Wait().
class CondVar {
public:
  explicit CondVar(std::mutex &mu) : mu_(mu) {}
  void Wait() {
    std::unique_lock<std::mutex> lk(mu_, std::adopt_lock);
    cv_.wait(lk);
    lk.release();
  }

private:
  std::mutex &mu_;
  std::condition_variable cv_;
};

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
