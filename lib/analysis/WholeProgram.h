//===- analysis/WholeProgram.h - Checks that need every translation unit --===//
//
// Some defects have their pieces in different translation units: a lock
// taken in a.cpp while a callee in b.cpp takes another; a field written
// under a lock in one file and read without it in another. A
// WholeProgramCheck splits its work in two, as a linker does:
//   - extract(): per unit, what the unit contributes, as plain JSON facts
//     (core/Facts.h) keyed by USR, with no reference into the AST;
//   - merge(): over the facts of every unit of the program, the findings.
// `fearless analyze` extracts per unit (in parallel, cached, or on other
// machines with --shard) and merges once. In the clang-tidy plugin, run()
// extracts and merges the one unit clang-tidy parsed, so the same check
// finds what lies within that unit.
//
// Checks that read the same facts name the same factsSection(); the
// driver extracts each section once per unit.
//
// Contract: extract() is deterministic for the same AST; merge() must give
// the same findings whatever the order of its units, and must tolerate
// sections written by other units of the same tool version only (the
// driver refuses facts of another version before merge() sees them).
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_WHOLEPROGRAM_H
#define FEARLESS_ANALYSIS_WHOLEPROGRAM_H

#include "analysis/Check.h"

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace fearless {

/// Extra outputs a merge can be asked for.
struct MergeOutputs {
  /// When set, the lock-order check writes the whole-program lock-order
  /// graph here, in Graphviz DOT.
  std::string *LockGraphDot = nullptr;
};

class WholeProgramCheck : public Check {
public:
  using Check::Check;

  /// The facts section this check reads (and extract() writes).
  virtual llvm::StringRef factsSection() const = 0;
  /// The unit's facts for factsSection().
  virtual llvm::json::Value extract(clang::ASTContext &Ctx) const = 0;
  /// Findings over the sections of every unit (one pointer per unit that
  /// has the section). Findings carry file/line locations; NOLINT is
  /// applied by the caller.
  virtual void merge(llvm::ArrayRef<const llvm::json::Value *> Units,
                     std::vector<Finding> &Out,
                     const MergeOutputs &Extra = {}) const = 0;

  /// One unit on its own (the clang-tidy plugin): extract, merge, and
  /// report through \p H with locations mapped back into the unit.
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;
  WholeProgramCheck *asWholeProgram() override { return this; }
};

} // namespace fearless

#endif
