#include "core/Diff.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>
#include <optional>

namespace fearless {

namespace {

struct GitResult {
  int Code = -1;
  std::string Out;
  std::string Err;
};

GitResult git(const std::vector<std::string> &Args) {
  GitResult R;
  auto Git = llvm::sys::findProgramByName("git");
  if (!Git) {
    R.Err = "git is not installed";
    return R;
  }
  llvm::SmallString<128> OutPath, ErrPath;
  if (llvm::sys::fs::createTemporaryFile("fearless_git", "out", OutPath) ||
      llvm::sys::fs::createTemporaryFile("fearless_git", "err", ErrPath)) {
    R.Err = "cannot create a temporary file";
    return R;
  }
  std::vector<llvm::StringRef> Argv = {*Git};
  for (const std::string &A : Args)
    Argv.push_back(A);
  std::optional<llvm::StringRef> Redirects[] = {
      llvm::StringRef(""), llvm::StringRef(OutPath), llvm::StringRef(ErrPath)};
  std::string ErrMsg;
  // A diff of a large repository takes seconds; a hung git must not hang CI.
  R.Code = llvm::sys::ExecuteAndWait(*Git, Argv, std::nullopt, Redirects,
                                     /*SecondsToWait=*/300, 0, &ErrMsg);
  if (auto B = llvm::MemoryBuffer::getFile(OutPath))
    R.Out = (*B)->getBuffer().str();
  if (auto B = llvm::MemoryBuffer::getFile(ErrPath))
    R.Err = (*B)->getBuffer().str();
  if (R.Code < 0 && R.Err.empty())
    R.Err = ErrMsg.empty() ? "git did not finish" : ErrMsg;
  llvm::sys::fs::remove(OutPath);
  llvm::sys::fs::remove(ErrPath);
  return R;
}

std::string firstLine(llvm::StringRef S) {
  return S.trim().split('\n').first.trim().str();
}

} // namespace

std::string ChangedLines::real(const std::string &Path) const {
  auto It = RealPaths.find(Path);
  if (It != RealPaths.end())
    return It->second;
  llvm::SmallString<256> Real;
  std::string Out = llvm::sys::fs::real_path(Path, Real) ? Path : Real.str().str();
  RealPaths.emplace(Path, Out);
  return Out;
}

void ChangedLines::add(const std::string &AbsFile, unsigned First,
                       unsigned Last) {
  Files[real(AbsFile)].push_back({First, Last});
}

void ChangedLines::addUnifiedDiff(llvm::StringRef Diff,
                                  const std::string &RepoRoot) {
  std::string Current;
  while (!Diff.empty()) {
    auto [Line, Rest] = Diff.split('\n');
    Diff = Rest;
    if (Line.starts_with("+++ ")) {
      llvm::StringRef P = Line.drop_front(4).rtrim("\r\t ");
      if (P.size() >= 2 && P.front() == '"' && P.back() == '"')
        P = P.drop_front().drop_back();
      if (P == "/dev/null") {
        Current.clear();
        continue;
      }
      P.consume_front("b/");
      llvm::SmallString<256> Abs(RepoRoot);
      llvm::sys::path::append(Abs, P);
      Current = std::string(Abs);
      continue;
    }
    if (!Line.starts_with("@@ ") || Current.empty())
      continue;
    // "@@ -a[,b] +c[,d] @@"
    size_t Plus = Line.find(" +");
    if (Plus == llvm::StringRef::npos)
      continue;
    llvm::StringRef New = Line.drop_front(Plus + 2);
    New = New.take_until([](char C) { return C == ' '; });
    auto [StartText, CountText] = New.split(',');
    unsigned Start = 0, Count = 1;
    if (StartText.getAsInteger(10, Start))
      continue;
    if (!CountText.empty() && CountText.getAsInteger(10, Count))
      continue;
    if (Count == 0)
      add(Current, Start == 0 ? 1 : Start, Start + 1);
    else
      add(Current, Start, Start + Count - 1);
  }
}

bool ChangedLines::touches(const Location &L) const {
  if (!L.valid() || L.Line == 0)
    return false;
  auto It = Files.find(real(L.File));
  if (It == Files.end())
    return false;
  for (const auto &[First, Last] : It->second)
    if (L.Line >= First && L.Line <= Last)
      return true;
  return false;
}

bool ChangedLines::touches(const Finding &F) const {
  if (touches(F.Loc))
    return true;
  for (const RelatedLocation &R : F.Related)
    if (touches(R.Loc))
      return true;
  for (const TraceStep &S : F.Trace)
    if (touches(S.Loc))
      return true;
  return false;
}

std::string gitTopLevel(const std::string &Path) {
  llvm::SmallString<256> Dir(Path);
  llvm::sys::fs::make_absolute(Dir);
  if (!llvm::sys::fs::is_directory(Dir))
    llvm::sys::path::remove_filename(Dir);
  if (!llvm::sys::fs::is_directory(Dir))
    return "";
  GitResult R = git({"-C", std::string(Dir), "rev-parse", "--show-toplevel"});
  if (R.Code != 0)
    return "";
  return firstLine(R.Out);
}

bool gitChangedLines(const std::string &RepoRoot, const std::string &Rev,
                     ChangedLines &Out, std::string &Error) {
  if (Rev.empty() || Rev[0] == '-') {
    Error = "--diff-base needs a git revision, got '" + Rev + "'";
    return false;
  }
  GitResult V = git({"-C", RepoRoot, "rev-parse", "--verify", "--quiet",
                     Rev + "^{commit}"});
  if (V.Code != 0) {
    Error = V.Code < 0 ? "cannot run git: " + firstLine(V.Err)
                       : "--diff-base: '" + Rev + "' is not a commit of the "
                         "repository at '" + RepoRoot + "'";
    return false;
  }
  GitResult D = git({"-C", RepoRoot, "-c", "core.quotePath=false", "diff",
                     "-U0", "--no-color", "--no-ext-diff", firstLine(V.Out),
                     "--"});
  if (D.Code != 0) {
    Error = "git diff failed: " + firstLine(D.Err);
    return false;
  }
  Out.addUnifiedDiff(D.Out, RepoRoot);
  // Files git does not track yet are new in their entirety.
  GitResult U = git({"-C", RepoRoot, "-c", "core.quotePath=false", "ls-files",
                     "--others", "--exclude-standard"});
  if (U.Code == 0) {
    llvm::StringRef Rest = U.Out;
    while (!Rest.empty()) {
      auto [Line, Next] = Rest.split('\n');
      Rest = Next;
      if (Line.trim().empty())
        continue;
      llvm::SmallString<256> Abs(RepoRoot);
      llvm::sys::path::append(Abs, Line.trim());
      Out.add(std::string(Abs), 1, ~0u);
    }
  }
  return true;
}

} // namespace fearless
