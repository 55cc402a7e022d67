#include "DoubleLockCheck.h"

#include "analysis/Lockset.h"

namespace fearless {

llvm::ArrayRef<CheckOptionInfo> DoubleLockCheck::options() { return {}; }

std::unique_ptr<Check> DoubleLockCheck::create(const CheckOptions &O) {
  return std::make_unique<DoubleLockCheck>(O);
}

DoubleLockCheck::DoubleLockCheck(const CheckOptions &) : Check(Id) {}

namespace {
class Handler : public LocksetHandler {
public:
  explicit Handler(std::vector<CheckReport> &Out) : Out(Out) {}
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
    Out.push_back(std::move(R));
  }

private:
  std::vector<CheckReport> &Out;
};
} // namespace

void DoubleLockCheck::run(clang::ASTContext &Ctx, ReportHandler &H) {
  std::vector<CheckReport> Reports;
  Handler LH(Reports);
  LocksetOptions Opts;
  Opts.ExceptionPaths = false;
  runLocksetAnalysis(Ctx, LH, Opts);
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
