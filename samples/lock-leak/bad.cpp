// A lock taken by hand and not released on some way out of the function:
// the next thread to want it waits forever.
#include <mutex>
#include <pthread.h>
#include <stdexcept>

std::mutex mu;
int balance = 0;

bool withdraw(int amount) {
  mu.lock();
  if (amount > balance)
    return false; // expect: fearless-lock-leak 'mu' is still held when the function returns
  balance -= amount;
  mu.unlock();
  return true;
}

static void audit(int amount) {
  if (amount < 0)
    throw std::invalid_argument("negative amount");
}

void deposit(int amount) {
  mu.lock();
  audit(amount); // expect: fearless-lock-leak 'mu' is still held if an exception leaves the function here
  balance += amount;
  mu.unlock();
}

pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
int counter = 0;

void c_leak() {
  pthread_mutex_lock(&pm);
  counter++;
} // expect: fearless-lock-leak 'pm' is still held when the function returns

int main() {
  deposit(5);
  return withdraw(1) ? 0 : 1;
}
