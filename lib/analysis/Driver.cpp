#include "analysis/Driver.h"

#include "analysis/Check.h"
#include "analysis/ClangReport.h"
#include "analysis/WholeProgram.h"
#include "core/Diff.h"
#include "core/Facts.h"
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
#include "llvm/Support/xxhash.h"

#include <map>
#include <optional>
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

/// One check's view of the options: "<check-id>.<Key>" from the
/// configuration file, else the command line's options.
class ScopedOptions : public CheckOptions {
public:
  ScopedOptions(const std::map<std::string, std::string> *Config,
                llvm::StringRef CheckId, const CheckOptions &Fallback)
      : Config(Config), Prefix(CheckId.str() + "."), Fallback(Fallback) {}
  std::string get(llvm::StringRef Key, llvm::StringRef Default) const override {
    if (Config) {
      auto It = Config->find(Prefix + Key.str());
      if (It != Config->end())
        return It->second;
    }
    return Fallback.get(Key, Default);
  }

private:
  const std::map<std::string, std::string> *Config;
  std::string Prefix;
  const CheckOptions &Fallback;
};

/// What one unit produces; Directives is only filled when unused
/// suppressions are reported.
struct UnitOutput {
  /// Input: options from the configuration file, if any.
  const std::map<std::string, std::string> *Config = nullptr;
  std::vector<Finding> Findings;
  bool WantDirectives = false;
  DirectiveMap Directives;
  /// Facts sections of the whole-program checks, by section name.
  llvm::json::Object Sections;
  /// Every file the unit read.
  std::vector<FactsDependency> Deps;
  bool Parsed = false;
};

/// Every file the unit read (main file, headers, system headers), as it
/// was read: size and time from the file manager, the hash from the buffer
/// already in memory, so recording them costs no second read.
std::vector<FactsDependency> unitDependencies(const SourceManager &SM) {
  std::vector<FactsDependency> Out;
  for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
    // The real path: collapsing ".." by hand breaks across symbolic links
    // (the compiler's "lib/gcc/.../../../../include" system paths).
    llvm::SmallString<256> Path(It->first.getFileEntry().tryGetRealPathName());
    if (Path.empty()) {
      Path = It->first.getName();
      if (!llvm::sys::path::is_absolute(Path))
        (void)SM.getFileManager().getVirtualFileSystem().makeAbsolute(Path);
      llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/false);
    }
    FactsDependency D;
    std::optional<llvm::MemoryBufferRef> Buf =
        It->second->getBufferIfLoaded();
    if (Buf) {
      D.Path = std::string(Path);
      D.Size = It->first.getSize();
      D.MTime = It->first.getModificationTime();
      D.Hash = contentHash(Buf->getBuffer());
    } else if (!describeFile(Path, D)) {
      continue;
    }
    Out.push_back(std::move(D));
  }
  std::sort(Out.begin(), Out.end(),
            [](const FactsDependency &A, const FactsDependency &B) {
              return A.Path < B.Path;
            });
  Out.erase(std::unique(Out.begin(), Out.end(),
                        [](const FactsDependency &A, const FactsDependency &B) {
                          return A.Path == B.Path;
                        }),
            Out.end());
  return Out;
}

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
    for (const CheckInfo *Info : Checks) {
      ScopedOptions Scoped(Out.Config, Info->Id, Options);
      std::unique_ptr<Check> C = Info->Create(Scoped);
      if (WholeProgramCheck *WP = C->asWholeProgram()) {
        std::string Section = WP->factsSection().str();
        if (!Out.Sections.get(Section))
          Out.Sections[Section] = WP->extract(Ctx);
        continue;
      }
      C->run(Ctx, H);
    }
    if (Out.WantDirectives)
      H.collectDirectives(Out.Directives);
    Out.Deps = unitDependencies(Ctx.getSourceManager());
    Out.Parsed = true;
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

