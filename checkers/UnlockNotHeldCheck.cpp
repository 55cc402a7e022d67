#include "UnlockNotHeldCheck.h"

#include "analysis/Lockset.h"

namespace fearless {

llvm::ArrayRef<CheckOptionInfo> UnlockNotHeldCheck::options() { return {}; }

std::unique_ptr<Check> UnlockNotHeldCheck::create(const CheckOptions &O) {
  return std::make_unique<UnlockNotHeldCheck>(O);
}

UnlockNotHeldCheck::UnlockNotHeldCheck(const CheckOptions &) : Check(Id) {}

namespace {

const char *const CheckId = UnlockNotHeldCheck::Id;
class Handler : public LocksetHandler {
public:
  explicit Handler(ReportHandler &Out) : Out(Out) {}
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
    Out.report(CheckId, std::move(R));
  }

private:
  ReportHandler &Out;
};
} // namespace

void UnlockNotHeldCheck::run(clang::ASTContext &Ctx, ReportHandler &H) {
  Handler LH(H);
  runLocksetAnalysis(Ctx, LH);
}

} // namespace fearless
