// Good: the reverse order is only ever a try-lock, whose failure is
// handled by backing off, so it cannot wait for the other thread.
#include <mutex>

std::mutex queue_mu, stats_mu;
static int queued, reported;

void enqueue_and_count() {
  std::lock_guard<std::mutex> s(stats_mu);
  std::lock_guard<std::mutex> q(queue_mu);
  ++queued;
  ++reported;
}

bool report_if_free() {
  std::lock_guard<std::mutex> q(queue_mu);
  std::unique_lock<std::mutex> s(stats_mu, std::try_to_lock);
  if (!s.owns_lock())
    return false; // back off
  reported = queued;
  return true;
}
