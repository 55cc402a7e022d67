// Named guards hold their lock until the end of the scope.
#include <mutex>

std::mutex mu;
int value = 0;

void named_guard() {
  std::lock_guard<std::mutex> lock{mu};
  value++;
}

void named_unique_lock() {
  std::unique_lock<std::mutex> lock(mu);
  value++;
}

int main() {
  named_guard();
  named_unique_lock();
  return value == 2 ? 0 : 1;
}
