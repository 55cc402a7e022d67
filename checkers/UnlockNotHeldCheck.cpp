#include "UnlockNotHeldCheck.h"

#include "analysis/Lockset.h"

namespace fearless {

llvm::ArrayRef<CheckOptionInfo> UnlockNotHeldCheck::options() { return {}; }

std::unique_ptr<Check> UnlockNotHeldCheck::create(const CheckOptions &O) {
  return std::make_unique<UnlockNotHeldCheck>(O);
}

UnlockNotHeldCheck::UnlockNotHeldCheck(const CheckOptions &) : Check(Id) {}

namespace {
class Handler : public LocksetHandler {
public:
  explicit Handler(std::vector<CheckReport> &Out) : Out(Out) {}
  void unlockNotHeld(const clang::FunctionDecl *Fn, const LockId &Lock,
                     clang::SourceLocation Loc, clang::SourceLocation Previous,
                     const clang::FunctionDecl *Callee) override {
    std::string Name = "'" + Lock.name() + "'";
    CheckReport R;
    R.Loc = Loc;
    R.Scope = Fn;
    if (Callee)
      R.Message = "calling '" + qualifiedName(Callee) + "' releases " + Name +
                  ", which is not held here";
    else
      R.Message = Name + " is released while it is not held";
    if (Previous.isValid())
      R.Notes.push_back({Previous, Name + " was released here"});
    Out.push_back(std::move(R));
  }

private:
  std::vector<CheckReport> &Out;
};
} // namespace

void UnlockNotHeldCheck::run(clang::ASTContext &Ctx, ReportHandler &H) {
  std::vector<CheckReport> Reports;
  Handler LH(Reports);
  LocksetOptions Opts;
  Opts.ExceptionPaths = false;
  runLocksetAnalysis(Ctx, LH, Opts);
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
