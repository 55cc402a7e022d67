//===- core/Fingerprint.h - Finding identities that survive edits ---------===//
//
// A fingerprint identifies a finding across versions of the code: baselines,
// SARIF partialFingerprints and diff-aware runs match on it.
//
// Inputs: the check id, the file path relative to the source root, the
// enclosing function (Finding::Scope), the message, and the primary source
// line's text with white space collapsed (Finding::Snippet). Line and column
// numbers are deliberately left out, so a finding keeps its fingerprint when
// code above it moves, when unrelated lines are reformatted, or when its
// function moves within the file. Two findings that would collide (same
// inputs in one file) are told apart by their order of appearance.
//
// Hash: 64-bit FNV-1a, printed as 16 lower-case hex digits. It is stable
// across platforms and fearless versions; changing the inputs is a breaking
// change of the baseline format and must bump its version.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_FINGERPRINT_H
#define FEARLESS_CORE_FINGERPRINT_H

#include "core/Finding.h"

#include <string>
#include <vector>

namespace fearless {

/// Collapses runs of white space to one space and trims both ends.
std::string normalizeSnippet(const std::string &Line);

/// Makes \p Path relative to \p SourceRoot when it lies below it.
std::string relativeTo(const std::string &Path, const std::string &SourceRoot);

/// Fills Finding::Fingerprint for every finding. Expects \p Findings sorted
/// (sortAndUnique) so that colliding findings are numbered deterministically.
void assignFingerprints(std::vector<Finding> &Findings,
                        const std::string &SourceRoot = "");

} // namespace fearless

#endif
