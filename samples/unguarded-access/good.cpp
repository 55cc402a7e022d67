// The same account with every access to balance_ under mu_, including
// the read.
#include <cstdio>
#include <mutex>
#include <thread>

#if defined(__clang__)
#define GUARDED_BY(x) __attribute__((guarded_by(x)))
#else
#define GUARDED_BY(x)
#endif

class Account {
public:
  void deposit(long n) {
    std::lock_guard<std::mutex> lock(mu_);
    balance_ += n;
  }
  long audit() const {
    std::lock_guard<std::mutex> lock(mu_);
    return balance_;
  }

private:
  mutable std::mutex mu_;
  long balance_ GUARDED_BY(mu_) = 0;
};

int main() {
  Account a;
  std::thread t([&a] {
    for (int i = 0; i < 100; ++i)
      a.deposit(1);
  });
  std::printf("%ld\n", a.audit());
  t.join();
  std::printf("%ld\n", a.audit());
  return 0;
}
