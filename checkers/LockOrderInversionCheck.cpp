#include "LockOrderInversionCheck.h"

#include "analysis/LockOrderFacts.h"

#include <cstdlib>

namespace fearless {

llvm::ArrayRef<CheckOptionInfo> LockOrderInversionCheck::options() {
  static const CheckOptionInfo Options[] = {
      {"MaxCycles", "100",
       "cycles reported at most over the whole program (elementary cycles "
       "can be exponentially many in a dense lock graph)"},
  };
  return Options;
}

std::unique_ptr<Check>
LockOrderInversionCheck::create(const CheckOptions &Opts) {
  return std::make_unique<LockOrderInversionCheck>(Opts);
}

LockOrderInversionCheck::LockOrderInversionCheck(const CheckOptions &Opts)
    : WholeProgramCheck(Id) {
  std::string V = Opts.get("MaxCycles", "100");
  char *End = nullptr;
  unsigned long N = std::strtoul(V.c_str(), &End, 10);
  MaxCycles = (V.empty() || *End || N == 0) ? 100 : static_cast<unsigned>(N);
}

llvm::json::Value
LockOrderInversionCheck::extract(clang::ASTContext &Ctx) const {
  return lockOrderToJson(extractLockOrderFacts(Ctx));
}

void LockOrderInversionCheck::merge(
    llvm::ArrayRef<const llvm::json::Value *> Units, std::vector<Finding> &Out,
    const MergeOutputs &Extra) const {
  std::vector<LockOrderFacts> Facts;
  for (const llvm::json::Value *V : Units) {
    LockOrderFacts F;
    if (V && lockOrderFromJson(*V, F))
      Facts.push_back(std::move(F));
  }
  LockOrderOptions Opts;
  Opts.MaxCycles = MaxCycles;
  Opts.CheckId = Id;
  findLockOrderCycles(Facts, Opts, Out, Extra.LockGraphDot);
}

} // namespace fearless
