//===- LockLeakCheck.h - fearless-lock-leak ----------------------------------------===//
//
// Finds locks taken with a manual lock() call that are still held when the function returns or an exception leaves it.
//
// See docs/checks/fearless-lock-leak.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_LOCKLEAKCHECK_H
#define FEARLESS_CHECKERS_LOCKLEAKCHECK_H

#include "analysis/Check.h"

namespace fearless {

class LockLeakCheck : public Check {
public:
  static constexpr const char *Id = "fearless-lock-leak";
  static constexpr const char *Summary =
      "Finds locks taken with a manual lock() call that are still held when the function returns or an exception leaves it.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit LockLeakCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

private:
  bool ExceptionPaths;
};

} // namespace fearless

#endif
