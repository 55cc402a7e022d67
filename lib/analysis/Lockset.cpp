#include "analysis/Lockset.h"

#include "analysis/Dataflow.h"
#include "analysis/Exceptions.h"
#include "analysis/ThreadModel.h"
#include "analysis/Traversal.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Analysis/CFG.h"
#include "clang/Basic/SourceManager.h"

#include <set>

namespace fearless {

using namespace clang;

LocksetHandler::~LocksetHandler() = default;

std::vector<std::pair<LockId, LockFact>> Lockset::definitelyHeld() const {
  std::vector<std::pair<LockId, LockFact>> Out;
  for (const auto &[Id, F] : Locks)
    if (F.H == Held::Yes)
      Out.push_back({Id, F});
  return Out;
}

static bool sameFact(const LockFact &A, const LockFact &B) {
  return A.H == B.H && A.Shared == B.Shared && A.ViaGuard == B.ViaGuard &&
         A.AcquiredHere == B.AcquiredHere && A.Inherited == B.Inherited &&
         A.Acquired == B.Acquired &&
         A.Released == B.Released;
}

bool Lockset::operator==(const Lockset &O) const {
  if (Locks.size() != O.Locks.size())
    return false;
  for (auto A = Locks.begin(), B = O.Locks.begin(); A != Locks.end();
       ++A, ++B)
    if (A->first != B->first || !sameFact(A->second, B->second))
      return false;
  return true;
}

namespace {

struct GuardFact {
  std::vector<LockId> Locks;
  Held Owns = Held::No;
  bool Shared = false;
  bool operator==(const GuardFact &O) const {
    return Locks == O.Locks && Owns == O.Owns && Shared == O.Shared;
  }
};

/// A try-lock whose result has not been tested yet.
struct PendingTry {
  std::vector<LockId> Locks;
  const VarDecl *Guard = nullptr;
  bool ZeroIsSuccess = false;
  bool operator==(const PendingTry &O) const {
    return Locks == O.Locks && Guard == O.Guard &&
           ZeroIsSuccess == O.ZeroIsSuccess;
  }
};

struct State {
  Lockset L;
  std::map<const VarDecl *, GuardFact> Guards;
  std::map<const Expr *, PendingTry> Tries;
  bool operator==(const State &O) const {
    return L == O.L && Guards == O.Guards && Tries == O.Tries;
  }
};

Held joinHeld(Held A, Held B) { return A == B ? A : Held::Maybe; }

void joinInto(State &Into, const State &From) {
  for (auto &[Id, F] : Into.L.Locks)
    if (!From.L.Locks.count(Id))
      F.H = joinHeld(F.H, Held::Unknown);
  for (const auto &[Id, F] : From.L.Locks) {
    auto It = Into.L.Locks.find(Id);
    if (It == Into.L.Locks.end()) {
      LockFact N = F;
      N.H = joinHeld(F.H, Held::Unknown);
      Into.L.Locks.emplace(Id, N);
      continue;
    }
    LockFact &T = It->second;
    T.H = joinHeld(T.H, F.H);
    T.Shared |= F.Shared;
    T.ViaGuard &= F.ViaGuard;
    T.AcquiredHere |= F.AcquiredHere;
    T.Inherited |= F.Inherited;
    if (T.Acquired.isInvalid())
      T.Acquired = F.Acquired;
    if (T.Released.isInvalid())
      T.Released = F.Released;
  }
  for (const auto &[G, F] : From.Guards) {
    auto [It, Inserted] = Into.Guards.try_emplace(G, F);
    if (Inserted)
      continue;
    It->second.Owns = joinHeld(It->second.Owns, F.Owns);
    for (const LockId &Id : F.Locks)
      if (std::find(It->second.Locks.begin(), It->second.Locks.end(), Id) ==
          It->second.Locks.end())
        It->second.Locks.push_back(Id);
  }
  for (const auto &[E, T] : From.Tries)
    Into.Tries.try_emplace(E, T);
}

struct Summary {
  std::vector<std::pair<LockId, SourceLocation>> AcquiredInside;
  std::vector<std::pair<LockId, SourceLocation>> HeldOnExit;
  std::vector<LockId> Releases;
  bool Computing = false;
};

class Engine;

class FunctionRun {
public:
  FunctionRun(Engine &Eng, ASTContext &Ctx, const FunctionDecl *FD,
              const Stmt *Body, LocksetHandler *H, const LocksetOptions &Opts,
              ThrowOracle &Throws)
      : Eng(Eng), Ctx(Ctx), FD(FD), Body(Body), H(H), Opts(Opts),
        Throws(Throws), PM(const_cast<Stmt *>(Body)) {}

