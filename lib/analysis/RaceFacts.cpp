// Extraction of the "races" facts section; the merge lives in
// RaceMerge.cpp. See RaceFacts.h for the model.
#include "analysis/RaceFacts.h"

#include "analysis/ClangReport.h"
#include "analysis/LockModel.h"
#include "analysis/Lockset.h"
#include "analysis/ThreadModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMap.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/StringSwitch.h"

#include <map>
#include <memory>
#include <optional>
#include <set>

namespace fearless {

using namespace clang;
namespace json = llvm::json;

const char *const DefaultSubmitFunctions =
    "submit;post;enqueue;detach_task;push_task;dispatch;execute;run_async;"
    "Schedule;StartThread";

namespace {

/// An access path: a root and the fields below it. Roots: "T" (the
/// object `this` points to), "G:<usr>" (a global or static), "V:<usr>"
/// (a local or parameter of Owner; for pointers, the path continues into
/// the pointee). "*" marks a dereference; "*." is written ".", so `p->f`
/// and `(*p).f` are one path.
struct APath {
  std::string Root;
  std::string Owner; ///< USR of the function declaring a V root
  int Param = -1;    ///< parameter index of a V root in Owner
  std::string Path;
  bool Deref = false; ///< the path goes through a pointer
  const ValueDecl *Leaf = nullptr;
  const VarDecl *RootVar = nullptr;

  json::Value toJson() const {
    return json::Array{Root, Owner, Param, Path};
  }
};

std::string normalise(std::string P) {
  for (size_t I; (I = P.find("*.")) != std::string::npos;)
    P.erase(I, 1);
  return P;
}

bool isSyncType(QualType T) {
  T = T.getNonReferenceType();
  if (T->isAtomicType())
    return true;
  if (isLockType(T) || isGuardType(T))
    return true;
  const CXXRecordDecl *RD = T.getCanonicalType()->getAsCXXRecordDecl();
  if (!RD || !RD->getIdentifier())
    return false;
  if (!RD->isInStdNamespace())
    return false;
  return llvm::StringSwitch<bool>(RD->getName())
      .Cases("atomic", "atomic_flag", "atomic_ref", "condition_variable",
             "condition_variable_any", "thread", "jthread", true)
      .Cases("future", "shared_future", "promise", "packaged_task", "latch",
             "barrier", "counting_semaphore", "once_flag", true)
      .Cases("stop_source", "stop_token", "binary_semaphore", true)
      .Default(false);
}

/// Standard-library member functions that do not modify the object even
/// when the non-const overload is chosen.
bool isObserver(llvm::StringRef N) {
  return llvm::StringSwitch<bool>(N)
      .Cases("begin", "end", "cbegin", "cend", "rbegin", "rend", true)
      .Cases("size", "empty", "length", "capacity", "max_size", true)
      .Cases("find", "count", "contains", "lower_bound", "upper_bound",
             "equal_range", true)
      .Cases("at", "front", "back", "data", "c_str", "get", "str", true)
      .Cases("substr", "compare", "starts_with", "ends_with", "rfind", true)
      .Cases("use_count", "key_comp", "value_comp", "hash_function", true)
      .Cases("bucket_count", "load_factor", "get_allocator", true)
      .Default(false);
}

bool isAssociative(QualType T) {
  const CXXRecordDecl *RD =
      T.getNonReferenceType().getCanonicalType()->getAsCXXRecordDecl();
  if (!RD || !RD->isInStdNamespace() || !RD->getIdentifier())
    return false;
  return llvm::StringSwitch<bool>(RD->getName())
      .Cases("map", "unordered_map", true)
      .Default(false);
}

std::string functionName(const FunctionDecl *FD) {
  if (isLambdaBody(FD)) {
    const FunctionDecl *Outer = lambdaOwner(FD);
    return Outer ? "lambda in " + functionName(Outer) : "lambda";
  }
  return FD->getQualifiedNameAsString();
}

/// The function a local belongs to (a lambda's call operator for the
/// lambda's own locals and init-captures).
const FunctionDecl *ownerOf(const VarDecl *VD) {
  const DeclContext *DC = VD->getDeclContext();
  while (DC && !llvm::isa<FunctionDecl>(DC))
    DC = DC->getParent();
  return llvm::dyn_cast_or_null<FunctionDecl>(DC);
}

/// The innermost lambda call operator (or function) an expression of
/// \p Fn is in is Fn itself: the lockset engine gives each lambda body
/// its own events.
struct FnState {
  std::unique_ptr<ParentMap> PM;
  std::set<const VarDecl *> Shared; ///< locals captured by ref / addressed
  json::Array Accesses, Calls, Spawns, Joins;
  bool Any = false;
};

class Extractor : public LocksetHandler {
public:
  Extractor(ASTContext &Ctx, const RaceExtractOptions &Opts)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), Opts(Opts) {}

  void statement(const FunctionDecl *Fn, const Stmt *S,
                 const Lockset &Before) override {
    const auto *E = llvm::dyn_cast<Expr>(S);
    if (!E || !isPathExpr(E))
      return;
    FnState &F = state(Fn);
    if (isBaseOfPath(F, E))
      return;
    access(Fn, F, E, Before);
  }

  void call(const FunctionDecl *Fn, const Expr *Call,
            const Lockset &Before) override {
    FnState &F = state(Fn);
    if (spawn(Fn, F, Call) || joinFact(Fn, F, Call))
      return;
    callFact(Fn, F, Call, Before);
  }

  json::Value finish() {
    json::Array Fns;
    for (auto &[FD, F] : States) {
      if (!F.Any)
        continue;
      json::Object O;
      O["usr"] = usrOf(FD);
      O["name"] = functionName(FD);
      const auto *MD = llvm::dyn_cast<CXXMethodDecl>(FD);
      O["lambda"] = isLambdaBody(FD);
      O["structor"] =
          llvm::isa<CXXConstructorDecl>(FD) || llvm::isa<CXXDestructorDecl>(FD);
      O["strong"] = isStrongDefinition(FD);
      if (MD && !isLambdaBody(FD))
        O["method"] = methodFacts(MD);
      addLocation(O, FD->getLocation());
      json::Array Params;
      for (const ParmVarDecl *P : FD->parameters()) {
        QualType T = P->getType();
        Params.push_back(T->isReferenceType() ? "r"
                         : T->isPointerType() ? "p"
                                              : "v");
      }
      O["params"] = std::move(Params);
      O["a"] = std::move(F.Accesses);
      O["calls"] = std::move(F.Calls);
      O["spawns"] = std::move(F.Spawns);
      O["joins"] = std::move(F.Joins);
      Fns.push_back(std::move(O));
    }
    // Deterministic order for identical ASTs.
    std::sort(Fns.begin(), Fns.end(), [](const json::Value &A,
                                         const json::Value &B) {
      return *A.getAsObject()->getString("usr") <
             *B.getAsObject()->getString("usr");
    });
    json::Object Guards;
    for (auto &[K, V] : GuardMap)
      Guards[K] = V;
    json::Array FileList;
    for (const std::string &F : Files)
      FileList.push_back(F);
    json::Array Defines;
    for (std::string &D : strongGlobals(Ctx))
      Defines.push_back(std::move(D));
    return json::Object{{"unit", unitFile(Ctx)},
                        {"defines", std::move(Defines)},
                        {"files", std::move(FileList)},
                        {"fns", std::move(Fns)},
                        {"guards", std::move(Guards)}};
  }

private:
  // ---- per-function state ---------------------------------------------
  FnState &state(const FunctionDecl *Fn) {
    auto [It, Fresh] = States.try_emplace(Fn);
    if (Fresh && Fn->getBody()) {
      It->second.PM = std::make_unique<ParentMap>(Fn->getBody());
      collectShared(Fn, It->second);
    }
    return It->second;
  }

