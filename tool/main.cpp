//===- main.cpp - The fearless command line -------------------------------===//
//
// A thin driver: parses the command line into option structs and hands
// them to the library. Exit codes (docs/cli.md):
//   0  analysis complete, no finding at or above --fail-on
//   1  analysis complete, findings at or above --fail-on reported
//   2  fearless could not do its job: a usage error, no usable compilation
//      database, an unreadable baseline, a --diff-base git cannot resolve,
//      an unwritable output, or a unit that could not be analysed (the
//      other units are still analysed and reported)
//
//===----------------------------------------------------------------------===//
#include "RunCommand.h"
#include "analysis/Check.h"
#include "analysis/Driver.h"
#include "core/Baseline.h"
#include "core/Config.h"
#include "core/Sarif.h"
#include "core/Writers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr int ExitClean = 0;
constexpr int ExitFindings = 1;
constexpr int ExitTrouble = 2;

const char *const Usage = R"(usage: fearless <command> [options]

commands:
  analyze       analyse translation units for races and deadlocks
  baseline      write today's findings to a baseline file
  list-checks   list every check with its summary and options
  run           run a program under the runtime lock-order recorder
  merge         merge facts files of separately analysed units (--shard)
  report        merge runtime recorder reports into one lock-order graph
  version       print the version

fearless run [options] [--] CMD ARGS...    (see 'fearless run --help')
fearless report [options] FILE|DIR...      (see 'fearless report --help')

fearless analyze [-p BUILD_DIR] [PATH...] [options] [-- COMPILER ARGS...]
  -p BUILD_DIR        directory with compile_commands.json (or the file)
  PATH...             files or directories to analyse (default: every file
                      of the compilation database)
  -- ARGS...          compile the given files with ARGS instead of a database
  -j N                parallel jobs (default: one per hardware thread)
  --checks GLOBS      checks to run, clang-tidy globs (default: fearless-*)
  --format text|json|sarif
                      report format (default: text)
  -o FILE             write the report to FILE instead of standard output
  -q, --quiet         no progress and no summary on standard error
  --source-root DIR   fingerprints and SARIF paths are relative to DIR
                      (default: git top-level of the first input, else .)
  --help-uri-base URL SARIF rules link to URL<check-id>.md
  --baseline FILE     report only findings not in the baseline FILE
  --diff-base REV     report only findings on lines changed since git REV
  --fail-on error|warning|note
                      lowest severity that makes the exit status 1
                      (default: note, i.e. any finding)
  --report-unused-suppressions
                      report NOLINT comments for fearless checks that
                      silence nothing (check fearless-unused-suppression)
  --config-file FILE  read CheckOptions (and <check>.Severity) from FILE
                      (default: the nearest .clang-tidy above the source
                      root; 'none' reads no file)
  --lock-graph FILE   write the whole-program lock-order graph (DOT)
  --cache-dir DIR     reuse per-unit results stored in DIR while the unit's
                      files, flags and checks are unchanged (default:
                      BUILD_DIR/.fearless-cache with -p)
  --no-cache          analyse every unit, store nothing
  --facts-dir DIR     also write every unit's facts file to DIR
  --shard I/N         analyse only the I-th of N slices of the units and
                      write their facts to --facts-dir; no report (combine
                      the shards' facts with 'fearless merge')
  --stats             print how many units were analysed and reused

fearless merge [options] FACTS_DIR|FILE...
  merges facts files written with --facts-dir/--shard and reports as
  'analyze' does; takes the output, gate and --checks options of analyze

fearless baseline [analyze options] [-o FILE]
  writes every finding to FILE (default: .fearless-baseline.json)

exit status: 0 no findings, 1 findings, 2 fearless could not do its job
)";

int usageError(const std::string &Msg) {
  llvm::errs() << "fearless: error: " << Msg
               << " (see 'fearless --help')\n";
  return ExitTrouble;
}

#ifndef FEARLESS_HELP_URI_BASE
#define FEARLESS_HELP_URI_BASE ""
#endif
#ifndef FEARLESS_PROJECT_URL
#define FEARLESS_PROJECT_URL ""
#endif

struct AnalyzeCommand {
  fearless::AnalyzeOptions Analysis;
  /// `fearless baseline` rather than `fearless analyze`.
  bool WriteBaseline = false;
  /// `fearless merge`: positional arguments are facts files.
  bool Merge = false;
  std::string LockGraph;
  bool Stats = false;
  /// .clang-tidy file with CheckOptions; empty: the nearest one above the
  /// source root. "none": no configuration file.
  std::string ConfigFile;
  std::string Format = "text";
  std::string Output;
  bool Quiet = false;
  std::string HelpUriBase = FEARLESS_HELP_URI_BASE;
  std::string BaselineFile;
  fearless::Severity FailOn = fearless::Severity::Note;
};

