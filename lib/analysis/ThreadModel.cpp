#include "analysis/ThreadModel.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/ParentMapContext.h"

namespace fearless {

using namespace clang;

static const CXXRecordDecl *recordOf(QualType T) {
  if (T.isNull())
    return nullptr;
  T = T.getNonReferenceType().getCanonicalType();
  return T->getAsCXXRecordDecl();
}

bool isStdRecord(QualType T, llvm::StringRef Name) {
  const CXXRecordDecl *RD = recordOf(T);
  return RD && RD->isInStdNamespace() && RD->getIdentifier() &&
         RD->getName() == Name;
}

bool isStdThread(QualType T) { return isStdRecord(T, "thread"); }
bool isStdJThread(QualType T) { return isStdRecord(T, "jthread"); }
bool isThreadObject(QualType T) { return isStdThread(T) || isStdJThread(T); }

static QualType containerElement(QualType T) {
  const CXXRecordDecl *RD = recordOf(T);
  const auto *Spec = llvm::dyn_cast_or_null<ClassTemplateSpecializationDecl>(RD);
  if (!Spec || !Spec->isInStdNamespace())
    return QualType();
  const TemplateArgumentList &Args = Spec->getTemplateArgs();
  if (Args.size() == 0 || Args[0].getKind() != TemplateArgument::Type)
    return QualType();
  return Args[0].getAsType();
}

bool isThreadContainer(QualType T) {
  QualType E = containerElement(T);
  return !E.isNull() && isThreadObject(E);
}

bool isStdThreadContainer(QualType T) {
  QualType E = containerElement(T);
  return !E.isNull() && isStdThread(E);
}

std::optional<unsigned> threadEmplaceCallable(const CXXMemberCallExpr *MC) {
  const CXXMethodDecl *MD = MC->getMethodDecl();
  if (!MD || !MD->getIdentifier() ||
      !isThreadContainer(MC->getImplicitObjectArgument()->getType()))
    return std::nullopt;
  llvm::StringRef N = MD->getName();
  unsigned First;
  if (N == "emplace_back" || N == "emplace_front")
    First = 0;
  else if (N == "emplace")
    First = 1;
  else
    return std::nullopt;
  if (MC->getNumArgs() <= First)
    return std::nullopt;
  return First;
}

bool isStdFunction(const FunctionDecl *FD, llvm::StringRef Name) {
  return FD && FD->isInStdNamespace() && FD->getIdentifier() &&
         FD->getName() == Name;
}

bool isCFunction(const FunctionDecl *FD, llvm::StringRef Name) {
  if (!FD || !FD->getIdentifier() || FD->getName() != Name)
    return false;
  const DeclContext *DC = FD->getDeclContext()->getRedeclContext();
  return DC->isTranslationUnit() || FD->isInStdNamespace() ||
         FD->isExternC();
}

const Expr *stripWrappers(const Expr *E) {
  while (E) {
    const Expr *Prev = E;
    E = E->IgnoreParenImpCasts();
    if (const auto *EWC = llvm::dyn_cast<ExprWithCleanups>(E))
      E = EWC->getSubExpr();
    if (const auto *MTE = llvm::dyn_cast<MaterializeTemporaryExpr>(E))
      E = MTE->getSubExpr();
    if (const auto *BTE = llvm::dyn_cast<CXXBindTemporaryExpr>(E))
      E = BTE->getSubExpr();
    if (const auto *FC = llvm::dyn_cast<CXXFunctionalCastExpr>(E))
      E = FC->getSubExpr();
    if (const auto *CE = llvm::dyn_cast<CXXConstructExpr>(E))
      if (CE->getNumArgs() == 1 && !llvm::isa<CXXTemporaryObjectExpr>(CE) &&
          (CE->isElidable() || CE->getConstructor()->isCopyOrMoveConstructor()))
        E = CE->getArg(0);
    if (E == Prev)
      return E;
  }
  return E;
}

const VarDecl *referencedVar(const Expr *E) {
  E = stripWrappers(E);
  if (const auto *Call = llvm::dyn_cast_or_null<CallExpr>(E))
    if (Call->getNumArgs() == 1 &&
        isStdFunction(Call->getDirectCallee(), "move"))
      E = stripWrappers(Call->getArg(0));
  if (const auto *DRE = llvm::dyn_cast_or_null<DeclRefExpr>(E))
    return llvm::dyn_cast<VarDecl>(DRE->getDecl());
  return nullptr;
}

bool isDiscardedTemporary(ASTContext &Ctx, const Expr *E) {
  DynTypedNode Node = DynTypedNode::create(*E);
  while (true) {
    auto Parents = Ctx.getParents(Node);
    if (Parents.size() != 1)
      return false;
    const DynTypedNode &P = Parents[0];
    const auto *PE = P.get<Expr>();
    if (!PE)
      return P.get<CompoundStmt>() != nullptr;
    if (!llvm::isa<MaterializeTemporaryExpr, CXXBindTemporaryExpr,
                   ExprWithCleanups, ParenExpr, CXXFunctionalCastExpr,
                   ImplicitCastExpr>(PE) &&
        !(llvm::isa<CastExpr>(PE) && PE->getType()->isVoidType()))
      return false;
    Node = P;
  }
}

bool isFunctionLocal(const VarDecl *VD) {
  return VD && (VD->hasLocalStorage() || llvm::isa<ParmVarDecl>(VD));
}

} // namespace fearless
