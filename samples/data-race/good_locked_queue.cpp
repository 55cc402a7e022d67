// A producer and a consumer share a queue; every use of it holds the
// queue's mutex, and the consumer waits on a condition variable.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <queue>
#include <thread>

class WorkQueue {
public:
  void push(int v) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push(v);
    }
    ready_.notify_one();
  }
  int pop() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [this] { return !items_.empty(); });
    int v = items_.front();
    items_.pop();
    return v;
  }

private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::queue<int> items_;
};

int main() {
  WorkQueue q;
  std::thread producer([&q] {
    for (int i = 1; i <= 100; ++i)
      q.push(i);
    q.push(0);
  });
  long sum = 0;
  std::thread consumer([&q, &sum] {
    for (int v; (v = q.pop()) != 0;)
      sum += v;
  });
  producer.join();
  consumer.join();
  std::printf("sum %ld\n", sum);
  return sum == 5050 ? 0 : 1;
}
