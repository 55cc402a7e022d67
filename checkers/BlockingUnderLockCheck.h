//===- BlockingUnderLockCheck.h - fearless-blocking-under-lock ----------------------------------------===//
//
// Finds blocking calls (sleeps, joins, future waits, blocking I/O, condition waits on another lock) made while a lock is held.
//
// See docs/checks/fearless-blocking-under-lock.md for what is reported, the choices made where the
// engine cannot be sure, and the known false positives and negatives.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_BLOCKINGUNDERLOCKCHECK_H
#define FEARLESS_CHECKERS_BLOCKINGUNDERLOCKCHECK_H

#include "analysis/Check.h"

namespace fearless {

class BlockingUnderLockCheck : public Check {
public:
  static constexpr const char *Id = "fearless-blocking-under-lock";
  static constexpr const char *Summary =
      "Finds blocking calls (sleeps, joins, future waits, blocking I/O, condition waits on another lock) made while a lock is held.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit BlockingUnderLockCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

private:
  std::vector<std::string> Extra;
};

} // namespace fearless

#endif
