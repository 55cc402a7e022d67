// Locked data leaves the locked region only as a copy.
#include <mutex>
#include <string>
#include <vector>

class Registry {
public:
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(mu_);
    return names_; // a copy, made while the lock is held
  }

  void add(const std::string &n) {
    std::lock_guard<std::mutex> lock(mu_);
    names_.push_back(n);
  }

  // Not protected by any lock (only ever used by one thread): fine.
  const std::string &label() const { return label_; }

  // The caller must hold mu_ for as long as it uses the reference.
  std::vector<std::string> &names_locked() { return names_; }

private:
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::string label_ = "registry";
};

int main() {
  Registry r;
  r.add("a");
  return r.names().size() == 1 && r.label() == "registry" ? 0 : 1;
}
