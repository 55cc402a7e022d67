//===- DoubleLockCheck.h - fearless-double-lock ----------------------------------------===//
//
// Finds a non-recursive lock acquired while it is already held, directly or through a called function, which deadlocks the thread on itself.
//
// See docs/checks/fearless-double-lock.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_DOUBLELOCKCHECK_H
#define FEARLESS_CHECKERS_DOUBLELOCKCHECK_H

#include "analysis/Check.h"

namespace fearless {

class DoubleLockCheck : public Check {
public:
  static constexpr const char *Id = "fearless-double-lock";
  static constexpr const char *Summary =
      "Finds a non-recursive lock acquired while it is already held, directly or through a called function, which deadlocks the thread on itself.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit DoubleLockCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

};

} // namespace fearless

#endif
