#include "ThreadNotJoinedCheck.h"

#include "analysis/ClangReport.h"
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

/// The abstract state of one tracked thread (or container of threads) is a
/// set of these facts, one of which holds on every path reaching a point.
/// The "not joinable" facts are kept apart so that a join on a thread that
/// is definitely not joinable can say why.
enum StateBits : uint8_t {
  NotStarted = 1,  ///< default-constructed, or holds no started thread
  Joinable = 2,    ///< runs a thread nobody joined yet
  Unknown = 4,     ///< escaped: someone else's responsibility now
  Joined = 8,      ///< join() returned
  Detached = 16,   ///< detach() returned
  MovedFrom = 32,  ///< moved into another tracked thread or container
  NotJoinable = 64 ///< joinable() was false
};
constexpr uint8_t EmptyMask = NotStarted | Joined | Detached | MovedFrom |
                              NotJoinable;

struct ExitPoint {
  SourceLocation Loc;
  std::string Note;
};

bool isFillMethod(llvm::StringRef N, unsigned &First) {
  First = (N == "emplace" || N == "insert" || N == "emplace_hint") ? 1 : 0;
  return N == "emplace_back" || N == "emplace_front" || N == "push_back" ||
         N == "push_front" || N == "emplace" || N == "insert" ||
         N == "emplace_hint";
}

const FieldDecl *thisMember(const Expr *E) {
  const auto *ME = llvm::dyn_cast_or_null<MemberExpr>(E);
  if (!ME || !llvm::isa<CXXThisExpr>(ME->getBase()->IgnoreParenImpCasts()))
    return nullptr;
  return llvm::dyn_cast<FieldDecl>(ME->getMemberDecl());
}

bool isJoinOrDetach(const CXXMemberCallExpr *MC) {
  const CXXMethodDecl *MD = MC->getMethodDecl();
  QualType T = MC->getImplicitObjectArgument()->getType();
  if (T->isPointerType())
    T = T->getPointeeType();
  return MD && MD->getIdentifier() &&
         (MD->getName() == "join" || MD->getName() == "detach") &&
         isThreadObject(T);
}

/// The per-function dataflow of the check. It tracks either the function's
/// local threads and local containers of threads, or (for a destructor)
/// the std::thread members and containers of threads of its class, which
/// are all assumed started on entry.
class FunctionAnalysis {
public:
  FunctionAnalysis(const FunctionDecl *FD, const Stmt *Body, ASTContext &Ctx,
                   ThrowOracle &Throws, bool ExceptionPaths)
      : FD(FD), Body(Body), Ctx(Ctx), PM(const_cast<Stmt *>(Body)),
        Throws(Throws), ExceptionPaths(ExceptionPaths) {}

  /// Destructor mode: \p Fields are members of \p Dtor's class that some
  /// code starts; \p Starts names where.
  void trackMembers(const CXXDestructorDecl *D,
                    llvm::ArrayRef<const FieldDecl *> Fields,
                    const llvm::DenseMap<const FieldDecl *, SourceLocation> &S) {
    Dtor = D;
    for (const FieldDecl *F : Fields)
      add(F, isStdThreadContainer(F->getType()));
    Starts = &S;
  }

  void run(std::vector<CheckReport> &Out) {
    if (!Dtor)
      collectThreads();
    if (Vars.empty())
      return;
    collectJoinAll();
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
      const Stmt *LastStmt = nullptr;
      for (const CFGElement &E : *B) {
        transfer(E, S);
        if (auto CS = E.getAs<CFGStmt>())
          LastStmt = CS->getStmt();
      }
      if (Dtor && !llvm::isa_and_nonnull<ReturnStmt>(LastStmt))
        for (const CFGBlock::AdjacentBlock &Succ : B->succs())
          if (Succ.getReachableBlock() == &G->getExit())
            for (unsigned I = 0; I < Vars.size(); ++I)
              if (S[I] & Joinable)
                addExit(I, endOfBody(),
                        "the destructor ends here while " + what(I) +
                            " may still be joinable");
    }
    emit(Out);
  }

