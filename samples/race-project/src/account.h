// An account whose balance is declared guarded by its mutex.
#pragma once

#include <mutex>

#if defined(__clang__)
#define GUARDED_BY(x) __attribute__((guarded_by(x)))
#else
#define GUARDED_BY(x)
#endif

class Account {
public:
  void deposit(long n);
  long balance();

private:
  friend void reset_for_audit(Account &a);
  std::mutex mu_;
  long balance_ GUARDED_BY(mu_) = 0;
};

void reset_for_audit(Account &a);
