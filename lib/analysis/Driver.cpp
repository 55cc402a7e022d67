#include "analysis/Driver.h"

#include "analysis/Check.h"
#include "analysis/ClangReport.h"
#include "core/Diff.h"
#include "core/Fingerprint.h"
#include "core/Suppressions.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <map>
#include <mutex>

namespace fearless {

using namespace clang;

const char *const UnusedSuppressionCheckId = "fearless-unused-suppression";

namespace {

/// NOLINT directives per file (absolute path), with their Used bits as seen
/// by the units analysed so far.
using DirectiveMap =
    std::map<std::string, std::vector<SuppressionIndex::Directive>>;

/// Keeps compiler diagnostics off the terminal and remembers the first
/// error, which becomes the unit's one-line reason when it fails.
class QuietDiagnostics : public DiagnosticConsumer {
public:
  void HandleDiagnostic(DiagnosticsEngine::Level Level,
                        const Diagnostic &Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    if (Level < DiagnosticsEngine::Error || !FirstError.empty())
      return;
    llvm::SmallString<128> Msg;
    Info.FormatDiagnostic(Msg);
    std::string Where;
    if (Info.hasSourceManager() && Info.getLocation().isValid()) {
      Location L = toLocation(Info.getSourceManager(), Info.getLocation());
      if (L.valid())
        Where = llvm::sys::path::filename(L.File).str() + ":" +
                std::to_string(L.Line) + ":" + std::to_string(L.Column) + ": ";
    }
    FirstError = Where + std::string(Msg);
  }
  std::string FirstError;
};

class CollectingHandler : public ReportHandler {
public:
  CollectingHandler(const SourceManager &SM, std::vector<Finding> &Out)
      : SM(SM), Out(Out) {}

  void report(llvm::StringRef CheckId, CheckReport R) override {
    if (R.Loc.isInvalid() || inSystemHeader(SM, R.Loc))
      return;
    SourceLocation FileLoc = SM.getFileLoc(R.Loc);
    FileID FID = SM.getFileID(FileLoc);
    auto It = Suppressions.find(FID);
    if (It == Suppressions.end()) {
      bool Invalid = false;
      llvm::StringRef Text = SM.getBufferData(FID, &Invalid);
      It = Suppressions
               .try_emplace(FID, SuppressionIndex::parse(
                                     Invalid ? std::string() : Text.str()))
               .first;
    }
    if (It->second.suppresses(SM.getSpellingLineNumber(FileLoc), CheckId.str()))
      return;
    Out.push_back(toFinding(CheckId, R, SM));
  }

  /// The directives of every user file of the unit (not system headers),
  /// with what this unit used of them.
  void collectDirectives(DirectiveMap &Into) {
    for (unsigned I = 1, N = SM.local_sloc_entry_size(); I < N; ++I) {
      const SrcMgr::SLocEntry &E = SM.getLocalSLocEntry(I);
      if (!E.isFile() ||
          E.getFile().getFileCharacteristic() != SrcMgr::C_User)
        continue;
      FileID FID =
          SM.getFileID(SourceLocation::getFromRawEncoding(E.getOffset()));
      Location Start = toLocation(SM, SM.getLocForStartOfFile(FID));
      if (!Start.valid())
        continue;
      auto It = Suppressions.find(FID);
      std::vector<SuppressionIndex::Directive> Dirs;
      if (It != Suppressions.end()) {
        Dirs = It->second.directives();
      } else {
        bool Invalid = false;
        llvm::StringRef Text = SM.getBufferData(FID, &Invalid);
        if (Invalid)
          continue;
        Dirs = SuppressionIndex::parse(Text.str()).directives();
      }
      auto [Pos, Fresh] = Into.try_emplace(Start.File, Dirs);
      if (!Fresh && Pos->second.size() == Dirs.size())
        for (size_t D = 0; D < Dirs.size(); ++D)
          Pos->second[D].Used |= Dirs[D].Used;
    }
  }

private:
  const SourceManager &SM;
  std::vector<Finding> &Out;
  llvm::DenseMap<FileID, SuppressionIndex> Suppressions;
};

/// What one unit produces; Directives is only filled when unused
/// suppressions are reported.
struct UnitOutput {
  std::vector<Finding> Findings;
  bool WantDirectives = false;
  DirectiveMap Directives;
};

class ChecksConsumer : public ASTConsumer {
public:
  ChecksConsumer(const std::vector<const CheckInfo *> &Checks,
                 const CheckOptions &Options, UnitOutput &Out)
      : Checks(Checks), Options(Options), Out(Out) {}

