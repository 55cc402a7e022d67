// Every way out releases the lock: RAII guards, manual unlocks on every
// path, a lock wrapper whose lock() is meant to return with the lock held.
#include <mutex>
#include <stdexcept>

std::mutex mu;
int balance = 0;

bool withdraw(int amount) {
  std::lock_guard<std::mutex> lock(mu);
  if (amount > balance)
    return false;
  balance -= amount;
  return true;
}

bool withdraw_by_hand(int amount) {
  mu.lock();
  if (amount > balance) {
    mu.unlock();
    return false;
  }
  balance -= amount;
  mu.unlock();
  return true;
}

static void audit(int amount) {
  if (amount < 0)
    throw std::invalid_argument("negative amount");
}

void deposit(int amount) {
  std::unique_lock<std::mutex> lock(mu);
  audit(amount); // the guard unlocks if this throws
  balance += amount;
}

// A lock class: lock() returns holding the lock, by design.
class SpinLock {
public:
  void lock() { mu_.lock(); }
  void unlock() { mu_.unlock(); }

private:
  std::mutex mu_;
};

SpinLock spin;

void uses_wrapper() {
  std::lock_guard<SpinLock> lock(spin);
  balance++;
}

// A guard class of the project's own: it takes the lock in its
// constructor and releases it in its destructor, on every path.
class Hold {
public:
  explicit Hold(std::mutex &m) : m_(m) { m_.lock(); }
  ~Hold() { m_.unlock(); }

private:
  std::mutex &m_;
};

bool withdraw_with_hold(int amount) {
  Hold hold(mu);
  if (amount > balance)
    return false;
  balance -= amount;
  return true;
}

// Called with mu held: lets go of it around slow work and takes it back,
// so the caller's lock is restored, not leaked.
void settle_locked() {
  mu.unlock();
  int pending = 3; // slow work without the lock
  mu.lock();
  balance += pending;
}

void settle() {
  std::lock_guard<std::mutex> lock(mu);
  settle_locked();
}

int main() {
  settle();
  withdraw_with_hold(1);
  deposit(5);
  uses_wrapper();
  withdraw_by_hand(1);
  return withdraw(1) ? 0 : 1;
}
