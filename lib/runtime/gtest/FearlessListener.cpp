#include "fearless/gtest_listener.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <string>

namespace fearless {
namespace gtest {
namespace {

struct Api {
  void (*set_context)(const char *) = nullptr;
  unsigned long (*count)() = nullptr;
  int (*summary)(unsigned long, char *, unsigned long) = nullptr;
};

class Listener : public ::testing::EmptyTestEventListener {
public:
  explicit Listener(Api api) : api_(api) {}

  void OnTestStart(const ::testing::TestInfo &info) override {
    std::string name = std::string(info.test_suite_name()) + "." + info.name();
    api_.set_context(name.c_str());
    before_ = api_.count();
  }

  // Failures raised here are attributed to the test that just ran.
  void OnTestEnd(const ::testing::TestInfo &) override {
    unsigned long now = api_.count();
    for (unsigned long i = before_; i < now; ++i) {
      char buf[4096];
      int n = api_.summary(i, buf, sizeof buf);
      ADD_FAILURE() << "fearless: a lock-order cycle closed during this test: "
                    << (n >= 0 ? buf : "(no summary)");
    }
    api_.set_context(nullptr);
  }

private:
  Api api_;
  unsigned long before_ = 0;
};

} // namespace

bool install() {
  Api api;
  api.set_context = reinterpret_cast<void (*)(const char *)>(dlsym(RTLD_DEFAULT, "fearless_set_context"));
  api.count = reinterpret_cast<unsigned long (*)()>(dlsym(RTLD_DEFAULT, "fearless_finding_count"));
  api.summary = reinterpret_cast<int (*)(unsigned long, char *, unsigned long)>(
      dlsym(RTLD_DEFAULT, "fearless_finding_summary"));
  if (!api.set_context || !api.count || !api.summary) return false;
  ::testing::UnitTest::GetInstance()->listeners().Append(new Listener(api));
  return true;
}

} // namespace gtest
} // namespace fearless
