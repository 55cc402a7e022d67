#include "ThreadDanglingCaptureCheck.h"

#include "analysis/ClangReport.h"
#include "analysis/ThreadModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

#include <optional>

namespace fearless {

using namespace clang;

static const CheckOptionInfo Options[] = {
    {"ReportThis", "true",
     "Report 'this' captured by a thread that leaves the object's control "
     "(detached, returned, handed to another function, heap or global)."},
};

llvm::ArrayRef<CheckOptionInfo> ThreadDanglingCaptureCheck::options() { return Options; }

std::unique_ptr<Check> ThreadDanglingCaptureCheck::create(const CheckOptions &O) {
  return std::make_unique<ThreadDanglingCaptureCheck>(O);
}

ThreadDanglingCaptureCheck::ThreadDanglingCaptureCheck(const CheckOptions &O)
    : Check(Id), ReportThis(O.getBool("ReportThis", true)) {}

namespace {

/// What a thread borrows from the frame that spawns it.
struct Borrow {
  enum Kind { CaptureByRef, This, AddressOf, StdRef, ThroughPointer } K;
  const VarDecl *Var = nullptr; ///< null for 'this'
  SourceLocation Loc;
  const VarDecl *Via = nullptr; ///< ThroughPointer: the local pointer
};

/// Why the thread may outlive the spawning frame.
struct Escape {
  std::string Reason; ///< "the thread is detached"
  SourceLocation Loc; ///< where it happens (may be invalid)
  bool OnlyMember = false; ///< kept in a member of *this: fine for 'this'
  const VarDecl *Holder = nullptr; ///< a local thread variable (scope test)
};

enum class SpawnKind { Thread, Async, Pthread };

class Analyzer {
public:
  Analyzer(ASTContext &Ctx, bool ReportThis, std::vector<CheckReport> &Out)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), ReportThis(ReportThis),
        Out(Out) {}

  void spawn(SpawnKind K, const Expr *Site, const Expr *Callable,
             llvm::ArrayRef<const Expr *> Args, const Expr *Container,
             const Expr *PthreadId) {
    std::vector<Borrow> Borrows;
    if (Callable)
      collectCaptures(Callable, Borrows);
    for (const Expr *A : Args)
      collectArgument(A, K == SpawnKind::Pthread, Borrows);
    if (Borrows.empty())
      return;
    std::optional<Escape> E;
    if (Container)
      E = containerEscape(Container);
    else if (K == SpawnKind::Pthread)
      E = pthreadEscape(Site, PthreadId);
    else
      E = objectEscape(Site, K == SpawnKind::Async ? "future" : "thread");
    if (!E)
      return;
    for (const Borrow &B : Borrows)
      reportBorrow(B, *E, Site);
  }

  void add(CheckReport R) { Out.push_back(std::move(R)); }

private:
  // ---- what the thread borrows ---------------------------------------
  static bool isBorrowable(const VarDecl *VD) {
    if (!isFunctionLocal(VD))
      return false;
    // A local reference captured by reference names its referent, whose
    // lifetime is unknown here; a reference parameter's referent belongs
    // to the caller, which may well return first.
    return !VD->getType()->isReferenceType() || llvm::isa<ParmVarDecl>(VD);
  }

  const LambdaExpr *lambdaOf(const Expr *E) {
    E = stripWrappers(E);
    if (const auto *LE = llvm::dyn_cast<LambdaExpr>(E))
      return LE;
    if (const VarDecl *VD = referencedVar(E))
      if (VD->hasLocalStorage() && VD->getInit())
        return llvm::dyn_cast<LambdaExpr>(stripWrappers(VD->getInit()));
    return nullptr;
  }

  void collectCaptures(const Expr *Callable, std::vector<Borrow> &Out) {
    const LambdaExpr *LE = lambdaOf(Callable);
    if (!LE)
      return;
    for (const LambdaCapture &C : LE->captures()) {
      if (C.capturesThis()) {
        Out.push_back({Borrow::This, nullptr, C.getLocation()});
        continue;
      }
      if (!C.capturesVariable())
        continue;
      const auto *VD = llvm::dyn_cast<VarDecl>(C.getCapturedVar());
      if (!VD)
        continue;
      if (VD->isInitCapture()) {
        const Expr *Init = VD->getInit();
        if (C.getCaptureKind() == LCK_ByRef) {
          if (const VarDecl *Src = referencedVar(Init))
            if (isBorrowable(Src))
              Out.push_back({Borrow::CaptureByRef, Src, C.getLocation()});
        } else if (const VarDecl *Src = addressedVar(Init)) {
          Out.push_back({Borrow::AddressOf, Src, C.getLocation()});
        } else if (const VarDecl *P = referencedVar(Init)) {
          if (const VarDecl *Src = pointedLocal(P))
            Out.push_back(
                {Borrow::ThroughPointer, Src, C.getLocation(), P});
        }
        continue;
      }
      if (C.getCaptureKind() == LCK_ByRef && isBorrowable(VD))
        Out.push_back({Borrow::CaptureByRef, VD, C.getLocation()});
      else if (C.getCaptureKind() == LCK_ByCopy)
        if (const VarDecl *Src = pointedLocal(VD))
          Out.push_back({Borrow::ThroughPointer, Src, C.getLocation(), VD});
    }
  }

