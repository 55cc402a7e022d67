#include "ThreadNotJoinedCheck.h"

#include "analysis/Dataflow.h"
#include "analysis/Exceptions.h"
#include "analysis/ThreadModel.h"
#include "analysis/Traversal.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <map>

namespace fearless {

using namespace clang;

static const CheckOptionInfo Options[] = {
    {"ExceptionPaths", "true",
     "Also report a thread that is still joinable when a call that may "
     "throw leaves the function by an exception."},
    {"StdLibraryThrows", "false",
     "Count calls into the standard library (system headers) as calls that "
     "may throw. Off by default: nearly every library call can throw "
     "std::bad_alloc, which would flag almost every thread."},
};

llvm::ArrayRef<CheckOptionInfo> ThreadNotJoinedCheck::options() { return Options; }

std::unique_ptr<Check> ThreadNotJoinedCheck::create(const CheckOptions &O) {
  return std::make_unique<ThreadNotJoinedCheck>(O);
}

ThreadNotJoinedCheck::ThreadNotJoinedCheck(const CheckOptions &O)
    : Check(Id), ExceptionPaths(O.getBool("ExceptionPaths", true)),
      StdLibraryThrows(O.getBool("StdLibraryThrows", false)) {}

namespace {

enum StateBits : uint8_t { Empty = 1, Joinable = 2 };

struct ExitPoint {
  SourceLocation Loc;
  std::string Note;
};

/// The per-function dataflow of the check.
class FunctionAnalysis {
public:
  FunctionAnalysis(const FunctionDecl *FD, const Stmt *Body, ASTContext &Ctx,
                   ThrowOracle &Throws, bool ExceptionPaths)
      : FD(FD), Body(Body), Ctx(Ctx), PM(const_cast<Stmt *>(Body)),
        Throws(Throws), ExceptionPaths(ExceptionPaths) {}

  void run(std::vector<CheckReport> &Out) {
    collectThreads();
    if (Vars.empty())
      return;
    CFG::BuildOptions Opts;
    Opts.AddImplicitDtors = true;
    Opts.AddTemporaryDtors = true;
    Opts.AddCXXNewAllocator = false;
    Opts.setAllAlwaysAdd();
    std::unique_ptr<CFG> G =
        CFG::buildCFG(FD, const_cast<Stmt *>(Body), &Ctx, Opts);
    if (!G)
      return;
    solve(*G);
    // One reporting pass over the fixpoint.
    Reporting = true;
    for (const CFGBlock *B : *G) {
      auto It = Entry.find(B);
      if (It == Entry.end())
        continue;
      State S = It->second;
      for (const CFGElement &E : *B)
        transfer(E, S);
    }
    emit(Out);
  }

private:
  using State = llvm::SmallVector<uint8_t, 4>;

  void collectThreads() {
    struct Finder : RecursiveASTVisitor<Finder> {
      FunctionAnalysis &A;
      explicit Finder(FunctionAnalysis &A) : A(A) {}
      // A lambda's body is analysed as a function of its own.
      bool TraverseLambdaExpr(LambdaExpr *) { return true; }
      bool VisitVarDecl(VarDecl *VD) {
        if (VD->hasLocalStorage() && !llvm::isa<ParmVarDecl>(VD) &&
            !VD->getType()->isReferenceType() && isStdThread(VD->getType())) {
          A.Index[VD] = A.Vars.size();
          A.Vars.push_back(VD);
        }
        return true;
      }
    } F(*this);
    F.TraverseStmt(const_cast<Stmt *>(Body));
  }

  void solve(const CFG &G) {
    Entry = solveForward(
        G, State(Vars.size(), Empty),
        [&](const CFGBlock *B, State &S) {
          for (const CFGElement &E : *B)
            transfer(E, S);
        },
        [&](const CFGBlock *B, unsigned Succ, State &S) {
          refineOnBranch(B, Succ, S);
        },
        [](State &Into, const State &From) {
          bool Changed = false;
          for (unsigned I = 0; I < From.size(); ++I) {
            uint8_t Merged = Into[I] | From[I];
            Changed |= Merged != Into[I];
            Into[I] = Merged;
          }
          return Changed;
        });
  }

