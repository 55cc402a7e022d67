// Condition waits that can return before the condition holds, or that can
// miss the notification altogether.
#include <condition_variable>
#include <mutex>

std::mutex mu;
std::condition_variable ready;
bool done = false;

void wait_once() {
  std::unique_lock<std::mutex> lk(mu);
  ready.wait(lk); // expect: fearless-wait-without-predicate 'wait' without a predicate and outside a loop
}

void wait_after_unlock() {
  std::unique_lock<std::mutex> lk(mu);
  lk.unlock();
  ready.wait(lk, [] { return done; }); // expect: fearless-wait-without-predicate 'wait' with 'lk', which does not hold 'mu'
}

int main() { return 0; }
