//===- DataRaceCheck.h - fearless-data-race --------------------*- C++ -*-===//
//
// Finds data races: two accesses to the same memory from code that can run
// at the same time, at least one a write, with no lock held in common and
// not both atomic, the C++ form of Rust's Send/Sync rules.
//
// A whole-program check over the "races" facts (analysis/RaceFacts.h):
// thread entry points are what std::thread, std::jthread, std::async
// (unless deferred), pthread_create and thread-pool submit functions run;
// accesses are collected through calls in every unit with the locks held
// at each; a spawn orders what precedes it, a join what follows it; a
// thread a class starts on its own object runs concurrently with the
// class's public methods up to their join of it. Data
// that its writes always lock (or that is declared guarded_by a lock) is
// left to fearless-unguarded-access, which names the lock.
// Cost: one lockset pass per unit; the merge is linear in the summaries,
// which are capped per function.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CHECKERS_DATARACECHECK_H
#define FEARLESS_CHECKERS_DATARACECHECK_H

#include "analysis/RaceFacts.h"
#include "analysis/WholeProgram.h"

namespace fearless {

class DataRaceCheck : public WholeProgramCheck {
public:
  static constexpr const char *Id = "fearless-data-race";
  static constexpr const char *Summary =
      "Finds data races: two accesses to the same memory from code that can "
      "run at the same time, at least one a write, with no lock held in "
      "common and not both atomic, the C++ form of Rust's Send/Sync rules.";
  static llvm::ArrayRef<CheckOptionInfo> options();
  static std::unique_ptr<Check> create(const CheckOptions &Opts);

  explicit DataRaceCheck(const CheckOptions &Opts, llvm::StringRef CheckId = Id);

  llvm::StringRef factsSection() const override { return RaceFactsSection; }
  llvm::json::Value extract(clang::ASTContext &Ctx) const override;
  void merge(llvm::ArrayRef<const llvm::json::Value *> Units,
             std::vector<Finding> &Out,
             const MergeOutputs &Extra = {}) const override;

protected:
  RaceExtractOptions Extract;
  RaceMergeOptions Merge;
};

} // namespace fearless

#endif