  /// The local whose address \p E is (&x, or an array x decaying).
  const VarDecl *addressedVar(const Expr *E) {
    if (!E)
      return nullptr;
    E = E->IgnoreParenCasts();
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E))
      if (U->getOpcode() == UO_AddrOf)
        if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(
                U->getSubExpr()->IgnoreParenImpCasts()))
          if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
            return isFunctionLocal(VD) && !VD->getType()->isReferenceType()
                       ? VD
                       : nullptr;
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
      if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
        if (VD->getType()->isArrayType() && isFunctionLocal(VD) &&
            !llvm::isa<ParmVarDecl>(VD))
          return VD;
    return nullptr;
  }

  /// The local that local pointer \p P was initialised to point to
  /// (`int *p = &x;`).
  const VarDecl *pointedLocal(const VarDecl *P) {
    if (!P || !P->hasLocalStorage() || llvm::isa<ParmVarDecl>(P) ||
        !P->getType()->isPointerType())
      return nullptr;
    return addressedVar(P->getInit());
  }

  void collectArgument(const Expr *A, bool Pthread, std::vector<Borrow> &Out) {
    if (const VarDecl *VD = addressedVar(A)) {
      Out.push_back({Borrow::AddressOf, VD, A->getExprLoc()});
      return;
    }
    if (const VarDecl *P = referencedVar(A))
      if (const VarDecl *VD = pointedLocal(P)) {
        Out.push_back({Borrow::ThroughPointer, VD, A->getExprLoc(), P});
        return;
      }
    if (Pthread)
      return;
    const auto *Call = llvm::dyn_cast<CallExpr>(stripWrappers(A));
    if (!Call || Call->getNumArgs() != 1)
      return;
    const FunctionDecl *FD = Call->getDirectCallee();
    if (!isStdFunction(FD, "ref") && !isStdFunction(FD, "cref"))
      return;
    if (const VarDecl *VD = referencedVar(Call->getArg(0)))
      if (isBorrowable(VD))
        Out.push_back({Borrow::StdRef, VD, A->getExprLoc()});
  }

  // ---- where the thread goes -------------------------------------------
  const Stmt *parentStmt(const DynTypedNode &N, DynTypedNode &ParentNode) {
    auto Parents = Ctx.getParents(N);
    if (Parents.size() != 1)
      return nullptr;
    ParentNode = Parents[0];
    return ParentNode.get<Stmt>();
  }

  /// Climbs from \p E through the wrappers that keep the same object
  /// (temporaries, casts, moves) to the node that consumes it.
  DynTypedNode consumer(const Expr *E, const Expr *&Last) {
    DynTypedNode N = DynTypedNode::create(*E);
    Last = E;
    while (true) {
      DynTypedNode P;
      const Stmt *S = parentStmt(N, P);
      const auto *PE = llvm::dyn_cast_or_null<Expr>(S);
      bool Wrapper =
          PE && (llvm::isa<MaterializeTemporaryExpr, CXXBindTemporaryExpr,
                           ExprWithCleanups, ParenExpr, ImplicitCastExpr,
                           CXXFunctionalCastExpr>(PE));
      if (const auto *CE = llvm::dyn_cast_or_null<CXXConstructExpr>(PE))
        Wrapper = CE->getNumArgs() == 1 &&
                  CE->getConstructor()->isCopyOrMoveConstructor();
      if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(PE))
        Wrapper = Call->getNumArgs() == 1 &&
                  isStdFunction(Call->getDirectCallee(), "move");
      if (!Wrapper)
        return P;
      N = P;
      Last = PE;
    }
  }

  static std::string calleeName(const Expr *Call) {
    const FunctionDecl *FD = nullptr;
    if (const auto *C = llvm::dyn_cast<CallExpr>(Call))
      FD = C->getDirectCallee();
    else if (const auto *C = llvm::dyn_cast<CXXConstructExpr>(Call))
      FD = C->getConstructor();
    return FD ? FD->getQualifiedNameAsString() : std::string("a function");
  }

  static bool isThisMember(const Expr *E) {
    const auto *ME = llvm::dyn_cast<MemberExpr>(stripWrappers(E));
    return ME &&
           llvm::isa<CXXThisExpr>(ME->getBase()->IgnoreParenImpCasts());
  }

  std::optional<Escape> containerEscape(const Expr *Container) {
    if (isThisMember(Container))
      return Escape{"the thread is stored in a member container",
                    Container->getExprLoc(), true};
    if (const VarDecl *VD = referencedVar(Container))
      if (VD->hasLocalStorage() && !llvm::isa<ParmVarDecl>(VD) &&
          !VD->getType()->isReferenceType())
        return std::nullopt;
    return Escape{"the thread is stored in a container outside this function",
                  Container->getExprLoc()};
  }

  /// Where a thread object or future produced by \p E ends up.
  std::optional<Escape> objectEscape(const Expr *E, llvm::StringRef What) {
    const Expr *Last = nullptr;
    DynTypedNode P = consumer(E, Last);
    std::string The = ("the " + What + " ").str();
    if (const auto *VD = P.get<VarDecl>()) {
      if (!VD->hasLocalStorage())
        return Escape{The + "is stored in a variable with static storage",
                      VD->getLocation()};
      return variableEscape(VD, What);
    }
    const Stmt *S = P.get<Stmt>();
    if (!S)
      return std::nullopt;
    if (const auto *ME = llvm::dyn_cast<MemberExpr>(S)) {
      const auto *MD = llvm::dyn_cast<CXXMethodDecl>(ME->getMemberDecl());
      if (MD && MD->getIdentifier() && MD->getName() == "detach")
        return Escape{The + "is detached", ME->getMemberLoc()};
      return std::nullopt;
    }
    if (llvm::isa<ReturnStmt>(S))
      return Escape{The + "is returned", S->getBeginLoc()};
    if (llvm::isa<CXXNewExpr>(S))
      return Escape{The + "is created with new", S->getBeginLoc()};
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(S)) {
      if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2 &&
          Op->getArg(1) == Last) {
        const Expr *Lhs = Op->getArg(0);
        if (isThisMember(Lhs))
          return Escape{The + "is stored in a member", Op->getOperatorLoc(),
                        true};
        if (const VarDecl *W = referencedVar(Lhs)) {
          if (W->hasLocalStorage() && !llvm::isa<ParmVarDecl>(W) &&
              !W->getType()->isReferenceType()) {
            std::optional<Escape> Later = variableEscape(W, What);
            if (Later)
              return Later;
            return Escape{"", Op->getOperatorLoc(), false, W};
          }
        }
        return Escape{The + "is stored outside this function",
                      Op->getOperatorLoc()};
      }
      return std::nullopt;
    }
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(S))
      if (isThreadContainer(MC->getImplicitObjectArgument()->getType()) ||
          (What == "future" &&
           isStdRecord(MC->getImplicitObjectArgument()->getType(), "vector")))
        return containerEscape(MC->getImplicitObjectArgument());
    if (llvm::isa<CallExpr>(S) || llvm::isa<CXXConstructExpr>(S))
      return Escape{The + "is handed to '" + calleeName(cast<Expr>(S)) + "'",
                    cast<Expr>(S)->getExprLoc()};
    return std::nullopt;
  }

  /// Where a local thread (or future) variable's thread ends up.
  std::optional<Escape> variableEscape(const VarDecl *VD,
                                       llvm::StringRef What) {
    const Stmt *Body = enclosingBody(VD);
    if (!Body)
      return std::nullopt;
    struct Uses : RecursiveASTVisitor<Uses> {
      const VarDecl *VD;
      std::vector<const DeclRefExpr *> Refs;
      bool VisitDeclRefExpr(DeclRefExpr *DRE) {
        if (DRE->getDecl() == VD)
          Refs.push_back(DRE);
        return true;
      }
    } U;
    U.VD = VD;
    U.TraverseStmt(const_cast<Stmt *>(Body));
    std::optional<Escape> First;
    for (const DeclRefExpr *DRE : U.Refs) {
      std::optional<Escape> E = objectEscape(DRE, What);
      if (E && (!First || SM.isBeforeInTranslationUnit(E->Loc, First->Loc)))
        First = E;
    }
    return First;
  }

  /// The body of the innermost lambda or function around \p D (a Decl
  /// or a Stmt).
  template <typename Node> const Stmt *enclosingBody(const Node *D) {
    DynTypedNode N = DynTypedNode::create(*D);
    for (unsigned Depth = 0; Depth < 256; ++Depth) {
      auto Parents = Ctx.getParents(N);
      if (Parents.empty())
        return nullptr;
      N = Parents[0];
      if (const auto *LE = N.get<LambdaExpr>())
        return LE->getBody();
      if (const auto *FD = N.get<FunctionDecl>())
        return FD->getBody();
    }
    return nullptr;
  }

  static const Decl *baseDecl(const Expr *E) {
    while (E) {
      E = E->IgnoreParenCasts();
      if (const auto *U = llvm::dyn_cast<UnaryOperator>(E)) {
        E = U->getSubExpr();
        continue;
      }
      if (const auto *AS = llvm::dyn_cast<ArraySubscriptExpr>(E)) {
        E = AS->getBase();
        continue;
      }
      if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
        return DRE->getDecl();
      if (const auto *ME = llvm::dyn_cast<MemberExpr>(E))
        return ME->getMemberDecl();
      return nullptr;
    }
    return nullptr;
  }

  std::optional<Escape> pthreadEscape(const Expr *Site, const Expr *Id) {
    const Decl *Tid = baseDecl(Id);
    const Stmt *Body = enclosingBody(Site);
    if (!Tid || !Body)
      return std::nullopt;
    struct Calls : RecursiveASTVisitor<Calls> {
      const Decl *Tid;
      SourceLocation Join, Detach;
      bool VisitCallExpr(CallExpr *C) {
        const FunctionDecl *FD = C->getDirectCallee();
        if (C->getNumArgs() < 1 || baseDecl(C->getArg(0)) != Tid)
          return true;
        if (isCFunction(FD, "pthread_join") && Join.isInvalid())
          Join = C->getBeginLoc();
        if (isCFunction(FD, "pthread_detach") && Detach.isInvalid())
          Detach = C->getBeginLoc();
        return true;
      }
    } C;
    C.Tid = Tid;
    C.TraverseStmt(const_cast<Stmt *>(Body));
    if (C.Detach.isValid())
      return Escape{"the thread is detached", C.Detach};
    if (C.Join.isValid())
      return std::nullopt;
    return Escape{"the thread is not joined in this function",
                  SourceLocation()};
  }

  // ---- reporting -------------------------------------------------------
  /// The innermost compound statement a local is declared in.
  const Stmt *declScope(const VarDecl *VD) {
    DynTypedNode N = DynTypedNode::create(*VD);
    for (unsigned Depth = 0; Depth < 64; ++Depth) {
      auto Parents = Ctx.getParents(N);
      if (Parents.empty())
        return nullptr;
      N = Parents[0];
      if (const auto *CS = N.get<CompoundStmt>())
        return CS;
      if (N.get<FunctionDecl>())
        return nullptr;
    }
    return nullptr;
  }

  void reportBorrow(const Borrow &B, const Escape &E, const Expr *Site) {
    if (B.K == Borrow::This && (!ReportThis || E.OnlyMember))
      return;
    Escape Why = E;
    if (E.Holder) {
      // Stored in a local thread variable that is joined: fine unless that
      // variable lives longer than the borrowed one.
      if (B.K == Borrow::This || llvm::isa<ParmVarDecl>(B.Var))
        return;
      const Stmt *Scope = declScope(B.Var);
      if (!Scope || SM.isPointWithin(E.Holder->getLocation(),
                                     Scope->getBeginLoc(), Scope->getEndLoc()))
        return;
      Why.Reason = "the thread is stored in '" + E.Holder->getName().str() +
                   "', which outlives '" + B.Var->getName().str() + "'";
    }
    std::string Name =
        B.Var ? (llvm::isa<ParmVarDecl>(B.Var) ? "parameter '" : "local variable '") +
                    B.Var->getName().str() + "'"
              : std::string();
    CheckReport R;
    R.Loc = B.Loc.isValid() ? B.Loc : Site->getExprLoc();
    R.Scope = nullptr;
    switch (B.K) {
    case Borrow::CaptureByRef:
      R.Message = Name + " is captured by reference by a thread that may "
                         "outlive it: " + Why.Reason;
      break;
    case Borrow::This:
      R.Message = "'this' is captured by a thread that may outlive the "
                  "object: " + Why.Reason;
      break;
    case Borrow::AddressOf:
      R.Message = "the address of " + Name +
                  " is passed to a thread that may outlive it: " + Why.Reason;
      break;
    case Borrow::ThroughPointer:
      R.Message = Name + " is reached through pointer '" +
                  B.Via->getName().str() +
                  "' by a thread that may outlive it: " + Why.Reason;
      break;
    case Borrow::StdRef:
      R.Message = Name + " is passed by reference to a thread that may "
                         "outlive it: " + Why.Reason;
      break;
    }
    if (Why.Loc.isValid())
      R.Notes.push_back({Why.Loc, Why.Reason + " here"});
    if (B.Via)
      R.Notes.push_back({B.Via->getLocation(),
                         "'" + B.Via->getName().str() + "' points to '" +
                             B.Var->getName().str() + "'"});
    if (B.Var)
      R.Notes.push_back({B.Var->getLocation(),
                         "'" + B.Var->getName().str() + "' is declared here"});
    Out.push_back(std::move(R));
  }

  ASTContext &Ctx;
  const SourceManager &SM;
  bool ReportThis;
  std::vector<CheckReport> &Out;
};