  void HandleTranslationUnit(ASTContext &Ctx) override {
    // A unit with errors has a partial AST; findings on it would be noise,
    // and the unit is reported as not analysed instead.
    if (Ctx.getDiagnostics().hasErrorOccurred())
      return;
    CollectingHandler H(Ctx.getSourceManager(), Out.Findings);
    for (const CheckInfo *Info : Checks)
      Info->Create(Options)->run(Ctx, H);
    if (Out.WantDirectives)
      H.collectDirectives(Out.Directives);
  }

private:
  const std::vector<const CheckInfo *> &Checks;
  const CheckOptions &Options;
  UnitOutput &Out;
};

class ChecksAction : public ASTFrontendAction {
public:
  ChecksAction(const std::vector<const CheckInfo *> &Checks,
               const CheckOptions &Options, UnitOutput &Out)
      : Checks(Checks), Options(Options), Out(Out) {}

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    // Otherwise Clang prints "N errors generated." on our stderr; the
    // unit's error is reported once, in fearless's own words.
    CI.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());
    return std::make_unique<ChecksConsumer>(Checks, Options, Out);
  }

private:
  const std::vector<const CheckInfo *> &Checks;
  const CheckOptions &Options;
  UnitOutput &Out;
};

class ChecksActionFactory : public tooling::FrontendActionFactory {
public:
  ChecksActionFactory(const std::vector<const CheckInfo *> &Checks,
                      const CheckOptions &Options, UnitOutput &Out)
      : Checks(Checks), Options(Options), Out(Out) {}
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<ChecksAction>(Checks, Options, Out);
  }

private:
  const std::vector<const CheckInfo *> &Checks;
  const CheckOptions &Options;
  UnitOutput &Out;
};

const char *directiveName(SuppressionIndex::Kind K) {
  switch (K) {
  case SuppressionIndex::Kind::SameLine:
    return "NOLINT";
  case SuppressionIndex::Kind::NextLine:
    return "NOLINTNEXTLINE";
  case SuppressionIndex::Kind::Region:
    return "NOLINTBEGIN";
  }
  return "NOLINT";
}

/// Unused directives that certainly concern fearless: they name at least
/// one check that ran and no fearless check that did not (which might
/// have used them). A bare NOLINT is left alone: it may be there for
/// another linter.
std::vector<Finding>
unusedSuppressions(const DirectiveMap &Directives,
                   const std::vector<const CheckInfo *> &Enabled) {
  std::vector<Finding> Out;
  for (const auto &[File, Dirs] : Directives) {
    std::vector<std::string> Lines;
    bool Loaded = false;
    for (const SuppressionIndex::Directive &D : Dirs) {
      if (D.Used || D.Checks.empty())
        continue;
      GlobList Names(D.Checks);
      bool NamesEnabled = false, NamesDisabled = false;
      for (const CheckInfo &Info : allChecks()) {
        if (!Names.contains(Info.Id))
          continue;
        bool On = std::find(Enabled.begin(), Enabled.end(), &Info) !=
                  Enabled.end();
        (On ? NamesEnabled : NamesDisabled) = true;
      }
      if (!NamesEnabled || NamesDisabled)
        continue;
      if (!Loaded) {
        Loaded = true;
        if (auto Buf = llvm::MemoryBuffer::getFile(File)) {
          llvm::StringRef Rest = (*Buf)->getBuffer();
          while (!Rest.empty()) {
            auto [L, Next] = Rest.split('\n');
            Lines.push_back(L.str());
            Rest = Next;
          }
        }
      }
      Finding F;
      F.CheckId = UnusedSuppressionCheckId;
      F.Sev = Severity::Warning;
      F.Message = std::string(directiveName(D.K)) + "(" + D.Checks +
                  ") suppresses no finding; remove it";
      F.Loc = {File, D.Line, 1};
      if (D.Line >= 1 && D.Line <= Lines.size())
        F.Snippet = Lines[D.Line - 1];
      Out.push_back(std::move(F));
    }
  }
  return Out;
}

std::string absolute(llvm::StringRef Path) {
  llvm::SmallString<256> P(Path);
  llvm::sys::fs::make_absolute(P);
  llvm::sys::path::remove_dots(P, /*remove_dot_dot=*/true);
  return std::string(P);
}

