#include "Validator.h"

#include "Subprocess.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"

#include <cstdlib>

namespace fearless::test {

std::string multitool() {
  if (const char *E = std::getenv("FEARLESS_SARIF_MULTITOOL"))
    return E;
  return FEARLESS_SARIF_MULTITOOL;
}

Validation validateSarif(const std::string &SarifFile) {
  Validation V;
  std::string Tool = multitool();
  if (!llvm::sys::fs::can_execute(Tool)) {
    V.Failure = "SARIF validator not found at '" + Tool +
                "': run `bash tool/bootstrap.sh test`, which installs it";
    return V;
  }
  std::string Dir = makeTempDir("fearless-validate");
  std::string Log = Dir + "/validation.sarif";
  // Invariant globalization: the validator then needs no ICU library.
  Result R = run({"/usr/bin/env", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1",
                  Tool, "validate", SarifFile, "--output", Log,
                  "--level", "Error;Warning;Note", "--quiet"},
                 "", 120);
  auto Parsed = llvm::json::parse(readFile(Log));
  if (!Parsed) {
    llvm::consumeError(Parsed.takeError());
    V.Failure = "validator exit " + std::to_string(R.ExitCode) +
                " without a readable log: " + R.Failure + R.Out + R.Err;
    return V;
  }
  const llvm::json::Object *Root = Parsed->getAsObject();
  const llvm::json::Array *Runs = Root ? Root->getArray("runs") : nullptr;
  if (!Runs || Runs->empty()) {
    V.Failure = "validator log has no run";
    return V;
  }
  const llvm::json::Object *Run = (*Runs)[0].getAsObject();
  // A file the validator cannot even parse is a tool execution error.
  if (const llvm::json::Array *Inv = Run->getArray("invocations"))
    for (const llvm::json::Value &I : *Inv)
      if (const llvm::json::Array *N =
              I.getAsObject()->getArray("toolExecutionNotifications"))
        for (const llvm::json::Value &X : *N) {
          std::string Text;
          if (const llvm::json::Object *M = X.getAsObject()->getObject("message"))
            if (auto T = M->getString("text"))
              Text = T->str();
          V.Errors.push_back("tool notification: " + Text);
        }
  if (const llvm::json::Array *Results = Run->getArray("results"))
    for (const llvm::json::Value &X : *Results) {
      const llvm::json::Object *O = X.getAsObject();
      std::string Rule = O->getString("ruleId").value_or("?").str();
      std::string Where;
      if (const llvm::json::Object *M = O->getObject("message"))
        if (const llvm::json::Array *Args = M->getArray("arguments"))
          if (!Args->empty())
            Where = (*Args)[0].getAsString().value_or("").str();
      std::string Entry = Rule + ": " + Where;
      std::string Level = O->getString("level").value_or("warning").str();
      (Level == "error" ? V.Errors : Level == "note" ? V.Notes : V.Warnings)
          .push_back(Entry);
    }
  return V;
}

} // namespace fearless::test
