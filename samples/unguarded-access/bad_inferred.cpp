// Every write of the total holds total_mu, so the program means the lock
// to protect it; the reporter thread reads it without the lock.
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

std::mutex total_mu;
long total = 0;

void add(long n) {
  std::lock_guard<std::mutex> lock(total_mu);
  total += n;
}

void report() {
  for (int i = 0; i < 3; ++i)
    std::printf("so far %ld\n", total); // expect: fearless-unguarded-access 'total' is written with 'total_mu' held everywhere else, but read here by thread 'report' without it
}

int main() {
  std::vector<std::thread> adders;
  for (int i = 0; i < 4; ++i)
    adders.emplace_back(add, i);
  std::thread reporter(report);
  for (std::thread &t : adders)
    t.join();
  reporter.join();
  std::printf("total %ld\n", total);
  return 0;
}