  /// `if (t.joinable())` (or its negation) decides the state of t on each
  /// branch.
  void refineOnBranch(const CFGBlock *B, unsigned Which, State &S) {
    const Stmt *Cond = B->getTerminatorCondition(/*StripParens=*/true);
    const auto *E = llvm::dyn_cast_or_null<Expr>(Cond);
    if (!E || B->succ_size() != 2)
      return;
    bool Negated = false;
    E = E->IgnoreParenImpCasts();
    while (const auto *U = llvm::dyn_cast<UnaryOperator>(E)) {
      if (U->getOpcode() != UO_LNot)
        return;
      Negated = !Negated;
      E = U->getSubExpr()->IgnoreParenImpCasts();
    }
    const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E);
    if (!MC || !MC->getMethodDecl() || !MC->getMethodDecl()->getIdentifier() ||
        MC->getMethodDecl()->getName() != "joinable")
      return;
    const VarDecl *VD = referencedVar(MC->getImplicitObjectArgument());
    auto It = Index.find(VD);
    if (It == Index.end())
      return;
    bool TrueBranch = (Which == 0) != Negated;
    S[It->second] &= TrueBranch ? Joinable : Empty;
  }

  enum class Use { Observe, Clear, Consumed };

  /// How a reference to a tracked thread affects it.
  Use classify(const DeclRefExpr *DRE) {
    const Stmt *Child = DRE;
    const Stmt *P = PM.getParentIgnoreParenImpCasts(const_cast<DeclRefExpr *>(DRE));
    // std::move(t) is judged by what consumes the moved value.
    if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(P))
      if (Call->getNumArgs() == 1 &&
          isStdFunction(Call->getDirectCallee(), "move")) {
        Child = Call;
        P = PM.getParentIgnoreParenImpCasts(const_cast<CallExpr *>(Call));
      }
    if (const auto *ME = llvm::dyn_cast_or_null<MemberExpr>(P)) {
      const auto *MD = llvm::dyn_cast<CXXMethodDecl>(ME->getMemberDecl());
      if (!MD || !MD->getIdentifier())
        return Use::Clear;
      llvm::StringRef N = MD->getName();
      if (N == "join" || N == "detach") {
        Handled.insert(DRE->getDecl());
        return Use::Clear;
      }
      if (N == "joinable" || N == "get_id" || N == "native_handle")
        return Use::Observe;
      Handled.insert(DRE->getDecl());
      return Use::Clear;
    }
    // Consumed by an assignment to, or the initialisation of, another
    // tracked thread: the consumer moves the state over.
    if (const auto *Op = llvm::dyn_cast_or_null<CXXOperatorCallExpr>(P))
      if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2) {
        if (stripWrappers(Op->getArg(0)) == Child ||
            Op->getArg(0)->IgnoreParenImpCasts() == DRE)
          return Use::Observe; // the assignment target
        if (Index.count(referencedVar(Op->getArg(0))))
          return Use::Consumed;
      }
    for (const Stmt *Up = P; Up; Up = PM.getParent(const_cast<Stmt *>(Up))) {
      if (const auto *DS = llvm::dyn_cast<DeclStmt>(Up)) {
        for (const Decl *D : DS->decls())
          if (const auto *VD = llvm::dyn_cast<VarDecl>(D))
            if (Index.count(VD) && VD->getInit() &&
                referencedVar(VD->getInit()) == DRE->getDecl())
              return Use::Consumed;
        break;
      }
      if (!llvm::isa<Expr>(Up))
        break;
    }
    Handled.insert(DRE->getDecl());
    return Use::Clear; // escapes: moved away, address taken, by reference
  }

  /// The state a thread gets from an initialiser or assignment source.
  uint8_t stateFrom(const Expr *Src, State &S) {
    if (!Src)
      return Empty;
    if (const VarDecl *From = referencedVar(Src)) {
      auto It = Index.find(From);
      if (It != Index.end()) {
        uint8_t V = S[It->second];
        S[It->second] = Empty;
        return V;
      }
    }
    const Expr *E = stripWrappers(Src);
    if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(E))
      return CE->getNumArgs() == 0 ? Empty : Joinable;
    if (llvm::isa<InitListExpr>(E) &&
        llvm::cast<InitListExpr>(E)->getNumInits() == 0)
      return Empty;
    return Joinable; // a thread returned by a function
  }

  void transfer(const CFGElement &E, State &S) {
    if (auto Dtor = E.getAs<CFGAutomaticObjDtor>()) {
      auto It = Index.find(Dtor->getVarDecl());
      if (It == Index.end())
        return;
      if (Reporting && (S[It->second] & Joinable))
        addExit(It->second, Dtor->getTriggerStmt());
      S[It->second] = Empty;
      return;
    }
    auto CS = E.getAs<CFGStmt>();
    if (!CS)
      return;
    const Stmt *St = CS->getStmt();
    if (const auto *DS = llvm::dyn_cast<DeclStmt>(St)) {
      for (const Decl *D : DS->decls())
        if (const auto *VD = llvm::dyn_cast<VarDecl>(D)) {
          auto It = Index.find(VD);
          if (It != Index.end())
            S[It->second] = stateFrom(VD->getInit(), S);
        }
      return;
    }
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(St)) {
      auto It = Index.find(llvm::dyn_cast<VarDecl>(DRE->getDecl()));
      if (It != Index.end() && classify(DRE) == Use::Clear)
        S[It->second] = Empty;
      return;
    }
    if (const auto *LE = llvm::dyn_cast<LambdaExpr>(St)) {
      for (const LambdaCapture &C : LE->captures())
        if (C.capturesVariable() && C.getCaptureKind() == LCK_ByRef) {
          auto It = Index.find(llvm::dyn_cast<VarDecl>(C.getCapturedVar()));
          if (It != Index.end()) {
            S[It->second] = Empty;
            Handled.insert(It->first);
          }
        }
      return;
    }
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(St))
      if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2) {
        auto It = Index.find(referencedVar(Op->getArg(0)));
        if (It != Index.end()) {
          if (Reporting && (S[It->second] & Joinable))
            AssignedWhileJoinable.push_back({Op->getOperatorLoc(), It->first});
          uint8_t New = stateFrom(Op->getArg(1), S);
          S[It->second] = New;
          return;
        }
      }
    if (!Reporting || !ExceptionPaths || HasTry)
      return;
    if (llvm::isa<CXXThrowExpr>(St)) {
      for (unsigned I = 0; I < Vars.size(); ++I)
        if (S[I] & Joinable)
          addExit(I, St->getBeginLoc(),
                  "'" + Vars[I]->getName().str() +
                      "' is still joinable when this exception is thrown");
      return;
    }
    if (const auto *Ex = llvm::dyn_cast<Expr>(St))
      if ((llvm::isa<CallExpr>(Ex) || llvm::isa<CXXConstructExpr>(Ex)) &&
          Throws.callMayThrow(Ex))
        for (unsigned I = 0; I < Vars.size(); ++I)
          if (S[I] & Joinable)
            addExit(I, Ex->getExprLoc(),
                    "'" + Vars[I]->getName().str() +
                        "' is still joinable if this call throws");
  }

  void addExit(unsigned Var, const Stmt *Trigger) {
    std::string Name = "'" + Vars[Var]->getName().str() + "'";
    if (!Trigger)
      return;
    if (const auto *CS = llvm::dyn_cast<CompoundStmt>(Trigger)) {
      addExit(Var, CS->getRBracLoc(),
              Name + " goes out of scope here while still joinable");
      return;
    }
    if (llvm::isa<ReturnStmt>(Trigger)) {
      addExit(Var, Trigger->getBeginLoc(),
              "returns here while " + Name + " is still joinable");
      return;
    }
    addExit(Var, Trigger->getBeginLoc(),
            "leaves the scope of " + Name + " here while it is still joinable");
  }

  void addExit(unsigned Var, SourceLocation Loc, std::string Note) {
    Exits[Var].push_back({Loc, std::move(Note)});
  }

  static bool Exceptional(const std::string &Note) {
    return llvm::StringRef(Note).contains("throw");
  }

  void emit(std::vector<CheckReport> &Out) {
    const SourceManager &SM = Ctx.getSourceManager();
    for (auto &[Var, Points] : Exits) {
      const VarDecl *VD = Vars[Var];
      std::string Name = "'" + VD->getName().str() + "'";
      bool Never = !Handled.count(VD);
      CheckReport R;
      R.Loc = VD->getLocation();
      R.Scope = FD;
      if (Never)
        R.Message = "std::thread " + Name +
                    " is never joined or detached; its destructor calls "
                    "std::terminate (join it, or use std::jthread)";
      else
        R.Message = "std::thread " + Name +
                    " can reach its destructor while still joinable, which "
                    "calls std::terminate (join it on every path, or use "
                    "std::jthread)";
      std::sort(Points.begin(), Points.end(),
                [&](const ExitPoint &A, const ExitPoint &B) {
                  return SM.isBeforeInTranslationUnit(A.Loc, B.Loc);
                });
      SourceLocation Last;
      for (ExitPoint &P : Points) {
        // With no join anywhere the exception paths add nothing.
        if (Never && Exceptional(P.Note))
          continue;
        if (P.Loc == Last)
          continue;
        Last = P.Loc;
        R.Notes.push_back({P.Loc, std::move(P.Note)});
      }
      Out.push_back(std::move(R));
    }
    for (auto &[Loc, VD] : AssignedWhileJoinable) {
      CheckReport R;
      R.Loc = Loc;
      R.Scope = FD;
      R.Message = "std::thread '" + VD->getName().str() +
                  "' is assigned a new thread while it may still be joinable, "
                  "which calls std::terminate";
      R.Notes.push_back({VD->getLocation(), "'" + VD->getName().str() +
                                                "' is declared here"});
      Out.push_back(std::move(R));
    }
  }

