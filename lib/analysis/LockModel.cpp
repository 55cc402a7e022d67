#include "analysis/LockModel.h"

#include "analysis/ThreadModel.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "llvm/ADT/StringSwitch.h"

namespace fearless {

using namespace clang;

std::string LockId::name() const {
  std::string Base = Root ? Root->getName().str() : std::string();
  if (Path.empty())
    return Base;
  return Base.empty() ? Path : Base + "." + Path;
}

bool LockId::recursive() const {
  return Leaf && isRecursiveLockType(Leaf->getType());
}

std::string qualifiedName(const NamedDecl *D) {
  if (!D)
    return "";
  PrintingPolicy P(D->getASTContext().getLangOpts());
  P.SuppressInlineNamespace = true;
  std::string S;
  llvm::raw_string_ostream OS(S);
  D->printQualifiedName(OS, P);
  return OS.str();
}

std::optional<LockId> resolveLock(const Expr *E) {
  if (!E)
    return std::nullopt;
  E = E->IgnoreParenImpCasts();
  if (const auto *U = llvm::dyn_cast<UnaryOperator>(E))
    if (U->getOpcode() == UO_AddrOf || U->getOpcode() == UO_Deref)
      return resolveLock(U->getSubExpr());
  if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E)) {
    const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl());
    if (!VD)
      return std::nullopt;
    // `std::mutex &m = obj.mu;` names obj.mu.
    if (VD->getType()->isReferenceType() && VD->hasLocalStorage() &&
        !llvm::isa<ParmVarDecl>(VD) && VD->getInit())
      if (auto Through = resolveLock(VD->getInit()))
        return Through;
    LockId Id;
    Id.Root = VD;
    Id.Leaf = VD;
    Id.K = VD->hasGlobalStorage() && !VD->isStaticLocal() ? LockId::Global
           : llvm::isa<ParmVarDecl>(VD)                   ? LockId::Param
           : VD->isStaticLocal()                          ? LockId::Global
                                                          : LockId::Local;
    return Id;
  }
  if (const auto *ME = llvm::dyn_cast<MemberExpr>(E)) {
    if (const auto *Static = llvm::dyn_cast<VarDecl>(ME->getMemberDecl())) {
      LockId Id;
      Id.K = LockId::Global;
      Id.Root = Static;
      Id.Leaf = Static;
      return Id;
    }
    const auto *FD = llvm::dyn_cast<FieldDecl>(ME->getMemberDecl());
    if (!FD)
      return std::nullopt;
    const Expr *Base = ME->getBase()->IgnoreParenImpCasts();
    LockId Id;
    if (llvm::isa<CXXThisExpr>(Base)) {
      Id.K = LockId::Member;
    } else if (auto B = resolveLock(Base)) {
      Id = *B;
    } else {
      return std::nullopt;
    }
    Id.Path = Id.Path.empty() ? FD->getName().str()
                              : Id.Path + "." + FD->getName().str();
    Id.Leaf = FD;
    if (const auto *RD = llvm::dyn_cast<NamedDecl>(FD->getParent()))
      Id.Owner = RD->getName().str();
    return Id;
  }
  return std::nullopt;
}

static const CXXRecordDecl *recordOf(QualType T) {
  if (T.isNull())
    return nullptr;
  T = T.getNonReferenceType();
  if (const auto *PT = T->getAs<PointerType>())
    T = PT->getPointeeType();
  return T.getCanonicalType()->getAsCXXRecordDecl();
}

static bool hasMethod(const CXXRecordDecl *RD, llvm::StringRef Name) {
  if (!RD || !RD->hasDefinition())
    return false;
  RD = RD->getDefinition();
  for (const CXXMethodDecl *M : RD->methods())
    if (M->getIdentifier() && M->getName() == Name)
      return true;
  for (const CXXBaseSpecifier &B : RD->bases())
    if (hasMethod(B.getType()->getAsCXXRecordDecl(), Name))
      return true;
  return false;
}

static bool isStdMutexName(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("mutex", "recursive_mutex", "timed_mutex",
             "recursive_timed_mutex", "shared_mutex", "shared_timed_mutex",
             true)
      .Default(false);
}

bool isLockType(QualType T) {
  const CXXRecordDecl *RD = recordOf(T);
  if (!RD)
    return false;
  if (RD->isInStdNamespace())
    return RD->getIdentifier() && isStdMutexName(RD->getName());
  if (RD->hasAttr<CapabilityAttr>())
    return true;
  return hasMethod(RD, "lock") && hasMethod(RD, "unlock") && !isGuardType(T);
}

