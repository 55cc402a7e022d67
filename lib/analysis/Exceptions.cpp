#include "analysis/Exceptions.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"

namespace fearless {

using namespace clang;

static bool calleeTypeIsNothrow(const CallExpr *Call) {
  QualType T = Call->getCallee()->getType();
  if (const auto *PT = T->getAs<PointerType>())
    T = PT->getPointeeType();
  if (const auto *FPT = T->getAs<FunctionProtoType>())
    return FPT->isNothrow();
  return false;
}

bool ThrowOracle::callMayThrow(const Expr *E) {
  if (const auto *Call = llvm::dyn_cast<CallExpr>(E)) {
    const FunctionDecl *FD = Call->getDirectCallee();
    if (!FD)
      return !calleeTypeIsNothrow(Call);
    return functionMayThrow(FD);
  }
  if (const auto *Cons = llvm::dyn_cast<CXXConstructExpr>(E)) {
    // Trivial and elided constructions run no user code.
    if (Cons->getConstructor()->isTrivial() || Cons->isElidable())
      return false;
    return functionMayThrow(Cons->getConstructor());
  }
  return false;
}

bool ThrowOracle::functionMayThrow(const FunctionDecl *FD) {
  FD = FD->getCanonicalDecl();
  auto It = Memo.find(FD);
  if (It != Memo.end())
    return It->second;
  // Optimistic while in progress: recursion alone does not throw.
  Memo[FD] = false;
  bool R = compute(FD);
  Memo[FD] = R;
  return R;
}

bool ThrowOracle::compute(const FunctionDecl *FD) {
  if (llvm::isa<CXXDestructorDecl>(FD) || FD->getBuiltinID() != 0 ||
      FD->isExternC() || FD->isInExternCContext())
    return false;
  if (const auto *FPT = FD->getType()->getAs<FunctionProtoType>())
    if (FPT->isNothrow())
      return false;
  const FunctionDecl *Def = FD->getDefinition();
  SourceLocation L = (Def ? Def : FD)->getLocation();
  if (L.isValid() && SM.isInSystemHeader(SM.getFileLoc(L)))
    return StdLibraryThrows;
  if (!Def || !Def->getBody())
    return true;
  return bodyMayThrow(Def->getBody());
}

bool ThrowOracle::bodyMayThrow(const Stmt *S) {
  if (!S)
    return false;
  if (llvm::isa<CXXThrowExpr>(S))
    return true;
  // What a try block catches is handled (or rethrown from a handler, which
  // the handler's own body shows).
  if (const auto *Try = llvm::dyn_cast<CXXTryStmt>(S)) {
    for (unsigned I = 0; I < Try->getNumHandlers(); ++I)
      if (bodyMayThrow(Try->getHandler(I)->getHandlerBlock()))
        return true;
    return false;
  }
  if (llvm::isa<LambdaExpr>(S))
    return false; // creating a closure runs none of its body
  if (const auto *E = llvm::dyn_cast<Expr>(S))
    if (callMayThrow(E))
      return true;
  for (const Stmt *Child : S->children())
    if (bodyMayThrow(Child))
      return true;
  return false;
}

bool containsTry(const Stmt *S) {
  if (!S)
    return false;
  if (llvm::isa<CXXTryStmt>(S))
    return true;
  if (llvm::isa<LambdaExpr>(S))
    return false;
  for (const Stmt *C : S->children())
    if (containsTry(C))
      return true;
  return false;
}

} // namespace fearless
