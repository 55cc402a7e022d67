#include "ledger.h"

#include <thread>

void transfer(Account &from, Account &to, long amount) {
  std::scoped_lock both(from.mu, to.mu);
  from.balance -= amount;
  to.balance += amount;
}

long run_transfers(Account &a, Account &b, int rounds) {
  std::thread forth([&] {
    for (int i = 0; i < rounds; ++i)
      transfer(a, b, 1);
  });
  std::thread back([&] {
    for (int i = 0; i < rounds; ++i)
      transfer(b, a, 1);
  });
  forth.join();
  back.join();
  return a.balance + b.balance;
}
