//===- WaitWithoutPredicateCheck.h - fearless-wait-without-predicate ----------------------------------------===//
//
// Finds condition-variable waits without a predicate outside a loop that rechecks the condition, and waits with a lock that is not held.
//
// See docs/checks/fearless-wait-without-predicate.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_WAITWITHOUTPREDICATECHECK_H
#define FEARLESS_CHECKERS_WAITWITHOUTPREDICATECHECK_H

#include "analysis/Check.h"

namespace fearless {

class WaitWithoutPredicateCheck : public Check {
public:
  static constexpr const char *Id = "fearless-wait-without-predicate";
  static constexpr const char *Summary =
      "Finds condition-variable waits without a predicate outside a loop that rechecks the condition, and waits with a lock that is not held.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit WaitWithoutPredicateCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;
};

} // namespace fearless

#endif
