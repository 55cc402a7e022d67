// Test harness: runs a program under the recorder with a timeout and
// reads back what it reported (stderr text, JSON report, exit status).
#ifndef FEARLESS_TEST_RUNTIME_HARNESS_H
#define FEARLESS_TEST_RUNTIME_HARNESS_H

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rt_test {

// Minimal JSON value, enough to read the recorder's report.
struct Json {
  enum Kind { Null, Bool, Num, Str, Arr, Obj } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::map<std::string, Json> obj;

  const Json &operator[](const std::string &k) const;
  const Json &operator[](size_t i) const;
  size_t size() const { return kind == Arr ? arr.size() : obj.size(); }
  bool has(const std::string &k) const { return kind == Obj && obj.count(k); }
  static bool parse(const std::string &text, Json &out, std::string &err);
};

struct RunResult {
  int exit_code = -1;     // -1: killed by a signal or by the timeout
  int term_signal = 0;    // the signal that killed it (not by the timeout), or 0
  bool timed_out = false;
  std::string out, err;
  double seconds = 0;
};

struct RunSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=VALUE" added to the environment
  bool preload = true;           // LD_PRELOAD the recorder
  double timeout_s = 60;
};

RunResult run(const RunSpec &spec);

// A fresh directory under the build tree for one test's files.
std::string scratch_dir(const std::string &name);
std::string read_file(const std::string &path);
std::vector<std::string> list_dir(const std::string &dir);
// Line number of the "// @marker" comment in the file.
int marker_line(const std::string &file, const std::string &marker);
size_t count_of(const std::string &haystack, const std::string &needle);

} // namespace rt_test

#endif