  void collectShared(const FunctionDecl *Fn, FnState &F) {
    struct V : RecursiveASTVisitor<V> {
      std::set<const VarDecl *> &Out;
      explicit V(std::set<const VarDecl *> &Out) : Out(Out) {}
      bool VisitLambdaExpr(LambdaExpr *LE) {
        for (const LambdaCapture &C : LE->captures())
          if (C.capturesVariable() && C.getCaptureKind() == LCK_ByRef)
            if (const auto *VD = llvm::dyn_cast<VarDecl>(C.getCapturedVar()))
              Out.insert(VD);
        return true;
      }
      bool VisitUnaryOperator(UnaryOperator *U) {
        if (U->getOpcode() == UO_AddrOf)
          if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(
                  U->getSubExpr()->IgnoreParenImpCasts()))
            if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
              Out.insert(VD);
        return true;
      }
      bool VisitCallExpr(CallExpr *C) {
        const FunctionDecl *FD = C->getDirectCallee();
        if ((isStdFunction(FD, "ref") || isStdFunction(FD, "cref")) &&
            C->getNumArgs() == 1)
          if (const VarDecl *VD = referencedVar(C->getArg(0)))
            Out.insert(VD);
        return true;
      }
    } Visitor(F.Shared);
    Visitor.TraverseStmt(const_cast<Stmt *>(Fn->getBody()));
  }

  const Stmt *parent(FnState &F, const Stmt *S) {
    return F.PM ? F.PM->getParent(const_cast<Stmt *>(S)) : nullptr;
  }

  /// The parent, skipping parentheses and casts that keep the lvalue.
  const Stmt *lvalueParent(FnState &F, const Stmt *S, const Stmt *&Child) {
    Child = S;
    const Stmt *P = parent(F, S);
    while (P) {
      if (llvm::isa<ParenExpr>(P)) {
        Child = P;
        P = parent(F, P);
        continue;
      }
      if (const auto *IC = llvm::dyn_cast<ImplicitCastExpr>(P))
        if (IC->getCastKind() == CK_NoOp ||
            IC->getCastKind() == CK_UncheckedDerivedToBase ||
            IC->getCastKind() == CK_DerivedToBase) {
          Child = P;
          P = parent(F, P);
          continue;
        }
      break;
    }
    return P;
  }

  // ---- access paths ---------------------------------------------------
  static bool isSmartPointerOp(const CXXOperatorCallExpr *Op) {
    if (Op->getNumArgs() < 1)
      return false;
    OverloadedOperatorKind K = Op->getOperator();
    return (K == OO_Arrow || (K == OO_Star && Op->getNumArgs() == 1)) &&
           Op->getArg(0)->getType()->isRecordType();
  }

