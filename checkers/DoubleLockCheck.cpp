#include "DoubleLockCheck.h"

#include "analysis/Lockset.h"

namespace fearless {

llvm::ArrayRef<CheckOptionInfo> DoubleLockCheck::options() { return {}; }

std::unique_ptr<Check> DoubleLockCheck::create(const CheckOptions &O) {
  return std::make_unique<DoubleLockCheck>(O);
}

DoubleLockCheck::DoubleLockCheck(const CheckOptions &) : Check(Id) {}

namespace {

const char *const CheckId = DoubleLockCheck::Id;
class Handler : public LocksetHandler {
public:
  explicit Handler(ReportHandler &Out) : Out(Out) {}
  void doubleLock(const clang::FunctionDecl *Fn, const LockId &Lock,
                  clang::SourceLocation Loc, clang::SourceLocation Previous,
                  const clang::FunctionDecl *Callee,
                  clang::SourceLocation InCallee) override {
    std::string Name = "'" + Lock.name() + "'";
    CheckReport R;
    R.Loc = Loc;
    R.Scope = Fn;
    if (Callee)
      R.Message = "calling '" + qualifiedName(Callee) + "' acquires " + Name +
                  ", which is already held here; a non-recursive lock "
                  "deadlocks on itself";
    else
      R.Message = Name + " is acquired while already held; a non-recursive "
                         "lock deadlocks on itself";
    if (Previous.isValid())
      R.Notes.push_back({Previous, Name + " was acquired here"});
    if (Callee && InCallee.isValid())
      R.Notes.push_back({InCallee, "'" + qualifiedName(Callee) +
                                       "' acquires " + Name + " here"});
    Out.report(CheckId, std::move(R));
  }

private:
  ReportHandler &Out;
};
} // namespace

void DoubleLockCheck::run(clang::ASTContext &Ctx, ReportHandler &H) {
  Handler LH(H);
  runLocksetAnalysis(Ctx, LH);
}

} // namespace fearless
