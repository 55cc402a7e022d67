// A worker takes A then B and is joined; only after the join does the main
// thread take B then A. The join orders the two acquisitions, so this
// program cannot deadlock, and the recorder reports the cycle as
// fearless-rt-lock-order-ordered (a warning): the day the worker is no
// longer joined first, it is an inversion. The static analysis does not
// order code by thread creation and join: it reports the inversion.
#include <mutex>
#include <thread>

std::mutex a, b;
int value = 0;

void a_then_b() {
  std::lock_guard<std::mutex> first(a);
  std::lock_guard<std::mutex> second(b); // expect: fearless-lock-order-inversion lock order inversion between 'a' and 'b'
  value++;
}

int main() {
  std::thread worker(a_then_b);
  worker.join();
  std::lock_guard<std::mutex> first(b);
  std::lock_guard<std::mutex> second(a);
  value++;
  return value == 2 ? 0 : 1;
}
