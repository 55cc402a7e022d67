// Bad: static-member mutexes of two classes, taken in both orders.
#include <mutex>
#include <string>

struct Registry {
  static std::mutex mu_;
  static int entries;
};
struct Cache {
  static std::mutex mu_;
  static int hits;
};
std::mutex Registry::mu_;
int Registry::entries = 0;
std::mutex Cache::mu_;
int Cache::hits = 0;

void register_and_cache() {
  std::lock_guard<std::mutex> r(Registry::mu_);
  std::lock_guard<std::mutex> c(Cache::mu_);
  ++Registry::entries;
  ++Cache::hits;
}

void evict_and_unregister() {
  std::lock_guard<std::mutex> c(Cache::mu_);
  std::lock_guard<std::mutex> r(Registry::mu_); // expect: fearless-lock-order-inversion lock order inversion between 'Cache::mu_' and 'Registry::mu_'
  --Cache::hits;
  --Registry::entries;
}
