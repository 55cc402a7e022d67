#include "UnguardedAccessCheck.h"

namespace fearless {

llvm::ArrayRef<CheckOptionInfo> UnguardedAccessCheck::options() {
  return DataRaceCheck::options();
}

std::unique_ptr<Check> UnguardedAccessCheck::create(const CheckOptions &O) {
  return std::make_unique<UnguardedAccessCheck>(O);
}

UnguardedAccessCheck::UnguardedAccessCheck(const CheckOptions &O)
    : DataRaceCheck(O, Id) {}

void UnguardedAccessCheck::merge(
    llvm::ArrayRef<const llvm::json::Value *> Units, std::vector<Finding> &Out,
    const MergeOutputs &) const {
  RaceFindings R = mergeRaceFacts(Units, Merge);
  Out.insert(Out.end(), R.Unguarded.begin(), R.Unguarded.end());
}

} // namespace fearless
