// Both threads take the two mutexes in the same order: no cycle.
#include <cstdio>
#include <mutex>
#include <thread>

std::mutex account_a;
std::mutex account_b;
int balance_a = 100;
int balance_b = 100;

void transfer_a_to_b(int amount) {
  std::lock_guard<std::mutex> first(account_a);
  std::lock_guard<std::mutex> second(account_b);
  balance_a -= amount;
  balance_b += amount;
}

void transfer_b_to_a(int amount) {
  std::lock_guard<std::mutex> first(account_a);
  std::lock_guard<std::mutex> second(account_b);
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
