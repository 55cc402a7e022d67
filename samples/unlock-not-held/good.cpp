// The cases lockset analyses often get wrong, all correct here: no findings.
#include <mutex>
#include <pthread.h>
#include <utility>

std::mutex mu, other;
int value = 0;

// Deferred, then locked; unlocked early, then relocked.
void deferred_and_relocked() {
  std::unique_lock<std::mutex> lk(mu, std::defer_lock);
  lk.lock();
  value++;
  lk.unlock();
  value++;
  lk.lock();
  value++;
}

// Ownership moved into a callee, which unlocks when it is done.
void consume(std::unique_lock<std::mutex> lk) { value++; }
void moved_into_callee() {
  std::unique_lock<std::mutex> lk(mu);
  consume(std::move(lk));
}

// release(): the guard forgets, the caller unlocks by hand.
void released() {
  std::unique_lock<std::mutex> lk(mu);
  std::mutex *m = lk.release();
  value++;
  m->unlock();
}

// Two at once, deadlock-free.
void both() {
  std::scoped_lock lock(mu, other);
  value++;
}

// Try-lock branches.
void try_branches() {
  if (mu.try_lock()) {
    value++;
    mu.unlock();
  }
  std::unique_lock<std::mutex> lk(other, std::try_to_lock);
  if (lk.owns_lock())
    value++;
}

pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
void c_try() {
  if (pthread_mutex_trylock(&pm) == 0) {
    value++;
    pthread_mutex_unlock(&pm);
  }
  if (pthread_mutex_trylock(&pm) != 0)
    return;
  value++;
  pthread_mutex_unlock(&pm);
}

// A lambda that locks, called synchronously with nothing held.
void lambda_locks() {
  auto bump = [] {
    std::lock_guard<std::mutex> lock(mu);
    value++;
  };
  bump();
  bump();
}

// Taken and released under the same condition.
void conditional(bool fast) {
  if (!fast)
    mu.lock();
  value++;
  if (!fast)
    mu.unlock();
}

// Releases what its caller took: the precondition is the caller's.
void unlock_for_caller() { mu.unlock(); }
void hand_over() {
  mu.lock();
  value++;
  unlock_for_caller();
}

int main() {
  deferred_and_relocked();
  moved_into_callee();
  released();
  both();
  try_branches();
  c_try();
  lambda_locks();
  conditional(false);
  hand_over();
  return value > 0 ? 0 : 1;
}