std::unique_ptr<tooling::CompilationDatabase>
loadDatabase(const AnalyzeOptions &Opts, std::string &Error) {
  if (Opts.HasFixedArgs)
    return std::make_unique<tooling::FixedCompilationDatabase>(
        ".", Opts.FixedArgs);
  std::string Json;
  if (!Opts.BuildDir.empty()) {
    if (llvm::sys::fs::is_directory(Opts.BuildDir)) {
      llvm::SmallString<256> P(Opts.BuildDir);
      llvm::sys::path::append(P, "compile_commands.json");
      Json = std::string(P);
    } else {
      Json = Opts.BuildDir;
    }
    if (!llvm::sys::fs::exists(Json)) {
      Error = "no compilation database: '" + Json + "' does not exist";
      return nullptr;
    }
  } else {
    // No -p: look for compile_commands.json above the first input, as
    // clang-tidy does.
    for (const std::string &Path : Opts.Paths) {
      llvm::SmallString<256> Dir(absolute(Path));
      if (!llvm::sys::fs::is_directory(Dir))
        llvm::sys::path::remove_filename(Dir);
      for (; !Dir.empty(); Dir = llvm::sys::path::parent_path(Dir)) {
        llvm::SmallString<256> P(Dir);
        llvm::sys::path::append(P, "compile_commands.json");
        if (llvm::sys::fs::exists(P)) {
          Json = std::string(P);
          break;
        }
      }
      break;
    }
    if (Json.empty()) {
      Error = "no compilation database found: pass -p BUILD_DIR, or compiler "
              "arguments after --";
      return nullptr;
    }
  }
  std::string LoadError;
  auto DB = tooling::JSONCompilationDatabase::loadFromFile(
      Json, LoadError, tooling::JSONCommandLineSyntax::AutoDetect);
  if (!DB) {
    // LLVM's messages can span lines; the first is the useful one.
    llvm::StringRef First = llvm::StringRef(LoadError).split('\n').first;
    Error = "malformed compilation database '" + Json + "': " + First.str();
    return nullptr;
  }
  // Files missing from the database (headers, new files) get the command
  // of the most similar file, as clangd and clang-tidy do.
  return tooling::inferMissingCompileCommands(std::move(DB));
}

/// The files to analyse, or errors for inputs that do not exist.
std::vector<std::string> selectFiles(const AnalyzeOptions &Opts,
                                     const tooling::CompilationDatabase &DB,
                                     std::vector<AnalysisError> &Errors) {
  std::vector<std::string> All = DB.getAllFiles();
  if (Opts.Paths.empty())
    return All;
  std::vector<std::string> Files;
  llvm::StringSet<> Seen;
  for (const std::string &Path : Opts.Paths) {
    std::string Abs = absolute(Path);
    if (llvm::sys::fs::is_directory(Abs)) {
      bool Any = false;
      for (const std::string &F : All)
        if (llvm::StringRef(absolute(F)).starts_with(Abs + "/")) {
          Any = true;
          if (Seen.insert(F).second)
            Files.push_back(F);
        }
      if (!Any)
        Errors.push_back({Path, "no file of the compilation database lies "
                                "in this directory"});
      continue;
    }
    if (!llvm::sys::fs::exists(Abs)) {
      Errors.push_back({Path, "no such file"});
      continue;
    }
    if (Seen.insert(Abs).second)
      Files.push_back(Abs);
  }
  return Files;
}

} // namespace

std::string defaultSourceRoot(const AnalyzeOptions &Opts) {
  std::string First = !Opts.Paths.empty() ? Opts.Paths.front()
                      : !Opts.BuildDir.empty() ? Opts.BuildDir
                                               : std::string(".");
  std::string Top = gitTopLevel(absolute(First));
  return Top.empty() ? absolute(".") : Top;
}