/// Parses `analyze` and `baseline` arguments; returns an error message or
/// nothing.
std::optional<std::string> parseAnalyze(int Argc, char **Argv,
                                        AnalyzeCommand &Cmd) {
  for (int I = 0; I < Argc; ++I) {
    std::string A = Argv[I];
    auto Value = [&](const char *Name) -> std::optional<std::string> {
      std::string Prefix = std::string(Name) + "=";
      if (A.compare(0, Prefix.size(), Prefix) == 0)
        return A.substr(Prefix.size());
      if (A == Name && I + 1 < Argc)
        return std::string(Argv[++I]);
      return std::nullopt;
    };
    auto Is = [&](const char *Name) {
      return A == Name ||
             A.compare(0, std::strlen(Name) + 1, std::string(Name) + "=") == 0;
    };
    if (A == "--") {
      Cmd.Analysis.HasFixedArgs = true;
      for (++I; I < Argc; ++I)
        Cmd.Analysis.FixedArgs.push_back(Argv[I]);
      break;
    }
    if (Is("-p")) {
      auto V = Value("-p");
      if (!V)
        return "-p needs a build directory";
      Cmd.Analysis.BuildDir = *V;
    } else if (A.size() > 2 && A.compare(0, 2, "-p") == 0 && A[2] != '=') {
      Cmd.Analysis.BuildDir = A.substr(2);
    } else if (Is("-j") || (A.size() > 2 && A.compare(0, 2, "-j") == 0)) {
      std::string V;
      if (auto X = Value("-j"))
        V = *X;
      else if (A.size() > 2 && A[2] != '=')
        V = A.substr(2);
      char *End = nullptr;
      long N = std::strtol(V.c_str(), &End, 10);
      if (V.empty() || *End || N < 1 || N > 1024)
        return "-j needs a number of jobs from 1 to 1024";
      Cmd.Analysis.Jobs = static_cast<unsigned>(N);
    } else if (Is("--checks")) {
      auto V = Value("--checks");
      if (!V)
        return "--checks needs a list of globs";
      Cmd.Analysis.Checks = *V;
    } else if (Is("--format")) {
      auto V = Value("--format");
      if (!V || (*V != "text" && *V != "json" && *V != "sarif"))
        return "--format takes text, json or sarif";
      if (Cmd.WriteBaseline)
        return "--format does not apply to 'fearless baseline'";
      Cmd.Format = *V;
    } else if (Is("--source-root")) {
      auto V = Value("--source-root");
      if (!V || V->empty())
        return "--source-root needs a directory";
      if (!llvm::sys::fs::is_directory(*V))
        return "--source-root '" + *V + "' is not a directory";
      Cmd.Analysis.SourceRoot = *V;
    } else if (Is("--help-uri-base")) {
      auto V = Value("--help-uri-base");
      if (!V || V->find("://") == std::string::npos)
        return "--help-uri-base needs an absolute URL";
      Cmd.HelpUriBase = *V;
    } else if (Is("--baseline")) {
      auto V = Value("--baseline");
      if (!V || V->empty())
        return "--baseline needs a file";
      if (Cmd.WriteBaseline)
        return "--baseline does not apply to 'fearless baseline' (use -o)";
      Cmd.BaselineFile = *V;
    } else if (Is("--diff-base")) {
      auto V = Value("--diff-base");
      if (!V || V->empty())
        return "--diff-base needs a git revision";
      if (Cmd.WriteBaseline)
        return "--diff-base does not apply to 'fearless baseline'";
      Cmd.Analysis.DiffBase = *V;
    } else if (Is("--fail-on")) {
      auto V = Value("--fail-on");
      if (!V || !fearless::parseSeverity(*V, Cmd.FailOn))
        return "--fail-on takes error, warning or note";
    } else if (Is("--lock-graph")) {
      auto V = Value("--lock-graph");
      if (!V || V->empty())
        return "--lock-graph needs a file name";
      Cmd.LockGraph = *V;
    } else if (Is("--cache-dir")) {
      auto V = Value("--cache-dir");
      if (!V || V->empty())
        return "--cache-dir needs a directory";
      Cmd.Analysis.CacheDir = *V;
    } else if (Is("--config-file")) {
      auto V = Value("--config-file");
      if (!V || V->empty())
        return "--config-file needs a file (or 'none')";
      Cmd.ConfigFile = *V;
    } else if (A == "--no-cache") {
      Cmd.Analysis.NoCache = true;
    } else if (Is("--facts-dir")) {
      auto V = Value("--facts-dir");
      if (!V || V->empty())
        return "--facts-dir needs a directory";
      Cmd.Analysis.FactsDir = *V;
    } else if (Is("--shard")) {
      auto V = Value("--shard");
      unsigned I = 0, N = 0;
      char Extra = 0;
      if (!V || std::sscanf(V->c_str(), "%u/%u%c", &I, &N, &Extra) != 2 ||
          N == 0 || I == 0 || I > N)
        return "--shard takes I/N with 1 <= I <= N";
      Cmd.Analysis.ShardIndex = I;
      Cmd.Analysis.ShardCount = N;
    } else if (A == "--stats") {
      Cmd.Stats = true;
    } else if (A == "--report-unused-suppressions") {
      Cmd.Analysis.ReportUnusedSuppressions = true;
    } else if (Is("-o")) {
      auto V = Value("-o");
      if (!V || V->empty())
        return "-o needs a file name";
      Cmd.Output = *V;
    } else if (A == "-q" || A == "--quiet") {
      Cmd.Quiet = true;
    } else if (!A.empty() && A[0] == '-') {
      return "unknown option '" + A + "'";
    } else if (Cmd.Merge) {
      Cmd.Analysis.MergeInputs.push_back(A);
    } else {
      Cmd.Analysis.Paths.push_back(A);
    }
  }
  if (Cmd.Merge) {
    if (Cmd.Analysis.MergeInputs.empty())
      return "merge needs facts files or directories";
    if (!Cmd.Analysis.BuildDir.empty() || Cmd.Analysis.HasFixedArgs ||
        Cmd.Analysis.ShardCount)
      return "merge reads facts files; -p, --shard and compiler arguments "
             "belong to 'fearless analyze'";
  }
  return std::nullopt;
}

