// Threads that are joined (or handed over) on every path: no findings.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

static void work(int n) { std::printf("work %d\n", n); }

static void parse(int x) {
  if (x < 0)
    throw std::invalid_argument("negative input");
}

static int compute(int x) { return x * 2; }

void joined() {
  std::thread t(work, 1);
  t.join();
}

bool joined_on_every_path(bool fail) {
  std::thread t(work, 2);
  if (fail) {
    t.join();
    return false;
  }
  t.join();
  return true;
}

// std::jthread (C++20) joins in its destructor.
void jthread_joins_itself() {
#if defined(__cpp_lib_jthread)
  std::jthread t(work, 3);
#endif
}

void detached() { std::thread(work, 4).detach(); }

void joined_if_started(bool start) {
  std::thread t;
  if (start)
    t = std::thread(work, 5);
  if (t.joinable())
    t.join();
}

void handed_to_a_pool() {
  std::vector<std::thread> pool;
  std::thread t(work, 6);
  pool.push_back(std::move(t));
  for (std::thread &th : pool)
    th.join();
}

void exception_safe(int x) {
  std::thread t(work, 7);
  try {
    parse(x);
  } catch (...) {
    t.join();
    throw;
  }
  t.join();
}

// Nothing between spawn and join can throw: compute() is visible and does
// not, printf is a C function, and library calls are not counted by default.
void nothing_throws_in_between() {
  std::thread t(work, 8);
  int v = compute(21);
  std::printf("%d\n", v);
  std::cout << v << '\n';
  t.join();
}

std::thread make_worker() { return std::thread(work, 9); }

void factory() {
  std::thread t = make_worker();
  t.join();
}

// A member thread joined by the destructor whenever it runs.
class Service {
public:
  Service() : worker_(work, 10) {}
  ~Service() {
    if (worker_.joinable())
      worker_.join();
  }

private:
  std::thread worker_;
};

// The destructor joins through another member function.
class Stoppable {
public:
  void start() { thread_ = std::thread(work, 11); }
  void stop() {
    if (thread_.joinable())
      thread_.join();
  }
  ~Stoppable() { stop(); }

private:
  std::thread thread_;
};

// A member container joined element by element with std::for_each.
class Farm {
public:
  void add() { workers_.emplace_back(work, 12); }
  ~Farm() {
    std::for_each(workers_.begin(), workers_.end(),
                  std::mem_fn(&std::thread::join));
  }

private:
  std::vector<std::thread> workers_;
};

// Members that join themselves.
class Background {
public:
#if defined(__cpp_lib_jthread)
  void add() { tasks_.emplace_back(work, 13); }

private:
  std::vector<std::jthread> tasks_;
#else
  void add() {}
#endif
};

// Local containers joined by an index loop, a draining loop, for_each.
void pool_index_loop() {
  std::vector<std::thread> pool;
  for (int i = 0; i < 3; ++i)
    pool.emplace_back(work, 20 + i);
  for (std::size_t i = 0; i < pool.size(); ++i)
    pool[i].join();
}

void pool_drained() {
  std::vector<std::thread> pool;
  pool.emplace_back(work, 23);
  while (!pool.empty()) {
    pool.back().join();
    pool.pop_back();
  }
}

void pool_for_each() {
  std::vector<std::thread> pool;
  pool.emplace_back(work, 24);
  std::for_each(pool.begin(), pool.end(), [](std::thread &t) { t.join(); });
}

// Joined once, then tested before any second join.
void joined_once_then_tested() {
  std::thread t(work, 26);
  t.join();
  if (t.joinable())
    t.join();
  t = std::thread(work, 27);
  t.join();
}

// Handed to the caller, who joins.
std::vector<std::thread> start_pool() {
  std::vector<std::thread> pool;
  pool.emplace_back(work, 25);
  return pool;
}

int main() {
  {
    Service s;
    Stoppable st;
    st.start();
    Farm f;
    f.add();
    Background b;
    b.add();
  }
  pool_index_loop();
  pool_drained();
  pool_for_each();
  joined_once_then_tested();
  std::vector<std::thread> started = start_pool();
  for (std::thread &t : started)
    t.join();
  joined();
  joined_on_every_path(true);
  jthread_joins_itself();
  joined_if_started(true);
  handed_to_a_pool();
  exception_safe(1);
  nothing_throws_in_between();
  factory();
  return 0;
}
