//===- ThreadDanglingCaptureCheck.h - fearless-thread-dangling-capture ----===//
//
// Finds threads that borrow locals, parameters or 'this' by reference while
// they may outlive them, the C++ form of Rust's 'static bound on
// thread::spawn.
//
// A spawn site is a std::thread or std::jthread construction (directly, or
// through emplace on a container of threads), a std::async call, or a
// pthread_create call. What the thread borrows: lambda captures by
// reference of locals and parameters, captured 'this', init-captures of a
// local's address, std::ref/std::cref/&local arguments, and a local
// pointer to a local (`int *p = &x;`) captured by value or passed along.
// A discarded std::async future is reported on its own: the call waits at
// the end of its statement, so it is synchronous. Whether the
// thread may outlive its frame is decided from where the thread object (or
// future) goes: detached, returned, stored in a member, global or
// non-local container, handed to another function, created with new, or
// (pthread) not joined in the same function. A thread kept in a local and
// joined, a local container of threads, a std::jthread or a std::async
// future that stays local, all end before the frame does.
// 'this' is only reported when the thread leaves the object's control
// (detached, returned, handed away, heap or global); a thread stored in a
// member of the same object is assumed joined by its owner.
// Cost: one pass over the AST plus a scan of each spawning function.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_THREADDANGLINGCAPTURECHECK_H
#define FEARLESS_CHECKERS_THREADDANGLINGCAPTURECHECK_H

#include "analysis/Check.h"

namespace fearless {

class ThreadDanglingCaptureCheck : public Check {
public:
  static constexpr const char *Id = "fearless-thread-dangling-capture";
  static constexpr const char *Summary =
      "Finds threads that borrow locals, parameters or 'this' by reference "
      "while they may outlive them, the C++ form of Rust's 'static bound on "
      "thread::spawn.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit ThreadDanglingCaptureCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

private:
  bool ReportThis;
};

} // namespace fearless

#endif
