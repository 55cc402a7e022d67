//===- core/Baseline.h - Accepted findings, matched by fingerprint --------===//
//
// A baseline is the set of findings a team has accepted for now: `fearless
// baseline` writes it, `fearless analyze --baseline FILE` reports only the
// findings that are not in it and lists the baselined ones that are gone.
//
// Matching is by Finding::Fingerprint alone (see Fingerprint.h: no line
// numbers, file path relative to the source root), so a baseline survives
// line shifts, reformatting of unrelated lines, moving a function within
// its file, and checkouts in different directories. Matching is a multiset
// match: each baseline entry absorbs at most one finding.
//
// File format (docs/ci.md): JSON, {"format": "fearless-baseline",
// "version": 1, "findings": [...]}, entries sorted by (file, line, check,
// fingerprint) and written with fixed key order, so a regenerated baseline
// differs from the old one only where findings changed. The line, message
// and scope are for reviewers; only the fingerprint is matched.
//
// Contract: readBaseline() accepts exactly what writeBaseline() writes (and
// ignores unknown keys); anything else is rejected with a one-line reason.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_BASELINE_H
#define FEARLESS_CORE_BASELINE_H

#include "core/Finding.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace fearless {

struct BaselineEntry {
  std::string Fingerprint;
  std::string CheckId;
  std::string File; ///< relative to the source root when below it
  unsigned Line = 0;
  std::string Message;
  std::string Scope;
};

struct Baseline {
  std::vector<BaselineEntry> Entries;
};

/// The baseline of \p Findings (fingerprinted), paths relative to
/// \p SourceRoot, in the file's stable order.
Baseline makeBaseline(const std::vector<Finding> &Findings,
                      const std::string &SourceRoot);

void writeBaseline(llvm::raw_ostream &OS, const Baseline &B);
bool readBaseline(llvm::StringRef Text, Baseline &Out, std::string &Error);

struct BaselineMatch {
  std::vector<Finding> New;                ///< not in the baseline
  std::vector<BaselineEntry> Disappeared;  ///< baselined, no longer found
  unsigned Matched = 0;                    ///< found and baselined
};

/// Splits \p Findings (order kept) against \p B.
BaselineMatch applyBaseline(const std::vector<Finding> &Findings,
                            const Baseline &B);

} // namespace fearless

#endif
