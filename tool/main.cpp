//===- main.cpp - The fearless command line -------------------------------===//
//
// A thin driver: parses the command line into option structs and hands
// them to the library. Exit codes (docs/cli.md):
//   0  analysis complete, no findings
//   1  analysis complete, findings reported
//   2  fearless could not do its job: a usage error, no usable compilation
//      database, an unwritable output, or a unit that could not be analysed
//      (the other units are still analysed and reported)
//
//===----------------------------------------------------------------------===//
#include "analysis/Check.h"
#include "analysis/Driver.h"
#include "core/Writers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

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
  list-checks   list every check with its summary and options
  version       print the version

fearless analyze [-p BUILD_DIR] [PATH...] [options] [-- COMPILER ARGS...]
  -p BUILD_DIR        directory with compile_commands.json (or the file)
  PATH...             files or directories to analyse (default: every file
                      of the compilation database)
  -- ARGS...          compile the given files with ARGS instead of a database
  -j N                parallel jobs (default: one per hardware thread)
  --checks GLOBS      checks to run, clang-tidy globs (default: fearless-*)
  --format text|json  report format (default: text)
  -o FILE             write the report to FILE instead of standard output
  -q, --quiet         no progress and no summary on standard error

exit status: 0 no findings, 1 findings, 2 fearless could not do its job
)";

int usageError(const std::string &Msg) {
  llvm::errs() << "fearless: error: " << Msg
               << " (see 'fearless --help')\n";
  return ExitTrouble;
}

struct AnalyzeCommand {
  fearless::AnalyzeOptions Analysis;
  std::string Format = "text";
  std::string Output;
  bool Quiet = false;
};

/// Parses `analyze` arguments; returns an error message or nothing.
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
      if (!V || (*V != "text" && *V != "json"))
        return "--format takes text or json";
      Cmd.Format = *V;
    } else if (Is("-o")) {
      auto V = Value("-o");
      if (!V || V->empty())
        return "-o needs a file name";
      Cmd.Output = *V;
    } else if (A == "-q" || A == "--quiet") {
      Cmd.Quiet = true;
    } else if (!A.empty() && A[0] == '-') {
      return "unknown option '" + A + "'";
    } else {
      Cmd.Analysis.Paths.push_back(A);
    }
  }
  return std::nullopt;
}

int runAnalyze(int Argc, char **Argv) {
  AnalyzeCommand Cmd;
  if (auto Err = parseAnalyze(Argc, Argv, Cmd))
    return usageError(*Err);
  Cmd.Analysis.ResourceDir = FEARLESS_CLANG_RESOURCE_DIR;

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

  fearless::Report R;
  std::string Fatal;
  if (!fearless::analyzeProject(Cmd.Analysis, R, Fatal)) {
    llvm::errs() << "fearless: error: " << Fatal << '\n';
    return ExitTrouble;
  }
  llvm::raw_ostream &OS = File ? *File : llvm::outs();
  if (Cmd.Format == "json")
    fearless::writeJson(OS, R);
  else
    fearless::writeText(OS, R);
  OS.flush();
  for (const fearless::AnalysisError &E : R.Errors)
    llvm::errs() << "fearless: error: " << E.File << ": " << E.Message << '\n';
  if (!Cmd.Quiet)
    llvm::errs() << "fearless: " << R.Findings.size()
                 << (R.Findings.size() == 1 ? " finding" : " findings")
                 << (R.Errors.empty()
                         ? std::string()
                         : ", " + std::to_string(R.Errors.size()) +
                               " input(s) not analysed")
                 << '\n';
  if (File && File->has_error()) {
    llvm::errs() << "fearless: error: cannot write '" << Cmd.Output
                 << "': " << File->error().message() << '\n';
    File->clear_error();
    return ExitTrouble;
  }
  if (!R.Errors.empty())
    return ExitTrouble;
  return R.Findings.empty() ? ExitClean : ExitFindings;
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
  if (Cmd == "analyze" || Cmd == "analyse") {
    for (int I = 2; I < Argc && std::strcmp(Argv[I], "--") != 0; ++I)
      if (!std::strcmp(Argv[I], "-h") || !std::strcmp(Argv[I], "--help")) {
        llvm::outs() << Usage;
        return ExitClean;
      }
    return runAnalyze(Argc - 2, Argv + 2);
  }
  if (Cmd == "list-checks")
    return runListChecks();
  return usageError("unknown command '" + Cmd + "'");
}
