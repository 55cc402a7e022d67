#include "analysis/WholeProgram.h"

#include "core/Writers.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"

namespace fearless {

using namespace clang;

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
