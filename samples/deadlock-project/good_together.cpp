// Good: locks taken together by std::scoped_lock or std::lock have no
// order among themselves, whichever way they are listed.
#include <mutex>

std::mutex left_mu, right_mu;
static int left_count, right_count;

void both_scoped() {
  std::scoped_lock both(left_mu, right_mu);
  ++left_count;
  ++right_count;
}

void both_scoped_reversed() {
  std::scoped_lock both(right_mu, left_mu);
  --left_count;
  --right_count;
}

void both_std_lock() {
  std::unique_lock<std::mutex> r(right_mu, std::defer_lock);
  std::unique_lock<std::mutex> l(left_mu, std::defer_lock);
  std::lock(r, l);
  left_count = right_count;
}