std::vector<fearless::SarifRule> sarifRules(const AnalyzeCommand &Cmd) {
  std::vector<fearless::SarifRule> Rules;
  for (const fearless::CheckInfo &C : fearless::allChecks()) {
    fearless::SarifRule R;
    R.Id = C.Id;
    R.ShortDescription = C.Summary;
    R.FullDescription = C.Summary;
    for (const fearless::CheckOptionInfo &O : C.Options)
      R.FullDescription += std::string(" Option ") + O.Key + " (default " +
                           O.Default + "): " + O.Description + ".";
    if (!Cmd.HelpUriBase.empty())
      R.HelpUri = Cmd.HelpUriBase + C.Id + ".md";
    Rules.push_back(std::move(R));
  }
  if (Cmd.Analysis.ReportUnusedSuppressions) {
    fearless::SarifRule R;
    R.Id = fearless::UnusedSuppressionCheckId;
    R.ShortDescription =
        "Finds NOLINT comments for fearless checks that silence nothing.";
    R.FullDescription =
        R.ShortDescription +
        " Reported only with --report-unused-suppressions; a bare NOLINT, "
        "which may serve another linter, is never reported.";
    Rules.push_back(std::move(R));
  }
  return Rules;
}

int runAnalyze(int Argc, char **Argv, bool WriteBaseline, bool Merge) {
  AnalyzeCommand Cmd;
  Cmd.WriteBaseline = WriteBaseline;
  Cmd.Merge = Merge;
  if (auto Err = parseAnalyze(Argc, Argv, Cmd))
    return usageError(*Err);
  Cmd.Analysis.ResourceDir = FEARLESS_CLANG_RESOURCE_DIR;
  if (Cmd.WriteBaseline && Cmd.Output.empty())
    Cmd.Output = ".fearless-baseline.json";

  fearless::Baseline Accepted;
  if (!Cmd.BaselineFile.empty()) {
    auto Buf = llvm::MemoryBuffer::getFile(Cmd.BaselineFile);
    std::string Error;
    if (!Buf) {
      llvm::errs() << "fearless: error: cannot read baseline '"
                   << Cmd.BaselineFile << "': " << Buf.getError().message()
                   << '\n';
      return ExitTrouble;
    }
    if (!fearless::readBaseline((*Buf)->getBuffer(), Accepted, Error)) {
      llvm::errs() << "fearless: error: baseline '" << Cmd.BaselineFile
                   << "': " << Error << '\n';
      return ExitTrouble;
    }
    Cmd.Analysis.Against = &Accepted;
  }

  fearless::TidyConfig Config;
  std::string ConfigPath = Cmd.ConfigFile;
  if (ConfigPath.empty())
    ConfigPath = fearless::findTidyConfig(
        Cmd.Analysis.SourceRoot.empty()
            ? fearless::defaultSourceRoot(Cmd.Analysis)
            : Cmd.Analysis.SourceRoot);
  if (!ConfigPath.empty() && ConfigPath != "none") {
    auto Buf = llvm::MemoryBuffer::getFile(ConfigPath);
    std::string Error;
    if (!Buf) {
      llvm::errs() << "fearless: error: cannot read configuration '"
                   << ConfigPath << "': " << Buf.getError().message() << '\n';
      return ExitTrouble;
    }
    if (!fearless::parseTidyConfig((*Buf)->getBuffer(), Config, Error)) {
      llvm::errs() << "fearless: error: configuration '" << ConfigPath
                   << "': " << Error << '\n';
      return ExitTrouble;
    }
    for (const auto &[Key, Value] : Config.Options) {
      fearless::Severity Ignored;
      if (llvm::StringRef(Key).ends_with(".Severity") &&
          llvm::StringRef(Key).starts_with("fearless-") &&
          !fearless::parseSeverity(Value, Ignored)) {
        llvm::errs() << "fearless: error: configuration '" << ConfigPath
                     << "': " << Key << " takes note, warning or error, not '"
                     << Value << "'\n";
        return ExitTrouble;
      }
    }
    Cmd.Analysis.Config = &Config.Options;
  }

  // Open the output first: an unwritable report must not cost a whole
  // analysis before it is noticed.
  std::unique_ptr<llvm::raw_fd_ostream> File;
  if (!Cmd.Output.empty()) {
    std::error_code EC;
    File = std::make_unique<llvm::raw_fd_ostream>(Cmd.Output, EC,
                                                  llvm::sys::fs::OF_Text);
    if (EC) {
      llvm::errs() << "fearless: error: cannot write '" << Cmd.Output
                   << "': " << EC.message() << '\n';
      return ExitTrouble;
    }
  }
  bool ShowProgress = !Cmd.Quiet && llvm::errs().is_displayed();
  if (ShowProgress)
    Cmd.Analysis.Progress = [](unsigned I, unsigned N, const std::string &F) {
      llvm::errs() << '[' << I << '/' << N << "] " << F << '\n';
    };

  std::unique_ptr<llvm::raw_fd_ostream> GraphFile;
  // Nothing half-written is left behind when there is no report.
  auto discardOutputs = [&] {
    if (File) {
      File->close();
      llvm::sys::fs::remove(Cmd.Output);
    }
    if (GraphFile) {
      GraphFile->close();
      llvm::sys::fs::remove(Cmd.LockGraph);
    }
  };
  std::string Dot;
  if (!Cmd.LockGraph.empty()) {
    std::error_code EC;
    GraphFile = std::make_unique<llvm::raw_fd_ostream>(Cmd.LockGraph, EC,
                                                       llvm::sys::fs::OF_Text);
    if (EC) {
      llvm::errs() << "fearless: error: cannot write '" << Cmd.LockGraph
                   << "': " << EC.message() << '\n';
      GraphFile.reset();
      discardOutputs();
      return ExitTrouble;
    }
    Cmd.Analysis.LockGraphDot = &Dot;
  }

  fearless::Report R;
  fearless::GateSummary Gate;
  std::string Fatal;
  if (!fearless::analyzeProject(Cmd.Analysis, R, Fatal, &Gate)) {
    llvm::errs() << "fearless: error: " << Fatal << '\n';
    discardOutputs();
    return ExitTrouble;
  }
  if (GraphFile) {
    *GraphFile << Dot;
    GraphFile->close();
    if (GraphFile->has_error()) {
      llvm::errs() << "fearless: error: cannot write '" << Cmd.LockGraph
                   << "': " << GraphFile->error().message() << '\n';
      GraphFile->clear_error();
      return ExitTrouble;
    }
    GraphFile.reset(); // written: the graph stays whatever follows
  }
  if (Cmd.Stats)
    llvm::errs() << "fearless: units analysed: " << Gate.Analysed
                 << ", reused from cache: " << Gate.Reused << '\n';
  for (const fearless::AnalysisError &E : R.Errors)
    llvm::errs() << "fearless: error: " << E.File << ": " << E.Message << '\n';
  if (Cmd.Analysis.ShardCount) {
    if (!Cmd.Quiet)
      llvm::errs() << "fearless: shard " << Cmd.Analysis.ShardIndex << '/'
                   << Cmd.Analysis.ShardCount << ": facts of "
                   << Gate.Analysed + Gate.Reused << " unit(s) written to "
                   << Cmd.Analysis.FactsDir << '\n';
    discardOutputs();
    return R.Errors.empty() ? ExitClean : ExitTrouble;
  }
  llvm::raw_ostream &OS = File ? *File : llvm::outs();
  if (Cmd.WriteBaseline) {
    // A baseline from a partial analysis would make the missing units'
    // findings look new later: write nothing.
    if (!R.Errors.empty()) {
      File->close();
      llvm::sys::fs::remove(Cmd.Output);
      llvm::errs() << "fearless: error: baseline not written: "
                   << R.Errors.size() << " input(s) not analysed\n";
      return ExitTrouble;
    }
    fearless::writeBaseline(OS, fearless::makeBaseline(R.Findings,
                                                       Gate.SourceRoot));
  } else if (Cmd.Format == "json") {
    fearless::writeJson(OS, R);
  } else if (Cmd.Format == "sarif") {
    fearless::SarifOptions SO;
    SO.SourceRoot = Gate.SourceRoot;
    SO.Rules = sarifRules(Cmd);
    SO.InformationUri = FEARLESS_PROJECT_URL;
    fearless::writeSarif(OS, R, SO);
  } else {
    fearless::writeText(OS, R);
  }
  OS.flush();
  // Baselined findings that are gone: the baseline can shrink.
  for (const fearless::BaselineEntry &E : Gate.Disappeared)
    llvm::errs() << "fearless: fixed: " << E.File << ':' << E.Line << ": "
                 << E.Message << " [" << E.CheckId << "] (baselined as "
                 << E.Fingerprint << ")\n";
  if (!Cmd.Quiet) {
    std::string Extra;
    if (Cmd.Analysis.Against)
      Extra += ", " + std::to_string(Gate.Baselined) + " baselined";
    if (!Cmd.Analysis.DiffBase.empty())
      Extra += ", " + std::to_string(Gate.OutsideDiff) +
               " outside the diff";
    if (!R.Errors.empty())
      Extra += ", " + std::to_string(R.Errors.size()) + " input(s) not analysed";
    llvm::errs() << "fearless: " << R.Findings.size()
                 << (R.Findings.size() == 1 ? " finding" : " findings")
                 << (Cmd.WriteBaseline ? " written to " + Cmd.Output : "")
                 << Extra << '\n';
  }
  if (File && File->has_error()) {
    llvm::errs() << "fearless: error: cannot write '" << Cmd.Output
                 << "': " << File->error().message() << '\n';
    File->clear_error();
    return ExitTrouble;
  }
  if (!R.Errors.empty())
    return ExitTrouble;
  if (Cmd.WriteBaseline)
    return ExitClean;
  for (const fearless::Finding &F : R.Findings)
    if (F.Sev >= Cmd.FailOn)
      return ExitFindings;
  return ExitClean;
}

