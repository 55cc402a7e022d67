// Workers deposit and count requests; an auditor resets the account while
// they run; a shipper's thread sends the log lines they queue.
#include "account.h"
#include "shipper.h"
#include "stats.h"

#include <cstdio>
#include <thread>
#include <vector>

int main() {
  Account account;
  Shipper shipper;
  shipper.start();
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
  shipper.send("workers done");
  shipper.stop();
  std::printf("balance %ld after %ld requests, %ld lines shipped (%s)\n",
              account.balance(), requests_served(), shipper.sent(),
              shipper.last_error().c_str());
  return 0;
}