private:
  using State = llvm::SmallVector<uint8_t, 4>;

  void add(const ValueDecl *D, bool Container) {
    Index[D] = Vars.size();
    Vars.push_back(D);
    IsContainer.push_back(Container);
  }

  SourceLocation endOfBody() const {
    if (const auto *CS = llvm::dyn_cast<CompoundStmt>(Body))
      return CS->getRBracLoc();
    return Body->getEndLoc();
  }

  std::string name(unsigned I) const {
    return "'" + Vars[I]->getName().str() + "'";
  }
  /// How notes name a tracked object: the thread, or a container's threads.
  std::string what(unsigned I) const {
    return IsContainer[I] ? "the threads in " + name(I) : name(I);
  }

  void collectThreads() {
    struct Finder : RecursiveASTVisitor<Finder> {
      FunctionAnalysis &A;
      explicit Finder(FunctionAnalysis &A) : A(A) {}
      // A lambda's body is analysed as a function of its own.
      bool TraverseLambdaExpr(LambdaExpr *) { return true; }
      bool VisitVarDecl(VarDecl *VD) {
        if (VD->hasLocalStorage() && !llvm::isa<ParmVarDecl>(VD) &&
            !VD->getType()->isReferenceType()) {
          if (isStdThread(VD->getType()))
            A.add(VD, false);
          else if (isStdThreadContainer(VD->getType()))
            A.add(VD, true);
        }
        return true;
      }
    } F(*this);
    F.TraverseStmt(const_cast<Stmt *>(Body));
  }

  /// The tracked local or member \p E designates (through wrappers and
  /// std::move).
  const ValueDecl *referenced(const Expr *E) const {
    if (const VarDecl *VD = referencedVar(E))
      return VD;
    if (!Dtor || !E)
      return nullptr;
    E = stripWrappers(E);
    if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(E))
      if (Call->getNumArgs() == 1 &&
          isStdFunction(Call->getDirectCallee(), "move"))
        E = stripWrappers(Call->getArg(0));
    return thisMember(E);
  }

  int indexOf(const Expr *E) const {
    auto It = Index.find(referenced(E));
    return It == Index.end() ? -1 : int(It->second);
  }

  /// The node \p E is, if it names tracked object \p I itself.
  bool isRefTo(const Stmt *S, unsigned I) const {
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(S))
      return DRE->getDecl() == Vars[I];
    if (Dtor)
      if (const auto *ME = llvm::dyn_cast<MemberExpr>(S))
        return thisMember(ME) == Vars[I];
    return false;
  }

  void refsIn(const Stmt *S, unsigned I, llvm::SmallVectorImpl<const Stmt *> &Out) const {
    if (!S)
      return;
    if (isRefTo(S, I))
      Out.push_back(S);
    for (const Stmt *C : S->children())
      refsIn(C, I, Out);
  }

  /// The tracked container whose element \p E is: `v[i]`, `v.at(i)`,
  /// `v.back()`, `*it`/`it->` for an iterator or a loop variable that
  /// comes from v.
  int containerOfElement(const Expr *E) const {
    for (unsigned Depth = 0; E && Depth < 8; ++Depth) {
      E = E->IgnoreParenImpCasts();
      if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(E)) {
        OverloadedOperatorKind K = Op->getOperator();
        if ((K == OO_Subscript || K == OO_Star || K == OO_Arrow) &&
            Op->getNumArgs() >= 1) {
          E = Op->getArg(0);
          continue;
        }
        return -1;
      }
      if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E)) {
        const CXXMethodDecl *MD = MC->getMethodDecl();
        if (MD && MD->getIdentifier() &&
            (MD->getName() == "at" || MD->getName() == "front" ||
             MD->getName() == "back" || MD->getName() == "operator*" ||
             MD->getName() == "operator->")) {
          E = MC->getImplicitObjectArgument();
          continue;
        }
        return -1;
      }
      if (const auto *U = llvm::dyn_cast<UnaryOperator>(E))
        if (U->getOpcode() == UO_Deref) {
          E = U->getSubExpr();
          continue;
        }
      int C = indexOf(E);
      if (C >= 0)
        return IsContainer[C] ? C : -1;
      // A loop variable or iterator: where does it come from?
      const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E);
      const auto *VD = DRE ? llvm::dyn_cast<VarDecl>(DRE->getDecl()) : nullptr;
      if (!VD || !VD->hasLocalStorage())
        return -1;
      const Expr *From = VD->getInit();
      if (const CXXForRangeStmt *FR = rangeForOf(VD))
        From = FR->getRangeInit();
      for (unsigned I = 0; From && I < Vars.size(); ++I) {
        llvm::SmallVector<const Stmt *, 2> Refs;
        refsIn(From, I, Refs);
        if (IsContainer[I] && !Refs.empty())
          return I;
      }
      return -1;
    }
    return -1;
  }

  /// The range-for loop \p VD is the loop variable of.
  const CXXForRangeStmt *rangeForOf(const VarDecl *VD) const {
    auto It = LoopVarOf.find(VD);
    return It == LoopVarOf.end() ? nullptr : It->second;
  }

  static bool isLoop(const Stmt *S) {
    return llvm::isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(S);
  }

  /// References to a container that belong to a loop (or a for_each) that
  /// joins or detaches every element: the container has no joinable thread
  /// once the loop is done. The loop's condition, initialiser or range
  /// mention the container, and every path out of the loop passes them.
  void collectJoinAll() {
    struct Scan : RecursiveASTVisitor<Scan> {
      FunctionAnalysis &A;
      std::vector<const CXXMemberCallExpr *> Joins;
      std::vector<const CallExpr *> ForEach;
      explicit Scan(FunctionAnalysis &A) : A(A) {}
      bool TraverseLambdaExpr(LambdaExpr *) { return true; }
      bool VisitCXXForRangeStmt(CXXForRangeStmt *FR) {
        if (const VarDecl *V = FR->getLoopVariable())
          A.LoopVarOf[V] = FR;
        return true;
      }
      bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
        if (isJoinOrDetach(MC))
          Joins.push_back(MC);
        return true;
      }
      bool VisitCallExpr(CallExpr *C) {
        const FunctionDecl *F = C->getDirectCallee();
        if (F && F->getIdentifier() && F->getName() == "for_each" &&
            F->isInStdNamespace())
          ForEach.push_back(C);
        return true;
      }
    } S(*this);
    S.TraverseStmt(const_cast<Stmt *>(Body));
    for (const CXXMemberCallExpr *J : S.Joins) {
      int C = containerOfElement(J->getImplicitObjectArgument());
      if (C < 0)
        continue;
      // The innermost loop around the join that iterates over C.
      const Stmt *Loop = nullptr;
      for (const Stmt *Up = PM.getParent(const_cast<CXXMemberCallExpr *>(J));
           Up; Up = PM.getParent(const_cast<Stmt *>(Up))) {
        if (!isLoop(Up))
          continue;
        llvm::SmallVector<const Stmt *, 4> Refs;
        for (const Stmt *Child : Up->children())
          if (Child && Child != loopBody(Up))
            refsIn(Child, C, Refs);
        if (!Refs.empty()) {
          Loop = Up;
          break;
        }
      }
      llvm::SmallVector<const Stmt *, 4> Refs;
      refsIn(Loop ? Loop : J, C, Refs);
      JoinAllRefs.insert(Refs.begin(), Refs.end());
    }
    for (const CallExpr *Call : S.ForEach) {
      if (Call->getNumArgs() < 2 ||
          !joinsEach(Call->getArg(Call->getNumArgs() - 1)))
        continue;
      for (unsigned I = 0; I < Vars.size(); ++I)
        if (IsContainer[I]) {
          llvm::SmallVector<const Stmt *, 4> Refs;
          for (unsigned A = 0; A + 1 < Call->getNumArgs(); ++A)
            refsIn(Call->getArg(A), I, Refs);
          JoinAllRefs.insert(Refs.begin(), Refs.end());
        }
    }
  }

  static const Stmt *loopBody(const Stmt *Loop) {
    if (const auto *F = llvm::dyn_cast<ForStmt>(Loop))
      return F->getBody();
    if (const auto *W = llvm::dyn_cast<WhileStmt>(Loop))
      return W->getBody();
    if (const auto *D = llvm::dyn_cast<DoStmt>(Loop))
      return D->getBody();
    if (const auto *R = llvm::dyn_cast<CXXForRangeStmt>(Loop))
      return R->getBody();
    return nullptr;
  }

  /// The function given to for_each joins or detaches its argument: a
  /// lambda that calls join()/detach(), or &std::thread::join (possibly
  /// through std::mem_fn).
  static bool joinsEach(const Expr *Fn) {
    struct Find : RecursiveASTVisitor<Find> {
      bool Found = false;
      bool shouldVisitLambdaBodies() const { return true; }
      bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
        Found |= isJoinOrDetach(MC);
        return true;
      }
      bool VisitDeclRefExpr(DeclRefExpr *DRE) {
        const auto *MD = llvm::dyn_cast<CXXMethodDecl>(DRE->getDecl());
        Found |= MD && MD->getIdentifier() &&
                 (MD->getName() == "join" || MD->getName() == "detach") &&
                 MD->getParent()->isInStdNamespace() &&
                 MD->getParent()->getIdentifier() &&
                 MD->getParent()->getName() == "thread";
        return true;
      }
    } F;
    F.TraverseStmt(const_cast<Expr *>(Fn));
    return F.Found;
  }

  void solve(const CFG &G) {
    Entry = solveForward(
        G, State(Vars.size(), Dtor ? Joinable : NotStarted),
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
    int I = indexOf(MC->getImplicitObjectArgument());
    if (I < 0 || IsContainer[I])
      return;
    bool TrueBranch = (Which == 0) != Negated;
    uint8_t &V = S[I];
    if (TrueBranch)
      V &= Joinable | Unknown;
    else
      V = (V & EmptyMask) | ((V & (Joinable | Unknown)) ? NotJoinable : 0);
  }

  enum class Use { Observe, Clear, Consumed, Join, Detach };

  /// Climbs from \p Child through the nodes that keep the same object to
  /// what consumes it: a declaration of, an assignment to, or a fill of
  /// another tracked object takes over its state.
  bool consumedByTracked(const Stmt *P, unsigned I) {
    for (const Stmt *Up = P; Up; Up = PM.getParent(const_cast<Stmt *>(Up))) {
      if (const auto *DS = llvm::dyn_cast<DeclStmt>(Up)) {
        for (const Decl *D : DS->decls())
          if (const auto *VD = llvm::dyn_cast<VarDecl>(D))
            if (Index.count(VD) && VD->getInit() &&
                referenced(VD->getInit()) == Vars[I])
              return true;
        return false;
      }
      if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(Up)) {
        unsigned First;
        const CXXMethodDecl *MD = MC->getMethodDecl();
        int C = indexOf(MC->getImplicitObjectArgument());
        if (C >= 0 && IsContainer[C] && !IsContainer[I] && MD &&
            MD->getIdentifier() && isFillMethod(MD->getName(), First) &&
            MC->getNumArgs() > First && referenced(MC->getArg(First)) == Vars[I])
          return true;
        return false;
      }
      if (!llvm::isa<Expr>(Up))
        return false;
    }
    return false;
  }

  /// The parent of Ref, or, for std::move(Ref), the parent of the move
  /// (a moved value is judged by what consumes it); Child becomes the
  /// child of the returned node on that path.
  const Stmt *userOf(const Expr *Ref, const Stmt *&Child) {
    Child = Ref;
    const Stmt *P = PM.getParentIgnoreParenImpCasts(const_cast<Expr *>(Ref));
    if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(P))
      if (Call->getNumArgs() == 1 &&
          isStdFunction(Call->getDirectCallee(), "move")) {
        Child = Call;
        P = PM.getParentIgnoreParenImpCasts(const_cast<CallExpr *>(Call));
      }
    return P;
  }

  /// How a reference to a tracked thread affects it.
  Use classify(const Expr *Ref, unsigned I) {
    if (IsContainer[I])
      return classifyContainer(Ref, I);
    const Decl *D = Vars[I];
    const Stmt *Child;
    const Stmt *P = userOf(Ref, Child);
    if (const auto *ME = llvm::dyn_cast_or_null<MemberExpr>(P)) {
      const auto *MD = llvm::dyn_cast<CXXMethodDecl>(ME->getMemberDecl());
      if (!MD || !MD->getIdentifier())
        return Use::Clear;
      llvm::StringRef N = MD->getName();
      if (N == "join" || N == "detach") {
        Handled.insert(D);
        return N == "join" ? Use::Join : Use::Detach;
      }
      if (N == "joinable" || N == "get_id" || N == "native_handle")
        return Use::Observe;
      Handled.insert(D);
      return Use::Clear;
    }
    // Consumed by an assignment to, or the initialisation of, another
    // tracked thread: the consumer moves the state over.
    if (const auto *Op = llvm::dyn_cast_or_null<CXXOperatorCallExpr>(P))
      if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2) {
        if (stripWrappers(Op->getArg(0)) == Child ||
            Op->getArg(0)->IgnoreParenImpCasts() == Ref)
          return Use::Observe; // the assignment target
        if (indexOf(Op->getArg(0)) >= 0)
          return Use::Consumed;
      }
    if (consumedByTracked(P, I))
      return Use::Consumed;
    Handled.insert(D);
    return Use::Clear; // escapes: moved away, address taken, by reference
  }

  /// How a reference to a tracked container of threads affects it.
  Use classifyContainer(const Expr *Ref, unsigned I) {
    const Decl *D = Vars[I];
    if (JoinAllRefs.count(Ref)) {
      Handled.insert(D);
      return Use::Join;
    }
    const Stmt *Child;
    const Stmt *P = userOf(Ref, Child);
    if (Child == Ref) {
      if (const auto *ME = llvm::dyn_cast_or_null<MemberExpr>(P)) {
        const auto *MD = llvm::dyn_cast<CXXMethodDecl>(ME->getMemberDecl());
        if (MD && MD->getIdentifier() && MD->getName() == "swap") {
          Handled.insert(D);
          return Use::Clear;
        }
        return Use::Observe; // size(), begin(), emplace_back(), clear()...
      }
      if (const auto *Op = llvm::dyn_cast_or_null<CXXOperatorCallExpr>(P)) {
        if (Op->getOperator() != OO_Equal)
          return Use::Observe; // v[i], comparisons
      }
      // The hidden `auto &&__range = v` of a range-for.
      if (const auto *DS = llvm::dyn_cast_or_null<DeclStmt>(P))
        if (llvm::isa_and_nonnull<CXXForRangeStmt>(
                PM.getParent(const_cast<DeclStmt *>(DS))))
          return Use::Observe;
      // Passed by const reference: the callee cannot join or keep them.
      if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(P))
        if (const FunctionDecl *F = Call->getDirectCallee())
          for (unsigned A = 0; A < Call->getNumArgs() && A < F->getNumParams();
               ++A)
            if (Call->getArg(A)->IgnoreParenImpCasts() == Ref) {
              QualType T = F->getParamDecl(A)->getType();
              if (T->isReferenceType() &&
                  T->getPointeeType().isConstQualified())
                return Use::Observe;
            }
    }
    if (const auto *Op = llvm::dyn_cast_or_null<CXXOperatorCallExpr>(P))
      if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2) {
        if (stripWrappers(Op->getArg(0)) == Child ||
            Op->getArg(0)->IgnoreParenImpCasts() == Ref)
          return Use::Observe;
        if (indexOf(Op->getArg(0)) >= 0)
          return Use::Consumed;
      }
    if (consumedByTracked(P, I))
      return Use::Consumed;
    Handled.insert(D);
    return Use::Clear;
  }

  /// The state a thread gets from an initialiser or assignment source.
  uint8_t stateFrom(const Expr *Src, State &S, bool Container) {
    if (!Src)
      return NotStarted;
    int From = indexOf(Src);
    if (From >= 0) {
      uint8_t V = S[From];
      S[From] = MovedFrom;
      return V;
    }
    const Expr *E = stripWrappers(Src);
    if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(E))
      return (Container || CE->getNumArgs() == 0) ? NotStarted : Joinable;
    if (llvm::isa<InitListExpr>(E))
      return (Container || llvm::cast<InitListExpr>(E)->getNumInits() == 0)
                 ? NotStarted
                 : Joinable;
    return Joinable; // a thread returned by a function
  }

  /// A member function of the destructor's class reads or writes member
  /// \p F, directly or through the member functions it calls.
  bool methodTouches(const CXXMethodDecl *MD, const FieldDecl *F,
                     unsigned Depth = 0) {
    const FunctionDecl *Def = nullptr;
    if (!MD->hasBody(Def) || !Def->getBody() || Depth > 4)
      return true; // unknown: it may join
    struct Find : RecursiveASTVisitor<Find> {
      FunctionAnalysis &A;
      const FieldDecl *F;
      unsigned Depth;
      bool Found = false;
      Find(FunctionAnalysis &A, const FieldDecl *F, unsigned Depth)
          : A(A), F(F), Depth(Depth) {}
      bool shouldVisitLambdaBodies() const { return true; }
      bool VisitMemberExpr(MemberExpr *ME) {
        Found |= ME->getMemberDecl() == F;
        return !Found;
      }
      bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
        if (llvm::isa<CXXThisExpr>(
                MC->getImplicitObjectArgument()->IgnoreParenImpCasts()))
          if (const CXXMethodDecl *Callee = MC->getMethodDecl())
            Found |= A.methodTouches(Callee, F, Depth + 1);
        return !Found;
      }
    } Fd(*this, F, Depth);
    Fd.TraverseStmt(const_cast<Stmt *>(Def->getBody()));
    return Fd.Found;
  }

  void transfer(const CFGElement &E, State &S) {
    if (auto AD = E.getAs<CFGAutomaticObjDtor>()) {
      auto It = Index.find(AD->getVarDecl());
      if (It == Index.end())
        return;
      if (Reporting && (S[It->second] & Joinable))
        addExit(It->second, AD->getTriggerStmt());
      S[It->second] = NotStarted;
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
            S[It->second] =
                stateFrom(VD->getInit(), S, IsContainer[It->second]);
        }
      return;
    }
    if (llvm::isa<DeclRefExpr>(St) || llvm::isa<MemberExpr>(St)) {
      const ValueDecl *D = nullptr;
      if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(St))
        D = llvm::dyn_cast<VarDecl>(DRE->getDecl());
      else if (this->Dtor)
        D = thisMember(llvm::cast<MemberExpr>(St));
      auto It = Index.find(D);
      if (!D || It == Index.end())
        return;
      unsigned I = It->second;
      Use U = classify(llvm::cast<Expr>(St), I);
      switch (U) {
      case Use::Observe:
      case Use::Consumed:
        break;
      case Use::Clear:
        S[I] = Unknown;
        break;
      case Use::Join:
      case Use::Detach: {
        bool Join = U == Use::Join;
        if (Reporting && !IsContainer[I] && S[I] != 0 &&
            !(S[I] & (Joinable | Unknown)))
          Invalid.push_back({St->getBeginLoc(), I, Join, S[I]});
        S[I] = Join ? Joined : Detached;
        break;
      }
      }
      return;
    }
    if (const auto *LE = llvm::dyn_cast<LambdaExpr>(St)) {
      for (const LambdaCapture &C : LE->captures()) {
        if (C.capturesThis() && this->Dtor)
          for (unsigned I = 0; I < Vars.size(); ++I) {
            S[I] = Unknown;
            Handled.insert(Vars[I]);
          }
        if (C.capturesVariable() && C.getCaptureKind() == LCK_ByRef) {
          auto It = Index.find(llvm::dyn_cast<VarDecl>(C.getCapturedVar()));
          if (It != Index.end()) {
            S[It->second] = Unknown;
            Handled.insert(It->first);
          }
        }
      }
      return;
    }
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(St)) {
      const CXXMethodDecl *MD = MC->getMethodDecl();
      int C = indexOf(MC->getImplicitObjectArgument());
      unsigned First;
      if (C >= 0 && IsContainer[C] && MD && MD->getIdentifier() &&
          isFillMethod(MD->getName(), First) && MC->getNumArgs() > First) {
        const Expr *Arg = MC->getArg(First);
        uint8_t Added = Joinable;
        int T = indexOf(Arg);
        if (T >= 0 && !IsContainer[T]) {
          Added = S[T];
          S[T] = MovedFrom;
        } else if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(
                       stripWrappers(Arg))) {
          if (isStdThread(CE->getType()) && CE->getNumArgs() == 0)
            Added = NotStarted;
        }
        if (Added == Joinable)
          S[C] = Joinable;
        else
          S[C] |= Added & Joinable;
        return;
      }
      // In a destructor, a call of another member function may join.
      if (this->Dtor && MD && !MD->isStatic() &&
          llvm::isa<CXXThisExpr>(
              MC->getImplicitObjectArgument()->IgnoreParenImpCasts())) {
        for (unsigned I = 0; I < Vars.size(); ++I)
          if (methodTouches(MD, llvm::cast<FieldDecl>(Vars[I]))) {
            S[I] = Unknown;
            Handled.insert(Vars[I]);
          }
        return;
      }
    }
    if (this->Dtor)
      if (const auto *Call = llvm::dyn_cast<CallExpr>(St))
        for (const Expr *A : Call->arguments()) {
          const Expr *X = A->IgnoreParenImpCasts();
          if (const auto *U = llvm::dyn_cast<UnaryOperator>(X))
            if (U->getOpcode() == UO_Deref)
              X = U->getSubExpr()->IgnoreParenImpCasts();
          if (llvm::isa<CXXThisExpr>(X))
            for (unsigned I = 0; I < Vars.size(); ++I) {
              S[I] = Unknown;
              Handled.insert(Vars[I]);
            }
        }
    if (this->Dtor && Reporting && llvm::isa<ReturnStmt>(St)) {
      for (unsigned I = 0; I < Vars.size(); ++I)
        if (S[I] & Joinable)
          addExit(I, St->getBeginLoc(),
                  "returns here while " + what(I) + " may still be joinable");
      return;
    }
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(St))
      if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2) {
        int I = indexOf(Op->getArg(0));
        if (I >= 0) {
          if (Reporting && !IsContainer[I] && (S[I] & Joinable))
            AssignedWhileJoinable.push_back({Op->getOperatorLoc(), Vars[I]});
          uint8_t New = stateFrom(Op->getArg(1), S, IsContainer[I]);
          S[I] = New;
          return;
        }
      }
    if (!Reporting || !ExceptionPaths || HasTry || this->Dtor)
      return;
    if (llvm::isa<CXXThrowExpr>(St)) {
      for (unsigned I = 0; I < Vars.size(); ++I)
        if (S[I] & Joinable)
          addExit(I, St->getBeginLoc(),
                  what(I) + " " + (IsContainer[I] ? "are" : "is") +
                      " still joinable when this exception is thrown");
      return;
    }
    if (const auto *Ex = llvm::dyn_cast<Expr>(St))
      if ((llvm::isa<CallExpr>(Ex) || llvm::isa<CXXConstructExpr>(Ex)) &&
          Throws.callMayThrow(Ex))
        for (unsigned I = 0; I < Vars.size(); ++I)
          if (S[I] & Joinable)
            addExit(I, Ex->getExprLoc(),
                    what(I) + " " + (IsContainer[I] ? "are" : "is") +
                        " still joinable if this call throws");
  }

  void addExit(unsigned Var, const Stmt *Trigger) {
    std::string Name = name(Var);
    if (!Trigger)
      return;
    std::string While = IsContainer[Var] ? " while its threads may still be "
                                           "joinable"
                                         : " while still joinable";
    if (const auto *CS = llvm::dyn_cast<CompoundStmt>(Trigger)) {
      addExit(Var, CS->getRBracLoc(), Name + " goes out of scope here" + While);
      return;
    }
    if (llvm::isa<ReturnStmt>(Trigger)) {
      addExit(Var, Trigger->getBeginLoc(),
              "returns here while " + what(Var) + " " +
                  (IsContainer[Var] ? "are" : "is") + " still joinable");
      return;
    }
    addExit(Var, Trigger->getBeginLoc(),
            "leaves the scope of " + Name + " here" + While);
  }

  void addExit(unsigned Var, SourceLocation Loc, std::string Note) {
    Exits[Var].push_back({Loc, std::move(Note)});
  }

  static bool Exceptional(const std::string &Note) {
    return llvm::StringRef(Note).contains("throw");
  }

  std::string message(unsigned I, bool Never) const {
    std::string Name = name(I);
    if (Dtor) {
      std::string Class =
          "'" + Dtor->getParent()->getNameAsString() + "'";
      if (IsContainer[I])
        return Never ? "the destructor of " + Class +
                           " does not join the threads in member " + Name +
                           " (a container of std::thread), which calls "
                           "std::terminate (join every element, or use "
                           "std::jthread)"
                     : "the destructor of " + Class +
                           " can finish while the threads in member " + Name +
                           " are still joinable, which calls std::terminate "
                           "(join every element on every path, or use "
                           "std::jthread)";
      return Never ? "the destructor of " + Class +
                         " does not join or detach std::thread member " +
                         Name + ", which calls std::terminate (join it, or "
                                "use std::jthread)"
                   : "the destructor of " + Class +
                         " can finish while std::thread member " + Name +
                         " is still joinable, which calls std::terminate "
                         "(join it on every path, or use std::jthread)";
    }
    if (IsContainer[I])
      return Never ? "the threads in " + Name +
                         " (a container of std::thread) are never joined or "
                         "detached; destroying a joinable element calls "
                         "std::terminate (join every element, or use "
                         "std::jthread)"
                   : "the threads in " + Name +
                         " (a container of std::thread) can be destroyed "
                         "while still joinable, which calls std::terminate "
                         "(join every element on every path, or use "
                         "std::jthread)";
    return Never ? "std::thread " + Name +
                       " is never joined or detached; its destructor calls "
                       "std::terminate (join it, or use std::jthread)"
                 : "std::thread " + Name +
                       " can reach its destructor while still joinable, which "
                       "calls std::terminate (join it on every path, or use "
                       "std::jthread)";
  }

  void emit(std::vector<CheckReport> &Out) {
    const SourceManager &SM = Ctx.getSourceManager();
    for (auto &[Var, Points] : Exits) {
      const ValueDecl *VD = Vars[Var];
      bool Never = !Handled.count(VD);
      CheckReport R;
      R.Loc = Dtor ? Dtor->getLocation() : VD->getLocation();
      R.Scope = FD;
      R.Message = message(Var, Never);
      if (Dtor) {
        auto It = Starts->find(llvm::cast<FieldDecl>(VD));
        if (It != Starts->end())
          R.Notes.push_back({It->second, name(Var) + " is started here"});
      }
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
    for (const InvalidOp &Op : Invalid) {
      const char *Why;
      switch (Op.State) {
      case Joined: Why = "it was already joined"; break;
      case Detached: Why = "it was detached"; break;
      case MovedFrom: Why = "it was moved from"; break;
      case NotStarted: Why = "it was default-constructed and never started"; break;
      case NotJoinable: Why = "joinable() was false"; break;
      default: Why = "on every path reaching here it was joined, detached, "
                     "moved from or never started"; break;
      }
      CheckReport R;
      R.Loc = Op.Loc;
      R.Scope = FD;
      R.Message = "std::thread " + name(Op.Var) + " is " +
                  (Op.Join ? "joined" : "detached") +
                  " while it is not joinable (" + Why +
                  "), which throws std::system_error";
      R.Notes.push_back({Vars[Op.Var]->getLocation(),
                         name(Op.Var) + " is declared here"});
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
  const CXXDestructorDecl *Dtor = nullptr;
  const llvm::DenseMap<const FieldDecl *, SourceLocation> *Starts = nullptr;
  llvm::SmallVector<const ValueDecl *, 4> Vars;
  llvm::SmallVector<bool, 4> IsContainer;
  llvm::DenseMap<const ValueDecl *, unsigned> Index;
  llvm::DenseSet<const Decl *> Handled;
  llvm::DenseSet<const Stmt *> JoinAllRefs;
  llvm::DenseMap<const VarDecl *, const CXXForRangeStmt *> LoopVarOf;
  std::map<const CFGBlock *, State> Entry;
  std::map<unsigned, std::vector<ExitPoint>> Exits;
  std::vector<std::pair<SourceLocation, const ValueDecl *>> AssignedWhileJoinable;
  /// join()/detach() on a thread that is definitely not joinable.
  struct InvalidOp {
    SourceLocation Loc;
    unsigned Var;
    bool Join;
    uint8_t State;
  };
  std::vector<InvalidOp> Invalid;
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
    if (inSystemHeader(SM, CE->getBeginLoc()))
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

/// Where the code of the translation unit starts each std::thread member
/// (or fills each member container of std::thread): a constructor
/// initialiser or default member initialiser with a callable, an
/// assignment of a thread, emplace_back/push_back/..., swap.
class MemberStarts : public RecursiveASTVisitor<MemberStarts> {
public:
  explicit MemberStarts(const SourceManager &SM) : SM(SM) {}
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitLambdaBodies() const { return true; }

  llvm::DenseMap<const FieldDecl *, SourceLocation> Starts;

  static bool tracked(const FieldDecl *F) {
    return F && (isStdThread(F->getType()) ||
                 isStdThreadContainer(F->getType()));
  }

  bool VisitFieldDecl(FieldDecl *F) {
    if (tracked(F) && isStdThread(F->getType()))
      if (const auto *CE = llvm::dyn_cast_or_null<CXXConstructExpr>(
              F->getInClassInitializer() ? stripWrappers(F->getInClassInitializer())
                                         : nullptr))
        if (CE->getNumArgs() > 0)
          note(F, CE->getBeginLoc());
    return true;
  }

  bool VisitCXXConstructorDecl(CXXConstructorDecl *CD) {
    if (!CD->doesThisDeclarationHaveABody())
      return true;
    for (const CXXCtorInitializer *Init : CD->inits()) {
      const FieldDecl *F = Init->getMember();
      if (!Init->isWritten() || !tracked(F) || !isStdThread(F->getType()))
        continue;
      const Expr *E = stripWrappers(Init->getInit());
      if (const auto *PL = llvm::dyn_cast<ParenListExpr>(E))
        E = PL->getNumExprs() ? PL->getExpr(0) : nullptr;
      if (const auto *CE = llvm::dyn_cast_or_null<CXXConstructExpr>(E))
        if (CE->getNumArgs() > 0)
          note(F, Init->getSourceLocation());
    }
    return true;
  }

  bool VisitCXXOperatorCallExpr(CXXOperatorCallExpr *Op) {
    if (Op->getOperator() != OO_Equal || Op->getNumArgs() != 2)
      return true;
    const auto *ME = llvm::dyn_cast<MemberExpr>(stripWrappers(Op->getArg(0)));
    const auto *F = ME ? llvm::dyn_cast<FieldDecl>(ME->getMemberDecl()) : nullptr;
    if (!tracked(F) || !isStdThread(F->getType()))
      return true;
    const Expr *Src = stripWrappers(Op->getArg(1));
    if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(Src))
      if (CE->getNumArgs() == 0)
        return true;
    if (const auto *IL = llvm::dyn_cast<InitListExpr>(Src))
      if (IL->getNumInits() == 0)
        return true;
    note(F, Op->getOperatorLoc());
    return true;
  }

  bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
    const auto *ME = llvm::dyn_cast<MemberExpr>(
        MC->getImplicitObjectArgument()->IgnoreParenImpCasts());
    const auto *F = ME ? llvm::dyn_cast<FieldDecl>(ME->getMemberDecl()) : nullptr;
    const CXXMethodDecl *MD = MC->getMethodDecl();
    if (!tracked(F) || !MD || !MD->getIdentifier())
      return true;
    unsigned First;
    if ((isStdThreadContainer(F->getType()) &&
         isFillMethod(MD->getName(), First) && MC->getNumArgs() > First) ||
        MD->getName() == "swap")
      note(F, MC->getExprLoc());
    return true;
  }

private:
  void note(const FieldDecl *F, SourceLocation L) {
    if (inSystemHeader(SM, L))
      return;
    auto [It, New] = Starts.try_emplace(F, L);
    if (!New && SM.isBeforeInTranslationUnit(L, It->second))
      It->second = L;
  }
  const SourceManager &SM;
};

/// Classes with started std::thread members: their destructor must leave
/// each one not joinable.
void checkMembers(ASTContext &Ctx, ThrowOracle &Throws,
                  std::vector<CheckReport> &Out) {
  const SourceManager &SM = Ctx.getSourceManager();
  MemberStarts MS(SM);
  MS.TraverseDecl(Ctx.getTranslationUnitDecl());
  if (MS.Starts.empty())
    return;
  // One class at a time, in source order.
  std::map<const CXXRecordDecl *, std::vector<const FieldDecl *>> ByClass;
  for (auto &[F, Loc] : MS.Starts)
    if (const auto *RD = llvm::dyn_cast<CXXRecordDecl>(F->getParent()))
      if (!RD->isUnion() && !RD->isDependentContext())
        ByClass[RD].push_back(F);
  std::vector<const CXXRecordDecl *> Classes;
  for (auto &[RD, Fields] : ByClass) {
    Classes.push_back(RD);
    std::sort(Fields.begin(), Fields.end(),
              [](const FieldDecl *A, const FieldDecl *B) {
                return A->getFieldIndex() < B->getFieldIndex();
              });
  }
  std::sort(Classes.begin(), Classes.end(),
            [&](const CXXRecordDecl *A, const CXXRecordDecl *B) {
              return SM.isBeforeInTranslationUnit(A->getLocation(),
                                                  B->getLocation());
            });
  for (const CXXRecordDecl *RD : Classes) {
    const std::vector<const FieldDecl *> &Fields = ByClass[RD];
    const CXXDestructorDecl *D = RD->getDestructor();
    const FunctionDecl *Def = nullptr;
    if (D && D->isDeleted())
      continue;
    if (!D || D->isImplicit() || D->isDefaulted()) {
      std::string Which = (D && !D->isImplicit()) ? "defaulted" : "implicit";
      for (const FieldDecl *F : Fields) {
        std::string Name = "'" + F->getName().str() + "'";
        std::string Class = "'" + RD->getNameAsString() + "'";
        CheckReport R;
        R.Loc = F->getLocation();
        R.Scope = RD;
        R.Message =
            isStdThreadContainer(F->getType())
                ? "the threads in member " + Name +
                      " (a container of std::thread) are started but the " +
                      Which + " destructor of " + Class +
                      " does not join them, which calls std::terminate (join "
                      "every element in a destructor, or use std::jthread)"
                : "std::thread member " + Name + " is started but the " +
                      Which + " destructor of " + Class +
                      " does not join or detach it, which calls "
                      "std::terminate (join it in a destructor, or use "
                      "std::jthread)";
        R.Notes.push_back({MS.Starts[F], Name + " is started here"});
        Out.push_back(std::move(R));
      }
      continue;
    }
    if (!D->hasBody(Def) || !Def->getBody())
      continue; // defined in another translation unit
    const auto *DD = llvm::cast<CXXDestructorDecl>(Def);
    if (inSystemHeader(SM, DD->getLocation()))
      continue;
    FunctionAnalysis A(DD, DD->getBody(), Ctx, Throws, false);
    A.trackMembers(DD, Fields, MS.Starts);
    A.run(Out);
  }
}

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
  checkMembers(Ctx, Throws, Reports);
  TemporaryFinder(Ctx, Reports).TraverseDecl(Ctx.getTranslationUnitDecl());
  for (CheckReport &R : Reports)
    report(H, std::move(R));
}

} // namespace fearless
