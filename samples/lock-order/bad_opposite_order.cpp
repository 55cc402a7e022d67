// Two threads take the same two mutexes in opposite orders. Run one after
// the other they always finish, yet the order they establish (A before B,
// then B before A) is a deadlock waiting for the wrong interleaving.
// Under `fearless run` the recorder reports it on every run as
// fearless-rt-lock-order-inversion; the static analysis reports it before
// the code runs as fearless-lock-order-inversion.
#include <cstdio>
#include <mutex>
#include <thread>

std::mutex account_a;
std::mutex account_b;
int balance_a = 100;
int balance_b = 100;

void transfer_a_to_b(int amount) {
  std::lock_guard<std::mutex> first(account_a);
  std::lock_guard<std::mutex> second(account_b); // expect: fearless-lock-order-inversion lock order inversion between 'account_a' and 'account_b'
  balance_a -= amount;
  balance_b += amount;
}

void transfer_b_to_a(int amount) {
  std::lock_guard<std::mutex> first(account_b);
  std::lock_guard<std::mutex> second(account_a);
  balance_b -= amount;
  balance_a += amount;
}

int main() {
  std::thread t1(transfer_a_to_b, 10);
  t1.join(); // sequenced, so this run cannot hang
  std::thread t2(transfer_b_to_a, 5);
  t2.join();
  std::printf("a=%d b=%d\n", balance_a, balance_b);
  return 0;
}