  void run(Summary *Out);

private:
  void transfer(const CFGElement &E, State &S);
  void guardDecl(const VarDecl *VD, State &S);
  void applyCall(const Expr *E, State &S);
  void applySummary(const Expr *E, const FunctionDecl *Callee, State &S);
  void refine(const CFGBlock *B, unsigned SuccIndex, State &S);
  void exitBlock(const CFGBlock *B, const State &S);
  std::optional<LockId> rebase(const LockId &Id, const Expr *Call,
                               const FunctionDecl *Callee);

  void acquire(State &S, const LockId &Id, SourceLocation Loc, bool Shared,
               bool ViaGuard, bool Check = true) {
    LockFact &F = S.L.Locks[Id];
    if (Check && Reporting && F.H == Held::Yes && !Id.recursive() && H)
      H->doubleLock(FD, Id, Loc, F.Acquired, nullptr, SourceLocation());
    // Re-taking a lock the caller held (after releasing it for a while)
    // restores the caller's state: callers see no new acquisition, and
    // the function does not leak it.
    if (Reporting && Id.K != LockId::Local && !F.Inherited)
      Acquisitions.push_back({Id, Loc});
    F.H = Held::Yes;
    F.Shared = Shared;
    F.ViaGuard = ViaGuard;
    F.AcquiredHere = !F.Inherited;
    F.Acquired = Loc;
  }

  void release(State &S, const LockId &Id, SourceLocation Loc, bool Check,
               const FunctionDecl *Callee = nullptr) {
    LockFact &F = S.L.Locks[Id];
    if (Check && Reporting && F.H == Held::No && H)
      H->unlockNotHeld(FD, Id, Loc, F.Released, Callee);
    if (F.H == Held::Unknown && Id.K != LockId::Local) {
      ReleasedUnknown.insert(Id);
      F.Inherited = true;
    }
    F.H = Held::No;
    F.Released = Loc;
    F.ViaGuard = false;
    F.AcquiredHere = false;
  }

  bool isAcquirer() const;

  void notifyAcquire(const State &S, const std::vector<LockId> &Locks,
                     SourceLocation Loc, bool Try) {
    if (Reporting && H && !Locks.empty())
      H->acquire(FD, Locks, Loc, S.L, Try);
  }

  /// Locks the function declares it needs held (requires_capability).
  State entryState() const {
    State S;
    for (const auto *A : FD->specific_attrs<RequiresCapabilityAttr>())
      for (const Expr *Arg : A->args())
        if (std::optional<LockId> Id = resolveLock(Arg)) {
          LockFact &F = S.L.Locks[*Id];
          F.H = Held::Yes;
          F.Inherited = true;
          F.Shared = A->isShared();
        }
    return S;
  }

  Engine &Eng;
  ASTContext &Ctx;
  const FunctionDecl *FD;
  const Stmt *Body;
  LocksetHandler *H;
  const LocksetOptions &Opts;
  ThrowOracle &Throws;
  ParentMap PM;
  bool Reporting = false;
  bool HasTry = false;
  bool Exceptions = true;
  const CFGBlock *ExitBlock = nullptr;
  std::vector<std::pair<LockId, SourceLocation>> Acquisitions;
  std::set<LockId> ReleasedUnknown;
};

class Engine {
public:
  Engine(ASTContext &Ctx, const LocksetOptions &Opts)
      : Ctx(Ctx), Opts(Opts), Throws(Ctx.getSourceManager(), false) {}