bool analyzeProject(const AnalyzeOptions &Opts, Report &Out,
                    std::string &FatalError, GateSummary *Gate) {
  std::vector<const CheckInfo *> Checks;
  GlobList Enabled(Opts.Checks);
  for (const CheckInfo &Info : allChecks())
    if (Enabled.contains(Info.Id))
      Checks.push_back(&Info);
  if (Checks.empty()) {
    FatalError = "no check matches '" + Opts.Checks + "'";
    return false;
  }
  if (Opts.Paths.empty() && Opts.BuildDir.empty() && !Opts.HasFixedArgs) {
    FatalError = "nothing to analyse: pass -p BUILD_DIR or files";
    return false;
  }
  if (Opts.HasFixedArgs && Opts.Paths.empty()) {
    FatalError = "compiler arguments after -- need the files to analyse";
    return false;
  }
  std::unique_ptr<tooling::CompilationDatabase> DB =
      loadDatabase(Opts, FatalError);
  if (!DB)
    return false;

  std::string SourceRoot =
      Opts.SourceRoot.empty() ? defaultSourceRoot(Opts) : absolute(Opts.SourceRoot);
  // A bad revision must cost seconds, not a whole analysis.
  ChangedLines Changed;
  if (!Opts.DiffBase.empty()) {
    std::string Repo = gitTopLevel(SourceRoot);
    if (Repo.empty()) {
      FatalError = "--diff-base needs a git work tree, and '" + SourceRoot +
                   "' is not in one (set --source-root)";
      return false;
    }
    if (!gitChangedLines(Repo, Opts.DiffBase, Changed, FatalError))
      return false;
  }

  Report R;
  std::vector<std::string> Files = selectFiles(Opts, *DB, R.Errors);
  CheckOptions Defaults;
  const CheckOptions &Options = Opts.Options ? *Opts.Options : Defaults;

  std::mutex Lock;
  DirectiveMap Directives;
  unsigned Started = 0;
  llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Opts.Jobs));
  for (const std::string &File : Files) {
    Pool.async([&, File] {
      {
        std::lock_guard<std::mutex> G(Lock);
        ++Started;
        if (Opts.Progress)
          Opts.Progress(Started, Files.size(), File);
      }
      UnitOutput Found;
      Found.WantDirectives = Opts.ReportUnusedSuppressions;
      QuietDiagnostics Diags;
      // A physical file system of our own: the default one shares the
      // process's working directory, which parallel tools would race on.
      tooling::ClangTool Tool(*DB, {File},
                              std::make_shared<PCHContainerOperations>(),
                              llvm::vfs::createPhysicalFileSystem());
      Tool.setPrintErrorMessage(false);
      Tool.setDiagnosticConsumer(&Diags);
      if (!Opts.ResourceDir.empty())
        Tool.appendArgumentsAdjuster(tooling::getInsertArgumentAdjuster(
            ("-resource-dir=" + Opts.ResourceDir).c_str(),
            tooling::ArgumentInsertPosition::BEGIN));
      // Only fearless speaks: compiler warnings are not its findings.
      Tool.appendArgumentsAdjuster(tooling::getInsertArgumentAdjuster(
          "-w", tooling::ArgumentInsertPosition::END));
      ChecksActionFactory Factory(Checks, Options, Found);
      int RC = Tool.run(&Factory);
      std::lock_guard<std::mutex> G(Lock);
      if (RC != 0 || Diags.getNumErrors() != 0) {
        std::string Why = Diags.FirstError.empty()
                              ? "no compile command or the compiler failed"
                              : Diags.FirstError;
        unsigned N = Diags.getNumErrors();
        R.Errors.push_back(
            {File, "cannot analyse: " +
                       (N > 1 ? std::to_string(N) + " errors, first: " : "") +
                       Why});
      }
      for (Finding &F : Found.Findings)
        R.Findings.push_back(std::move(F));
      for (auto &[File, Dirs] : Found.Directives) {
        auto [Pos, Fresh] = Directives.try_emplace(File, Dirs);
        if (!Fresh && Pos->second.size() == Dirs.size())
          for (size_t D = 0; D < Dirs.size(); ++D)
            Pos->second[D].Used |= Dirs[D].Used;
      }
    });
  }
  Pool.wait();
  if (Opts.ReportUnusedSuppressions)
    for (Finding &F : unusedSuppressions(Directives, Checks))
      R.Findings.push_back(std::move(F));
  sortAndUnique(R.Findings);
  assignFingerprints(R.Findings, SourceRoot);

  GateSummary G;
  G.SourceRoot = SourceRoot;
  if (Opts.Against) {
    BaselineMatch M = applyBaseline(R.Findings, *Opts.Against);
    R.Findings = std::move(M.New);
    G.Baselined = M.Matched;
    G.Disappeared = std::move(M.Disappeared);
  }
  if (!Opts.DiffBase.empty()) {
    std::vector<Finding> Kept;
    for (Finding &F : R.Findings)
      if (Changed.touches(F))
        Kept.push_back(std::move(F));
      else
        ++G.OutsideDiff;
    R.Findings = std::move(Kept);
  }
  if (Gate)
    *Gate = std::move(G);
  std::sort(R.Errors.begin(), R.Errors.end(),
            [](const AnalysisError &A, const AnalysisError &B) {
              return std::tie(A.File, A.Message) < std::tie(B.File, B.Message);
            });
  Out = std::move(R);
  return true;
}

} // namespace fearless
