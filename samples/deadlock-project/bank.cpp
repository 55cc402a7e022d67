// Bad: transfer(a, b) on one thread and transfer(b, a) on another take the
// two accounts' locks in opposite orders.
#include "bank.h"

void transfer(Account &from, Account &to, long amount) {
  std::lock_guard<std::mutex> debit(from.mu_);
  std::lock_guard<std::mutex> credit(to.mu_); // expect: fearless-lock-order-inversion 'Account::mu_' of two objects is acquired in a fixed argument order ('from.mu_', then 'to.mu_')
  from.balance -= amount;
  to.balance += amount;
}