namespace {

/// What identifies the build of this tool: its own executable's bytes,
/// so that a rebuilt fearless never trusts facts of an older one.
const std::string &toolBuildId() {
  static const std::string Id = [] {
    std::string Exe = llvm::sys::fs::getMainExecutable(
        "fearless", reinterpret_cast<void *>(&toolBuildId));
    FactsDependency D;
    std::string Out = std::string(toolVersion()) + "/" +
                      std::to_string(FactsVersion);
    if (!Exe.empty() && describeFile(Exe, D))
      Out += "/" + D.Hash;
    return Out;
  }();
  return Id;
}

/// Everything besides the unit's files that its result depends on.
std::string configurationKey(const AnalyzeOptions &Opts,
                             const std::vector<const CheckInfo *> &Checks,
                             const CheckOptions &Options) {
  std::string K = toolBuildId();
  for (const CheckInfo *Info : Checks) {
    K += "\n" + std::string(Info->Id);
    ScopedOptions Scoped(Opts.Config, Info->Id, Options);
    for (const CheckOptionInfo &O : Info->Options)
      K += ";" + std::string(O.Key) + "=" + Scoped.get(O.Key, O.Default);
  }
  K += "\nresource-dir=" + Opts.ResourceDir;
  return K;
}

std::string commandKey(const tooling::CompilationDatabase &DB,
                       const std::string &File) {
  std::string K;
  for (const tooling::CompileCommand &C : DB.getCompileCommands(File)) {
    K += C.Directory + "\n";
    for (const std::string &A : C.CommandLine)
      K += A + "\n";
  }
  return K;
}

/// Runs the whole-program checks over every unit's facts; NOLINT at the
/// primary location applies, as it does to per-unit findings.
void mergeWholeProgram(const std::vector<const CheckInfo *> &Checks,
                       const CheckOptions &Options,
                       const std::vector<UnitFacts> &Units,
                       const AnalyzeOptions &Opts, Report &R,
                       DirectiveMap &Directives) {
  std::vector<Finding> Found;
  MergeOutputs Extra;
  Extra.LockGraphDot = Opts.LockGraphDot;
  for (const CheckInfo *Info : Checks) {
    ScopedOptions Scoped(Opts.Config, Info->Id, Options);
    std::unique_ptr<Check> C = Info->Create(Scoped);
    WholeProgramCheck *WP = C->asWholeProgram();
    if (!WP)
      continue;
    std::vector<const llvm::json::Value *> Sections;
    for (const UnitFacts &U : Units)
      if (const llvm::json::Value *V = U.Sections.get(WP->factsSection()))
        Sections.push_back(V);
    WP->merge(Sections, Found, Extra);
  }
  std::map<std::string, SuppressionIndex> Indexes;
  for (Finding &F : Found) {
    auto It = Indexes.find(F.Loc.File);
    if (It == Indexes.end()) {
      std::string Text;
      if (auto Buf = llvm::MemoryBuffer::getFile(F.Loc.File))
        Text = (*Buf)->getBuffer().str();
      It = Indexes.emplace(F.Loc.File, SuppressionIndex::parse(Text)).first;
    }
    if (It->second.suppresses(F.Loc.Line, F.CheckId))
      continue;
    if (!F.Suppression.empty())
      R.Suppressed.push_back(std::move(F));
    else
      R.Findings.push_back(std::move(F));
  }
  // What the whole-program findings used of the NOLINT comments.
  for (auto &[File, Index] : Indexes) {
    auto Pos = Directives.find(File);
    std::vector<SuppressionIndex::Directive> Dirs = Index.directives();
    if (Pos != Directives.end() && Pos->second.size() == Dirs.size())
      for (size_t D = 0; D < Dirs.size(); ++D)
        Pos->second[D].Used |= Dirs[D].Used;
  }
}

} // namespace

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
  bool Merging = !Opts.MergeInputs.empty();
  std::unique_ptr<tooling::CompilationDatabase> DB;
  if (!Merging) {
    if (Opts.Paths.empty() && Opts.BuildDir.empty() && !Opts.HasFixedArgs) {
      FatalError = "nothing to analyse: pass -p BUILD_DIR or files";
      return false;
    }
    if (Opts.HasFixedArgs && Opts.Paths.empty()) {
      FatalError = "compiler arguments after -- need the files to analyse";
      return false;
    }
    if (Opts.ShardCount && Opts.FactsDir.empty()) {
      FatalError = "--shard needs --facts-dir, where `fearless merge` will "
                   "find the shard's facts";
      return false;
    }
    DB = loadDatabase(Opts, FatalError);
    if (!DB)
      return false;
  }

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
  CheckOptions Defaults;
  const CheckOptions &Options = Opts.Options ? *Opts.Options : Defaults;
  DirectiveMap Directives;
  std::vector<UnitFacts> Units;
  GateSummary G;

  if (Merging) {
    std::vector<std::string> LoadErrors;
    Units = loadFacts(Opts.MergeInputs, LoadErrors);
    for (const std::string &E : LoadErrors) {
      auto [Path, Why] = llvm::StringRef(E).split(": ");
      R.Errors.push_back({Path.str(), "cannot merge: " + Why.str()});
    }
    if (Units.empty() && R.Errors.empty()) {
      FatalError = "no facts files (*.facts.json) found in the inputs";
      return false;
    }
    for (const UnitFacts &U : Units)
      for (const Finding &F : U.Findings)
        R.Findings.push_back(F);
  } else {
    std::vector<std::string> Files = selectFiles(Opts, *DB, R.Errors);
    if (Opts.ShardCount) {
      std::sort(Files.begin(), Files.end());
      std::vector<std::string> Mine;
      for (size_t I = 0; I < Files.size(); ++I)
        if (I % Opts.ShardCount == Opts.ShardIndex - 1)
          Mine.push_back(Files[I]);
      Files = std::move(Mine);
    }
    std::string CacheDir = Opts.CacheDir;
    if (CacheDir.empty() && !Opts.HasFixedArgs && !Opts.BuildDir.empty()) {
      llvm::SmallString<256> P(Opts.BuildDir);
      if (!llvm::sys::fs::is_directory(P))
        llvm::sys::path::remove_filename(P);
      llvm::sys::path::append(P, ".fearless-cache");
      CacheDir = std::string(P);
    }
    // Which NOLINT comments were used is per-run state the cache does not
    // keep: reporting unused ones re-analyses every unit.
    if (Opts.NoCache || Opts.ReportUnusedSuppressions)
      CacheDir.clear();
    std::string ConfigKey = configurationKey(Opts, Checks, Options);

    std::mutex Lock;
    unsigned Started = 0;
    unsigned &Analysed = G.Analysed, &Reused = G.Reused;
    std::map<std::string, UnitFacts> ByFile;
    // The --facts-dir copy of a unit's facts; the error, or empty.
    auto copyToFactsDir = [&](const UnitFacts &U) {
      std::string Error;
      if (Opts.FactsDir.empty())
        return Error;
      llvm::SmallString<256> P(Opts.FactsDir);
      llvm::sys::path::append(P, factsFileName(U.File, U.Key));
      (void)writeUnitFacts(P, U, Error);
      return Error;
    };
    llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Opts.Jobs));
    for (const std::string &File : Files) {
      Pool.async([&, File] {
        {
          std::lock_guard<std::mutex> G(Lock);
          ++Started;
          if (Opts.Progress)
            Opts.Progress(Started, Files.size(), File);
        }
        std::string Key = contentHash(ConfigKey + "\n" + commandKey(*DB, File));
        std::string Abs = absolute(File);
        std::string CachePath;
        if (!CacheDir.empty()) {
          llvm::SmallString<256> P(CacheDir);
          llvm::sys::path::append(P, factsFileName(Abs, Key));
          CachePath = std::string(P);
          UnitFacts Cached;
          std::string Ignored;
          if (llvm::sys::fs::exists(CachePath) &&
              readUnitFacts(CachePath, Cached, Ignored) && Cached.Key == Key &&
              Cached.File == Abs && dependenciesUnchanged(Cached)) {
            std::string FactsError = copyToFactsDir(Cached);
            std::lock_guard<std::mutex> G(Lock);
            if (!FactsError.empty())
              R.Errors.push_back({File, "cannot write facts: " + FactsError});
            ++Reused;
            ByFile[Abs] = std::move(Cached);
            return;
          }
        }
        UnitOutput Found;
        Found.Config = Opts.Config;
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
        bool Failed = RC != 0 || Diags.getNumErrors() != 0 || !Found.Parsed;
        UnitFacts U;
        std::string FactsError;
        if (!Failed) {
          U.File = Abs;
          U.Key = Key;
          U.Deps = std::move(Found.Deps);
          U.Findings = Found.Findings;
          U.Sections = std::move(Found.Sections);
          // The cache is an optimisation: failing to write it costs the
          // next run time, not this run its result.
          if (!CachePath.empty())
            (void)writeUnitFacts(CachePath, U, FactsError);
          FactsError = copyToFactsDir(U);
        }
        std::lock_guard<std::mutex> G(Lock);
        ++Analysed;
        if (Failed) {
          std::string Why = Diags.FirstError.empty()
                                ? "no compile command or the compiler failed"
                                : Diags.FirstError;
          unsigned N = Diags.getNumErrors();
          R.Errors.push_back(
              {File, "cannot analyse: " +
                         (N > 1 ? std::to_string(N) + " errors, first: " : "") +
                         Why});
        } else {
          if (!FactsError.empty())
            R.Errors.push_back({File, "cannot write facts: " + FactsError});
          ByFile[Abs] = std::move(U);
        }
        for (auto &[File, Dirs] : Found.Directives) {
          auto [Pos, Fresh] = Directives.try_emplace(File, Dirs);
          if (!Fresh && Pos->second.size() == Dirs.size())
            for (size_t D = 0; D < Dirs.size(); ++D)
              Pos->second[D].Used |= Dirs[D].Used;
        }
      });
    }
    Pool.wait();
    for (auto &[File, U] : ByFile) {
      for (const Finding &F : U.Findings)
        R.Findings.push_back(F);
      Units.push_back(std::move(U));
    }
  }
  // A shard leaves the whole-program checks to `fearless merge`.
  if (!Opts.ShardCount)
    mergeWholeProgram(Checks, Options, Units, Opts, R, Directives);
  if (Opts.ReportUnusedSuppressions)
    for (Finding &F : unusedSuppressions(Directives, Checks))
      R.Findings.push_back(std::move(F));
  // Severities from the configuration apply to cached findings too.
  if (Opts.Config)
    for (Finding &F : R.Findings) {
      auto It = Opts.Config->find(F.CheckId + ".Severity");
      Severity Sev;
      if (It != Opts.Config->end() && parseSeverity(It->second, Sev))
        F.Sev = Sev;
    }
  sortAndUnique(R.Findings);
  sortAndUnique(R.Suppressed);
  assignFingerprints(R.Findings, SourceRoot);
  assignFingerprints(R.Suppressed, SourceRoot);

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
