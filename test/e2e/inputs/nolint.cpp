// NOLINT comments silence findings the same way in both front ends.
#include <thread>

static void work() {}

void silenced_same_line() {
  std::thread t(work); // NOLINT(fearless-thread-not-joined)
}

void silenced_next_line() {
  // NOLINTNEXTLINE(fearless-*)
  std::thread t(work);
}

// NOLINTBEGIN(fearless-thread-not-joined)
void silenced_region() { std::thread t(work); }
// NOLINTEND(fearless-thread-not-joined)

void other_check_named() {
  std::thread t(work); // NOLINT(fearless-thread-dangling-capture) // expect: fearless-thread-not-joined std::thread 't' is never joined or detached
}

void not_silenced() {
  std::thread t(work); // expect: fearless-thread-not-joined std::thread 't' is never joined or detached
}
