// A function that manages its locks in a way the analysis cannot follow
// opts out with Clang's own attribute, as it would for -Wthread-safety:
// no lock finding is reported inside it (lock leak, unlock not held, lock
// order). Its callers still see what it does to locks.
#include <mutex>

std::mutex first_mu, second_mu;
static int value;

#if defined(__clang__)
#define NO_THREAD_SAFETY_ANALYSIS __attribute__((no_thread_safety_analysis))
#else
#define NO_THREAD_SAFETY_ANALYSIS
#endif

// Hands first_mu to whoever calls finish() later.
void start() NO_THREAD_SAFETY_ANALYSIS {
  first_mu.lock();
  value = 1;
}

void finish() NO_THREAD_SAFETY_ANALYSIS {
  value = 0;
  first_mu.unlock();
}

void reversed() NO_THREAD_SAFETY_ANALYSIS {
  std::lock_guard<std::mutex> b(second_mu);
  std::lock_guard<std::mutex> a(first_mu);
  ++value;
}

void ordered() {
  std::lock_guard<std::mutex> a(first_mu);
  std::lock_guard<std::mutex> b(second_mu);
  ++value;
}

int main() {
  start();
  finish();
  ordered();
  reversed();
  return value == 2 ? 0 : 1;
}