bool isRecursiveLockType(QualType T) {
  const CXXRecordDecl *RD = recordOf(T);
  if (!RD || !RD->getIdentifier())
    return false;
  if (RD->isInStdNamespace())
    return RD->getName() == "recursive_mutex" ||
           RD->getName() == "recursive_timed_mutex";
  return RD->getName().contains_insensitive("recursive");
}

namespace {
/// A user RAII guard by shape: its destructor unlocks a member that refers
/// to a lock, and a constructor locks that member after initialising it
/// from one of its parameters.
struct ShapeGuard {
  const FieldDecl *Field = nullptr;
  const CXXConstructorDecl *Ctor = nullptr;
  unsigned Param = 0;
};

const FieldDecl *memberCalled(const Stmt *S, llvm::StringRef Lower) {
  if (!S)
    return nullptr;
  if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(S))
    if (const CXXMethodDecl *MD = MC->getMethodDecl();
        MD && MD->getIdentifier() && MD->getName().lower() == Lower)
      if (const auto *ME = llvm::dyn_cast<MemberExpr>(
              MC->getImplicitObjectArgument()->IgnoreParenImpCasts()))
        if (llvm::isa<CXXThisExpr>(ME->getBase()->IgnoreParenImpCasts()))
          if (const auto *FD = llvm::dyn_cast<FieldDecl>(ME->getMemberDecl()))
            return FD;
  for (const Stmt *C : S->children())
    if (const FieldDecl *FD = memberCalled(C, Lower))
      return FD;
  return nullptr;
}

std::optional<ShapeGuard> guardShape(const CXXRecordDecl *RD) {
  if (!RD || !RD->hasDefinition() || RD->isInStdNamespace() || RD->isLambda())
    return std::nullopt;
  RD = RD->getDefinition();
  const CXXDestructorDecl *Dtor = RD->getDestructor();
  if (!Dtor || !Dtor->hasBody())
    return std::nullopt;
  const FieldDecl *F = memberCalled(Dtor->getBody(), "unlock");
  if (!F)
    return std::nullopt;
  QualType FT = F->getType();
  if (!FT->isReferenceType() && !FT->isPointerType())
    return std::nullopt;
  for (const CXXConstructorDecl *Ctor : RD->ctors()) {
    if (!Ctor->hasBody() || memberCalled(Ctor->getBody(), "lock") != F)
      continue;
    for (const CXXCtorInitializer *Init : Ctor->inits()) {
      if (Init->getMember() != F)
        continue;
      const Expr *E = Init->getInit()->IgnoreParenImpCasts();
      if (const auto *U = llvm::dyn_cast<UnaryOperator>(E))
        E = U->getSubExpr()->IgnoreParenImpCasts();
      if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
        if (const auto *P = llvm::dyn_cast<ParmVarDecl>(DRE->getDecl()))
          return ShapeGuard{F, Ctor, P->getFunctionScopeIndex()};
    }
  }
  return std::nullopt;
}
} // namespace

bool isMovableGuardType(QualType T) {
  return isStdRecord(T, "unique_lock") || isStdRecord(T, "shared_lock");
}

bool isGuardType(QualType T) {
  if (isStdRecord(T, "lock_guard") || isStdRecord(T, "scoped_lock") ||
      isMovableGuardType(T))
    return true;
  const CXXRecordDecl *RD = recordOf(T);
  return RD && (RD->hasAttr<ScopedLockableAttr>() || guardShape(RD));
}

