// Releasing a lock the thread does not hold is undefined behaviour.
#include <mutex>
#include <pthread.h>

std::mutex mu;
int value = 0;

void unlock_twice() {
  mu.lock();
  value++;
  mu.unlock();
  mu.unlock(); // expect: fearless-unlock-not-held 'mu' is released while it is not held
}

void guard_already_unlocked() {
  std::unique_lock<std::mutex> lk(mu);
  lk.unlock();
  value++;
  lk.unlock(); // expect: fearless-unlock-not-held 'mu' is released while it is not held
}

void release_lock() { mu.unlock(); }

void helper_releases_again() {
  mu.lock();
  mu.unlock();
  release_lock(); // expect: fearless-unlock-not-held calling 'release_lock' releases 'mu', which is not held here
}

pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;

void c_style() {
  pthread_mutex_lock(&pm);
  pthread_mutex_unlock(&pm);
  pthread_mutex_unlock(&pm); // expect: fearless-unlock-not-held 'pm' is released while it is not held
}

int main() { return 0; }
