#include "analysis/Driver.h"

#include "analysis/Check.h"
#include "analysis/ClangReport.h"
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
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <map>
#include <mutex>

namespace fearless {

using namespace clang;

namespace {

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

private:
  const SourceManager &SM;
  std::vector<Finding> &Out;
  llvm::DenseMap<FileID, SuppressionIndex> Suppressions;
};

class ChecksConsumer : public ASTConsumer {
public:
  ChecksConsumer(const std::vector<const CheckInfo *> &Checks,
                 const CheckOptions &Options, std::vector<Finding> &Out)
      : Checks(Checks), Options(Options), Out(Out) {}

  void HandleTranslationUnit(ASTContext &Ctx) override {
    // A unit with errors has a partial AST; findings on it would be noise,
    // and the unit is reported as not analysed instead.
    if (Ctx.getDiagnostics().hasErrorOccurred())
      return;
    CollectingHandler H(Ctx.getSourceManager(), Out);
    for (const CheckInfo *Info : Checks)
      Info->Create(Options)->run(Ctx, H);
  }

private:
  const std::vector<const CheckInfo *> &Checks;
  const CheckOptions &Options;
  std::vector<Finding> &Out;
};

class ChecksAction : public ASTFrontendAction {
public:
  ChecksAction(const std::vector<const CheckInfo *> &Checks,
               const CheckOptions &Options, std::vector<Finding> &Out)
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
  std::vector<Finding> &Out;
};

class ChecksActionFactory : public tooling::FrontendActionFactory {
public:
  ChecksActionFactory(const std::vector<const CheckInfo *> &Checks,
                      const CheckOptions &Options, std::vector<Finding> &Out)
      : Checks(Checks), Options(Options), Out(Out) {}
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<ChecksAction>(Checks, Options, Out);
  }

private:
  const std::vector<const CheckInfo *> &Checks;
  const CheckOptions &Options;
  std::vector<Finding> &Out;
};

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

bool analyzeProject(const AnalyzeOptions &Opts, Report &Out,
                    std::string &FatalError) {
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

  Report R;
  std::vector<std::string> Files = selectFiles(Opts, *DB, R.Errors);
  CheckOptions Defaults;
  const CheckOptions &Options = Opts.Options ? *Opts.Options : Defaults;

  std::mutex Lock;
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
      std::vector<Finding> Found;
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
      for (Finding &F : Found)
        R.Findings.push_back(std::move(F));
    });
  }
  Pool.wait();
  sortAndUnique(R.Findings);
  assignFingerprints(R.Findings);
  std::sort(R.Errors.begin(), R.Errors.end(),
            [](const AnalysisError &A, const AnalysisError &B) {
              return std::tie(A.File, A.Message) < std::tie(B.File, B.Message);
            });
  Out = std::move(R);
  return true;
}

} // namespace fearless