  /// The callee's summary, or null while it is being computed (recursion)
  /// or when it has no analysable body in this unit.
  const Summary *summary(const FunctionDecl *Callee) {
    const FunctionDecl *Def = Callee->getDefinition();
    if (!Def || !Def->hasBody() || Def->isDependentContext())
      return nullptr;
    const SourceManager &SM = Ctx.getSourceManager();
    if (SM.isInSystemHeader(SM.getFileLoc(Def->getLocation())))
      return nullptr;
    auto [It, Inserted] = Summaries.try_emplace(Def);
    Summary &S = It->second;
    if (!Inserted)
      return S.Computing ? nullptr : &S;
    S.Computing = true;
    FunctionRun(*this, Ctx, Def, Def->getBody(), nullptr, Opts, Throws)
        .run(&S);
    S.Computing = false;
    return &S;
  }

  void analyze(const FunctionDecl *FD, const Stmt *Body, LocksetHandler &H) {
    FunctionRun(*this, Ctx, FD, Body, &H, Opts, Throws).run(nullptr);
  }

private:
  ASTContext &Ctx;
  const LocksetOptions &Opts;
  ThrowOracle Throws;
  std::map<const FunctionDecl *, Summary> Summaries;
};

void FunctionRun::run(Summary *Out) {
  CFG::BuildOptions BO;
  BO.AddImplicitDtors = true;
  BO.AddTemporaryDtors = true;
  BO.setAllAlwaysAdd();
  std::unique_ptr<CFG> G =
      CFG::buildCFG(FD, const_cast<Stmt *>(Body), &Ctx, BO);
  if (!G)
    return;
  HasTry = containsTry(Body);
  // Without exceptions (-fno-exceptions) nothing leaves by a throw.
  Exceptions = Ctx.getLangOpts().CXXExceptions;
  ExitBlock = &G->getExit();
  std::optional<State> ExitState;
  // Fixpoint without side effects, then one reporting pass.
  std::map<const CFGBlock *, State> Entry = solveForward(
      *G, entryState(),
      [&](const CFGBlock *B, State &S) {
        for (const CFGElement &E : *B)
          transfer(E, S);
      },
      [&](const CFGBlock *B, unsigned Succ, State &S) { refine(B, Succ, S); },
      [](State &Into, const State &From) {
        State Joined = Into;
        joinInto(Joined, From);
        if (Joined == Into)
          return false;
        Into = std::move(Joined);
        return true;
      });
  Reporting = true;
  for (const CFGBlock *B : *G) {
    auto It = Entry.find(B);
    if (It == Entry.end() || B == ExitBlock)
      continue;
    State S = It->second;
    for (const CFGElement &E : *B)
      transfer(E, S);
    for (const CFGBlock::AdjacentBlock &Succ : B->succs())
      if (Succ.getReachableBlock() == ExitBlock) {
        exitBlock(B, S);
        // Paths that end the program (abort, a failed assert) return
        // nothing to the caller.
        if (!B->hasNoReturnElement()) {
          if (!ExitState)
            ExitState = S;
          else
            joinInto(*ExitState, S);
        }
        break;
      }
  }
  if (!Out)
    return;
  Out->AcquiredInside = Acquisitions;
  const State *AtExit = ExitState ? &*ExitState : nullptr;
  // Released for a while and taken back before returning: no net effect.
  for (const LockId &Id : ReleasedUnknown) {
    if (AtExit) {
      auto It = AtExit->L.Locks.find(Id);
      if (It != AtExit->L.Locks.end() && It->second.H != Held::No)
        continue;
    }
    Out->Releases.push_back(Id);
  }
  if (AtExit)
    for (const auto &[Id, F] : AtExit->L.Locks)
      if (F.H == Held::Yes && F.AcquiredHere && !F.ViaGuard &&
          Id.K != LockId::Local)
        Out->HeldOnExit.push_back({Id, F.Acquired});
}

bool FunctionRun::isAcquirer() const {
  if (FD->hasAttr<AcquireCapabilityAttr>() ||
      FD->hasAttr<TryAcquireCapabilityAttr>())
    return true;
  // Methods of lock and guard classes manage the lock on purpose; so do
  // constructors, which RAII guards use to take what their destructor
  // releases.
  if (const auto *MD = llvm::dyn_cast<CXXMethodDecl>(FD)) {
    if (llvm::isa<CXXConstructorDecl>(MD))
      return true;
    QualType T = Ctx.getRecordType(MD->getParent());
    if (!MD->getParent()->isLambda() && (isLockType(T) || isGuardType(T)))
      return true;
  }
  return false;
}

void FunctionRun::exitBlock(const CFGBlock *B, const State &S) {
  if (!H || B->hasNoReturnElement() || isAcquirer())
    return;
  SourceLocation Exit;
  bool ByException = false;
  for (auto It = B->rbegin(); It != B->rend(); ++It)
    if (auto CS = It->getAs<CFGStmt>()) {
      const Stmt *St = CS->getStmt();
      if (llvm::isa<ReturnStmt>(St))
        Exit = St->getBeginLoc();
      else if (llvm::isa<CXXThrowExpr>(St)) {
        Exit = St->getBeginLoc();
        ByException = true;
      }
      break;
    }
  if (Exit.isInvalid()) {
    if (const auto *CS = llvm::dyn_cast<CompoundStmt>(Body))
      Exit = CS->getRBracLoc();
    else
      Exit = Body->getEndLoc();
  }
  for (const auto &[Id, F] : S.L.Locks)
    if (F.H == Held::Yes && F.AcquiredHere && !F.ViaGuard &&
        Id.K != LockId::Local)
      H->lockLeak(FD, Id, F.Acquired, Exit, ByException);
}

void FunctionRun::guardDecl(const VarDecl *VD, State &S) {
  GuardInit G = classifyGuardInit(VD);
  SourceLocation Loc = VD->getLocation();
  GuardFact Fact;
  Fact.Locks = G.Locks;
  Fact.Shared = G.Shared;
  switch (G.M) {
  case GuardInit::Lock:
    notifyAcquire(S, G.Locks, Loc, false);
    for (const LockId &Id : G.Locks)
      acquire(S, Id, Loc, G.Shared, /*ViaGuard=*/true);
    Fact.Owns = Held::Yes;
    break;
  case GuardInit::Try: {
    notifyAcquire(S, G.Locks, Loc, true);
    for (const LockId &Id : G.Locks) {
      LockFact &F = S.L.Locks[Id];
      F.H = Held::Maybe;
      F.ViaGuard = true;
      F.AcquiredHere = true;
      F.Acquired = Loc;
    }
    Fact.Owns = Held::Maybe;
    break;
  }
  case GuardInit::Adopt:
    for (const LockId &Id : G.Locks) {
      LockFact &F = S.L.Locks[Id];
      F.H = Held::Yes;
      F.ViaGuard = true;
      if (F.Acquired.isInvalid())
        F.Acquired = Loc;
    }
    Fact.Owns = Held::Yes;
    break;
  case GuardInit::Defer:
    Fact.Owns = Held::No;
    break;
  case GuardInit::MoveFrom: {
    auto It = S.Guards.find(G.From);
    if (It == S.Guards.end())
      return;
    Fact = It->second;
    It->second.Owns = Held::No;
    break;
  }
  case GuardInit::Unknown:
    return;
  }
  S.Guards[VD] = Fact;
}

std::optional<LockId> FunctionRun::rebase(const LockId &Id, const Expr *Call,
                                          const FunctionDecl *Callee) {
  if (Id.K == LockId::Global)
    return Id;
  if (Id.K == LockId::Local)
    return std::nullopt;
  const auto *MD = llvm::dyn_cast<CXXMethodDecl>(Callee);
  if (Id.K == LockId::Member) {
    // A lambda's `this` is its enclosing object's.
    if (MD && MD->getParent()->isLambda())
      return Id;
    const Expr *Obj = nullptr;
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(Call))
      Obj = MC->getImplicitObjectArgument();
    if (!Obj)
      return std::nullopt;
    Obj = Obj->IgnoreParenImpCasts();
    if (llvm::isa<CXXThisExpr>(Obj))
      return Id;
    std::optional<LockId> Base = resolveLock(Obj);
    if (!Base)
      return std::nullopt;
    LockId Out = *Base;
    Out.Path = Out.Path.empty() ? Id.Path : Out.Path + "." + Id.Path;
    Out.Owner = Id.Owner;
    Out.Leaf = Id.Leaf;
    return Out;
  }
  // A parameter of the callee: the argument passed for it.
  const auto *P = llvm::dyn_cast<ParmVarDecl>(Id.Root);
  const auto *CE = llvm::dyn_cast<CallExpr>(Call);
  if (!P || !CE)
    return std::nullopt;
  unsigned Index = P->getFunctionScopeIndex();
  // Member operator calls pass the object as argument 0.
  if (llvm::isa<CXXOperatorCallExpr>(CE) && MD)
    ++Index;
  if (Index >= CE->getNumArgs())
    return std::nullopt;
  std::optional<LockId> Base = resolveLock(CE->getArg(Index));
  if (!Base)
    return std::nullopt;
  if (Id.Path.empty())
    return Base;
  LockId Out = *Base;
  Out.Path = Out.Path.empty() ? Id.Path : Out.Path + "." + Id.Path;
  Out.Owner = Id.Owner;
  Out.Leaf = Id.Leaf;
  return Out;
}

void FunctionRun::applySummary(const Expr *E, const FunctionDecl *Callee,
                               State &S) {
  const Summary *Sum = Eng.summary(Callee);
  if (!Sum)
    return;
  SourceLocation Loc = E->getExprLoc();
  for (const auto &[Id, Where] : Sum->AcquiredInside) {
    std::optional<LockId> T = rebase(Id, E, Callee);
    if (!T)
      continue;
    auto It = S.L.Locks.find(*T);
    if (Reporting && H && It != S.L.Locks.end() &&
        It->second.H == Held::Yes && !T->recursive())
      H->doubleLock(FD, *T, Loc, It->second.Acquired, Callee, Where);
  }
  for (const LockId &Id : Sum->Releases)
    if (std::optional<LockId> T = rebase(Id, E, Callee))
      release(S, *T, Loc, /*Check=*/true, Callee);
  for (const auto &[Id, Where] : Sum->HeldOnExit)
    if (std::optional<LockId> T = rebase(Id, E, Callee))
      acquire(S, *T, Loc, false, false, /*Check=*/false);
}

void FunctionRun::applyCall(const Expr *E, State &S) {
  if (Reporting && H)
    H->call(FD, E, S.L);
  LockOp Op = classifyCall(E);
  bool IsLockOp = Op.K != LockOp::None || Op.Disown;
  if (Reporting && H && Opts.ExceptionPaths && Exceptions && !HasTry &&
      !IsLockOp &&
      !isAcquirer() && Throws.callMayThrow(E))
    for (const auto &[Id, F] : S.L.Locks)
      if (F.H == Held::Yes && F.AcquiredHere && !F.ViaGuard &&
          Id.K != LockId::Local)
        H->lockLeak(FD, Id, F.Acquired, E->getExprLoc(), true);
  SourceLocation Loc = E->getExprLoc();
  if (Op.Guard) {
    auto It = S.Guards.find(Op.Guard);
    if (It == S.Guards.end())
      return;
    GuardFact &G = It->second;
    if (Op.Disown) {
      G.Owns = Held::No;
      for (const LockId &Id : G.Locks) {
        LockFact &F = S.L.Locks[Id];
        F.ViaGuard = false;
        F.AcquiredHere = false; // handed to whoever takes it over
      }
      return;
    }
    switch (Op.K) {
    case LockOp::Acquire:
      notifyAcquire(S, G.Locks, Loc, false);
      for (const LockId &Id : G.Locks)
        acquire(S, Id, Loc, G.Shared, true);
      G.Owns = Held::Yes;
      break;
    case LockOp::TryAcquire:
      notifyAcquire(S, G.Locks, Loc, true);
      for (const LockId &Id : G.Locks) {
        LockFact &F = S.L.Locks[Id];
        F.H = Held::Maybe;
        F.ViaGuard = true;
        F.AcquiredHere = true;
        F.Acquired = Loc;
      }
      G.Owns = Held::Maybe;
      S.Tries[E] = PendingTry{G.Locks, Op.Guard, false};
      break;
    case LockOp::Release:
      for (const LockId &Id : G.Locks) {
        if (G.Owns == Held::No && Reporting && H)
          H->unlockNotHeld(FD, Id, Loc, S.L.Locks[Id].Released, nullptr);
        release(S, Id, Loc, /*Check=*/false);
      }
      G.Owns = Held::No;
      break;
    default:
      break;
    }
    return;
  }
  switch (Op.K) {
  case LockOp::Acquire:
    notifyAcquire(S, Op.Locks, Loc, false);
    for (const LockId &Id : Op.Locks)
      acquire(S, Id, Loc, Op.Shared, false);
    return;
  case LockOp::TryAcquire: {
    notifyAcquire(S, Op.Locks, Loc, true);
    for (const LockId &Id : Op.Locks) {
      LockFact &F = S.L.Locks[Id];
      if (F.H == Held::Yes)
        continue;
      F.H = Held::Maybe;
      F.ViaGuard = false;
      F.AcquiredHere = true;
      F.Acquired = Loc;
    }
    const auto *Call = llvm::dyn_cast<CallExpr>(E);
    const FunctionDecl *Callee = Call ? Call->getDirectCallee() : nullptr;
    // std::try_lock's result (-1 on success) is not followed.
    if (!isStdFunction(Callee, "try_lock"))
      S.Tries[E] =
          PendingTry{Op.Locks, nullptr, !llvm::isa<CXXMemberCallExpr>(E)};
    return;
  }
  case LockOp::Release:
    for (const LockId &Id : Op.Locks)
      release(S, Id, Loc, /*Check=*/true);
    return;
  case LockOp::None:
    break;
  }
  const FunctionDecl *Callee = nullptr;
  if (const auto *Call = llvm::dyn_cast<CallExpr>(E))
    Callee = Call->getDirectCallee();
  if (Callee)
    applySummary(E, Callee, S);
}

void FunctionRun::transfer(const CFGElement &E, State &S) {
  if (auto D = E.getAs<CFGAutomaticObjDtor>()) {
    auto It = S.Guards.find(D->getVarDecl());
    if (It == S.Guards.end())
      return;
    if (It->second.Owns != Held::No)
      for (const LockId &Id : It->second.Locks)
        release(S, Id, D->getTriggerStmt() ? D->getTriggerStmt()->getEndLoc()
                                           : SourceLocation(),
                /*Check=*/false);
    S.Guards.erase(It);
    return;
  }
  auto CS = E.getAs<CFGStmt>();
  if (!CS)
    return;
  const Stmt *St = CS->getStmt();
  if (Reporting && H)
    H->statement(FD, St, S.L);
  if (const auto *DS = llvm::dyn_cast<DeclStmt>(St)) {
    for (const Decl *D : DS->decls())
      if (const auto *VD = llvm::dyn_cast<VarDecl>(D))
        if (!VD->getType()->isReferenceType() && isGuardType(VD->getType()))
          guardDecl(VD, S);
    return;
  }
  if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(St)) {
    // A guard moved into anything but another local guard leaves our
    // sight: whoever receives it decides when its locks are released.
    const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl());
    auto It = S.Guards.find(VD);
    if (It == S.Guards.end())
      return;
    const Stmt *P = PM.getParentIgnoreParenImpCasts(const_cast<DeclRefExpr *>(DRE));
    const auto *Move = llvm::dyn_cast_or_null<CallExpr>(P);
    if (!Move || !isStdFunction(Move->getDirectCallee(), "move"))
      return;
    for (const Stmt *Up = PM.getParent(const_cast<CallExpr *>(Move)); Up;
         Up = PM.getParent(const_cast<Stmt *>(Up))) {
      if (const auto *UpDS = llvm::dyn_cast<DeclStmt>(Up)) {
        if (UpDS->isSingleDecl())
          if (const auto *Into = llvm::dyn_cast<VarDecl>(UpDS->getSingleDecl()))
            if (isGuardType(Into->getType()))
              return;
        break;
      }
      if (!llvm::isa<Expr>(Up))
        break;
    }
    for (const LockId &Id : It->second.Locks)
      S.L.Locks.erase(Id);
    It->second.Owns = Held::No;
    return;
  }
  if (const auto *Suspend = llvm::dyn_cast<CoroutineSuspendExpr>(St)) {
    if (Reporting && H)
      H->suspend(FD, Suspend, S.L);
    return;
  }
  if (llvm::isa<CallExpr>(St) || llvm::isa<CXXConstructExpr>(St))
    applyCall(llvm::cast<Expr>(St), S);
}

