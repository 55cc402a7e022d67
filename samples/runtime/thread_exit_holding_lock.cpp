// A worker returns early without unlocking: the lock stays held after the
// thread is gone, and nobody can ever release it. Statically this is a
// lock leak; at run time the recorder reports
// fearless-rt-thread-exit-holding-lock.
#include <mutex>
#include <thread>

std::mutex mu;
int jobs = 0;

void worker(bool nothing_to_do) {
  mu.lock();
  if (nothing_to_do)
    return; // expect: fearless-lock-leak 'mu' is still held when the function returns
  jobs++;
  mu.unlock();
}

int main() {
  std::thread t(worker, true);
  t.join();
  return 0;
}
