#pragma once
#include <mutex>

struct Account {
  std::mutex mu_;
  long balance = 0;
};

void transfer(Account &from, Account &to, long amount);
void transfer_scoped(Account &from, Account &to, long amount);
void transfer_ordered(Account &from, Account &to, long amount);
