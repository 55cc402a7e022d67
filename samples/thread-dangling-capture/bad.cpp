// Threads that borrow from a stack frame they may outlive. Rust refuses
// these at compile time ('static bound on thread::spawn); C++ compiles them
// and the thread later reads or writes a dead object.
#include <chrono>
#include <cstdio>
#include <future>
#include <pthread.h>
#include <thread>
#include <vector>

static std::vector<std::thread> background; // lives until exit

// A detached thread keeps using a local that is gone when start() returns.
void start() {
  int progress = 0;
  std::thread([&progress] { progress = 100; }).detach(); // expect: fearless-thread-dangling-capture local variable 'progress' is captured by reference by a thread that may outlive it: the thread is detached
}

// Captured implicitly through [&] (reported where each is first used), then
// the thread is returned: even the pointer parameter itself dies.
std::thread spawn_logger(const char *prefix) {
  int lines = 0;
  return std::thread([&] {
    lines++; // expect: fearless-thread-dangling-capture local variable 'lines' is captured by reference by a thread that may outlive it: the thread is returned
    std::printf("%s\n", prefix); // expect: fearless-thread-dangling-capture parameter 'prefix' is captured by reference by a thread that may outlive it: the thread is returned
  });
}

// A reference parameter borrowed by a thread stored in a global container.
void watch(const std::vector<int> &values) {
  background.emplace_back([&values] { std::printf("%zu\n", values.size()); }); // expect: fearless-thread-dangling-capture parameter 'values' is captured by reference by a thread that may outlive it: the thread is stored in a container outside this function
}

// std::ref hands a reference to a local to a detached thread.
static void fill(std::vector<int> &out) { out.push_back(1); }
void fill_later() {
  std::vector<int> results;
  std::thread t(fill, std::ref(results)); // expect: fearless-thread-dangling-capture local variable 'results' is passed by reference to a thread that may outlive it: the thread is detached
  t.detach();
}

// 'this' in a detached thread: the object may be destroyed first.
class Poller {
public:
  void start() {
    std::thread([this] { ++polls_; }).detach(); // expect: fearless-thread-dangling-capture 'this' is captured by a thread that may outlive the object: the thread is detached
  }

private:
  int polls_ = 0;
};

// The future of std::async is returned, so the task may outlive 'limit'.
std::future<int> count_async() {
  int limit = 10;
  auto f = std::async(std::launch::async, [&limit] { return limit * 2; }); // expect: fearless-thread-dangling-capture local variable 'limit' is captured by reference by a thread that may outlive it: the future is returned
  return f;
}

// pthread: the address of a local goes to a thread nobody joins here.
static void *worker(void *arg) {
  *static_cast<int *>(arg) += 1;
  return nullptr;
}
void start_pthread() {
  int counter = 0;
  pthread_t tid;
  pthread_create(&tid, nullptr, worker, &counter); // expect: fearless-thread-dangling-capture the address of local variable 'counter' is passed to a thread that may outlive it: the thread is detached
  pthread_detach(tid);
}

// A detached thread writes through a pointer to a local.
void start_through_pointer() {
  int status = 0;
  int *out = &status;
  std::thread t([out] { *out = 1; }); // expect: fearless-thread-dangling-capture local variable 'status' is reached through pointer 'out' by a thread that may outlive it: the thread is detached
  t.detach();
}

// The future moves out to the caller while the task borrows 'base'.
void count_into(std::future<int> &result) {
  int base = 5;
  auto f = std::async(std::launch::async, [&base] { return base + 1; }); // expect: fearless-thread-dangling-capture local variable 'base' is captured by reference by a thread that may outlive it: the future is stored outside this function
  result = std::move(f);
}

// A discarded future waits at the end of the statement: nothing dangles,
// but the "async" call is synchronous.
void notify_async() {
  std::async(std::launch::async, [] { std::printf("notified\n"); }); // expect: fearless-thread-dangling-capture the std::future returned by std::async is discarded
}

int main() {
  // Building the sample is the point; running the bugs would be undefined.
  std::printf("thread-dangling-capture sample\n");
  return 0;
}
