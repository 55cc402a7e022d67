#include "WaitWithoutPredicateCheck.h"

#include "analysis/LockModel.h"
#include "analysis/Lockset.h"
#include "analysis/ThreadModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/StmtCXX.h"

#include <algorithm>

namespace fearless {

using namespace clang;

llvm::ArrayRef<CheckOptionInfo> WaitWithoutPredicateCheck::options() {
  return {};
}

std::unique_ptr<Check> WaitWithoutPredicateCheck::create(const CheckOptions &O) {
  return std::make_unique<WaitWithoutPredicateCheck>(O);
}

WaitWithoutPredicateCheck::WaitWithoutPredicateCheck(const CheckOptions &)
    : Check(Id) {}

namespace {

const char *const CheckId = WaitWithoutPredicateCheck::Id;

/// The guard variable of a condition wait, or null if \p Call is none.
const CXXMemberCallExpr *conditionWait(const Expr *Call) {
  const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(Call);
  if (!MC || !MC->getMethodDecl() || !MC->getMethodDecl()->getIdentifier())
    return nullptr;
  QualType T = MC->getImplicitObjectArgument()->getType();
  if (!isStdRecord(T, "condition_variable") &&
      !isStdRecord(T, "condition_variable_any"))
    return nullptr;
  llvm::StringRef N = MC->getMethodDecl()->getName();
  if (N != "wait" && N != "wait_for" && N != "wait_until")
    return nullptr;
  return MC;
}

class Handler : public LocksetHandler {
public:
  Handler(ASTContext &Ctx, ReportHandler &Out)
      : Ctx(Ctx), Out(Out) {}

  void call(const FunctionDecl *Fn, const Expr *Call,
            const Lockset &Before) override {
    const CXXMemberCallExpr *MC = conditionWait(Call);
    if (!MC || MC->getNumArgs() == 0)
      return;
    llvm::StringRef N = MC->getMethodDecl()->getName();
    unsigned Plain = N == "wait" ? 1 : 2;
    // A function that is itself a wait (a condition-variable wrapper's
    // Wait()) leaves the loop to its callers.
    bool IsWrapper = false;
    if (Fn->getIdentifier()) {
      std::string Name = Fn->getName().lower();
      Name.erase(std::remove(Name.begin(), Name.end(), '_'), Name.end());
      IsWrapper = Name == "wait" || Name == "waitfor" || Name == "waituntil";
    }
    if (MC->getNumArgs() <= Plain && !IsWrapper && !inLoop(MC)) {
      CheckReport R;
      R.Loc = MC->getExprLoc();
      R.Scope = Fn;
      R.Message = "'" + N.str() +
                  "' without a predicate and outside a loop: a spurious "
                  "wake-up returns before the condition holds, and a "
                  "notification sent before the wait is lost; pass a "
                  "predicate";
      Out.report(CheckId, std::move(R));
    }
    // Waiting requires the lock: the wait unlocks it first.
    if (const VarDecl *Guard = referencedVar(MC->getArg(0))) {
      GuardInit G = classifyGuardInit(Guard);
      for (const LockId &Id : G.Locks) {
        auto It = Before.Locks.find(Id);
        if (It == Before.Locks.end() || It->second.H != Held::No)
          continue;
        CheckReport R;
        R.Loc = MC->getExprLoc();
        R.Scope = Fn;
        R.Message = "'" + N.str() + "' with '" + Guard->getName().str() +
                    "', which does not hold '" + Id.name() +
                    "': waiting needs the lock held";
        if (It->second.Released.isValid())
          R.Notes.push_back(
              {It->second.Released, "'" + Id.name() + "' was released here"});
        Out.report(CheckId, std::move(R));
      }
    }
  }

private:
  bool inLoop(const Expr *E) {
    DynTypedNode N = DynTypedNode::create(*E);
    for (unsigned Depth = 0; Depth < 64; ++Depth) {
      auto Parents = Ctx.getParents(N);
      if (Parents.empty())
        return false;
      N = Parents[0];
      if (N.get<WhileStmt>() || N.get<ForStmt>() || N.get<DoStmt>() ||
          N.get<CXXForRangeStmt>())
        return true;
      if (N.get<FunctionDecl>() || N.get<LambdaExpr>())
        return false;
    }
    return false;
  }

  ASTContext &Ctx;
  ReportHandler &Out;
};

} // namespace

void WaitWithoutPredicateCheck::run(ASTContext &Ctx, ReportHandler &H) {
  Handler LH(Ctx, H);
  runLocksetAnalysis(Ctx, LH);
}

} // namespace fearless
