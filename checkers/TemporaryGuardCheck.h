//===- TemporaryGuardCheck.h - fearless-temporary-guard ----------------------------------------===//
//
// Finds lock guards that are unnamed temporaries or accidental declarations, which unlock at once instead of at the end of the scope.
//
// See docs/checks/fearless-temporary-guard.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_TEMPORARYGUARDCHECK_H
#define FEARLESS_CHECKERS_TEMPORARYGUARDCHECK_H

#include "analysis/Check.h"

namespace fearless {

class TemporaryGuardCheck : public Check {
public:
  static constexpr const char *Id = "fearless-temporary-guard";
  static constexpr const char *Summary =
      "Finds lock guards that are unnamed temporaries or accidental declarations, which unlock at once instead of at the end of the scope.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit TemporaryGuardCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

};

} // namespace fearless

#endif
