#include "analysis/ClangReport.h"

#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Index/USRGeneration.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace fearless {

static std::string absolutePath(const clang::SourceManager &SM,
                                clang::FileID FID) {
  auto Entry = SM.getFileEntryRefForID(FID);
  if (!Entry)
    return "";
  llvm::SmallString<256> Path(Entry->getName());
  // The VFS knows the unit's working directory, which may differ from ours.
  if (!llvm::sys::path::is_absolute(Path))
    (void)SM.getFileManager().getVirtualFileSystem().makeAbsolute(Path);
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return std::string(Path);
}

Location toLocation(const clang::SourceManager &SM, clang::SourceLocation L) {
  Location Out;
  if (L.isInvalid())
    return Out;
  clang::SourceLocation F = SM.getFileLoc(L);
  clang::FileID FID = SM.getFileID(F);
  Out.File = absolutePath(SM, FID);
  if (Out.File.empty())
    return Out;
  Out.Line = SM.getSpellingLineNumber(F);
  Out.Column = SM.getSpellingColumnNumber(F);
  return Out;
}

std::string sourceLine(const clang::SourceManager &SM,
                       clang::SourceLocation L);
static std::string lineText(const clang::SourceManager &SM,
                            clang::SourceLocation L) {
  if (L.isInvalid())
    return "";
  clang::SourceLocation F = SM.getFileLoc(L);
  bool Invalid = false;
  llvm::StringRef Buffer = SM.getBufferData(SM.getFileID(F), &Invalid);
  if (Invalid)
    return "";
  unsigned Offset = SM.getFileOffset(F);
  size_t Begin = Buffer.rfind('\n', Offset);
  Begin = Begin == llvm::StringRef::npos ? 0 : Begin + 1;
  size_t End = Buffer.find('\n', Offset);
  return Buffer.slice(Begin, End).str();
}

bool isLambdaBody(const clang::FunctionDecl *FD) {
  const auto *MD = llvm::dyn_cast_or_null<clang::CXXMethodDecl>(FD);
  return MD && MD->getParent()->isLambda();
}

const clang::FunctionDecl *lambdaOwner(const clang::FunctionDecl *FD) {
  if (!isLambdaBody(FD))
    return nullptr;
  const clang::DeclContext *DC =
      llvm::cast<clang::CXXMethodDecl>(FD)->getParent()->getDeclContext();
  while (DC && !llvm::isa<clang::FunctionDecl>(DC))
    DC = DC->getParent();
  return llvm::dyn_cast_or_null<clang::FunctionDecl>(DC);
}

static std::string scopeName(const clang::Decl *D) {
  if (!D)
    return "";
  if (const auto *ND = llvm::dyn_cast<clang::NamedDecl>(D)) {
    std::string Name = ND->getQualifiedNameAsString();
    // Lambdas have no name of their own; name them by their parent.
    if (const auto *MD = llvm::dyn_cast<clang::CXXMethodDecl>(D))
      if (MD->getParent()->isLambda())
        if (const auto *Outer = llvm::dyn_cast_or_null<clang::Decl>(
                MD->getParent()->getDeclContext()))
          return scopeName(Outer) + "::<lambda>";
    return Name;
  }
  return "";
}

Finding toFinding(llvm::StringRef CheckId, const CheckReport &R,
                  const clang::SourceManager &SM) {
  Finding F;
  F.CheckId = CheckId.str();
  F.Sev = R.Sev;
  F.Message = R.Message;
  F.Loc = toLocation(SM, R.Loc);
  for (const SourceNote &N : R.Notes)
    F.Related.push_back({toLocation(SM, N.Loc), N.Message});
  F.Scope = scopeName(R.Scope);
  F.Snippet = lineText(SM, R.Loc);
  return F;
}

std::string sourceLine(const clang::SourceManager &SM,
                       clang::SourceLocation L) {
  return lineText(SM, L);
}

std::string usrOf(const clang::Decl *D) {
  llvm::SmallString<128> Buf;
  if (!D || clang::index::generateUSRForDecl(D, Buf))
    return "";
  return std::string(Buf);
}

bool inSystemHeader(const clang::SourceManager &SM, clang::SourceLocation L) {
  return L.isValid() && SM.isInSystemHeader(SM.getFileLoc(L));
}

} // namespace fearless
