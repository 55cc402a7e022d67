// One thread takes A then B in one place and B then A in another. It cannot
// deadlock with itself, but the same code on two threads would: the
// recorder reports it as fearless-rt-lock-order-single-thread, apart from
// real inversions. The static analysis does not know which thread calls
// the two functions, and nothing stops a second thread from doing so: it
// reports the inversion.
#include <mutex>
#include <thread>

std::mutex a, b;
int value = 0;

void a_then_b() {
  std::lock_guard<std::mutex> first(a);
  std::lock_guard<std::mutex> second(b); // expect: fearless-lock-order-inversion lock order inversion between 'a' and 'b'
  value++;
}

void b_then_a() {
  std::lock_guard<std::mutex> first(b);
  std::lock_guard<std::mutex> second(a);
  value++;
}

int main() {
  std::thread t([] {
    a_then_b();
    b_then_a();
  });
  t.join();
  return value == 2 ? 0 : 1;
}
