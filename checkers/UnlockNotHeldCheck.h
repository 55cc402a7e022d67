//===- UnlockNotHeldCheck.h - fearless-unlock-not-held ----------------------------------------===//
//
// Finds locks released while they are not held, which is undefined behaviour for std::mutex and pthread mutexes.
//
// See docs/checks/fearless-unlock-not-held.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_UNLOCKNOTHELDCHECK_H
#define FEARLESS_CHECKERS_UNLOCKNOTHELDCHECK_H

#include "analysis/Check.h"

namespace fearless {

class UnlockNotHeldCheck : public Check {
public:
  static constexpr const char *Id = "fearless-unlock-not-held";
  static constexpr const char *Summary =
      "Finds locks released while they are not held, which is undefined behaviour for std::mutex and pthread mutexes.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit UnlockNotHeldCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

};

} // namespace fearless

#endif