int runListChecks() {
  for (const fearless::CheckInfo &C : fearless::allChecks()) {
    llvm::outs() << C.Id << "\n    " << C.Summary << '\n';
    for (const fearless::CheckOptionInfo &O : C.Options)
      llvm::outs() << "    option " << O.Key << " (default " << O.Default
                   << "): " << O.Description << '\n';
  }
  return ExitClean;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2)
    return usageError("no command given");
  std::string Cmd = Argv[1];
  if (Cmd == "-h" || Cmd == "--help" || Cmd == "help") {
    llvm::outs() << Usage;
    return ExitClean;
  }
  if (Cmd == "--version" || Cmd == "version") {
    llvm::outs() << "fearless " << fearless::toolVersion() << '\n';
    return ExitClean;
  }
  if (Cmd == "analyze" || Cmd == "analyse" || Cmd == "baseline") {
    for (int I = 2; I < Argc && std::strcmp(Argv[I], "--") != 0; ++I)
      if (!std::strcmp(Argv[I], "-h") || !std::strcmp(Argv[I], "--help")) {
        llvm::outs() << Usage;
        return ExitClean;
      }
    return runAnalyze(Argc - 2, Argv + 2, Cmd == "baseline", false);
  }
  if (Cmd == "merge") {
    for (int I = 2; I < Argc; ++I)
      if (!std::strcmp(Argv[I], "-h") || !std::strcmp(Argv[I], "--help")) {
        llvm::outs() << Usage;
        return ExitClean;
      }
    return runAnalyze(Argc - 2, Argv + 2, false, true);
  }
  if (Cmd == "list-checks")
    return runListChecks();
  if (Cmd == "run")
    return fearless::tool::runCommand(Argc - 1, Argv + 1);
  if (Cmd == "report")
    return fearless::tool::reportCommand(Argc - 1, Argv + 1);
  return usageError("unknown command '" + Cmd + "'");
}
