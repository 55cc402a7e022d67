//===- core/Writers.h - Text and JSON report writers ----------------------===//
//
// Writers turn a Report into bytes. They never reorder on their own: callers
// hand them a Report whose findings went through sortAndUnique(), so the
// same findings always produce the same bytes, whatever order the
// translation units finished in.
//
// Text is clang's diagnostic shape, so editors and CI log parsers pick it up:
//   file:line:col: warning: message [fearless-check-id]
//   file:line:col: note: related message
// Text carries findings only; the CLI prints analysis errors on stderr.
// JSON carries both and is documented in docs/report-format.md; readJson() accepts what
// writeJson() produces (used by baselines and report merging) and reports a
// one-line reason for anything else.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_WRITERS_H
#define FEARLESS_CORE_WRITERS_H

#include "core/Finding.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace fearless {

/// A translation unit (or input) that could not be analyzed.
struct AnalysisError {
  std::string File;
  std::string Message;
};

struct Report {
  std::vector<Finding> Findings;
  /// Findings with a Suppression reason: reported, never counted.
  std::vector<Finding> Suppressed;
  std::vector<AnalysisError> Errors;
};

/// The version string every writer stamps on its output.
const char *toolVersion();

void writeText(llvm::raw_ostream &OS, const Report &R);
/// How writeText() words trace step \p Number (1-based), after "note: ":
/// "[2] thread 1: in f: waits for 'b'".
std::string traceStepText(unsigned Number, const TraceStep &S);
void writeJson(llvm::raw_ostream &OS, const Report &R);

/// One finding as writeJson() writes it, and back (used by facts files).
llvm::json::Value findingToJson(const Finding &F);
/// Returns false with a short reason ("lacks check, severity or location").
bool findingFromJson(const llvm::json::Value &V, Finding &Out,
                     std::string &Error);

/// Parses the output of writeJson(). On failure returns false and sets
/// \p Error to a one-line reason.
bool readJson(llvm::StringRef Text, Report &Out, std::string &Error);

} // namespace fearless

#endif
