// A thread pool that owns its workers: submit() and the workers share the
// task queue and the stop flag under one mutex, with a condition variable
// to wake them. The destructor stops and joins every worker before it
// reads what only the workers wrote.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

class Pool {
public:
  explicit Pool(unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      workers_.emplace_back([this] { work(); });
  }

  void submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
      ++submitted_;
    }
    ready_.notify_one();
  }

  long submitted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return submitted_;
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread &t : workers_)
      t.join();
    std::printf("%ld tasks run\n", ran_);
  }

private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty())
          return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
        ++ran_;
      }
      task();
    }
  }

  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  long submitted_ = 0;
  long ran_ = 0;
  std::vector<std::thread> workers_;
};

int main() {
  std::mutex out;
  long sum = 0;
  {
    Pool pool(4);
    for (int i = 1; i <= 100; ++i)
      pool.submit([&out, &sum, i] {
        std::lock_guard<std::mutex> lock(out);
        sum += i;
      });
  }
  std::printf("sum %ld\n", sum);
  return sum == 5050 ? 0 : 1;
}
