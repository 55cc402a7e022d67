#include "analysis/LockOrderFacts.h"

#include "analysis/ClangReport.h"
#include "analysis/Lockset.h"
#include "analysis/ThreadModel.h"
#include "analysis/Traversal.h"
#include "analysis/WholeProgram.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

#include <map>
#include <set>

namespace fearless {

using namespace clang;

namespace {

std::string functionName(const FunctionDecl *FD) {
  if (isLambdaBody(FD)) {
    const FunctionDecl *Outer = lambdaOwner(FD);
    return Outer ? functionName(Outer) + "::<lambda>" : "<lambda>";
  }
  return qualifiedName(FD);
}

/// The lock path an expression designates, as a LockRef; empty Base when
/// there is none.
LockRef toRef(const LockId &Id) {
  LockRef R;
  switch (Id.K) {
  case LockId::Member:
    R.Base = "this";
    break;
  case LockId::Global:
    R.Base = "g:" + usrOf(Id.Root);
    break;
  case LockId::Param:
    if (const auto *P = llvm::dyn_cast_or_null<ParmVarDecl>(Id.Root))
      R.Base = "p:" + std::to_string(P->getFunctionScopeIndex());
    break;
  case LockId::Local:
    R.Base = "l:" + (Id.Root ? Id.Root->getName().str() : std::string());
    break;
  }
  R.Path = Id.Path;
  R.Spelled = Id.name();
  if (Id.Path.empty()) {
    if (Id.K == LockId::Global) {
      R.Node = usrOf(Id.Root);
      R.Name = qualifiedName(Id.Root);
    } else if (Id.Root) {
      R.Name = Id.Root->getName().str();
    }
  } else {
    R.Node = usrOf(Id.Leaf);
    std::string Last = Id.Path.substr(Id.Path.rfind('.') + 1);
    R.Name = Id.Owner.empty() ? Last : Id.Owner + "::" + Last;
    if (R.Node.empty())
      R.Node = "field:" + R.Name;
  }
  R.Recursive = Id.recursive();
  return R;
}

bool ignoredLock(const LockId &Id) {
  return Id.K == LockId::Local && Id.Path.empty();
}

/// The base ("this", "p:0", "g:USR") an expression's value starts from.
void basesIn(const Stmt *S, std::set<std::string> &Out) {
  if (!S)
    return;
  if (llvm::isa<CXXThisExpr>(S)) {
    Out.insert("this");
    return;
  }
  if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(S)) {
    if (const auto *P = llvm::dyn_cast<ParmVarDecl>(DRE->getDecl()))
      Out.insert("p:" + std::to_string(P->getFunctionScopeIndex()));
    else if (const auto *V = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
      Out.insert(V->hasGlobalStorage() ? "g:" + usrOf(V)
                                       : "l:" + V->getName().str());
    return;
  }
  for (const Stmt *C : S->children())
    basesIn(C, Out);
}

class OrderedCollector : public RecursiveASTVisitor<OrderedCollector> {
public:
  bool shouldVisitLambdaBodies() const { return false; }
  bool VisitBinaryOperator(BinaryOperator *BO) {
    if (!BO->isRelationalOp())
      return true;
    std::set<std::string> L, R;
    basesIn(BO->getLHS(), L);
    basesIn(BO->getRHS(), R);
    for (const std::string &A : L)
      for (const std::string &B : R)
        if (A != B)
          Pairs.insert({std::min(A, B), std::max(A, B)});
    return true;
  }
  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *OC) {
    OverloadedOperatorKind K = OC->getOperator();
    if ((K == OO_Less || K == OO_Greater || K == OO_LessEqual ||
         K == OO_GreaterEqual) &&
        OC->getNumArgs() == 2) {
      std::set<std::string> L, R;
      basesIn(OC->getArg(0), L);
      basesIn(OC->getArg(1), R);
      for (const std::string &A : L)
        for (const std::string &B : R)
          if (A != B)
            Pairs.insert({std::min(A, B), std::max(A, B)});
    }
    return true;
  }
  std::set<std::pair<std::string, std::string>> Pairs;
};

class FactsHandler : public LocksetHandler {
public:
  explicit FactsHandler(ASTContext &Ctx) : Ctx(Ctx), SM(Ctx.getSourceManager()) {}

  FunctionFacts &facts(const FunctionDecl *FD) {
    auto [It, New] = Functions.try_emplace(FD);
    if (New) {
      It->second.Usr = usrOf(FD);
      It->second.Name = functionName(FD);
      It->second.Strong = isStrongDefinition(FD);
      Order.push_back(FD);
    }
    return It->second;
  }

