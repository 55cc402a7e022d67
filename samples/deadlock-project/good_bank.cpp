// Good: the same transfer, with both locks taken together, or in an order
// chosen by comparing the objects.
#include "bank.h"

#include <functional>

void transfer_scoped(Account &from, Account &to, long amount) {
  std::scoped_lock both(from.mu_, to.mu_);
  from.balance -= amount;
  to.balance += amount;
}

void transfer_ordered(Account &from, Account &to, long amount) {
  Account &first = &from < &to ? from : to;
  Account &second = &from < &to ? to : from;
  std::lock_guard<std::mutex> one(first.mu_);
  std::lock_guard<std::mutex> two(second.mu_);
  from.balance -= amount;
  to.balance += amount;
}
