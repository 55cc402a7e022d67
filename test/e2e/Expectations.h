// Inline expectations in samples: `// expect: <check-id> <message fragment>`
// on the line a finding must be reported at.
#ifndef FEARLESS_TEST_EXPECTATIONS_H
#define FEARLESS_TEST_EXPECTATIONS_H

#include <string>
#include <vector>

namespace fearless::test {

struct Expected {
  unsigned Line;
  std::string Check;
  std::string Fragment;
};

struct Actual {
  unsigned Line;
  std::string Check;
  std::string Message;
};

std::vector<Expected> parseExpectations(const std::string &Text);
/// The same for `// expect-suppressed: <check-id> <fragment>`: findings
/// the analysis keeps as suppressed (gate-locked cycles).
std::vector<Expected> parseSuppressedExpectations(const std::string &Text);

/// Matches every finding to exactly one expectation and back. Returns a
/// readable list of differences, empty when they agree.
std::string compare(const std::vector<Expected> &Want,
                    const std::vector<Actual> &Got);

/// The `file:line:col: warning: message [check]` lines of clang-tidy output
/// that concern \p File.
std::vector<Actual> parseTidyOutput(const std::string &Out,
                                    const std::string &File);

} // namespace fearless::test

#endif
