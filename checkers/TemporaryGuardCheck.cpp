#include "TemporaryGuardCheck.h"

#include "analysis/LockModel.h"
#include "analysis/ThreadModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/TypeLoc.h"
#include "clang/Basic/SourceManager.h"

namespace fearless {

using namespace clang;

llvm::ArrayRef<CheckOptionInfo> TemporaryGuardCheck::options() { return {}; }

std::unique_ptr<Check> TemporaryGuardCheck::create(const CheckOptions &O) {
  return std::make_unique<TemporaryGuardCheck>(O);
}

TemporaryGuardCheck::TemporaryGuardCheck(const CheckOptions &) : Check(Id) {}

namespace {

std::string guardName(QualType T) {
  const auto *RD = T.getCanonicalType()->getAsCXXRecordDecl();
  return RD ? qualifiedName(RD) : T.getAsString();
}

class Finder : public RecursiveASTVisitor<Finder> {
public:
  Finder(ASTContext &Ctx, std::vector<CheckReport> &Out)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), Out(Out) {}
  bool shouldVisitTemplateInstantiations() const { return true; }

  bool VisitCXXConstructExpr(CXXConstructExpr *CE) {
    if (CE->getNumArgs() == 0 || !isGuardType(CE->getType()) ||
        CE->getConstructor()->isCopyOrMoveConstructor() || system(CE))
      return true;
    if (!isDiscardedTemporary(Ctx, CE))
      return true;
    std::string Locks;
    for (const Expr *A : CE->arguments())
      if (auto Id = resolveLock(A))
        Locks += (Locks.empty() ? "'" : ", '") + Id->name() + "'";
    CheckReport R;
    R.Loc = CE->getBeginLoc();
    R.Message = "temporary '" + guardName(CE->getType()) +
                "' is destroyed at the end of this statement, so " +
                (Locks.empty() ? std::string("the lock") : Locks) +
                " is unlocked at once; give the guard a name";
    Out.push_back(std::move(R));
    return true;
  }

  // `std::unique_lock<std::mutex>(mu);` declares a new, empty guard named
  // mu (shadowing the mutex) instead of locking it.
  bool VisitVarDecl(VarDecl *VD) {
    if (!VD->hasLocalStorage() || llvm::isa<ParmVarDecl>(VD) ||
        !isGuardType(VD->getType()) || system(VD))
      return true;
    const TypeSourceInfo *TSI = VD->getTypeSourceInfo();
    if (!TSI || !TSI->getTypeLoc().getAs<ParenTypeLoc>())
      return true;
    const auto *CE =
        llvm::dyn_cast_or_null<CXXConstructExpr>(VD->getInit());
    if (CE && CE->getNumArgs() != 0)
      return true;
    CheckReport R;
    R.Loc = VD->getLocation();
    R.Message = "this declares a new, empty '" + guardName(VD->getType()) +
                "' named '" + VD->getName().str() +
                "' instead of locking '" + VD->getName().str() +
                "'; write `" + guardName(VD->getType()) + " lock(" +
                VD->getName().str() + ");`";
    Out.push_back(std::move(R));
    return true;
  }

private:
  bool system(const Decl *D) const {
    return SM.isInSystemHeader(SM.getFileLoc(D->getLocation()));
  }
  bool system(const Stmt *S) const {
    return SM.isInSystemHeader(SM.getFileLoc(S->getBeginLoc()));
  }
  ASTContext &Ctx;
  const SourceManager &SM;
  std::vector<CheckReport> &Out;
};

} // namespace

void TemporaryGuardCheck::run(ASTContext &Ctx, ReportHandler &H) {
  std::vector<CheckReport> Reports;
  Finder(Ctx, Reports).TraverseDecl(Ctx.getTranslationUnitDecl());
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
