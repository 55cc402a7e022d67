#include "GuardedDataEscapeCheck.h"

#include "analysis/Lockset.h"
#include "analysis/ThreadModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"

#include <map>
#include <set>

namespace fearless {

using namespace clang;

llvm::ArrayRef<CheckOptionInfo> GuardedDataEscapeCheck::options() {
  return {};
}

std::unique_ptr<Check> GuardedDataEscapeCheck::create(const CheckOptions &O) {
  return std::make_unique<GuardedDataEscapeCheck>(O);
}

GuardedDataEscapeCheck::GuardedDataEscapeCheck(const CheckOptions &)
    : Check(Id) {}

namespace {

/// The protected datum an expression designates: a field of `this` or a
/// global, possibly through `&`.
const ValueDecl *datum(const Expr *E, bool &AddressOf) {
  AddressOf = false;
  E = E->IgnoreParenImpCasts();
  if (const auto *U = llvm::dyn_cast<UnaryOperator>(E);
      U && U->getOpcode() == UO_AddrOf) {
    AddressOf = true;
    E = U->getSubExpr()->IgnoreParenImpCasts();
  }
  if (const auto *ME = llvm::dyn_cast<MemberExpr>(E))
    if (llvm::isa<CXXThisExpr>(ME->getBase()->IgnoreParenImpCasts()))
      return llvm::dyn_cast<FieldDecl>(ME->getMemberDecl());
  if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
    if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
      if (VD->hasGlobalStorage() && !VD->isStaticLocal())
        return VD;
  return nullptr;
}

bool comparableLock(const LockId &Id) {
  return Id.K == LockId::Global || (Id.K == LockId::Member && !Id.Root);
}

bool worthGuarding(const ValueDecl *D) {
  QualType T = D->getType();
  return !T.isConstQualified() && !isStdRecord(T, "atomic") &&
         !isLockType(T) && !isGuardType(T) &&
         !T->isReferenceType();
}

struct Candidate {
  const FunctionDecl *Fn;
  const ValueDecl *Data;
  SourceLocation Loc;
  bool Returned;
  std::vector<std::pair<LockId, SourceLocation>> Held;
};

class Handler : public LocksetHandler {
public:
  void statement(const FunctionDecl *Fn, const Stmt *S,
                 const Lockset &Before) override {
    bool Structor = llvm::isa<CXXConstructorDecl>(Fn) ||
                    llvm::isa<CXXDestructorDecl>(Fn);
    if (const auto *E = llvm::dyn_cast<Expr>(S)) {
      bool Addr = false;
      if ((llvm::isa<MemberExpr>(E) || llvm::isa<DeclRefExpr>(E)) &&
          !Structor)
        if (const ValueDecl *D = datum(E, Addr); D && worthGuarding(D)) {
          std::set<LockId> Locks;
          for (const auto &[Id, F] : Before.definitelyHeld())
            if (comparableLock(Id))
              Locks.insert(Id);
          auto It = Common.find(D);
          if (It == Common.end()) {
            Common.emplace(D, Locks);
            FirstAccess.emplace(D, E->getExprLoc());
          } else {
            std::set<LockId> Both;
            for (const LockId &Id : It->second)
              if (Locks.count(Id))
                Both.insert(Id);
            It->second = std::move(Both);
          }
        }
    }
    auto Held = Before.definitelyHeld();
    if (Held.empty())
      return;
    if (const auto *R = llvm::dyn_cast<ReturnStmt>(S)) {
      QualType Ret = Fn->getReturnType();
      if (!R->getRetValue() || !(Ret->isReferenceType() || Ret->isPointerType()))
        return;
      bool Addr = false;
      const ValueDecl *D = datum(R->getRetValue(), Addr);
      if (!D || Addr != Ret->isPointerType())
        return;
      add(Fn, D, R->getBeginLoc(), true, Held);
      return;
    }
    // `out = &data_;` into anything that outlives the locked region: a
    // global, a member, or what a pointer parameter points to.
    if (const auto *BO = llvm::dyn_cast<BinaryOperator>(S);
        BO && BO->getOpcode() == BO_Assign) {
      bool Addr = false;
      const ValueDecl *D = datum(BO->getRHS(), Addr);
      if (!D || !Addr || !outlives(BO->getLHS()))
        return;
      add(Fn, D, BO->getOperatorLoc(), false, Held);
    }
  }

  std::map<const ValueDecl *, std::set<LockId>> Common;
  std::map<const ValueDecl *, SourceLocation> FirstAccess;
  std::vector<Candidate> Candidates;

private:
  static bool outlives(const Expr *Lhs) {
    Lhs = Lhs->IgnoreParenImpCasts();
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(Lhs);
        U && U->getOpcode() == UO_Deref)
      return true;
    if (llvm::isa<MemberExpr>(Lhs))
      return true;
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(Lhs))
      if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
        return VD->hasGlobalStorage() ||
               (VD->getType()->isReferenceType() && llvm::isa<ParmVarDecl>(VD));
    return false;
  }

  void add(const FunctionDecl *Fn, const ValueDecl *D, SourceLocation Loc,
           bool Returned, const std::vector<std::pair<LockId, LockFact>> &H) {
    Candidate C{Fn, D, Loc, Returned, {}};
    for (const auto &[Id, F] : H)
      if (comparableLock(Id))
        C.Held.push_back({Id, F.Acquired});
    if (!C.Held.empty())
      Candidates.push_back(std::move(C));
  }
};

/// The lock a declaration names in guarded_by / pt_guarded_by.
std::optional<LockId> declaredGuard(const ValueDecl *D) {
  for (const auto *A : D->specific_attrs<GuardedByAttr>())
    return resolveLock(A->getArg());
  for (const auto *A : D->specific_attrs<PtGuardedByAttr>())
    return resolveLock(A->getArg());
  return std::nullopt;
}

} // namespace

void GuardedDataEscapeCheck::run(ASTContext &Ctx, ReportHandler &H) {
  Handler LH;
  runLocksetAnalysis(Ctx, LH);
  for (const Candidate &C : LH.Candidates) {
    std::optional<LockId> Declared = declaredGuard(C.Data);
    const std::set<LockId> &Inferred = LH.Common[C.Data];
    for (const auto &[Lock, Acquired] : C.Held) {
      bool Protects = Declared ? *Declared == Lock : Inferred.count(Lock) > 0;
      if (!Protects)
        continue;
      std::string Data = "'" + C.Data->getName().str() + "'";
      std::string L = "'" + Lock.name() + "'";
      CheckReport R;
      R.Loc = C.Loc;
      R.Scope = C.Fn;
      R.Message =
          C.Returned
              ? "a reference to " + Data + " (protected by " + L +
                    ") is returned, but " + L +
                    " is released when the function returns; return a copy"
              : "the address of " + Data + " (protected by " + L +
                    ") is stored where it outlives the locked region";
      if (Acquired.isValid())
        R.Notes.push_back({Acquired, L + " was acquired here"});
      if (Declared)
        R.Notes.push_back({C.Data->getLocation(),
                           Data + " is declared guarded_by " + L});
      else
        R.Notes.push_back({LH.FirstAccess[C.Data],
                           Data + " is only ever accessed with " + L +
                               " held, as here"});
      report(H, std::move(R));
      break;
    }
  }
}

} // namespace fearless
