// Runtime recorder reports converted to the shared findings model: SARIF
// checked by the official validator and by content, and the lock-order
// graph as DOT. Real samples run under the real recorder (`fearless run`).
#include "Subprocess.h"
#include "Validator.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

using namespace fearless::test;

namespace {

const std::string Source = FEARLESS_SOURCE_DIR;

// Validator notes docs/ci.md explains; SARIF2010 (no snippet) comes from
// runtime locations, which have a line but no column (docs/ci.md).
const std::set<std::string> Explained = {"SARIF2002", "SARIF2003", "SARIF2006",
                                         "SARIF2009", "SARIF2010", "SARIF2011"};

std::string join(const std::vector<std::string> &V) {
  std::string Out;
  for (const std::string &S : V)
    Out += "  " + S + "\n";
  return Out;
}

void expectValid(const std::string &File) {
  Validation V = validateSarif(File);
  ASSERT_EQ(V.Failure, "");
  EXPECT_TRUE(V.Errors.empty()) << join(V.Errors);
  EXPECT_TRUE(V.Warnings.empty()) << join(V.Warnings);
  for (const std::string &N : V.Notes)
    EXPECT_TRUE(Explained.count(N.substr(0, N.find(':'))))
        << "unexplained validator note " << N;
}

int lineOf(const std::string &File, const std::string &Text) {
  std::ifstream In(File);
  std::string Line;
  for (int N = 1; std::getline(In, Line); ++N)
    if (Line.find(Text) != std::string::npos)
      return N;
  return -1;
}

llvm::json::Value parse(const std::string &Text) {
  auto V = llvm::json::parse(Text);
  if (!V) {
    ADD_FAILURE() << llvm::toString(V.takeError()) << "\n" << Text;
    return llvm::json::Value(nullptr);
  }
  return std::move(*V);
}

const llvm::json::Array &results(const llvm::json::Value &Log) {
  static const llvm::json::Array Empty;
  const llvm::json::Object *Root = Log.getAsObject();
  const llvm::json::Array *Runs = Root ? Root->getArray("runs") : nullptr;
  if (!Runs || Runs->empty())
    return Empty;
  const llvm::json::Array *R = (*Runs)[0].getAsObject()->getArray("results");
  return R ? *R : Empty;
}

std::string regionOf(const llvm::json::Object &Loc) {
  const llvm::json::Object *P = Loc.getObject("physicalLocation");
  std::string Uri = P->getObject("artifactLocation")->getString("uri")->str();
  return Uri + ":" + std::to_string(*P->getObject("region")->getInteger("startLine"));
}

// "T1 (pid 42)" -> "T1".
std::string withoutPid(std::string S) {
  for (size_t P; (P = S.find(" (pid ")) != std::string::npos;)
    S.erase(P, S.find(')', P) - P + 1);
  return S;
}

const std::string Opposite = Source + "/samples/lock-order/bad_opposite_order.cpp";

TEST(RuntimeSarif, InversionSampleIsValidWithOneThreadFlowPerThread) {
  std::string Dir = makeTempDir("fearless-rt-sarif");
  Result R = run({FEARLESS_BIN, "run", "-q", "--format", "sarif", "-o", Dir + "/rt.sarif",
                  "--source-root", Source, "--", FEARLESS_SAMPLE_OPPOSITE_ORDER});
  ASSERT_EQ(R.ExitCode, 1) << R.Failure << R.Err;
  expectValid(Dir + "/rt.sarif");
  llvm::json::Value Log = parse(readFile(Dir + "/rt.sarif"));
  const llvm::json::Array &Rs = results(Log);
  ASSERT_EQ(Rs.size(), 1u);
  const llvm::json::Object &Res = *Rs[0].getAsObject();
  EXPECT_EQ(Res.getString("ruleId"), "fearless-rt-lock-order-inversion");
  EXPECT_EQ(Res.getString("level"), "error");
  EXPECT_EQ(Res.getObject("message")->getString("text"),
            "lock-order-inversion over 2 locks: account_a => account_b => account_a.");
  int AB_First = lineOf(Opposite, "first(account_a)"), AB_Second = lineOf(Opposite, "second(account_b)");
  int BA_First = lineOf(Opposite, "first(account_b)"), BA_Second = lineOf(Opposite, "second(account_a)");
  const std::string Uri = "samples/lock-order/bad_opposite_order.cpp:";
  // The primary location is where the cycle closed: the second thread's
  // inner acquisition.
  EXPECT_EQ(regionOf(*(*Res.getArray("locations"))[0].getAsObject()), Uri + std::to_string(BA_Second));
  // Thread names carry the pid, which changes from run to run.
  std::vector<std::string> Related;
  for (const llvm::json::Value &L : *Res.getArray("relatedLocations"))
    Related.push_back(regionOf(*L.getAsObject()) + " " +
                      withoutPid(L.getAsObject()->getObject("message")->getString("text")->str()));
  EXPECT_EQ(Related,
            (std::vector<std::string>{
                Uri + std::to_string(AB_Second) +
                    " 'account_b' acquired while holding 'account_a' in thread T1.",
                Uri + std::to_string(AB_First) +
                    " 'account_a' acquired in thread T1, then held while acquiring 'account_b'.",
                Uri + std::to_string(BA_Second) +
                    " 'account_a' acquired while holding 'account_b' in thread T2.",
                Uri + std::to_string(BA_First) +
                    " 'account_b' acquired in thread T2, then held while acquiring 'account_a'."}));
  // The deadlocking interleaving: each thread takes its first lock (steps
  // 1, 2), then waits for the other's (steps 3, 4).
  const llvm::json::Array &Flows =
      *(*Res.getArray("codeFlows"))[0].getAsObject()->getArray("threadFlows");
  ASSERT_EQ(Flows.size(), 2u);
  std::vector<std::string> Steps;
  for (const llvm::json::Value &F : Flows)
    for (const llvm::json::Value &S : *F.getAsObject()->getArray("locations")) {
      const llvm::json::Object &SO = *S.getAsObject();
      Steps.push_back(std::to_string(*SO.getInteger("executionOrder")) + " " +
                      regionOf(*SO.getObject("location")) + " " +
                      SO.getObject("location")->getObject("message")->getString("text")->str());
    }
  EXPECT_EQ(Steps, (std::vector<std::string>{
                       "1 " + Uri + std::to_string(AB_First) +
                           " in transfer_a_to_b(int): acquires 'account_a'.",
                       "3 " + Uri + std::to_string(AB_Second) +
                           " in transfer_a_to_b(int): waits for 'account_b' while holding 'account_a'.",
                       "2 " + Uri + std::to_string(BA_First) +
                           " in transfer_b_to_a(int): acquires 'account_b'.",
                       "4 " + Uri + std::to_string(BA_Second) +
                           " in transfer_b_to_a(int): waits for 'account_a' while holding 'account_b'."}));
}

TEST(RuntimeDot, InversionSampleEdgesAreLabelledAndRed) {
  Result R = run({FEARLESS_BIN, "run", "-q", "--format", "dot", "--", FEARLESS_SAMPLE_OPPOSITE_ORDER});
  ASSERT_EQ(R.ExitCode, 1) << R.Failure << R.Err;
  std::string Expected =
      "digraph \"lock_order\" {\n"
      "  node [shape=box];\n"
      "  n1 [label=\"account_a\"];\n"
      "  n2 [label=\"account_b\"];\n"
      "  n1 -> n2 [label=\"T1\\nbad_opposite_order.cpp:" +
      std::to_string(lineOf(Opposite, "second(account_b)")) +
      "\", color=red, fontcolor=red, penwidth=2];\n"
      "  n2 -> n1 [label=\"T2\\nbad_opposite_order.cpp:" +
      std::to_string(lineOf(Opposite, "second(account_a)")) +
      "\", color=red, fontcolor=red, penwidth=2];\n"
      "}\n";
  // The program's own output comes first on standard output.
  ASSERT_GE(R.Out.size(), Expected.size()) << R.Out;
  EXPECT_EQ(R.Out.substr(R.Out.size() - Expected.size()), Expected) << R.Out;
  EXPECT_EQ(R.Out.substr(0, R.Out.size() - Expected.size()), "a=95 b=105\n");
}

TEST(RuntimeDot, ConsistentOrderHasNoHighlightedEdge) {
  Result R = run({FEARLESS_BIN, "run", "-q", "--format", "dot", "--", FEARLESS_SAMPLE_SAME_ORDER});
  ASSERT_EQ(R.ExitCode, 0) << R.Failure << R.Err;
  EXPECT_NE(R.Out.find("digraph \"lock_order\" {\n"), std::string::npos) << R.Out;
  EXPECT_NE(R.Out.find(" -> "), std::string::npos) << R.Out;  // the order was recorded
  EXPECT_EQ(R.Out.find("color="), std::string::npos) << R.Out;
}

TEST(RuntimeSarif, EveryRuntimeFindingKindFromSeveralProcesses) {
  // One process per sample, each kept as a JSON report; then one SARIF log
  // for all of them through `fearless report`.
  std::string Dir = makeTempDir("fearless-rt-kinds");
  const std::vector<std::pair<std::string, int>> Programs = {
      {FEARLESS_SAMPLE_OPPOSITE_ORDER, 1},  {FEARLESS_SAMPLE_GATED, 0},
      {FEARLESS_SAMPLE_SINGLE_THREAD, 0},   {FEARLESS_SAMPLE_THREAD_EXIT, 0},
      {FEARLESS_SAMPLE_WATCHDOG, 1},
  };
  for (const auto &P : Programs) {
    Result R = run({FEARLESS_BIN, "run", "-q", "--watchdog", "500", "--keep",
                    Dir + "/r" + std::to_string(&P - &Programs[0]), "--", P.first});
    EXPECT_EQ(R.ExitCode, P.second) << P.first << "\n" << R.Failure << R.Err;
  }
  std::vector<std::string> Args = {FEARLESS_BIN, "report", "-q", "--format", "sarif", "-o",
                                   Dir + "/all.sarif", "--source-root", Source};
  for (size_t I = 0; I < Programs.size(); ++I)
    Args.push_back(Dir + "/r" + std::to_string(I));
  Result R = run(Args);
  EXPECT_EQ(R.ExitCode, 1) << R.Failure << R.Err;
  EXPECT_EQ(R.Out, "");
  expectValid(Dir + "/all.sarif");
  llvm::json::Value Log = parse(readFile(Dir + "/all.sarif"));
  std::multiset<std::string> Rules;
  std::map<std::string, std::string> Levels;
  for (const llvm::json::Value &V : results(Log)) {
    const llvm::json::Object &O = *V.getAsObject();
    Rules.insert(O.getString("ruleId")->str());
    Levels[O.getString("ruleId")->str()] = O.getString("level")->str();
    // Every result points into the sample that produced it.
    ASSERT_TRUE(O.getArray("locations")) << O.getString("ruleId")->str();
    EXPECT_EQ(regionOf(*(*O.getArray("locations"))[0].getAsObject()).rfind("samples/", 0), 0u);
  }
  EXPECT_EQ(Rules, (std::multiset<std::string>{
                       "fearless-rt-deadlock", "fearless-rt-lock-order-gated",
                       "fearless-rt-lock-order-inversion", "fearless-rt-lock-order-single-thread",
                       "fearless-rt-thread-exit-holding-lock"}));
  EXPECT_EQ(Levels, (std::map<std::string, std::string>{
                        {"fearless-rt-deadlock", "error"},
                        {"fearless-rt-lock-order-gated", "warning"},
                        {"fearless-rt-lock-order-inversion", "error"},
                        {"fearless-rt-lock-order-single-thread", "warning"},
                        {"fearless-rt-thread-exit-holding-lock", "warning"}}));
  // The same findings in the shared JSON format.
  Args = {FEARLESS_BIN, "report", "-q", "--format", "json"};
  for (size_t I = 0; I < Programs.size(); ++I)
    Args.push_back(Dir + "/r" + std::to_string(I));
  Result J = run(Args);
  EXPECT_EQ(J.ExitCode, 1);
  llvm::json::Value Doc = parse(J.Out);
  ASSERT_TRUE(Doc.getAsObject() && Doc.getAsObject()->getArray("findings")) << J.Out;
  EXPECT_EQ(Doc.getAsObject()->getArray("findings")->size(), 5u);
}

TEST(RuntimeSarif, CycleAcrossProcessesIsSymbolizedFromTheGraph) {
  // Each process takes one order; only the merged graph has the cycle.
  std::string Dir = makeTempDir("fearless-rt-merged");
  for (const char *Scenario : {"only_ab", "only_ba"}) {
    Result R = run({FEARLESS_BIN, "run", "-q", "--keep", Dir + "/" + Scenario, "--",
                    FEARLESS_RT_SCENARIOS, Scenario});
    ASSERT_EQ(R.ExitCode, 0) << R.Failure << R.Err;
  }
  Result R = run({FEARLESS_BIN, "report", "-q", "--format", "sarif", "-o", Dir + "/m.sarif",
                  "--source-root", Source, Dir + "/only_ab", Dir + "/only_ba"});
  EXPECT_EQ(R.ExitCode, 1) << R.Failure << R.Err;
  expectValid(Dir + "/m.sarif");
  llvm::json::Value Log = parse(readFile(Dir + "/m.sarif"));
  const llvm::json::Array &Rs = results(Log);
  ASSERT_EQ(Rs.size(), 1u);
  const llvm::json::Object &Res = *Rs[0].getAsObject();
  EXPECT_EQ(Res.getString("ruleId"), "fearless-rt-lock-order-inversion");
  EXPECT_EQ(Res.getObject("message")->getString("text"),
            "lock-order-inversion over 2 locks: mu_a => mu_b => mu_a (merged graph of 2 processes).");
  const std::string Scenarios = Source + "/test/runtime/programs/scenarios.cpp";
  std::set<std::string> Related;
  for (const llvm::json::Value &L : *Res.getArray("relatedLocations"))
    Related.insert(regionOf(*L.getAsObject()));
  const std::string Uri = "test/runtime/programs/scenarios.cpp:";
  EXPECT_EQ(Related, (std::set<std::string>{Uri + std::to_string(lineOf(Scenarios, "@ab_inner")),
                                            Uri + std::to_string(lineOf(Scenarios, "@ba_inner"))}));
  ASSERT_EQ((*Res.getArray("codeFlows"))[0].getAsObject()->getArray("threadFlows")->size(), 2u);
}

TEST(RuntimeReportCli, BadFormatIsOneLineAndExit2) {
  Result R = run({FEARLESS_BIN, "report", "--format", "xml", "x.json"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: --format takes text, json, sarif or dot\n");
  R = run({FEARLESS_BIN, "run", "--format=yaml", "--", "true"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: --format takes text, json, sarif or dot\n");
}

TEST(RuntimeReportCli, UnwritableOutputIsOneLineAndExit2) {
  std::string Dir = makeTempDir("fearless-rt-out");
  Result K = run({FEARLESS_BIN, "run", "-q", "--keep", Dir + "/reports", "--",
                  FEARLESS_SAMPLE_OPPOSITE_ORDER});
  ASSERT_EQ(K.ExitCode, 1) << K.Failure << K.Err;
  Result R = run({FEARLESS_BIN, "report", "-q", "--format", "sarif", "-o",
                  Dir + "/missing/dir/x.sarif", Dir + "/reports"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: cannot write '" + Dir +
                       "/missing/dir/x.sarif': No such file or directory\n");
}

} // namespace
