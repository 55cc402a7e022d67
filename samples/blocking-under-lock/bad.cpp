// Waiting while holding a lock: every thread that needs the lock waits too,
// and a wait on something that needs the lock never ends.
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

std::mutex mu, queue_mu;
std::condition_variable ready;
bool done = false;

void slow_update() {
  std::lock_guard<std::mutex> lock(mu);
  std::this_thread::sleep_for(std::chrono::milliseconds(10)); // expect: fearless-blocking-under-lock blocking call to 'std::this_thread::sleep_for' while holding 'mu'
}

void join_under_lock(std::thread &worker) {
  std::lock_guard<std::mutex> lock(mu);
  worker.join(); // expect: fearless-blocking-under-lock blocking call to 'std::thread::join' while holding 'mu'
}

int wait_for_result(std::future<int> &f) {
  std::lock_guard<std::mutex> lock(mu);
  return f.get(); // expect: fearless-blocking-under-lock blocking call to 'std::future<int>::get' while holding 'mu'
}

void wait_holding_another_lock() {
  std::lock_guard<std::mutex> outer(mu);
  std::unique_lock<std::mutex> lk(queue_mu);
  ready.wait(lk, [] { return done; }); // expect: fearless-blocking-under-lock blocking call to 'std::condition_variable::wait' while holding 'mu'
}

ssize_t read_under_lock(int fd, char *buf, size_t n) {
  std::lock_guard<std::mutex> lock(mu);
  return read(fd, buf, n); // expect: fearless-blocking-under-lock blocking call to 'read' while holding 'mu'
}

int main() { return 0; }
