// Writes the SARIF of a synthetic report that uses every part of the
// findings model the current checks may not produce yet: a two-thread
// deadlock trace, related locations, a file outside the source root, a
// path that needs percent-encoding, a check without a registered rule, and
// an analysis error. The e2e tests validate it with the official validator.
#include "core/Fingerprint.h"
#include "core/Sarif.h"

#include "llvm/Support/raw_ostream.h"

using namespace fearless;

int main(int Argc, char **Argv) {
  std::string Root = Argc > 1 ? Argv[1] : "/src/project";
  Report R;
  Finding F;
  F.CheckId = "fearless-lock-order-inversion";
  F.Sev = Severity::Error;
  F.Message = "lock order inversion between 'a_mu' and 'b_mu'";
  F.Loc = {Root + "/src/bank account.cpp", 12, 5};
  F.Related = {{{Root + "/src/bank account.cpp", 20, 5},
                "'b_mu' is acquired before 'a_mu' here"}};
  F.Trace = {{"thread T1", "transfer", "acquires 'a_mu'", {Root + "/src/bank account.cpp", 11, 5}},
             {"thread T1", "transfer", "acquires 'b_mu' while holding 'a_mu'", {Root + "/src/bank account.cpp", 12, 5}},
             {"thread T2", "refund", "acquires 'b_mu'", {Root + "/src/bank account.cpp", 19, 5}},
             {"thread T2", "refund", "acquires 'a_mu' while holding 'b_mu'", {Root + "/src/bank account.cpp", 20, 5}}};
  F.Scope = "transfer";
  F.Snippet = "    std::lock_guard<std::mutex> g2(b_mu);";
  R.Findings.push_back(F);
  Finding G;
  G.CheckId = "fearless-thread-not-joined";
  G.Message = "std::thread 't' is never joined or detached";
  G.Loc = {"/usr/include/outside.h", 3, 1};
  G.Sev = Severity::Note;
  R.Findings.push_back(G);
  R.Errors.push_back({Root + "/src/broken.cpp", "cannot analyse: broken.cpp:2:3: use of undeclared identifier 'x'"});
  assignFingerprints(R.Findings, Root);

  SarifOptions O;
  O.SourceRoot = Root;
  O.InformationUri = "https://example.org/fearless";
  O.Rules = {{"fearless-thread-not-joined", "Finds unjoined threads.",
              "Finds std::thread objects that can reach their destructor "
              "while still joinable.",
              "https://example.org/fearless/docs/checks/"
              "fearless-thread-not-joined.md",
              Severity::Warning}};
  writeSarif(llvm::outs(), R, O);
  return 0;
}
