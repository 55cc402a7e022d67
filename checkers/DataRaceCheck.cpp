#include "DataRaceCheck.h"

namespace fearless {

static const CheckOptionInfo Options[] = {
    {"SubmitFunctions", DefaultSubmitFunctions,
     "Names of functions (unqualified) that run a callable argument on "
     "another thread, such as thread-pool submit functions."},
    {"SingleThreadFunctions", "",
     "Qualified names of functions that only ever run on one thread: a "
     "thread started with one of them as entry point is not concurrent "
     "with another instance of itself."},
    {"SynchronizedClasses", "",
     "Qualified names of classes that synchronise themselves: using their "
     "objects is never a racing access."},
};

llvm::ArrayRef<CheckOptionInfo> DataRaceCheck::options() { return Options; }

std::unique_ptr<Check> DataRaceCheck::create(const CheckOptions &O) {
  return std::make_unique<DataRaceCheck>(O);
}

DataRaceCheck::DataRaceCheck(const CheckOptions &O, llvm::StringRef CheckId)
    : WholeProgramCheck(CheckId) {
  Extract.SubmitFunctions =
      O.getList("SubmitFunctions", DefaultSubmitFunctions);
  Merge.SingleThreadFunctions = O.getList("SingleThreadFunctions", "");
  Merge.SynchronizedClasses = O.getList("SynchronizedClasses", "");
}

llvm::json::Value DataRaceCheck::extract(clang::ASTContext &Ctx) const {
  return extractRaceFacts(Ctx, Extract);
}

void DataRaceCheck::merge(llvm::ArrayRef<const llvm::json::Value *> Units,
                          std::vector<Finding> &Out,
                          const MergeOutputs &) const {
  RaceFindings R = mergeRaceFacts(Units, Merge);
  Out.insert(Out.end(), R.Races.begin(), R.Races.end());
}

} // namespace fearless
