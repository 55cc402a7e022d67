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

namespace clang {
class ASTContext;
class FunctionDecl;
} // namespace clang

#include <string>
#include <vector>

namespace fearless {

/// Extra outputs a merge can be asked for.
struct MergeOutputs {
  /// When set, the lock-order check writes the whole-program lock-order
  /// graph here, in Graphviz DOT.
  std::string *LockGraphDot = nullptr;
};

/// The unit's main file as facts name it (absolute, normalised): what
/// identifies a unit in a section.
std::string unitFile(const clang::ASTContext &Ctx);

/// A definition only one unit of a program can have: a function that is
/// neither inline nor a template instantiation and is visible outside its
/// unit; a lambda's call operator or a local class's method counts as the
/// function it is written in. A compilation database often holds several
/// programs (tools, tests, examples): two units that both define one
/// belong to two programs, and the merges keep their copies apart.
bool isStrongDefinition(const clang::FunctionDecl *FD);

/// USRs of the global variables (and static data members) the unit
/// defines, not just declares, with external linkage, neither inline nor
/// templated, outside system headers; sorted. Two units that define one
/// belong to two programs, as for isStrongDefinition(). Linear in the
/// unit's top-level declarations (function bodies are not visited).
std::vector<std::string> strongGlobals(const clang::ASTContext &Ctx);

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
