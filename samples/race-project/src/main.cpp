// Workers deposit and count requests; an auditor resets the account while
// they run.
#include "account.h"
#include "stats.h"

#include <cstdio>
#include <thread>
#include <vector>

int main() {
  Account account;
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i)
    workers.emplace_back([&account] {
      for (int n = 0; n < 1000; ++n) {
        account.deposit(1);
        count_request();
      }
    });
  std::thread auditor([&account] { reset_for_audit(account); });
  for (std::thread &w : workers)
    w.join();
  auditor.join();
  std::printf("balance %ld after %ld requests\n", account.balance(),
              requests_served());
  return 0;
}
