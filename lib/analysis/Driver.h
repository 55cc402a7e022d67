//===- analysis/Driver.h - Analysing a project's translation units --------===//
//
// The whole-program driver behind `fearless analyze`: loads a compilation
// database (or a fixed command line), parses each translation unit with
// Clang, runs the selected checks on every unit that parsed cleanly, and
// collects findings, with NOLINT comments honoured exactly as clang-tidy
// honours them.
//
// Contract: analyzeProject() never exits the process and never throws.
// Anything that keeps a unit from being analysed (a missing file, a unit
// that does not compile, no compile command) becomes one AnalysisError with
// a one-line reason, and the other units are still analysed. A problem that
// stops everything (no usable compilation database) is returned as a
// failure with its reason. Units are analysed in parallel; the resulting
// Report is sorted and de-duplicated, so it does not depend on the order in
// which units finish.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_DRIVER_H
#define FEARLESS_ANALYSIS_DRIVER_H

#include "core/Baseline.h"
#include "core/Writers.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fearless {

class CheckOptions;

struct AnalyzeOptions {
  /// Directory holding compile_commands.json, or the file itself.
  std::string BuildDir;
  /// Files or directories to analyse; empty means every file of the
  /// compilation database.
  std::vector<std::string> Paths;
  /// Compiler arguments given after `--`: used instead of a database.
  bool HasFixedArgs = false;
  std::vector<std::string> FixedArgs;
  /// Parallel jobs; 0 means one per hardware thread.
  unsigned Jobs = 0;
  /// Which checks run (clang-tidy glob syntax).
  std::string Checks = "fearless-*";
  /// Clang's resource directory (builtin headers) for the analyser's own
  /// compiler invocations; empty keeps Clang's default.
  std::string ResourceDir;
  /// Options for the checks; null means every check's defaults.
  const CheckOptions *Options = nullptr;
  /// Check options by full key ("fearless-lock-leak.Severity"), as read
  /// from a .clang-tidy file (core/Config.h); they take precedence over
  /// Options. `<check-id>.Severity` sets the severity of a check's
  /// findings. Null: none.
  const std::map<std::string, std::string> *Config = nullptr;
  /// Called when a unit starts being analysed: (index, total, file).
  std::function<void(unsigned, unsigned, const std::string &)> Progress;

  /// Directory fingerprints (and SARIF artifact URIs) are relative to, so
  /// they do not depend on where the code is checked out. Empty: the
  /// driver uses defaultSourceRoot().
  std::string SourceRoot;
  /// Adds a `fearless-unused-suppression` finding for every NOLINT comment
  /// that names an enabled fearless check and silenced nothing.
  bool ReportUnusedSuppressions = false;
  /// Findings whose fingerprint is in this baseline are dropped (counted
  /// in GateSummary). Null: no baseline.
  const Baseline *Against = nullptr;
  /// Only findings touching a line changed since this git revision are
  /// kept (core/Diff.h). Empty: every finding.
  std::string DiffBase;

  /// Per-unit results (findings and facts) are cached here and reused
  /// while the unit's key and every file it read are unchanged. Empty:
  /// `<BuildDir>/.fearless-cache` when a compilation database directory
  /// is given, else no cache.
  std::string CacheDir;
  bool NoCache = false;
  /// Every analysed unit's facts file is also written here (for a later
  /// `fearless merge`). Empty: nowhere.
  std::string FactsDir;
  /// Analyse only shard ShardIndex (1-based) of ShardCount: the units
  /// whose position in the sorted list of files is ShardIndex-1 modulo
  /// ShardCount. Whole-program checks are left to `fearless merge`.
  unsigned ShardIndex = 0, ShardCount = 0;
  /// `fearless merge`: no compilation; these facts files or directories
  /// are merged instead.
  std::vector<std::string> MergeInputs;
  /// When set, receives the whole-program lock-order graph (DOT).
  std::string *LockGraphDot = nullptr;
};

/// What the baseline and diff filters removed.
struct GateSummary {
  std::string SourceRoot;                 ///< the root actually used
  unsigned Baselined = 0;                 ///< matched a baseline entry
  std::vector<BaselineEntry> Disappeared; ///< baselined, no longer found
  unsigned OutsideDiff = 0;               ///< on no changed line
  unsigned Analysed = 0;                  ///< units parsed this run
  unsigned Reused = 0;                    ///< units taken from the cache
};

/// The git top-level directory of the first input (PATH, else the build
/// directory), else the current directory; absolute.
std::string defaultSourceRoot(const AnalyzeOptions &Opts);

/// The check id of the findings --report-unused-suppressions adds.
extern const char *const UnusedSuppressionCheckId;

/// Runs the analysis. Returns false, with \p FatalError set, when nothing
/// could be analysed at all (including a --diff-base that git cannot
/// resolve, which is checked before any unit is parsed); otherwise fills
/// \p Out with the findings that pass the baseline and diff filters,
/// fingerprinted relative to the source root, and \p Gate (if given).
bool analyzeProject(const AnalyzeOptions &Opts, Report &Out,
                    std::string &FatalError, GateSummary *Gate = nullptr);

} // namespace fearless

#endif
