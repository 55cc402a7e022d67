//===- UnguardedAccessCheck.h - fearless-unguarded-access ------*- C++ -*-===//
//
// Finds fields and globals that the program protects with a lock (declared
// guarded_by it, or written with it held everywhere else) accessed without
// that lock in code that can run concurrently with another access.
//
// Shares the "races" facts and their merge with fearless-data-race
// (analysis/RaceFacts.h): where that check sees a racing pair on
// protected data, this one reports each access of the pair that lacks the
// lock, naming the lock and an access that holds it. Options are those of
// fearless-data-race; in `fearless analyze`, the facts are extracted once
// with the options of whichever of the two checks is enabled first
// (fearless-data-race when both are).
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_UNGUARDEDACCESSCHECK_H
#define FEARLESS_CHECKERS_UNGUARDEDACCESSCHECK_H

#include "DataRaceCheck.h"

namespace fearless {

class UnguardedAccessCheck : public DataRaceCheck {
public:
  static constexpr const char *Id = "fearless-unguarded-access";
  static constexpr const char *Summary =
      "Finds fields and globals that the program protects with a lock "
      "(declared guarded_by it, or written with it held everywhere else) "
      "accessed without that lock in code that can run concurrently with "
      "another access.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit UnguardedAccessCheck(const CheckOptions &Opts);

  void merge(llvm::ArrayRef<const llvm::json::Value *> Units,
             std::vector<Finding> &Out,
             const MergeOutputs &Extra = {}) const override;
};

} // namespace fearless

#endif