namespace {

/// Rebases a lock named in a thread-safety attribute of \p Callee onto the
/// call: `this`-relative members onto the object, parameters onto the
/// arguments.
std::optional<LockId> translate(const Expr *AttrArg, const FunctionDecl *Callee,
                                const Expr *Object,
                                llvm::ArrayRef<const Expr *> Args) {
  if (const auto *DRE =
          llvm::dyn_cast<DeclRefExpr>(AttrArg->IgnoreParenImpCasts()))
    if (const auto *P = llvm::dyn_cast<ParmVarDecl>(DRE->getDecl())) {
      unsigned I = P->getFunctionScopeIndex();
      if (Callee && I < Args.size())
        return resolveLock(Args[I]);
      return std::nullopt;
    }
  std::optional<LockId> Id = resolveLock(AttrArg);
  if (!Id || Id->K != LockId::Member || Id->Root)
    return Id;
  if (!Object || llvm::isa<CXXThisExpr>(Object->IgnoreParenImpCasts()))
    return Id;
  std::optional<LockId> Base = resolveLock(Object);
  if (!Base)
    return std::nullopt;
  LockId Out = *Base;
  Out.Path = Out.Path.empty() ? Id->Path : Out.Path + "." + Id->Path;
  Out.Owner = Id->Owner;
  Out.Leaf = Id->Leaf;
  return Out;
}

template <typename AttrT>
bool attributeLocks(const FunctionDecl *FD, const Expr *Object,
                    llvm::ArrayRef<const Expr *> Args,
                    std::vector<LockId> &Out) {
  bool Found = false;
  for (const AttrT *A : FD->specific_attrs<AttrT>()) {
    Found = true;
    if (A->args_size() == 0) {
      // Unnamed: the object the method is called on.
      if (auto Id = resolveLock(Object))
        Out.push_back(*Id);
      continue;
    }
    for (const Expr *Arg : A->args())
      if (auto Id = translate(Arg, FD, Object, Args))
        Out.push_back(*Id);
  }
  return Found;
}

LockOp fromAttributes(const FunctionDecl *FD, const Expr *Object,
                      llvm::ArrayRef<const Expr *> Args) {
  LockOp Op;
  if (!FD)
    return Op;
  if (attributeLocks<AcquireCapabilityAttr>(FD, Object, Args, Op.Locks)) {
    Op.K = LockOp::Acquire;
    for (const auto *A : FD->specific_attrs<AcquireCapabilityAttr>())
      Op.Shared |= A->isShared();
  } else if (attributeLocks<TryAcquireCapabilityAttr>(FD, Object, Args,
                                                      Op.Locks)) {
    Op.K = LockOp::TryAcquire;
  } else if (attributeLocks<ReleaseCapabilityAttr>(FD, Object, Args,
                                                   Op.Locks)) {
    Op.K = LockOp::Release;
  }
  return Op;
}

} // namespace

LockOp classifyCall(const Expr *E) {
  LockOp Op;
  if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E)) {
    const CXXMethodDecl *MD = MC->getMethodDecl();
    const Expr *Obj = MC->getImplicitObjectArgument();
    if (!MD || !MD->getIdentifier() || !Obj)
      return Op;
    llvm::StringRef N = MD->getName();
    QualType ObjT = Obj->getType();
    if (isMovableGuardType(ObjT)) {
      const VarDecl *G = referencedVar(Obj);
      if (!G)
        return Op;
      Op.Guard = G;
      Op.Shared = isStdRecord(ObjT, "shared_lock");
      if (N == "lock")
        Op.K = LockOp::Acquire;
      else if (N.starts_with("try_lock"))
        Op.K = LockOp::TryAcquire;
      else if (N == "unlock")
        Op.K = LockOp::Release;
      else if (N == "release")
        Op.Disown = true;
      return Op;
    }
    llvm::SmallVector<const Expr *, 4> Args(MC->arg_begin(), MC->arg_end());
    LockOp Annotated = fromAttributes(MD, Obj, Args);
    if (Annotated.K != LockOp::None)
      return Annotated;
    if (!isLockType(ObjT))
      return Op;
    std::optional<LockId> Id = resolveLock(Obj);
    if (!Id)
      return Op;
    if (N == "lock" || N == "lock_shared")
      Op.K = LockOp::Acquire;
    else if (N.starts_with("try_lock"))
      Op.K = LockOp::TryAcquire;
    else if (N == "unlock" || N == "unlock_shared")
      Op.K = LockOp::Release;
    else
      return Op;
    Op.Shared = N.ends_with("_shared");
    Op.Locks.push_back(*Id);
    return Op;
  }
  const auto *Call = llvm::dyn_cast<CallExpr>(E);
  if (!Call || llvm::isa<CXXOperatorCallExpr>(Call))
    return Op;
  const FunctionDecl *FD = Call->getDirectCallee();
  if (!FD || !FD->getIdentifier())
    return Op;
  llvm::StringRef N = FD->getName();
  llvm::SmallVector<const Expr *, 4> Args(Call->arg_begin(), Call->arg_end());
  if (isStdFunction(FD, "lock") || isStdFunction(FD, "try_lock")) {
    Op.K = N == "lock" ? LockOp::Acquire : LockOp::TryAcquire;
    for (const Expr *A : Args)
      if (auto Id = resolveLock(A))
        Op.Locks.push_back(*Id);
    return Op;
  }
  const DeclContext *DC = FD->getDeclContext()->getRedeclContext();
  if ((DC->isTranslationUnit() || FD->isExternC()) && !Args.empty()) {
    LockOp::Kind K =
        llvm::StringSwitch<LockOp::Kind>(N)
            .Cases("pthread_mutex_lock", "pthread_rwlock_wrlock",
                   "pthread_rwlock_rdlock", "pthread_spin_lock", "mtx_lock",
                   LockOp::Acquire)
            .Cases("pthread_mutex_trylock", "pthread_mutex_timedlock",
                   "pthread_mutex_clocklock", "pthread_rwlock_trywrlock",
                   "pthread_rwlock_tryrdlock", LockOp::TryAcquire)
            .Cases("pthread_rwlock_timedwrlock", "pthread_rwlock_timedrdlock",
                   "pthread_rwlock_clockwrlock", "pthread_rwlock_clockrdlock",
                   "pthread_spin_trylock", "mtx_trylock", "mtx_timedlock",
                   LockOp::TryAcquire)
            .Cases("pthread_mutex_unlock", "pthread_rwlock_unlock",
                   "pthread_spin_unlock", "mtx_unlock", LockOp::Release)
            .Default(LockOp::None);
    if (K != LockOp::None) {
      if (auto Id = resolveLock(Args[0])) {
        Op.K = K;
        Op.Locks.push_back(*Id);
        Op.Shared = N.contains("rdlock");
      }
      return Op;
    }
  }
  return fromAttributes(FD, nullptr, Args);
}