  std::vector<HeldFact> held(const Lockset &L) {
    std::vector<HeldFact> Out;
    for (const auto &[Id, F] : L.definitelyHeld())
      if (!ignoredLock(Id))
        Out.push_back({toRef(Id), toLocation(SM, F.Acquired)});
    return Out;
  }

  SiteFact site(SourceLocation Loc) {
    return {toLocation(SM, Loc), sourceLine(SM, Loc)};
  }

  void acquire(const FunctionDecl *Fn, const std::vector<LockId> &Locks,
               SourceLocation Loc, const Lockset &Before, bool Try) override {
    AcquireFact A;
    for (const LockId &Id : Locks)
      if (!ignoredLock(Id))
        A.Locks.push_back(toRef(Id));
    if (A.Locks.empty())
      return;
    A.Site = site(Loc);
    A.Held = held(Before);
    A.Try = Try;
    facts(Fn).Acquires.push_back(std::move(A));
  }

  /// The function a thread-start callable designates, if any.
  static const FunctionDecl *entryOf(const Expr *Callable) {
    if (!Callable)
      return nullptr;
    const Expr *E = stripWrappers(Callable)->IgnoreParenImpCasts();
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E);
        U && U->getOpcode() == UO_AddrOf)
      E = U->getSubExpr()->IgnoreParenImpCasts();
    if (const auto *L = llvm::dyn_cast<LambdaExpr>(E))
      return L->getCallOperator();
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
      return llvm::dyn_cast<FunctionDecl>(DRE->getDecl());
    return nullptr;
  }

  void spawn(const FunctionDecl *Fn, const Expr *E) {
    const Expr *Callable = nullptr;
    if (const auto *CC = llvm::dyn_cast<CXXConstructExpr>(E)) {
      if (isThreadObject(CC->getType()) && CC->getNumArgs() > 0)
        Callable = CC->getArg(0);
    } else if (const auto *CE = llvm::dyn_cast<CallExpr>(E)) {
      const FunctionDecl *FD = CE->getDirectCallee();
      if (isStdFunction(FD, "async") && CE->getNumArgs() > 0) {
        const Expr *First = CE->getArg(0)->IgnoreParenImpCasts();
        bool Policy = isStdRecord(First->getType(), "launch") ||
                      First->getType()->isEnumeralType();
        Callable = Policy ? (CE->getNumArgs() > 1 ? CE->getArg(1) : nullptr)
                          : First;
      } else if (isCFunction(FD, "pthread_create") && CE->getNumArgs() > 2) {
        Callable = CE->getArg(2);
      }
    }
    const FunctionDecl *Entry = entryOf(Callable);
    if (!Entry)
      return;
    std::string Usr = usrOf(Entry);
    if (!Usr.empty())
      facts(Fn).Spawns.push_back(
          {Usr, functionName(Entry), site(E->getExprLoc())});
  }

  void call(const FunctionDecl *Fn, const Expr *E,
            const Lockset &Before) override {
    spawn(Fn, E);
    const FunctionDecl *Callee = nullptr;
    if (const auto *CE = llvm::dyn_cast<CallExpr>(E))
      Callee = CE->getDirectCallee();
    else if (const auto *CC = llvm::dyn_cast<CXXConstructExpr>(E))
      Callee = CC->getConstructor();
    if (!Callee || classifyCall(E).K != LockOp::None)
      return;
    const FunctionDecl *Def = Callee->getDefinition();
    const FunctionDecl *Where = Def ? Def : Callee;
    if (SM.isInSystemHeader(SM.getFileLoc(Where->getLocation())))
      return;
    CallFact C;
    C.Callee = usrOf(Where);
    if (C.Callee.empty())
      return;
    C.CalleeName = functionName(Where);
    C.Site = site(E->getExprLoc());
    C.Held = held(Before);
    const auto *MD = llvm::dyn_cast<CXXMethodDecl>(Callee);
    C.Lambda = isLambdaBody(Callee);
    auto Ref = [](const Expr *Arg) {
      if (std::optional<LockId> Id = resolveLock(Arg))
        return toRef(*Id);
      return LockRef();
    };
    auto Object = [&](const Expr *Obj) {
      C.HasObject = true;
      Obj = Obj->IgnoreParenImpCasts();
      if (const auto *U = llvm::dyn_cast<UnaryOperator>(Obj);
          U && U->getOpcode() == UO_Deref)
        Obj = U->getSubExpr()->IgnoreParenImpCasts();
      if (llvm::isa<CXXThisExpr>(Obj))
        C.Object.Base = "this";
      else
        C.Object = Ref(Obj);
    };
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E)) {
      Object(MC->getImplicitObjectArgument());
      for (const Expr *A : MC->arguments())
        C.Args.push_back(Ref(A));
    } else if (const auto *OC = llvm::dyn_cast<CXXOperatorCallExpr>(E);
               OC && MD && !MD->isStatic()) {
      if (OC->getNumArgs() > 0)
        Object(OC->getArg(0));
      for (unsigned I = 1; I < OC->getNumArgs(); ++I)
        C.Args.push_back(Ref(OC->getArg(I)));
    } else if (const auto *CE = llvm::dyn_cast<CallExpr>(E)) {
      for (const Expr *A : CE->arguments())
        C.Args.push_back(Ref(A));
    } else if (const auto *CC = llvm::dyn_cast<CXXConstructExpr>(E)) {
      for (const Expr *A : CC->arguments())
        C.Args.push_back(Ref(A));
    }
    facts(Fn).Calls.push_back(std::move(C));
  }

  std::map<const FunctionDecl *, FunctionFacts> Functions;
  std::vector<const FunctionDecl *> Order;

