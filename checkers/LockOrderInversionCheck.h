//===- LockOrderInversionCheck.h - fearless-lock-order-inversion ----------===//
//
// Finds locks acquired in orders that form a cycle across the whole program, so that threads taking them can deadlock, and explains each cycle edge by edge.
//
// A whole-program check: per unit it extracts lock-order facts
// (analysis/LockOrderFacts.h); over every unit it builds the lock-order
// graph and reports its cycles (graph/LockOrder.h). In the clang-tidy
// plugin it sees the cycles within one unit.
//
// See docs/checks/fearless-lock-order-inversion.md.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_LOCKORDERINVERSIONCHECK_H
#define FEARLESS_CHECKERS_LOCKORDERINVERSIONCHECK_H

#include "analysis/WholeProgram.h"

namespace fearless {

class LockOrderInversionCheck : public WholeProgramCheck {
public:
  static constexpr const char *Id = "fearless-lock-order-inversion";
  static constexpr const char *Summary =
      "Finds locks acquired in orders that form a cycle across the whole program, so that threads taking them can deadlock, and explains each cycle edge by edge.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit LockOrderInversionCheck(const CheckOptions &Opts);

  llvm::StringRef factsSection() const override { return "lock-order"; }
  llvm::json::Value extract(clang::ASTContext &Ctx) const override;
  void merge(llvm::ArrayRef<const llvm::json::Value *> Units,
             std::vector<Finding> &Out,
             const MergeOutputs &Extra) const override;

private:
  unsigned MaxCycles;
};

} // namespace fearless

#endif
