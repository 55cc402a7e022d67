//===- ThreadNotJoinedCheck.h - fearless-thread-not-joined -----*- C++ -*-===//
//
// Finds std::thread objects that can reach their destructor while still
// joinable, which makes C++ call std::terminate.
//
// Analysis: a forward dataflow over the Clang CFG of each function (with
// implicit destructors), tracking for every local std::thread whether it may
// be empty or joinable. Construction with a callable makes it joinable;
// join(), detach(), being moved from, or escaping (address taken, passed by
// reference, captured by a lambda) make it empty; `if (t.joinable())`
// refines each branch. A destructor reached in a joinable state is a
// finding; with ExceptionPaths on, so is a call that may throw (or a throw
// expression) while a thread is joinable, unless the function has a try
// block. Also reported: move-assigning into a joinable thread, and a thread
// temporary with a callable that is destroyed at the end of its statement,
// and join()/detach() on a thread that is definitely not joinable (the
// state keeps why: joined, detached, moved from, never started). Local
// containers of std::thread are tracked the same way (filled by
// emplace_back/push_back..., emptied by a loop or for_each joining every
// element); a class's destructor is analysed with its started std::thread
// members (and member containers) joinable on entry.
// Cost: linear in CFG size times the number of tracked threads per pass;
// the lattice has height 2, so a fixpoint takes a few passes.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_THREADNOTJOINEDCHECK_H
#define FEARLESS_CHECKERS_THREADNOTJOINEDCHECK_H

#include "analysis/Check.h"

namespace fearless {

class ThreadNotJoinedCheck : public Check {
public:
  static constexpr const char *Id = "fearless-thread-not-joined";
  static constexpr const char *Summary =
      "Finds std::thread objects that can reach their destructor while still "
      "joinable, which makes C++ call std::terminate.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit ThreadNotJoinedCheck(const CheckOptions &Opts);
  void run(clang::ASTContext &Ctx, ReportHandler &H) override;

private:
  bool ExceptionPaths;
  bool StdLibraryThrows;
};

} // namespace fearless

#endif
