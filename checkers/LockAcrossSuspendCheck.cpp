#include "LockAcrossSuspendCheck.h"

#include "analysis/Lockset.h"

#include "clang/AST/ExprCXX.h"

namespace fearless {

using namespace clang;

llvm::ArrayRef<CheckOptionInfo> LockAcrossSuspendCheck::options() {
  return {};
}

std::unique_ptr<Check> LockAcrossSuspendCheck::create(const CheckOptions &O) {
  return std::make_unique<LockAcrossSuspendCheck>(O);
}

LockAcrossSuspendCheck::LockAcrossSuspendCheck(const CheckOptions &)
    : Check(Id) {}

namespace {
class Handler : public LocksetHandler {
public:
  explicit Handler(std::vector<CheckReport> &Out) : Out(Out) {}
  void suspend(const FunctionDecl *Fn, const Expr *Suspend,
               const Lockset &Held) override {
    for (const auto &[Id, F] : Held.definitelyHeld()) {
      CheckReport R;
      R.Loc = Suspend->getExprLoc();
      R.Scope = Fn;
      R.Message = "'" + Id.name() + "' is held across " +
                  (llvm::isa<CoyieldExpr>(Suspend) ? "co_yield" : "co_await") +
                  ": the coroutine may resume on another thread, which then "
                  "unlocks a mutex it does not own";
      if (F.Acquired.isValid())
        R.Notes.push_back({F.Acquired, "'" + Id.name() + "' was acquired here"});
      Out.push_back(std::move(R));
    }
  }

private:
  std::vector<CheckReport> &Out;
};
} // namespace

void LockAcrossSuspendCheck::run(ASTContext &Ctx, ReportHandler &H) {
  std::vector<CheckReport> Reports;
  Handler LH(Reports);
  LocksetOptions Opts;
  Opts.ExceptionPaths = false;
  runLocksetAnalysis(Ctx, LH, Opts);
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
