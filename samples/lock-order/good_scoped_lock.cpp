// std::scoped_lock takes both mutexes with a deadlock-avoidance algorithm,
// whatever order they are named in.
#include <cstdio>
#include <mutex>
#include <thread>

std::mutex account_a;
std::mutex account_b;
int balance_a = 100;
int balance_b = 100;

void transfer_a_to_b(int amount) {
  std::scoped_lock both(account_a, account_b);
  balance_a -= amount;
  balance_b += amount;
}

void transfer_b_to_a(int amount) {
  std::scoped_lock both(account_b, account_a);
  balance_b -= amount;
  balance_a += amount;
}

int main() {
  std::thread t1(transfer_a_to_b, 10);
  std::thread t2(transfer_b_to_a, 5);
  t1.join();
  t2.join();
  std::printf("a=%d b=%d\n", balance_a, balance_b);
  return 0;
}
