// Threads that are joined (or handed over) on every path: no findings.
#include <cstdio>
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

int main() {
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
