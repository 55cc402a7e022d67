// NOLINT comments that no longer silence anything hide the next real
// finding on their line. `fearless analyze --report-unused-suppressions`
// reports them as fearless-unused-suppression; the plain analysis and
// clang-tidy report nothing here.
#include <thread>

static void work() {}

void joined() {
  std::thread t(work); // NOLINT(fearless-thread-not-joined)
  t.join();
}

void still_needed() {
  std::thread t(work); // NOLINT(fearless-thread-not-joined)
}

int main() {
  joined();
  return 0;
}