void FunctionRun::refine(const CFGBlock *B, unsigned SuccIndex, State &S) {
  if (B->succ_size() != 2)
    return;
  const auto *Cond =
      llvm::dyn_cast_or_null<Expr>(B->getTerminatorCondition(true));
  if (!Cond)
    return;
  bool Negate = false;
  const Expr *E = Cond->IgnoreParenImpCasts();
  while (true) {
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E);
        U && U->getOpcode() == UO_LNot) {
      Negate = !Negate;
      E = U->getSubExpr()->IgnoreParenImpCasts();
      continue;
    }
    if (const auto *BO = llvm::dyn_cast<BinaryOperator>(E);
        BO && (BO->getOpcode() == BO_EQ || BO->getOpcode() == BO_NE)) {
      const Expr *L = BO->getLHS()->IgnoreParenImpCasts();
      const Expr *R = BO->getRHS()->IgnoreParenImpCasts();
      auto IsZero = [&](const Expr *X) {
        Expr::EvalResult V;
        return !X->isValueDependent() && X->EvaluateAsInt(V, Ctx) &&
               V.Val.getInt() == 0;
      };
      const Expr *Other = IsZero(R) ? L : IsZero(L) ? R : nullptr;
      if (!Other)
        return;
      if (BO->getOpcode() == BO_EQ)
        Negate = !Negate;
      E = Other;
      continue;
    }
    break;
  }
  bool Truthy = (SuccIndex == 0) != Negate;
  auto Apply = [&](const std::vector<LockId> &Locks, const VarDecl *Guard,
                   bool Success) {
    for (const LockId &Id : Locks) {
      LockFact &F = S.L.Locks[Id];
      if (F.H != Held::Maybe)
        continue;
      F.H = Success ? Held::Yes : Held::No;
    }
    if (Guard) {
      auto It = S.Guards.find(Guard);
      if (It != S.Guards.end() && It->second.Owns == Held::Maybe)
        It->second.Owns = Success ? Held::Yes : Held::No;
    }
  };
  auto TryIt = S.Tries.find(E);
  if (TryIt != S.Tries.end()) {
    PendingTry T = TryIt->second;
    S.Tries.erase(TryIt);
    Apply(T.Locks, T.Guard, T.ZeroIsSuccess ? !Truthy : Truthy);
    return;
  }
  // lk.owns_lock(), `if (lk)`.
  if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E)) {
    const CXXMethodDecl *MD = MC->getMethodDecl();
    if (!MD || !isMovableGuardType(MC->getImplicitObjectArgument()->getType()))
      return;
    if (!llvm::isa<CXXConversionDecl>(MD) &&
        !(MD->getIdentifier() && MD->getName() == "owns_lock"))
      return;
    const VarDecl *G = referencedVar(MC->getImplicitObjectArgument());
    auto It = S.Guards.find(G);
    if (It != S.Guards.end())
      Apply(It->second.Locks, G, Truthy);
  }
}

} // namespace

void runLocksetAnalysis(ASTContext &Ctx, LocksetHandler &H,
                        const LocksetOptions &Opts) {
  Engine Eng(Ctx, Opts);
  forEachFunctionBody(Ctx, [&](const FunctionDecl *FD, const Stmt *Body) {
    // Opted out of Clang's thread-safety analysis: opted out of ours. Its
    // summary still serves its callers.
    if (FD->hasAttr<NoThreadSafetyAnalysisAttr>())
      return;
    Eng.analyze(FD, Body, H);
  });
}

} // namespace fearless
