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

const char *const CheckId = LockAcrossSuspendCheck::Id;
class Handler : public LocksetHandler {
public:
  explicit Handler(ReportHandler &Out) : Out(Out) {}
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
      Out.report(CheckId, std::move(R));
    }
  }

private:
  ReportHandler &Out;
};
} // namespace

void LockAcrossSuspendCheck::run(ASTContext &Ctx, ReportHandler &H) {
  Handler LH(H);
  runLocksetAnalysis(Ctx, LH);
}

} // namespace fearless
