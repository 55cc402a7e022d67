#include "account.h"

void Account::deposit(long n) {
  std::lock_guard<std::mutex> lock(mu_);
  balance_ += n;
}

long Account::balance() {
  std::lock_guard<std::mutex> lock(mu_);
  return balance_;
}
