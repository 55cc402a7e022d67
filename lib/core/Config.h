//===- core/Config.h - The parts of a .clang-tidy file fearless reads -----===//
//
// fearless takes check options from the same `.clang-tidy` files as the
// clang-tidy plugin, so one configuration serves both front ends:
//
//   CheckOptions:
//     fearless-blocking-under-lock.BlockingFunctions: 'my::wait'
//     fearless-lock-leak.Severity: error
//
// Both spellings clang-tidy accepts are read: a mapping of `key: value`,
// and the older list of `- key: K` / `value: V` entries. Other top-level
// keys (Checks, HeaderFilterRegex, ...) are ignored here.
//
// `<check-id>.Severity` (note, warning or error) is a fearless option of
// every check: it replaces the severity of that check's findings.
//
// Contract: pure; a malformed file is refused with a one-line reason.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_CONFIG_H
#define FEARLESS_CORE_CONFIG_H

#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>

namespace fearless {

struct TidyConfig {
  /// Full option keys ("fearless-lock-leak.Severity") to values.
  std::map<std::string, std::string> Options;
};

bool parseTidyConfig(llvm::StringRef Text, TidyConfig &Out,
                     std::string &Error);

/// The nearest `.clang-tidy` in \p Dir or its parents; empty if none.
std::string findTidyConfig(llvm::StringRef Dir);

} // namespace fearless

#endif