class SpawnFinder : public RecursiveASTVisitor<SpawnFinder> {
public:
  SpawnFinder(ASTContext &Ctx, Analyzer &A)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), A(A) {}
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitLambdaBodies() const { return true; }

  bool VisitCXXConstructExpr(CXXConstructExpr *CE) {
    if (system(CE) || CE->getNumArgs() == 0 ||
        !isThreadObject(CE->getType()) ||
        CE->getConstructor()->isCopyOrMoveConstructor())
      return true;
    llvm::SmallVector<const Expr *, 4> Args(CE->arg_begin() + 1,
                                            CE->arg_end());
    A.spawn(SpawnKind::Thread, CE, CE->getArg(0), Args, nullptr, nullptr);
    return true;
  }

  bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
    if (system(MC))
      return true;
    std::optional<unsigned> Callable = threadEmplaceCallable(MC);
    if (!Callable)
      return true;
    unsigned First = *Callable;
    llvm::SmallVector<const Expr *, 4> Args(MC->arg_begin() + First + 1,
                                            MC->arg_end());
    A.spawn(SpawnKind::Thread, MC, MC->getArg(First), Args,
            MC->getImplicitObjectArgument(), nullptr);
    return true;
  }

  bool VisitCallExpr(CallExpr *C) {
    if (system(C))
      return true;
    const FunctionDecl *FD = C->getDirectCallee();
    if (isStdFunction(FD, "async") && C->getNumArgs() >= 1) {
      unsigned First = isStdRecord(C->getArg(0)->getType(), "launch") ||
                               C->getArg(0)->getType()->isEnumeralType()
                           ? 1
                           : 0;
      if (C->getNumArgs() <= First)
        return true;
      if (!(First == 1 && isDeferredPolicy(C->getArg(0))) &&
          isDiscardedTemporary(Ctx, C)) {
        CheckReport R;
        R.Loc = C->getBeginLoc();
        R.Message = "the std::future returned by std::async is discarded: "
                    "its destructor waits for the task at the end of this "
                    "statement, so the call runs synchronously (keep the "
                    "future and call get() when the result is needed)";
        A.add(std::move(R));
      }
      llvm::SmallVector<const Expr *, 4> Args(C->arg_begin() + First + 1,
                                              C->arg_end());
      A.spawn(SpawnKind::Async, C, C->getArg(First), Args, nullptr, nullptr);
    } else if (isCFunction(FD, "pthread_create") && C->getNumArgs() == 4) {
      const Expr *Arg = C->getArg(3);
      A.spawn(SpawnKind::Pthread, C, nullptr, llvm::ArrayRef(&Arg, 1),
              nullptr, C->getArg(0));
    }
    return true;
  }

private:
  /// The policy argument is std::launch::deferred alone: the task runs
  /// lazily in get()/wait(), and a discarded future never runs it.
  static bool isDeferredPolicy(const Expr *E) {
    const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
    const auto *EC =
        DRE ? llvm::dyn_cast<EnumConstantDecl>(DRE->getDecl()) : nullptr;
    return EC && EC->getName() == "deferred";
  }
  bool system(const Stmt *S) const {
    return inSystemHeader(SM, S->getBeginLoc());
  }
  ASTContext &Ctx;
  const SourceManager &SM;
  Analyzer &A;
};

} // namespace

void ThreadDanglingCaptureCheck::run(ASTContext &Ctx, ReportHandler &H) {
  std::vector<CheckReport> Reports;
  Analyzer A(Ctx, ReportThis, Reports);
  SpawnFinder(Ctx, A).TraverseDecl(Ctx.getTranslationUnitDecl());
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
