//===- GuardedDataEscapeCheck.h - fearless-guarded-data-escape ------------===//
//
// Finds references and pointers to lock-protected data returned from, or
// stored outside, the locked region, the C++ form of a Rust MutexGuard
// borrow outliving the guard.
//
// Data is protected by a lock when it is declared guarded_by that lock, or
// when every access to it in the translation unit (outside constructors and
// destructors) holds the lock. See docs/checks/fearless-guarded-data-escape.md.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_GUARDEDDATAESCAPECHECK_H
#define FEARLESS_CHECKERS_GUARDEDDATAESCAPECHECK_H

#include "analysis/Check.h"

namespace fearless {

class GuardedDataEscapeCheck : public Check {
public:
  static constexpr const char *Id = "fearless-guarded-data-escape";
  static constexpr const char *Summary =
      "Finds references and pointers to lock-protected data returned from, or "
      "stored outside, the locked region, the C++ form of a Rust MutexGuard "
      "borrow outliving the guard.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit GuardedDataEscapeCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;
};

} // namespace fearless

#endif
