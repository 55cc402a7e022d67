// The worker of bad_worker_class.cpp, fixed: what both the thread and the
// class's users touch is behind one mutex or atomic. Fields set by the
// constructor are only read afterwards, constants are never written, the
// thread keeps its running totals to itself, and stop() reads them only
// once it has joined the thread.
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

class Worker {
public:
  Worker(std::string name, int batch) : batch_(batch) {
    name_ = std::move(name);
  }

  void start() {
    running_ = true;
    thread_ = std::thread([this] { loop(); });
  }

  void push(int v) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(v);
    ++pushed_;
  }

  long pushed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pushed_;
  }

  int batch() const { return batch_; }
  const std::string &name() const { return name_; }
  long total() const { return total_; }

  void stop() {
    running_ = false;
    thread_.join();
    total_ = sum_;
    std::printf("%s: %ld items, sum %ld\n", name_.c_str(), handled_, sum_);
  }

  ~Worker() {
    if (thread_.joinable())
      stop();
  }

private:
  void loop() {
    while (running_ || !drained()) {
      std::deque<int> taken;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (int i = 0; i < batch_ && !queue_.empty(); ++i) {
          taken.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      for (int v : taken) {
        sum_ += v;
        ++handled_;
      }
      if (taken.empty())
        std::this_thread::yield();
    }
  }

  bool drained() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.empty();
  }

  const int batch_;
  std::string name_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  mutable std::mutex mu_;
  std::deque<int> queue_;
  long pushed_ = 0;
  long handled_ = 0;
  long sum_ = 0;
  long total_ = 0;
};

int main() {
  Worker w("worker", 8);
  w.start();
  for (int i = 0; i < 100; ++i)
    w.push(i);
  w.stop();
  return w.total() == 4950 && w.pushed() == 100 && w.batch() == 8 &&
                 w.name() == "worker"
             ? 0
             : 1;
}
