//===- core/Finding.h - The findings model shared by every front end ------===//
//
// One Finding is one defect report: a check id, a severity, a message, a
// primary location, related locations with their own messages, and an
// optional multi-step trace (a deadlock cycle edge by edge, a race path).
//
// Contract: plain values, no references into a Clang AST or a SourceManager,
// so findings outlive the translation unit that produced them and can cross
// process boundaries as JSON. Thread-compatible (no internal locking).
// Ordering (operator<) is total and independent of discovery order, which is
// what makes every writer's output deterministic.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_FINDING_H
#define FEARLESS_CORE_FINDING_H

#include <string>
#include <vector>

namespace fearless {

enum class Severity { Note, Warning, Error };

/// "note", "warning", "error".
const char *severityName(Severity S);
/// Parses a severity name; returns false on anything else.
bool parseSeverity(const std::string &Name, Severity &Out);

/// A position in a source file. Line and column are 1-based; 0 means unknown.
struct Location {
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;

  bool valid() const { return !File.empty(); }
};

bool operator<(const Location &A, const Location &B);
bool operator==(const Location &A, const Location &B);

/// A related location with its own message ("first acquired here").
struct RelatedLocation {
  Location Loc;
  std::string Message;
};

/// One step of a trace: for a deadlock cycle, one edge (thread/function, the
/// lock pair, where it happens); for a race, one access path step.
struct TraceStep {
  std::string Thread;   ///< thread or entry point, empty when unknown
  std::string Function; ///< function in which the step happens
  std::string Message;  ///< e.g. "acquires 'B' while holding 'A'"
  Location Loc;
};

struct Finding {
  std::string CheckId; ///< "fearless-thread-not-joined"
  Severity Sev = Severity::Warning;
  std::string Message;
  Location Loc;
  std::vector<RelatedLocation> Related;
  std::vector<TraceStep> Trace;

  /// Fingerprint inputs that do not depend on line numbers: the enclosing
  /// function (qualified name) and the text of the primary source line with
  /// white space collapsed. Filled by the producer, hashed by fingerprint().
  std::string Scope;
  std::string Snippet;
  /// Stable identity across unrelated edits; see Fingerprint.h.
  std::string Fingerprint;
  /// Non-empty for a finding the analysis keeps for the record but does
  /// not count (a lock-order cycle every edge of which is taken under one
  /// gate lock): why it cannot happen. Such findings go to
  /// Report::Suppressed, never affect the exit status, and are written as
  /// SARIF results with a suppression.
  std::string Suppression;
};

/// Orders by file, line, column, check id, message, then related locations.
bool operator<(const Finding &A, const Finding &B);
/// Same check, location, message and related locations.
bool sameFinding(const Finding &A, const Finding &B);

/// Sorts findings and removes exact duplicates (the same header finding seen
/// from several translation units).
void sortAndUnique(std::vector<Finding> &Findings);

} // namespace fearless

#endif
