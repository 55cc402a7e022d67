#include "analysis/Traversal.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseSet.h"

namespace fearless {

using namespace clang;

namespace {
class BodyCollector : public RecursiveASTVisitor<BodyCollector> {
public:
  explicit BodyCollector(ASTContext &Ctx) : SM(Ctx.getSourceManager()) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitLambdaBodies() const { return true; }

  bool VisitFunctionDecl(FunctionDecl *FD) {
    add(FD);
    return true;
  }
  bool VisitLambdaExpr(LambdaExpr *LE) {
    add(LE->getCallOperator());
    return true;
  }

  std::vector<const FunctionDecl *> Bodies;

private:
  void add(const FunctionDecl *FD) {
    if (!FD || !FD->doesThisDeclarationHaveABody() || !FD->getBody())
      return;
    if (FD->isDependentContext() || FD->isInvalidDecl())
      return;
    SourceLocation L = FD->getLocation();
    if (L.isValid() && SM.isInSystemHeader(SM.getFileLoc(L)))
      return;
    if (Seen.insert(FD).second)
      Bodies.push_back(FD);
  }
  const SourceManager &SM;
  llvm::DenseSet<const FunctionDecl *> Seen;
};
} // namespace

void forEachFunctionBody(
    ASTContext &Ctx,
    llvm::function_ref<void(const FunctionDecl *, const Stmt *)> Fn) {
  BodyCollector C(Ctx);
  C.TraverseDecl(Ctx.getTranslationUnitDecl());
  for (const FunctionDecl *FD : C.Bodies)
    Fn(FD, FD->getBody());
}

} // namespace fearless