public:
  bool HasTry = false;

private:
  const FunctionDecl *FD;
  const Stmt *Body;
  ASTContext &Ctx;
  ParentMap PM;
  ThrowOracle &Throws;
  bool ExceptionPaths;
  bool Reporting = false;
  llvm::SmallVector<const VarDecl *, 4> Vars;
  llvm::DenseMap<const VarDecl *, unsigned> Index;
  llvm::DenseSet<const Decl *> Handled;
  std::map<const CFGBlock *, State> Entry;
  std::map<unsigned, std::vector<ExitPoint>> Exits;
  std::vector<std::pair<SourceLocation, const VarDecl *>> AssignedWhileJoinable;
};

/// A thread temporary constructed with a callable whose value is discarded:
/// it is destroyed, joinable, at the end of the statement.
class TemporaryFinder : public RecursiveASTVisitor<TemporaryFinder> {
public:
  TemporaryFinder(ASTContext &Ctx, std::vector<CheckReport> &Out)
      : Ctx(Ctx), Out(Out) {}
  bool shouldVisitTemplateInstantiations() const { return true; }

  bool VisitCXXConstructExpr(CXXConstructExpr *CE) {
    if (CE->getNumArgs() == 0 || !isStdThread(CE->getType()) ||
        CE->getConstructor()->isCopyOrMoveConstructor())
      return true;
    const SourceManager &SM = Ctx.getSourceManager();
    if (SM.isInSystemHeader(SM.getFileLoc(CE->getBeginLoc())))
      return true;
    if (!isDiscardedTemporary(Ctx, CE))
      return true;
    CheckReport R;
    R.Loc = CE->getBeginLoc();
    R.Message = "temporary std::thread is destroyed at the end of this "
                "statement while still joinable, which calls "
                "std::terminate (name it and join it, or use "
                "std::jthread)";
    Out.push_back(std::move(R));
    return true;
  }

private:
  ASTContext &Ctx;
  std::vector<CheckReport> &Out;
};

} // namespace

void ThreadNotJoinedCheck::run(ASTContext &Ctx, ReportHandler &H) {
  ThrowOracle Throws(Ctx.getSourceManager(), StdLibraryThrows);
  std::vector<CheckReport> Reports;
  forEachFunctionBody(Ctx, [&](const FunctionDecl *FD, const Stmt *Body) {
    FunctionAnalysis A(FD, Body, Ctx, Throws,
                       ExceptionPaths && Ctx.getLangOpts().CXXExceptions);
    A.HasTry = containsTry(Body);
    A.run(Reports);
  });
  TemporaryFinder(Ctx, Reports).TraverseDecl(Ctx.getTranslationUnitDecl());
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
