// Locks taken once per path, recursive mutexes re-entered, helpers that
// expect the lock already held: no findings.
#include <mutex>

class Cache {
public:
  int get(int key) {
    std::lock_guard<std::mutex> lock(mu_);
    return lookup_locked(key);
  }

  void refresh() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_ = 1;
    }
    clear(); // the first guard is gone
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    size_ = 0;
  }

private:
  // Called with mu_ held; does not lock it again.
  int lookup_locked(int key) { return key + size_; }

  std::mutex mu_;
  int size_ = 0;
};

class Tree {
public:
  int depth(int n) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return n == 0 ? 0 : 1 + depth(n - 1); // re-entry is what it is for
  }

private:
  std::recursive_mutex mu_;
};

std::mutex a, b;

void relock_after_unlock() {
  std::unique_lock<std::mutex> lk(a);
  lk.unlock();
  lk.lock();
}

void two_instances(Cache &x, Cache &y) {
  // Different objects, different locks.
  x.clear();
  y.clear();
}

int main() {
  Cache c;
  c.refresh();
  Tree t;
  relock_after_unlock();
  two_instances(c, c);
  return t.depth(3) == 3 ? 0 : 1;
}
