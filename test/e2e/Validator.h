// Runs the official SARIF validator (Sarif.Multitool validate, from npm
// @microsoft/sarif-multitool-linux, installed by tool/bootstrap.sh into
// .tools/) and summarises what it found.
#ifndef FEARLESS_TEST_VALIDATOR_H
#define FEARLESS_TEST_VALIDATOR_H

#include <string>
#include <vector>

namespace fearless::test {

struct Validation {
  std::string Failure; ///< the validator could not run; empty otherwise
  std::vector<std::string> Errors, Warnings, Notes; ///< "SARIF2010: where"
};

/// The validator's path: $FEARLESS_SARIF_MULTITOOL, else the one bootstrap
/// installs.
std::string multitool();
Validation validateSarif(const std::string &SarifFile);

} // namespace fearless::test

#endif
