// Good: the first lock is released before the second is taken, so the
// two functions never hold one while waiting for the other.
#include <mutex>

std::mutex config_mu, session_mu;
static int config_version, session_version;

void reload() {
  int version;
  {
    std::lock_guard<std::mutex> c(config_mu);
    version = ++config_version;
  }
  std::lock_guard<std::mutex> s(session_mu);
  session_version = version;
}

void refresh() {
  std::lock_guard<std::mutex> s(session_mu);
  std::lock_guard<std::mutex> c(config_mu);
  session_version = config_version;
}

void refresh_manually() {
  session_mu.lock();
  int v = session_version;
  session_mu.unlock();
  config_mu.lock();
  config_version = v;
  config_mu.unlock();
}