  static bool isPathExpr(const Expr *E) {
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E))
      return llvm::isa<VarDecl>(DRE->getDecl());
    if (const auto *ME = llvm::dyn_cast<MemberExpr>(E))
      return llvm::isa<FieldDecl>(ME->getMemberDecl()) ||
             llvm::isa<VarDecl>(ME->getMemberDecl());
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E))
      return U->getOpcode() == UO_Deref;
    if (llvm::isa<ArraySubscriptExpr>(E))
      return true;
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(E))
      return (Op->getOperator() == OO_Subscript &&
              Op->getArg(0)->getType()->isRecordType() &&
              isStdContainer(Op->getArg(0)->getType())) ||
             isSmartPointerOp(Op);
    return false;
  }

  static bool isStdContainer(QualType T) {
    const CXXRecordDecl *RD =
        T.getNonReferenceType().getCanonicalType()->getAsCXXRecordDecl();
    return RD && RD->isInStdNamespace();
  }

  /// \p E is the base of a longer path (`E.f`, `*E`, `E[i]`, `E->f`).
  bool isBaseOfPath(FnState &F, const Expr *E) {
    const Stmt *P = parent(F, E);
    const Stmt *Child = E;
    while (P && (llvm::isa<ParenExpr>(P) || llvm::isa<ImplicitCastExpr>(P))) {
      if (const auto *IC = llvm::dyn_cast<ImplicitCastExpr>(P))
        if (IC->getCastKind() != CK_NoOp &&
            IC->getCastKind() != CK_LValueToRValue &&
            IC->getCastKind() != CK_ArrayToPointerDecay &&
            IC->getCastKind() != CK_UncheckedDerivedToBase &&
            IC->getCastKind() != CK_DerivedToBase)
          return false;
      Child = P;
      P = parent(F, P);
    }
    if (!P)
      return false;
    if (const auto *ME = llvm::dyn_cast<MemberExpr>(P))
      return ME->getBase() == Child && isPathExpr(ME);
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(P))
      return U->getOpcode() == UO_Deref;
    if (const auto *AS = llvm::dyn_cast<ArraySubscriptExpr>(P))
      return AS->getBase() == Child;
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(P))
      return isPathExpr(Op) && Op->getArg(0) == Child;
    return false;
  }

  std::optional<APath> varRoot(const FunctionDecl *Fn, const VarDecl *VD) {
    APath A;
    A.RootVar = VD;
    A.Leaf = VD;
    if (VD->getTLSKind() != VarDecl::TLS_None)
      return std::nullopt;
    if (VD->hasGlobalStorage()) {
      std::string U = usrOf(VD);
      if (U.empty())
        return std::nullopt;
      A.Root = "G:" + U;
      return A;
    }
    const FunctionDecl *Owner = ownerOf(VD);
    if (!Owner)
      return std::nullopt;
    std::string U = usrOf(VD);
    if (U.empty())
      return std::nullopt;
    A.Root = "V:" + U;
    A.Owner = usrOf(Owner);
    if (const auto *P = llvm::dyn_cast<ParmVarDecl>(VD))
      A.Param = P->getFunctionScopeIndex();
    return A;
  }

  /// The object an lvalue expression designates.
  std::optional<APath> pathOf(const FunctionDecl *Fn, const Expr *E,
                              unsigned Depth = 0) {
    if (!E || Depth > 16)
      return std::nullopt;
    E = E->IgnoreParens();
    if (const auto *IC = llvm::dyn_cast<ImplicitCastExpr>(E))
      return pathOf(Fn, IC->getSubExpr(), Depth + 1);
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E)) {
      const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl());
      if (!VD)
        return std::nullopt;
      // A local reference names what it was bound to.
      if (VD->getType()->isReferenceType() && VD->hasLocalStorage() &&
          !llvm::isa<ParmVarDecl>(VD) && VD->getInit() &&
          !VD->isInitCapture())
        return pathOf(Fn, VD->getInit(), Depth + 1);
      return varRoot(Fn, VD);
    }
    if (const auto *ME = llvm::dyn_cast<MemberExpr>(E)) {
      if (const auto *Static = llvm::dyn_cast<VarDecl>(ME->getMemberDecl()))
        return varRoot(Fn, Static);
      const auto *FD = llvm::dyn_cast<FieldDecl>(ME->getMemberDecl());
      if (!FD)
        return std::nullopt;
      std::optional<APath> Base =
          ME->isArrow() ? pointeeOf(Fn, ME->getBase(), Depth + 1)
                        : pathOf(Fn, ME->getBase(), Depth + 1);
      if (!Base)
        return std::nullopt;
      Base->Path = normalise(Base->Path + "." + FD->getName().str());
      Base->Leaf = FD;
      return Base;
    }
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E);
        U && U->getOpcode() == UO_Deref)
      return pointeeOf(Fn, U->getSubExpr(), Depth + 1);
    if (const auto *AS = llvm::dyn_cast<ArraySubscriptExpr>(E)) {
      const Expr *Base = AS->getBase()->IgnoreParens();
      if (const auto *IC = llvm::dyn_cast<ImplicitCastExpr>(Base);
          IC && IC->getCastKind() == CK_ArrayToPointerDecay)
        return pathOf(Fn, IC->getSubExpr(), Depth + 1);
      return pointeeOf(Fn, Base, Depth + 1);
    }
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(E)) {
      if (isSmartPointerOp(Op)) {
        std::optional<APath> B = pathOf(Fn, Op->getArg(0), Depth + 1);
        if (B) {
          B->Path += "*";
          B->Deref = true;
        }
        return B;
      }
      if (Op->getOperator() == OO_Subscript)
        return pathOf(Fn, Op->getArg(0), Depth + 1);
    }
    if (const auto *MTE = llvm::dyn_cast<MaterializeTemporaryExpr>(E))
      return pathOf(Fn, MTE->getSubExpr(), Depth + 1);
    if (const auto *Call = llvm::dyn_cast<CallExpr>(E))
      if (Call->getNumArgs() == 1 &&
          (isStdFunction(Call->getDirectCallee(), "move") ||
           isStdFunction(Call->getDirectCallee(), "forward")))
        return pathOf(Fn, Call->getArg(0), Depth + 1);
    return std::nullopt;
  }

  /// The object a pointer-valued expression points to.
  std::optional<APath> pointeeOf(const FunctionDecl *Fn, const Expr *E,
                                 unsigned Depth = 0) {
    if (!E || Depth > 16)
      return std::nullopt;
    E = E->IgnoreParens();
    if (const auto *C = llvm::dyn_cast<CastExpr>(E))
      if (C->getCastKind() != CK_LValueToRValue)
        return pointeeOf(Fn, C->getSubExpr(), Depth + 1);
    // `this` bound to a forwarding reference (`std::thread(&C::run, this)`).
    // Other pointers handed to std::thread that way stay unbound: an
    // element's address (`&results[i]`) would name the whole container.
    if (const auto *MTE = llvm::dyn_cast<MaterializeTemporaryExpr>(E))
      if (llvm::isa<CXXThisExpr>(MTE->getSubExpr()->IgnoreParenImpCasts()))
        return pointeeOf(Fn, MTE->getSubExpr(), Depth + 1);
    if (llvm::isa<CXXThisExpr>(E)) {
      APath A;
      A.Root = "T";
      return A;
    }
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E);
        U && U->getOpcode() == UO_AddrOf)
      return pathOf(Fn, U->getSubExpr(), Depth + 1);
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E))
      if (const CXXMethodDecl *MD = MC->getMethodDecl())
        if (MD->getIdentifier() && MD->getName() == "get" &&
            MC->getNumArgs() == 0 && MD->getParent()->isInStdNamespace()) {
          std::optional<APath> B =
              pathOf(Fn, MC->getImplicitObjectArgument(), Depth + 1);
          if (B) {
            B->Path += "*";
            B->Deref = true;
          }
          return B;
        }
    if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(E);
        Op && Op->getOperator() == OO_Arrow && isSmartPointerOp(Op)) {
      std::optional<APath> B = pathOf(Fn, Op->getArg(0), Depth + 1);
      if (B) {
        B->Path += "*";
        B->Deref = true;
      }
      return B;
    }
    // A pointer lvalue read: the pointee of what it holds.
    const Expr *L = E;
    if (const auto *IC = llvm::dyn_cast<ImplicitCastExpr>(E);
        IC && IC->getCastKind() == CK_LValueToRValue)
      L = IC->getSubExpr()->IgnoreParens();
    // A local pointer initialised from another pointer and used as an
    // alias (`auto *self = static_cast<C *>(arg);`).
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(L))
      if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
        if (VD->hasLocalStorage() && !llvm::isa<ParmVarDecl>(VD) &&
            VD->getType()->isPointerType() && VD->getInit() &&
            !VD->isInitCapture() && ownerOf(VD) == Fn)
          if (auto Through = pointeeOf(Fn, VD->getInit(), Depth + 1))
            return Through;
    std::optional<APath> B = pathOf(Fn, L, Depth + 1);
    if (!B)
      return std::nullopt;
    B->Path += "*";
    B->Deref = true;
    return B;
  }

  // ---- accesses ---------------------------------------------------------
  enum class Kind { Skip, Read, Write };

  Kind classify(FnState &F, const Expr *E) {
    const Stmt *Child = nullptr;
    const Stmt *P = lvalueParent(F, E, Child);
    for (unsigned Guard = 0; P && Guard < 8; ++Guard) {
      if (const auto *IC = llvm::dyn_cast<ImplicitCastExpr>(P)) {
        if (IC->getCastKind() == CK_ArrayToPointerDecay)
          return Kind::Skip;
        return Kind::Read;
      }
      if (const auto *BO = llvm::dyn_cast<BinaryOperator>(P)) {
        if (BO->isAssignmentOp() && BO->getLHS() == Child)
          return Kind::Write;
        return Kind::Read;
      }
      if (const auto *U = llvm::dyn_cast<UnaryOperator>(P)) {
        if (U->isIncrementDecrementOp())
          return Kind::Write;
        if (U->getOpcode() == UO_AddrOf)
          return Kind::Skip;
        return Kind::Read;
      }
      if (const auto *ME = llvm::dyn_cast<MemberExpr>(P)) {
        const auto *MD = llvm::dyn_cast<CXXMethodDecl>(ME->getMemberDecl());
        if (!MD)
          return Kind::Read;
        return methodKind(MD, E->getType());
      }
      if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(P)) {
        const auto *MD =
            llvm::dyn_cast_or_null<CXXMethodDecl>(Op->getDirectCallee());
        if (MD && Op->getNumArgs() > 0 && Op->getArg(0) == Child)
          return methodKind(MD, E->getType());
        return argumentKind(Op, Child);
      }
      if (const auto *Call = llvm::dyn_cast<CallExpr>(P)) {
        const FunctionDecl *FD = Call->getDirectCallee();
        if (Call->getNumArgs() == 1 &&
            (isStdFunction(FD, "move") || isStdFunction(FD, "forward"))) {
          P = lvalueParent(F, P, Child);
          continue;
        }
        if (Call->getCallee() == Child)
          return Kind::Read;
        // Taking a reference or address is not an access yet.
        if (isStdFunction(FD, "ref") || isStdFunction(FD, "cref") ||
            isStdFunction(FD, "addressof") || isStdFunction(FD, "as_const"))
          return Kind::Skip;
        return argumentKind(Call, Child);
      }
      if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(P)) {
        const CXXConstructorDecl *Ctor = CE->getConstructor();
        for (unsigned I = 0; I < CE->getNumArgs() && I < Ctor->getNumParams();
             ++I)
          if (CE->getArg(I) == Child) {
            QualType T = Ctor->getParamDecl(I)->getType();
            if (T->isRValueReferenceType())
              return Kind::Write;
            if (T->isLValueReferenceType() &&
                !T->getPointeeType().isConstQualified())
              return inSystemHeader(SM, Ctor->getLocation()) ? Kind::Write
                                                             : Kind::Skip;
          }
        return Kind::Read;
      }
      if (const auto *DS = llvm::dyn_cast<DeclStmt>(P)) {
        for (const Decl *D : DS->decls())
          if (const auto *VD = llvm::dyn_cast<VarDecl>(D))
            if (VD->getInit() == Child && VD->getType()->isReferenceType())
              return Kind::Skip;
        return Kind::Read;
      }
      if (const auto *LE = llvm::dyn_cast<LambdaExpr>(P)) {
        // A capture: by reference it only names the variable.
        for (auto [C, Init] = std::pair(LE->capture_begin(),
                                        LE->capture_init_begin());
             C != LE->capture_end(); ++C, ++Init)
          if (*Init == Child)
            return C->getCaptureKind() == LCK_ByRef ? Kind::Skip : Kind::Read;
        return Kind::Read;
      }
      if (llvm::isa<ReturnStmt>(P))
        return Kind::Read;
      if (llvm::isa<CXXForRangeStmt>(P))
        return Kind::Read;
      if (llvm::isa<MaterializeTemporaryExpr>(P))
        return Kind::Skip;
      return Kind::Read;
    }
    return Kind::Read;
  }

  Kind methodKind(const CXXMethodDecl *MD, QualType Obj) {
    if (MD->isConst() || MD->isStatic())
      return Kind::Read;
    const CXXRecordDecl *RD = MD->getParent();
    if (RD->isInStdNamespace() || inSystemHeader(SM, MD->getLocation())) {
      if (MD->getIdentifier() && isObserver(MD->getName()))
        return Kind::Read;
      if (MD->getOverloadedOperator() == OO_Subscript)
        return isAssociative(Obj) ? Kind::Write : Kind::Read;
      return Kind::Write;
    }
    // A method of the program's own: its body's accesses are the
    // accesses, rebased onto this object at the call.
    return Kind::Skip;
  }

  Kind argumentKind(const CallExpr *Call, const Stmt *Child) {
    const FunctionDecl *FD = Call->getDirectCallee();
    if (!FD)
      return Kind::Read;
    unsigned Shift = 0;
    if (llvm::isa<CXXOperatorCallExpr>(Call) && llvm::isa<CXXMethodDecl>(FD))
      Shift = 1;
    for (unsigned I = Shift; I < Call->getNumArgs(); ++I) {
      if (Call->getArg(I) != Child)
        continue;
      if (I - Shift >= FD->getNumParams())
        return Kind::Read;
      QualType T = FD->getParamDecl(I - Shift)->getType();
      if (!T->isReferenceType())
        return Kind::Read;
      if (T->getPointeeType().isConstQualified())
        return Kind::Read;
      return inSystemHeader(SM, FD->getLocation()) ? Kind::Write : Kind::Skip;
    }
    return Kind::Read;
  }

  /// The access sits in the condition of a loop: a spin on a flag.
  bool inLoopCondition(FnState &F, const Expr *E) {
    const Stmt *Child = E;
    for (const Stmt *P = parent(F, E); P; Child = P, P = parent(F, P)) {
      if (const auto *W = llvm::dyn_cast<WhileStmt>(P))
        return W->getCond() == Child;
      if (const auto *D = llvm::dyn_cast<DoStmt>(P))
        return D->getCond() == Child;
      if (const auto *Fo = llvm::dyn_cast<ForStmt>(P))
        return Fo->getCond() == Child;
      if (!llvm::isa<Expr>(P))
        return false;
    }
    return false;
  }

  /// The locks of \p L as access paths.
  json::Array lockPaths(const FunctionDecl *Fn, const Lockset &L,
                        std::vector<APath> *Out = nullptr) {
    json::Array A;
    for (const auto &[Id, Fact] : L.definitelyHeld()) {
      std::optional<APath> P = lockPath(Fn, Id);
      if (!P)
        continue;
      A.push_back(P->toJson());
      if (Out)
        Out->push_back(*P);
    }
    return A;
  }

  std::optional<APath> lockPath(const FunctionDecl *Fn, const LockId &Id) {
    APath P;
    if (Id.K == LockId::Member && !Id.Root) {
      P.Root = "T";
    } else {
      const auto *VD = llvm::dyn_cast_or_null<VarDecl>(Id.Root);
      if (!VD)
        return std::nullopt;
      std::optional<APath> R = varRoot(Fn, VD);
      if (!R)
        return std::nullopt;
      P = *R;
    }
    if (!Id.Path.empty())
      P.Path = "." + Id.Path;
    return P;
  }

  std::string parentPath(const std::string &Path) {
    size_t Dot = Path.rfind('.');
    return Dot == std::string::npos ? std::string() : Path.substr(0, Dot);
  }

  unsigned fileIndex(SourceLocation Loc, Location &L) {
    L = toLocation(SM, Loc);
    auto [It, Fresh] = FileIds.try_emplace(L.File, Files.size());
    if (Fresh)
      Files.push_back(L.File);
    return It->second;
  }

  unsigned position(SourceLocation Loc) {
    return SM.getFileOffset(SM.getExpansionLoc(Loc));
  }

  void addLocation(json::Object &O, SourceLocation Loc) {
    Location L;
    O["f"] = fileIndex(Loc, L);
    O["l"] = L.Line;
    O["c"] = L.Column;
  }

  static std::string displayName(const APath &A) {
    if (!A.Leaf)
      return "*";
    if (const auto *FD = llvm::dyn_cast<FieldDecl>(A.Leaf))
      return FD->getParent()->getName().str() + "::" + FD->getName().str();
    return A.Leaf->getName().str();
  }

  void access(const FunctionDecl *Fn, FnState &F, const Expr *E,
              const Lockset &Before) {
    if (E->getExprLoc().isInvalid() || inSystemHeader(SM, E->getExprLoc()))
      return;
    std::optional<APath> A = pathOf(Fn, E);
    if (!A)
      return;
    QualType T = E->getType();
    if (isSyncType(T) || (A->Leaf && isSyncType(A->Leaf->getType())))
      return;
    // Constants never change after initialisation.
    if (A->Leaf && A->Leaf->getType().isConstQualified() &&
        !A->Leaf->getType()->isReferenceType())
      return;
    if (A->RootVar && A->RootVar->getType().isConstQualified() && !A->Deref)
      return;
    // Unlike a const variable, a const reference still sees others' writes.
    // Ownership: a frame's own plain locals never reach another thread.
    if (A->RootVar && A->Root[0] == 'V') {
      const FunctionDecl *Owner = ownerOf(A->RootVar);
      if (Owner != Fn) {
        // Captured from the enclosing function: by copy, the lambda
        // owns the copy (but not what a copied pointer points to).
        if (!A->Deref && !capturedByReference(Fn, A->RootVar))
          return;
      } else if (!llvm::isa<ParmVarDecl>(A->RootVar) && !A->Deref &&
                 !F.Shared.count(A->RootVar)) {
        return;
      } else if (llvm::isa<ParmVarDecl>(A->RootVar) && !A->Deref &&
                 !A->RootVar->getType()->isReferenceType() &&
                 !F.Shared.count(A->RootVar)) {
        return;
      }
    }
    Kind K = classify(F, E);
    if (K == Kind::Skip)
      return;
    // An element written at an index that varies: threads usually own
    // disjoint slots (results[i] = ...); counted as a read.
    if (K == Kind::Write && indexVaries(E))
      K = Kind::Read;
    json::Object O;
    O["r"] = A->toJson();
    O["w"] = K == Kind::Write;
    O["d"] = A->Deref;
    std::vector<APath> Locks;
    O["k"] = lockPaths(Fn, Before, &Locks);
    // Locks relative to the accessed object (its siblings) or global.
    json::Array Rel;
    std::string Parent = parentPath(A->Path);
    for (const APath &L : Locks) {
      if (L.Root.rfind("G:", 0) == 0 && L.Path.empty())
        Rel.push_back(L.Root);
      else if (L.Root == A->Root && parentPath(L.Path) == Parent &&
               L.Path.size() > Parent.size())
        Rel.push_back(L.Path.substr(Parent.size()));
    }
    O["rk"] = std::move(Rel);
    std::string Decl = usrOf(A->Leaf);
    O["decl"] = Decl;
    O["n"] = displayName(*A);
    if (const CXXRecordDecl *RD =
            T.getNonReferenceType().getCanonicalType()->getAsCXXRecordDecl())
      O["ty"] = RD->getQualifiedNameAsString();
    O["spin"] = K == Kind::Read && T->isScalarType() && inLoopCondition(F, E);
    O["pos"] = position(E->getExprLoc());
    SourceLocation Loc = E->getExprLoc();
    addLocation(O, Loc);
    O["s"] = sourceLine(SM, SM.getExpansionLoc(Loc));
    if (A->Leaf && !Decl.empty() && !GuardMap.count(Decl))
      if (std::optional<std::string> G = declaredGuard(Fn, A->Leaf))
        GuardMap[Decl] = *G;
    F.Accesses.push_back(std::move(O));
    F.Any = true;
  }

  bool indexVaries(const Expr *E) {
    E = E->IgnoreParenImpCasts();
    const Expr *Index = nullptr;
    if (const auto *AS = llvm::dyn_cast<ArraySubscriptExpr>(E))
      Index = AS->getIdx();
    else if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(E);
             Op && Op->getOperator() == OO_Subscript && Op->getNumArgs() == 2 &&
             !isAssociative(Op->getArg(0)->getType()))
      Index = Op->getArg(1);
    if (!Index)
      return false;
    Expr::EvalResult R;
    return Index->isValueDependent() || !Index->EvaluateAsInt(R, Ctx);
  }

  bool capturedByReference(const FunctionDecl *Fn, const VarDecl *VD) {
    const auto *MD = llvm::dyn_cast<CXXMethodDecl>(Fn);
    if (!MD || !MD->getParent()->isLambda())
      return true;
    for (const LambdaCapture &C : MD->getParent()->captures())
      if (C.capturesVariable() && C.getCapturedVar() == VD)
        return C.getCaptureKind() == LCK_ByRef;
    // Not captured by this lambda: it is referenced without odr-use
    // (a constant) or through an enclosing lambda's capture.
    return true;
  }

  std::optional<std::string> declaredGuard(const FunctionDecl *Fn,
                                           const ValueDecl *D) {
    const Expr *Arg = nullptr;
    for (const auto *A : D->specific_attrs<GuardedByAttr>())
      Arg = A->getArg();
    for (const auto *A : D->specific_attrs<PtGuardedByAttr>())
      Arg = A->getArg();
    if (!Arg)
      return std::nullopt;
    std::optional<LockId> Id = resolveLock(Arg);
    if (!Id)
      return std::nullopt;
    if (Id->K == LockId::Member && !Id->Root)
      return "." + Id->Path;
    if (Id->K == LockId::Global)
      if (const auto *VD = llvm::dyn_cast_or_null<VarDecl>(Id->Root))
        return "G:" + usrOf(VD);
    return std::nullopt;
  }

  /// What the merge needs of a method to tell which methods of its class
  /// code outside the class can call.
  json::Object methodFacts(const CXXMethodDecl *MD) {
    json::Object O;
    O["class"] = usrOf(MD->getParent());
    AccessSpecifier A = MD->getCanonicalDecl()->getAccess();
    O["access"] = A == AS_public      ? "public"
                  : A == AS_protected ? "protected"
                                      : "private";
    O["kind"] = llvm::isa<CXXConstructorDecl>(MD)  ? "ctor"
                : llvm::isa<CXXDestructorDecl>(MD) ? "dtor"
                : MD->isStatic()                   ? "static"
                                                   : "method";
    // Where the class is written: two programs' classes of one name are
    // two classes.
    addLocation(O, MD->getParent()->getLocation());
    return O;
  }

  // ---- calls ------------------------------------------------------------
  json::Value argPath(const FunctionDecl *Fn, const Expr *Arg, QualType Param) {
    std::optional<APath> P;
    if (Param->isPointerType())
      P = pointeeOf(Fn, Arg);
    else
      P = pathOf(Fn, Arg);
    if (!P)
      return nullptr;
    return P->toJson();
  }

  void callFact(const FunctionDecl *Fn, FnState &F, const Expr *E,
                const Lockset &Before) {
    const auto *Call = llvm::dyn_cast<CallExpr>(E);
    if (!Call)
      return;
    const FunctionDecl *Callee = Call->getDirectCallee();
    if (!Callee || inSystemHeader(SM, Callee->getLocation()))
      return;
    const auto *MD = llvm::dyn_cast<CXXMethodDecl>(Callee);
    json::Object O;
    O["callee"] = usrOf(Callee);
    O["name"] = functionName(Callee);
    unsigned Shift = 0;
    json::Value This = nullptr;
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(Call)) {
      const Expr *Obj = MC->getImplicitObjectArgument();
      if (Obj) {
        std::optional<APath> P = Obj->getType()->isPointerType()
                                     ? pointeeOf(Fn, Obj)
                                     : pathOf(Fn, Obj);
        if (P)
          This = P->toJson();
      }
    } else if (llvm::isa<CXXOperatorCallExpr>(Call) && MD &&
               Call->getNumArgs() > 0) {
      Shift = 1;
      if (std::optional<APath> P = pathOf(Fn, Call->getArg(0)))
        This = P->toJson();
    }
    O["this"] = std::move(This);
    json::Array Args;
    for (unsigned I = Shift; I < Call->getNumArgs(); ++I) {
      if (I - Shift >= Callee->getNumParams()) {
        Args.push_back(nullptr);
        continue;
      }
      Args.push_back(
          argPath(Fn, Call->getArg(I), Callee->getParamDecl(I - Shift)->getType()));
    }
    O["args"] = std::move(Args);
    O["k"] = lockPaths(Fn, Before);
    Region R = region(F, Call);
    O["pos"] = R.Pos;
    O["start"] = R.Start;
    O["loop"] = R.InLoop;
    addLocation(O, Call->getExprLoc());
    F.Calls.push_back(std::move(O));
    F.Any = true;
  }

  // ---- spawns -----------------------------------------------------------
  struct Region {
    unsigned Pos = 0, Start = 0;
    bool InLoop = false;
  };

  /// Where a statement starts running concurrently: the outermost loop
  /// around it (later iterations overlap earlier ones), else itself.
  Region region(FnState &F, const Stmt *S) {
    Region R;
    R.Pos = R.Start = position(S->getBeginLoc());
    for (const Stmt *P = parent(F, S); P; P = parent(F, P))
      if (llvm::isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(P)) {
        R.InLoop = true;
        R.Start = position(P->getBeginLoc());
      }
    return R;
  }

  struct Entry {
    const FunctionDecl *Fn = nullptr;
    bool Lambda = false, Functor = false, MemberPtr = false;
  };

  Entry entryOf(const Expr *Callable) {
    Entry En;
    const Expr *E = stripWrappers(Callable);
    if (!E)
      return En;
    if (const auto *LE = llvm::dyn_cast<LambdaExpr>(E)) {
      En.Fn = LE->getCallOperator();
      En.Lambda = true;
      return En;
    }
    if (const auto *U = llvm::dyn_cast<UnaryOperator>(E);
        U && U->getOpcode() == UO_AddrOf)
      E = U->getSubExpr()->IgnoreParenImpCasts();
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(E)) {
      if (const auto *FD = llvm::dyn_cast<FunctionDecl>(DRE->getDecl())) {
        En.Fn = FD;
        const auto *MD = llvm::dyn_cast<CXXMethodDecl>(FD);
        En.MemberPtr = MD && !MD->isStatic();
        return En;
      }
      if (const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl()))
        if (VD->hasLocalStorage() && VD->getInit())
          if (const auto *LE =
                  llvm::dyn_cast<LambdaExpr>(stripWrappers(VD->getInit()))) {
            En.Fn = LE->getCallOperator();
            En.Lambda = true;
            return En;
          }
    }
    if (const CXXRecordDecl *RD =
            E->getType().getNonReferenceType()->getAsCXXRecordDecl())
      if (RD->hasDefinition() && !RD->isInStdNamespace())
        for (const CXXMethodDecl *M : RD->methods())
          if (M->getOverloadedOperator() == OO_Call) {
            En.Fn = M;
            En.Functor = true;
            return En;
          }
    return En;
  }

  /// For std::thread-style arguments (copied into the thread): what the
  /// thread shares with the spawner through argument \p A.
  json::Value threadArg(const FunctionDecl *Fn, const Expr *A) {
    const Expr *S = stripWrappers(A);
    if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(S))
      if (Call->getNumArgs() == 1 &&
          (isStdFunction(Call->getDirectCallee(), "ref") ||
           isStdFunction(Call->getDirectCallee(), "cref")))
        if (std::optional<APath> P = pathOf(Fn, Call->getArg(0)))
          return P->toJson();
    if (A->getType()->isPointerType())
      if (std::optional<APath> P = pointeeOf(Fn, A))
        return P->toJson();
    return nullptr;
  }

  bool spawn(const FunctionDecl *Fn, FnState &F, const Expr *E) {
    const Expr *Callable = nullptr;
    llvm::SmallVector<const Expr *, 4> Args;
    const Expr *Holder = nullptr; // the container a thread is emplaced in
    std::string Kind;
    bool Pthread = false;
    if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(E)) {
      if (CE->getNumArgs() == 0 || !isThreadObject(CE->getType()) ||
          CE->getConstructor()->isCopyOrMoveConstructor())
        return false;
      Callable = CE->getArg(0);
      Args.append(CE->arg_begin() + 1, CE->arg_end());
      Kind = "thread";
    } else if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E)) {
      const CXXMethodDecl *MD = MC->getMethodDecl();
      if (!MD || !MD->getIdentifier())
        return false;
      if (isThreadContainer(MC->getImplicitObjectArgument()->getType())) {
        std::optional<unsigned> Emplaced = threadEmplaceCallable(MC);
        if (!Emplaced || isThreadObject(MC->getArg(*Emplaced)->getType()))
          return false;
        unsigned First = *Emplaced;
        Callable = MC->getArg(First);
        Args.append(MC->arg_begin() + First + 1, MC->arg_end());
        Holder = MC->getImplicitObjectArgument();
        Kind = "thread";
      } else if (isSubmit(MD)) {
        if (!submitArgs(MC->arguments(), Callable, Args))
          return false;
        Kind = "submit";
        Pthread = true; // later arguments reach the callable by pointer
      } else {
        return false;
      }
    } else if (const auto *C = llvm::dyn_cast<CallExpr>(E)) {
      const FunctionDecl *FD = C->getDirectCallee();
      if (isStdFunction(FD, "async") && C->getNumArgs() >= 1) {
        unsigned First = 0;
        if (C->getArg(0)->getType()->isEnumeralType()) {
          First = 1;
          Expr::EvalResult R;
          // launch::deferred alone (2) runs the callable in the caller.
          if (C->getArg(0)->EvaluateAsInt(R, Ctx) &&
              R.Val.getInt() == 2)
            return false;
        }
        if (C->getNumArgs() <= First)
          return false;
        Callable = C->getArg(First);
        Args.append(C->arg_begin() + First + 1, C->arg_end());
        Kind = "async";
      } else if (isCFunction(FD, "pthread_create") && C->getNumArgs() == 4) {
        Callable = C->getArg(2);
        Args.push_back(C->getArg(3));
        Holder = C->getArg(0);
        Kind = "pthread";
        Pthread = true;
      } else if (FD && !FD->isInStdNamespace() && isSubmit(FD)) {
        if (!submitArgs(C->arguments(), Callable, Args))
          return false;
        Kind = "submit";
        Pthread = true;
      } else {
        return false;
      }
    } else {
      return false;
    }
    Entry En = entryOf(Callable);
    if (!En.Fn)
      return true; // a spawn of something we cannot follow
    json::Object O;
    O["entry"] = usrOf(En.Fn);
    O["name"] = functionName(En.Fn);
    O["kind"] = Kind;
    O["lam"] = En.Lambda;
    O["functor"] = En.Functor;
    json::Value This = nullptr;
    json::Array Bound;
    size_t First = 0;
    if (En.MemberPtr && !Args.empty()) {
      This = threadArg(Fn, Args[0]);
      First = 1;
    }
    for (size_t I = First; I < Args.size(); ++I) {
      if (Pthread) {
        std::optional<APath> P = pointeeOf(Fn, Args[I]);
        Bound.push_back(P ? P->toJson() : json::Value(nullptr));
      } else {
        Bound.push_back(threadArg(Fn, Args[I]));
      }
    }
    O["this"] = std::move(This);
    O["args"] = std::move(Bound);
    Region R = region(F, E);
    O["pos"] = R.Pos;
    O["start"] = R.Start;
    O["multi"] = R.InLoop;
    bool Detached = false;
    std::optional<unsigned> End;
    if (Kind != "submit")
      End = joinPosition(Fn, F, E, Holder, Kind == "async", Detached);
    O["end"] = End ? json::Value(*End) : json::Value(-1);
    O["detached"] = Detached;
    if (!End && !Detached)
      if (std::optional<APath> H = handlePath(Fn, F, E, Holder))
        O["handle"] = H->toJson();
    addLocation(O, E->getExprLoc());
    F.Spawns.push_back(std::move(O));
    F.Any = true;
    return true;
  }

  /// The callable handed to a submit function, and the arguments after
  /// it (`Schedule(&Work, this)` passes `this` to Work).
  template <typename Range>
  bool submitArgs(Range Arguments, const Expr *&Callable,
                  llvm::SmallVectorImpl<const Expr *> &Args) {
    for (const Expr *A : Arguments) {
      if (Callable) {
        Args.push_back(A);
        continue;
      }
      if (entryOf(A).Fn)
        Callable = A;
    }
    return Callable != nullptr;
  }

  bool isSubmit(const FunctionDecl *FD) {
    if (!FD || !FD->getIdentifier() || FD->isInStdNamespace())
      return false;
    for (const std::string &N : Opts.SubmitFunctions)
      if (FD->getName() == N)
        return true;
    return false;
  }

  /// The thread handle (or container of handles) a join, detach or
  /// pthread call names, through `ts[i]`, `ts.at(i)`, `&tid` and `*p`.
  static const Expr *handleBase(const Expr *Obj) {
    Obj = Obj->IgnoreParenImpCasts();
    while (true) {
      if (const auto *AS = llvm::dyn_cast<ArraySubscriptExpr>(Obj)) {
        Obj = AS->getBase()->IgnoreParenImpCasts();
        continue;
      }
      if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(Obj);
          Op && Op->getOperator() == OO_Subscript) {
        Obj = Op->getArg(0)->IgnoreParenImpCasts();
        continue;
      }
      if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(Obj)) {
        Obj = MC->getImplicitObjectArgument()->IgnoreParenImpCasts();
        continue;
      }
      if (const auto *U = llvm::dyn_cast<UnaryOperator>(Obj)) {
        Obj = U->getSubExpr()->IgnoreParenImpCasts();
        continue;
      }
      return Obj;
    }
  }

  /// The range `ts` of `for (auto &t : ts)` when \p DRE names its loop
  /// variable `t`.
  const Expr *loopRange(FnState &F, const DeclRefExpr *DRE) {
    const auto *VD = llvm::dyn_cast<VarDecl>(DRE->getDecl());
    if (!VD)
      return nullptr;
    for (const Stmt *P = parent(F, DRE); P; P = parent(F, P))
      if (const auto *FR = llvm::dyn_cast<CXXForRangeStmt>(P))
        if (FR->getLoopVariable() == VD)
          return FR->getRangeInit()->IgnoreParenImpCasts();
    return nullptr;
  }

  /// A plain local of the frame: a thread handle there is joined (or not)
  /// in this function and never seen by its callers.
  static bool frameLocal(const APath &P) {
    return P.Root[0] == 'V' && P.Param < 0 && !P.Deref;
  }

  /// Where a spawn stores its thread when the handle outlives the function
  /// (`thread_ = std::thread(...)`, `workers_.emplace_back(...)`,
  /// `pthread_create(&tid_, ...)`): a join of the same handle elsewhere,
  /// seen through calls in the merge, ends the thread.
  std::optional<APath> handlePath(const FunctionDecl *Fn, FnState &F,
                                  const Expr *E, const Expr *Container) {
    const Expr *H = Container;
    if (!H)
      holderOf(F, E, H);
    if (!H)
      return std::nullopt;
    std::optional<APath> P = pathOf(Fn, handleBase(H));
    if (!P || frameLocal(*P))
      return std::nullopt;
    return P;
  }

  /// A join of a thread handle that outlives the function (a member, a
  /// global, what a parameter refers to): `thread_.join()`,
  /// `for (auto &t : workers_) t.join()`, `pthread_join(tid_, ...)`, `get()`
  /// or `wait()` on a future. Inside a loop, the threads are joined when
  /// the loop is over.
  bool joinFact(const FunctionDecl *Fn, FnState &F, const Expr *E) {
    const Expr *Obj = nullptr;
    if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(E)) {
      const CXXMethodDecl *MD = MC->getMethodDecl();
      if (!MD || !MD->getIdentifier())
        return false;
      // Through the cast to a base (std::future's wait() is its base's).
      QualType T =
          MC->getImplicitObjectArgument()->IgnoreParenImpCasts()->getType();
      if (T->isPointerType())
        T = T->getPointeeType();
      llvm::StringRef N = MD->getName();
      bool Future = isStdRecord(T, "future") || isStdRecord(T, "shared_future");
      if (!(isThreadObject(T) && N == "join") &&
          !(Future && (N == "get" || N == "wait")))
        return false;
      Obj = MC->getImplicitObjectArgument();
    } else if (const auto *C = llvm::dyn_cast<CallExpr>(E);
               C && C->getNumArgs() >= 1 &&
               isCFunction(C->getDirectCallee(), "pthread_join")) {
      Obj = C->getArg(0);
    } else {
      return false;
    }
    Obj = handleBase(Obj);
    if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(Obj))
      if (const Expr *Range = loopRange(F, DRE))
        Obj = Range;
    std::optional<APath> P = pathOf(Fn, Obj);
    if (!P || frameLocal(*P))
      return true;
    unsigned Pos = position(E->getBeginLoc());
    for (const Stmt *S = parent(F, E); S; S = parent(F, S))
      if (llvm::isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(S))
        Pos = position(S->getEndLoc());
    json::Object O;
    O["h"] = P->toJson();
    O["pos"] = Pos;
    F.Joins.push_back(std::move(O));
    F.Any = true;
    return true;
  }

  /// The variable that ends up owning a thread (or future) created by \p E;
  /// when a member owns it instead, that member expression in \p Member.
  const ValueDecl *holderOf(FnState &F, const Expr *E, const Expr *&Member) {
    for (const Stmt *P = parent(F, E); P; P = parent(F, P)) {
      if (llvm::isa<MaterializeTemporaryExpr, CXXBindTemporaryExpr,
                    ExprWithCleanups, ParenExpr, ImplicitCastExpr,
                    CXXFunctionalCastExpr>(P))
        continue;
      if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(P))
        if (CE->getNumArgs() == 1)
          continue;
      if (const auto *DS = llvm::dyn_cast<DeclStmt>(P)) {
        for (const Decl *D : DS->decls())
          if (const auto *VD = llvm::dyn_cast<VarDecl>(D))
            if (VD->hasLocalStorage())
              return VD;
        return nullptr;
      }
      if (const auto *Op = llvm::dyn_cast<CXXOperatorCallExpr>(P)) {
        if (Op->getOperator() == OO_Equal && Op->getNumArgs() == 2) {
          const Expr *Lhs = Op->getArg(0)->IgnoreParenImpCasts();
          if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(Lhs))
            return DRE->getDecl();
          if (llvm::isa<MemberExpr>(Lhs))
            Member = Lhs;
        }
        return nullptr;
      }
      if (const auto *MC = llvm::dyn_cast<CXXMemberCallExpr>(P)) {
        // push_back / emplace_back into a container: the container.
        const Expr *Obj = MC->getImplicitObjectArgument()->IgnoreParenImpCasts();
        if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(Obj))
          return DRE->getDecl();
        if (llvm::isa<MemberExpr>(Obj))
          Member = Obj;
        return nullptr;
      }
      // Anything else (std::thread(...).detach(), a discarded temporary,
      // an argument) leaves the thread without a local owner.
      return nullptr;
    }
    return nullptr;
  }

  /// Where the thread started by \p E is over, as a position in the
  /// spawning function: its join (or the loop that joins), the end of the
  /// owning variable's scope for std::jthread and futures, the end of the
  /// statement for a discarded future; nothing when it outlives the
  /// function (detached, stored elsewhere, never joined here).
  std::optional<unsigned> joinPosition(const FunctionDecl *Fn, FnState &F,
                                       const Expr *E, const Expr *Container,
                                       bool Async, bool &Detached) {
    const Expr *Member = nullptr;
    const ValueDecl *Holder = nullptr;
    bool Pthread = false;
    if (Container) {
      if (const auto *C = llvm::dyn_cast<CallExpr>(E);
          C && isCFunction(C->getDirectCallee(), "pthread_create")) {
        Pthread = true;
        const Expr *Id = Container->IgnoreParenImpCasts();
        if (const auto *U = llvm::dyn_cast<UnaryOperator>(Id))
          Id = U->getSubExpr()->IgnoreParenImpCasts();
        while (const auto *AS = llvm::dyn_cast<ArraySubscriptExpr>(Id))
          Id = AS->getBase()->IgnoreParenImpCasts();
        if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(Id))
          Holder = DRE->getDecl();
      } else if (const auto *DRE = llvm::dyn_cast<DeclRefExpr>(
                     Container->IgnoreParenImpCasts())) {
        Holder = DRE->getDecl();
      }
    } else {
      Holder = holderOf(F, E, Member);
    }
    // A discarded std::async future waits in its destructor, at the end of
    // the full expression: the callable has finished by the next statement.
    if (Async && !Holder && !Member) {
      const Stmt *Top = E;
      for (const Stmt *P = parent(F, E); P && llvm::isa<Expr>(P);
           P = parent(F, P))
        Top = P;
      return position(Top->getEndLoc());
    }
    if (!Holder)
      return std::nullopt; // detached temporary, member, unknown
    const auto *HolderVar = llvm::dyn_cast<VarDecl>(Holder);
    if (!HolderVar || !HolderVar->hasLocalStorage())
      return std::nullopt;
    unsigned After = position(E->getBeginLoc());
    // Joins and detaches on the holder (or an element of it) later on.
    struct Finder : RecursiveASTVisitor<Finder> {
      Extractor &X;
      FnState &F;
      const ValueDecl *Holder;
      bool Pthread;
      unsigned After;
      std::optional<unsigned> Join;
      bool Detach = false;
      Finder(Extractor &X, FnState &F, const ValueDecl *H, bool P, unsigned A)
          : X(X), F(F), Holder(H), Pthread(P), After(A) {}
      bool TraverseLambdaExpr(LambdaExpr *) { return true; }
      bool refersToHolder(const Expr *Obj) {
        const auto *DRE = llvm::dyn_cast<DeclRefExpr>(handleBase(Obj));
        if (!DRE)
          return false;
        if (DRE->getDecl() == Holder)
          return true;
        const auto *R =
            llvm::dyn_cast_or_null<DeclRefExpr>(X.loopRange(F, DRE));
        return R && R->getDecl() == Holder;
      }
      void found(const Stmt *S, bool IsDetach) {
        unsigned Pos = X.position(S->getBeginLoc());
        if (Pos <= After)
          return;
        if (IsDetach) {
          Detach = true;
          return;
        }
        // A join inside a loop that does not contain the spawn: the
        // joining loop as a whole is where threads end.
        for (const Stmt *P = X.parent(F, S); P; P = X.parent(F, P))
          if (llvm::isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(P)) {
            unsigned LoopPos = X.position(P->getBeginLoc());
            if (LoopPos > After)
              Pos = LoopPos;
          }
        if (!Join || Pos < *Join)
          Join = Pos;
      }
      bool VisitCXXMemberCallExpr(CXXMemberCallExpr *MC) {
        const CXXMethodDecl *MD = MC->getMethodDecl();
        if (!MD || !MD->getIdentifier())
          return true;
        llvm::StringRef N = MD->getName();
        bool IsJoin = N == "join" || N == "get" || N == "wait";
        if ((IsJoin || N == "detach") &&
            refersToHolder(MC->getImplicitObjectArgument()))
          found(MC, N == "detach");
        return true;
      }
      bool VisitCallExpr(CallExpr *C) {
        if (!Pthread || C->getNumArgs() < 1)
          return true;
        const FunctionDecl *FD = C->getDirectCallee();
        bool J = isCFunction(FD, "pthread_join");
        bool D = isCFunction(FD, "pthread_detach");
        if ((J || D) && refersToHolder(C->getArg(0)))
          found(C, D);
        return true;
      }
    } Fi(*this, F, Holder, Pthread, After);
    Fi.TraverseStmt(const_cast<Stmt *>(Fn->getBody()));
    if (Fi.Detach) {
      Detached = true;
      return std::nullopt;
    }
    if (Fi.Join)
      return Fi.Join;
    // std::jthread, futures and containers of them join when destroyed.
    QualType HT = HolderVar->getType();
    // A reference to a container does not destroy its threads.
    bool JoinsOnDestruction =
        isStdJThread(HT) || isStdRecord(HT, "future") ||
        (!HT->isReferenceType() && isThreadContainer(HT) &&
         !isStdThreadContainer(HT));
    if (JoinsOnDestruction) {
      for (const Stmt *P = parent(F, E); P; P = parent(F, P))
        if (const auto *CS = llvm::dyn_cast<CompoundStmt>(P)) {
          // The scope the holder is declared in.
          if (SM.isBeforeInTranslationUnit(CS->getBeginLoc(),
                                           HolderVar->getLocation()) &&
              SM.isBeforeInTranslationUnit(HolderVar->getLocation(),
                                           CS->getEndLoc()))
            return position(CS->getEndLoc());
        }
    }
    return std::nullopt;
  }

  ASTContext &Ctx;
  const SourceManager &SM;
  const RaceExtractOptions &Opts;
  std::map<const FunctionDecl *, FnState> States;
  std::map<std::string, std::string> GuardMap;
  std::vector<std::string> Files;
  std::map<std::string, unsigned> FileIds;
};

} // namespace

json::Value extractRaceFacts(ASTContext &Ctx, const RaceExtractOptions &Opts) {
  Extractor X(Ctx, Opts);
  runLocksetAnalysis(Ctx, X);
  return X.finish();
}

} // namespace fearless
