#pragma once
#include <mutex>

// Two accounts, each with its own mutex; transfers lock both, always in
// the same (address) order.
struct Account {
  std::mutex mu;
  long balance = 0;
};

void transfer(Account &from, Account &to, long amount);
long run_transfers(Account &a, Account &b, int rounds);
