// Runs a real program and captures what it prints, for end-to-end tests.
#ifndef FEARLESS_TEST_SUBPROCESS_H
#define FEARLESS_TEST_SUBPROCESS_H

#include <string>
#include <vector>

namespace fearless::test {

struct Result {
  int ExitCode = -1; ///< -1 when the program could not run or timed out
  std::string Out;
  std::string Err;
  std::string Failure; ///< why it could not run, if it could not
};

/// Runs \p Argv (Argv[0] is the program path) in \p Dir (empty: here) with
/// a time limit, so a hang fails the test instead of blocking the suite.
Result run(const std::vector<std::string> &Argv, const std::string &Dir = "",
           unsigned TimeoutSeconds = 240);

std::string readFile(const std::string &Path);
void writeFile(const std::string &Path, const std::string &Text);
/// A fresh, empty directory under the system temporary directory.
std::string makeTempDir(const std::string &Prefix);

} // namespace fearless::test

#endif