private:
  ASTContext &Ctx;
  const SourceManager &SM;
};

class DeclaredCollector : public RecursiveASTVisitor<DeclaredCollector> {
public:
  explicit DeclaredCollector(ASTContext &Ctx) : SM(Ctx.getSourceManager()) {}
  bool VisitFieldDecl(FieldDecl *D) {
    add(D);
    return true;
  }
  bool VisitVarDecl(VarDecl *D) {
    add(D);
    return true;
  }
  std::vector<DeclaredOrder> Out;

private:
  LockRef declRef(const ValueDecl *D) {
    LockRef R;
    R.Node = usrOf(D);
    if (const auto *F = llvm::dyn_cast<FieldDecl>(D))
      R.Name = F->getParent()->getName().str() + "::" + F->getName().str();
    else
      R.Name = qualifiedName(D);
    R.Spelled = D->getName().str();
    R.Base = "g:" + R.Node;
    return R;
  }
  const ValueDecl *target(const Expr *E) {
    E = E->IgnoreParenImpCasts();
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
      return DRE->getDecl();
    if (const auto *ME = llvm::dyn_cast<MemberExpr>(E))
      return ME->getMemberDecl();
    return nullptr;
  }
  void add(const ValueDecl *D) {
    if (SM.isInSystemHeader(SM.getFileLoc(D->getLocation())))
      return;
    for (const auto *A : D->specific_attrs<AcquiredBeforeAttr>())
      for (const Expr *Arg : A->args())
        if (const ValueDecl *T = target(Arg))
          Out.push_back({declRef(D), declRef(T), site(A->getLocation())});
    for (const auto *A : D->specific_attrs<AcquiredAfterAttr>())
      for (const Expr *Arg : A->args())
        if (const ValueDecl *T = target(Arg))
          Out.push_back({declRef(T), declRef(D), site(A->getLocation())});
  }
  SiteFact site(SourceLocation L) {
    return {toLocation(SM, L), sourceLine(SM, L)};
  }
  const SourceManager &SM;
};

} // namespace

LockOrderFacts extractLockOrderFacts(ASTContext &Ctx) {
  FactsHandler H(Ctx);
  runLocksetAnalysis(Ctx, H);
  LockOrderFacts Out;
  std::map<const FunctionDecl *, std::set<std::pair<std::string, std::string>>>
      Ordered;
  forEachFunctionBody(Ctx, [&](const FunctionDecl *FD, const Stmt *Body) {
    OrderedCollector C;
    C.TraverseStmt(const_cast<Stmt *>(Body));
    if (!C.Pairs.empty()) {
      H.facts(FD);
      Ordered[FD] = std::move(C.Pairs);
    }
  });
  for (const FunctionDecl *FD : H.Order) {
    FunctionFacts F = std::move(H.Functions[FD]);
    if (F.Usr.empty() ||
        (F.Acquires.empty() && F.Calls.empty() && F.Spawns.empty()))
      continue;
    for (const auto &P : Ordered[FD])
      F.Ordered.push_back(P);
    Out.Functions.push_back(std::move(F));
  }
  DeclaredCollector D(Ctx);
  D.TraverseDecl(Ctx.getTranslationUnitDecl());
  Out.Declared = std::move(D.Out);
  Out.Defines = strongGlobals(Ctx);
  Out.Unit = unitFile(Ctx);
  return Out;
}

} // namespace fearless
