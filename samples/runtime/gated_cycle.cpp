// Two threads take A and B in opposite orders, but always while holding
// the gate lock G, so only one of them is ever inside the cycle. The
// recorder reports it as fearless-rt-lock-order-gated: harmless today,
// a deadlock the day the gate is removed. The static analysis keeps it
// as a suppressed fearless-lock-order-inversion, for the same reason.
#include <mutex>
#include <thread>

std::mutex gate, a, b;
int value = 0;

void a_then_b() {
  std::lock_guard<std::mutex> g(gate);
  std::lock_guard<std::mutex> first(a);
  std::lock_guard<std::mutex> second(b); // expect-suppressed: fearless-lock-order-inversion every edge is taken while 'gate' is held
  value++;
}

void b_then_a() {
  std::lock_guard<std::mutex> g(gate);
  std::lock_guard<std::mutex> first(b);
  std::lock_guard<std::mutex> second(a);
  value++;
}

int main() {
  std::thread t1(a_then_b);
  t1.join();
  std::thread t2(b_then_a);
  t2.join();
  return value == 2 ? 0 : 1;
}
