//===- LockAcrossSuspendCheck.h - fearless-lock-across-suspend ----------------------------------------===//
//
// Finds locks held across co_await or co_yield, where the coroutine may resume on another thread that then unlocks a mutex it does not own.
//
// See docs/checks/fearless-lock-across-suspend.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_LOCKACROSSSUSPENDCHECK_H
#define FEARLESS_CHECKERS_LOCKACROSSSUSPENDCHECK_H

#include "analysis/Check.h"

namespace fearless {

class LockAcrossSuspendCheck : public Check {
public:
  static constexpr const char *Id = "fearless-lock-across-suspend";
  static constexpr const char *Summary =
      "Finds locks held across co_await or co_yield, where the coroutine may resume on another thread that then unlocks a mutex it does not own.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit LockAcrossSuspendCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;
};

} // namespace fearless

#endif
