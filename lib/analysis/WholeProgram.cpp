#include "analysis/WholeProgram.h"

#include "analysis/ClangReport.h"
#include "core/Writers.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"

#include <algorithm>

namespace fearless {

using namespace clang;

std::string unitFile(const ASTContext &Ctx) {
  const SourceManager &SM = Ctx.getSourceManager();
  return toLocation(SM, SM.getLocForStartOfFile(SM.getMainFileID())).File;
}

bool isStrongDefinition(const FunctionDecl *FD) {
  // A lambda or local class is defined once with the function around it.
  while (const auto *MD = llvm::dyn_cast_or_null<CXXMethodDecl>(FD)) {
    const FunctionDecl *Outer = MD->getParent()->isLocalClass();
    if (!Outer)
      break;
    FD = Outer;
  }
  return FD && !FD->isInlined() && FD->isExternallyVisible() &&
         FD->getTemplateSpecializationKind() == TSK_Undeclared;
}

static void collectStrongGlobals(const DeclContext *DC, const SourceManager &SM,
                                 std::vector<std::string> &Out) {
  for (const Decl *D : DC->decls()) {
    if (const auto *Inner = llvm::dyn_cast<DeclContext>(D)) {
      // Namespaces and extern "C" blocks hold globals; classes hold only
      // declarations of static members (their definitions are outside).
      if (llvm::isa<NamespaceDecl>(D) || llvm::isa<LinkageSpecDecl>(D) ||
          llvm::isa<ExportDecl>(D))
        collectStrongGlobals(Inner, SM, Out);
      continue;
    }
    const auto *VD = llvm::dyn_cast<VarDecl>(D);
    if (VD && VD->hasGlobalStorage() && !VD->isStaticLocal() &&
        VD->isExternallyVisible() && !VD->isInline() &&
        VD->isThisDeclarationADefinition() == VarDecl::Definition &&
        !VD->getDeclContext()->isDependentContext() &&
        !SM.isInSystemHeader(SM.getFileLoc(VD->getLocation())))
      Out.push_back(usrOf(VD));
  }
}

std::vector<std::string> strongGlobals(const ASTContext &Ctx) {
  std::vector<std::string> Out;
  collectStrongGlobals(Ctx.getTranslationUnitDecl(), Ctx.getSourceManager(),
                       Out);
  std::sort(Out.begin(), Out.end());
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  Out.erase(std::remove(Out.begin(), Out.end(), std::string()), Out.end());
  return Out;
}

static SourceLocation backToUnit(SourceManager &SM, const Location &L) {
  if (!L.valid())
    return SourceLocation();
  auto File = SM.getFileManager().getOptionalFileRef(L.File);
  if (!File)
    return SourceLocation();
  return SM.translateFileLineCol(*File, L.Line ? L.Line : 1,
                                 L.Column ? L.Column : 1);
}

void WholeProgramCheck::run(ASTContext &Ctx, ReportHandler &H) {
  llvm::json::Value Facts = extract(Ctx);
  const llvm::json::Value *Units[] = {&Facts};
  std::vector<Finding> Found;
  merge(Units, Found);
  sortAndUnique(Found);
  SourceManager &SM = Ctx.getSourceManager();
  for (const Finding &F : Found) {
    CheckReport R;
    R.Loc = backToUnit(SM, F.Loc);
    if (R.Loc.isInvalid())
      continue;
    R.Message = F.Message;
    R.Sev = F.Sev;
    for (const RelatedLocation &N : F.Related)
      R.Notes.push_back({backToUnit(SM, N.Loc), N.Message});
    unsigned Step = 0;
    for (const TraceStep &S : F.Trace)
      R.Notes.push_back({backToUnit(SM, S.Loc), traceStepText(++Step, S)});
    report(H, std::move(R));
  }
}

} // namespace fearless
