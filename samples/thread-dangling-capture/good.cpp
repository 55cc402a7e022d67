// The same threads, fixed: each one either owns what it uses or is joined
// before what it borrows goes away. No findings.
#include <cstdio>
#include <future>
#include <memory>
#include <pthread.h>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Captured by value (moved in): the thread owns its data.
void start() {
  std::string name = "job";
  std::thread([name = std::move(name)] { std::printf("%s\n", name.c_str()); })
      .detach();
}

// Borrowed, but joined before the frame ends.
int sum_in_parallel(const std::vector<int> &values) {
  int total = 0;
  std::thread t([&] {
    for (int v : values)
      total += v;
  });
  t.join();
  return total;
}

// A local container of threads, joined before return.
int count_in_parallel() {
  int hits[4] = {0, 0, 0, 0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i)
    workers.emplace_back([&hits, i] { hits[i] = i; });
  for (std::thread &w : workers)
    w.join();
  return hits[0] + hits[1] + hits[2] + hits[3];
}

// std::jthread (C++20) joins when it goes out of scope, before what it
// borrows goes away.
void scoped(int rounds) {
#if defined(__cpp_lib_jthread)
  int done = 0;
  std::jthread t([&] { done = rounds; });
#else
  (void)rounds;
#endif
}

// A member thread capturing 'this' is owned and joined by the object.
class Poller {
public:
  void start() { worker_ = std::thread([this] { ++polls_; }); }
  ~Poller() {
    if (worker_.joinable())
      worker_.join();
  }

private:
  int polls_ = 0;
  std::thread worker_;
};

// A std::async future that stays local blocks in its destructor.
int count_async() {
  int limit = 10;
  auto f = std::async(std::launch::async, [&limit] { return limit * 2; });
  return f.get();
}

// Shared ownership: the thread holds its own reference.
void shared_state() {
  auto data = std::make_shared<int>(7);
  std::thread([data] { std::printf("%d\n", *data); }).detach();
}

// pthread: joined before 'counter' goes away.
static void *worker(void *arg) {
  *static_cast<int *>(arg) += 1;
  return nullptr;
}
int run_pthread() {
  int counter = 0;
  pthread_t tid;
  pthread_create(&tid, nullptr, worker, &counter);
  pthread_join(tid, nullptr);
  return counter;
}

// A pointer to a local, used by a thread joined before the local dies.
int through_pointer_joined() {
  int status = 0;
  int *out = &status;
  std::thread t([out] { *out = 1; });
  t.join();
  return status;
}

// The future is kept and waited for where the result is needed.
void notify_async() {
  auto done = std::async(std::launch::async, [] { std::printf("notified\n"); });
  std::printf("doing other work\n");
  done.get();
}

int main() {
  std::printf("%d\n", through_pointer_joined());
  notify_async();
  start();
  std::vector<int> v{1, 2, 3};
  std::printf("%d %d %d %d\n", sum_in_parallel(v), count_in_parallel(),
              count_async(), run_pthread());
  scoped(2);
  {
    Poller p;
    p.start();
  }
  shared_state();
  return 0;
}
