// A reference to locked data that outlives the lock: every use of it
// afterwards is unsynchronised.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#if defined(__clang__)
#define GUARDED_BY(x) __attribute__((guarded_by(x)))
#else
#define GUARDED_BY(x)
#endif

class Registry {
public:
  // The guard unlocks on return; the caller keeps a reference.
  std::vector<std::string> &names() {
    std::lock_guard<std::mutex> lock(mu_);
    return names_; // expect: fearless-guarded-data-escape a reference to 'names_' (protected by 'mu_') is returned, but 'mu_' is released when the function returns
  }

  void add(const std::string &n) {
    std::lock_guard<std::mutex> lock(mu_);
    names_.push_back(n);
  }

  // Annotated: the pointer escapes into the caller's variable.
  void peek(int **out) {
    std::lock_guard<std::mutex> lock(mu_);
    *out = &hits_; // expect: fearless-guarded-data-escape the address of 'hits_' (protected by 'mu_') is stored where it outlives the locked region
  }

private:
  std::mutex mu_;
  std::vector<std::string> names_;
  int hits_ GUARDED_BY(mu_) = 0;
};

int main() {
  Registry r;
  r.add("a");
  return r.names().size() == 1 ? 0 : 1;
}