GuardInit classifyGuardInit(const VarDecl *Guard) {
  GuardInit G;
  const Expr *Init = Guard->getInit();
  if (!Init)
    return G;
  const Expr *S = Init->IgnoreImplicit();
  if (const auto *EWC = llvm::dyn_cast<ExprWithCleanups>(S))
    S = EWC->getSubExpr()->IgnoreImplicit();
  const auto *CE = llvm::dyn_cast<CXXConstructExpr>(S);
  if (!CE)
    return G;
  G.Shared = isStdRecord(Guard->getType(), "shared_lock");
  if (CE->getNumArgs() == 0) {
    G.M = GuardInit::Defer;
    return G;
  }
  if (isGuardType(CE->getArg(0)->getType())) {
    G.M = GuardInit::MoveFrom;
    G.From = referencedVar(CE->getArg(0));
    return G;
  }
  G.M = GuardInit::Lock;
  for (const Expr *A : CE->arguments()) {
    QualType T = A->getType();
    if (isStdRecord(T, "defer_lock_t"))
      G.M = GuardInit::Defer;
    else if (isStdRecord(T, "try_to_lock_t"))
      G.M = GuardInit::Try;
    else if (isStdRecord(T, "adopt_lock_t"))
      G.M = GuardInit::Adopt;
    else if (isStdRecord(T, "duration") || isStdRecord(T, "time_point"))
      G.M = GuardInit::Try;
    else if (auto Id = resolveLock(A))
      G.Locks.push_back(*Id);
  }
  // A user scoped_lockable class names what its constructor acquires.
  if (!isStdRecord(Guard->getType(), "lock_guard") &&
      !isStdRecord(Guard->getType(), "scoped_lock") &&
      !isMovableGuardType(Guard->getType())) {
    llvm::SmallVector<const Expr *, 4> Args(CE->arg_begin(), CE->arg_end());
    LockOp Op = fromAttributes(CE->getConstructor(), nullptr, Args);
    if (Op.K == LockOp::Acquire) {
      G.Locks = Op.Locks;
      G.Shared = Op.Shared;
    }
  }
  // A guard by shape takes the lock its constructor is given.
  if (auto Shape = guardShape(recordOf(Guard->getType()));
      Shape &&
      Shape->Ctor->getCanonicalDecl() ==
          CE->getConstructor()->getCanonicalDecl() &&
      Shape->Param < CE->getNumArgs()) {
    G.M = GuardInit::Lock;
    G.Locks.clear();
    if (auto Id = resolveLock(CE->getArg(Shape->Param)))
      G.Locks.push_back(*Id);
  }
  if (G.Locks.empty() && G.M != GuardInit::Defer)
    G.M = GuardInit::Unknown;
  return G;
}

} // namespace fearless
