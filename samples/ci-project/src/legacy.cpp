// Old code a team adopting fearless accepts into its baseline for now.
#include <thread>

void legacy_notify() {
  std::thread t([] {});
}
