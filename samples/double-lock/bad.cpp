// A non-recursive mutex locked again by the thread that holds it: the
// thread waits for itself forever.
#include <mutex>
#include <pthread.h>

class Cache {
public:
  int get(int key) {
    std::lock_guard<std::mutex> lock(mu_);
    return lookup(key); // expect: fearless-double-lock calling 'Cache::lookup' acquires 'mu_', which is already held here
  }

  void refresh() {
    std::lock_guard<std::mutex> lock(mu_);
    clear(); // expect: fearless-double-lock calling 'Cache::clear' acquires 'mu_', which is already held here
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    size_ = 0;
  }

private:
  int lookup(int key) {
    std::lock_guard<std::mutex> again(mu_); // fine alone, fatal from get()
    return key + size_;
  }

  std::mutex mu_;
  int size_ = 0;
};

std::mutex log_mu;

void log_twice() {
  std::lock_guard<std::mutex> first(log_mu);
  std::lock_guard<std::mutex> second(log_mu); // expect: fearless-double-lock 'log_mu' is acquired while already held
}

// A guard class of the project's own, recognised by its shape: the
// constructor locks, the destructor unlocks.
class Hold {
public:
  explicit Hold(std::mutex &m) : m_(m) { m_.lock(); }
  ~Hold() { m_.unlock(); }

private:
  std::mutex &m_;
};

void log_held_twice() {
  Hold first(log_mu);
  Hold second(log_mu); // expect: fearless-double-lock 'log_mu' is acquired while already held
}

pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

void update_table() {
  pthread_mutex_lock(&table_lock);
  pthread_mutex_lock(&table_lock); // expect: fearless-double-lock 'table_lock' is acquired while already held
  pthread_mutex_unlock(&table_lock);
}

int main() {
  Cache c;
  c.clear();
  return 0;
}
