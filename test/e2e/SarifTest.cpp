// SARIF output checked by the official validator (zero errors, zero
// warnings, only the notes docs/ci.md explains) and by its content.
#include "Expectations.h"
#include "Subprocess.h"
#include "Validator.h"
#include "core/Writers.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

using namespace fearless;
using namespace fearless::test;

namespace {

const std::string Source = FEARLESS_SOURCE_DIR;

// Validator notes that docs/ci.md explains; anything else fails.
const std::set<std::string> ExplainedNotes = {
    "SARIF2002", "SARIF2003", "SARIF2006", "SARIF2009", "SARIF2011"};

std::string join(const std::vector<std::string> &V) {
  std::string Out;
  for (const std::string &S : V)
    Out += "  " + S + "\n";
  return Out;
}

// The fixture deliberately leaves out what real findings carry (a snippet,
// a registered rule, a file below the source root); the validator's notes
// about exactly those are expected there, and nowhere else.
const std::set<std::string> FixtureNotes = {"SARIF2010", "SARIF2011",
                                            "SARIF2012", "SARIF2016"};

void expectValid(const std::string &File,
                 const std::set<std::string> &AlsoExplained = {}) {
  Validation V = validateSarif(File);
  ASSERT_EQ(V.Failure, "");
  EXPECT_TRUE(V.Errors.empty()) << join(V.Errors);
  EXPECT_TRUE(V.Warnings.empty()) << join(V.Warnings);
  for (const std::string &N : V.Notes)
    EXPECT_TRUE(ExplainedNotes.count(N.substr(0, N.find(':'))) ||
                AlsoExplained.count(N.substr(0, N.find(':'))))
        << "unexplained validator note " << N;
}

const llvm::json::Object &run0(const llvm::json::Value &Log) {
  return *(*Log.getAsObject()->getArray("runs"))[0].getAsObject();
}

TEST(SarifValidator, RejectsAnInvalidLog) {
  // Proves the validator runs and can fail: a result without a message
  // and a bad version are schema errors.
  std::string Dir = makeTempDir("fearless-sarif");
  writeFile(Dir + "/bad.sarif",
            "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": "
            "{\"name\": \"x\"}}, \"results\": [{\"ruleId\": \"r\"}]}]}");
  Validation V = validateSarif(Dir + "/bad.sarif");
  ASSERT_EQ(V.Failure, "");
  EXPECT_FALSE(V.Errors.empty());
}

std::vector<std::string> samples() {
  std::vector<std::string> Files;
  std::ifstream In(FEARLESS_SAMPLES_LIST);
  for (std::string Line; std::getline(In, Line);)
    if (!Line.empty())
      Files.push_back(Line);
  return Files;
}

class SampleSarif : public testing::TestWithParam<std::string> {};

TEST_P(SampleSarif, ValidatesAndCarriesTheFindings) {
  const std::string File = GetParam();
  std::string Dir = makeTempDir("fearless-sarif");
  std::string Out = Dir + "/report.sarif";
  Result R = run({FEARLESS_BIN, "analyze", "-q", "--format", "sarif",
                  "--source-root", Source, "-o", Out, File, "--",
                  "-std=c++20", "-pthread"});
  ASSERT_TRUE(R.Failure.empty()) << R.Failure;
  std::vector<Expected> Want = parseExpectations(readFile(File));
  ASSERT_EQ(R.ExitCode, Want.empty() ? 0 : 1) << R.Err;
  expectValid(Out);

  auto Log = llvm::json::parse(readFile(Out));
  ASSERT_TRUE(bool(Log)) << llvm::toString(Log.takeError());
  const llvm::json::Object &Run = run0(*Log);
  const llvm::json::Array &Results = *Run.getArray("results");
  std::vector<Actual> Got, GotSuppressed;
  std::string Rel = File.substr(Source.size() + 1);
  for (const llvm::json::Value &V : Results) {
    const llvm::json::Object &Res = *V.getAsObject();
    // Suppressed results carry why, and are checked against the
    // `// expect-suppressed:` comments instead.
    const llvm::json::Array *Sup = Res.getArray("suppressions");
    if (Sup) {
      ASSERT_EQ(Sup->size(), 1u);
      EXPECT_FALSE((*Sup)[0]
                       .getAsObject()
                       ->getString("justification")
                       .value_or("")
                       .empty());
    }
    const llvm::json::Object &Phys = *(*Res.getArray("locations"))[0]
                                          .getAsObject()
                                          ->getObject("physicalLocation");
    const llvm::json::Object &Art = *Phys.getObject("artifactLocation");
    EXPECT_EQ(Art.getString("uri").value_or(""), Rel);
    EXPECT_EQ(Art.getString("uriBaseId").value_or(""), "SRCROOT");
    EXPECT_EQ(Res.getObject("partialFingerprints")
                  ->getString("fearless/v1")
                  .value_or("")
                  .size(),
              16u);
    std::string Msg = Res.getObject("message")->getString("text")->str();
    ASSERT_FALSE(Msg.empty());
    EXPECT_EQ(Msg.back(), '.');
    if (Sup)
      Msg += " (" +
             (*Sup)[0].getAsObject()->getString("justification")->str() + ")";
    (Sup ? GotSuppressed : Got)
        .push_back({static_cast<unsigned>(
                        *Phys.getObject("region")->getInteger("startLine")),
                    Res.getString("ruleId")->str(), Msg});
  }
  EXPECT_EQ(compare(Want, Got), "");
  EXPECT_EQ(compare(parseSuppressedExpectations(readFile(File)), GotSuppressed),
            "");
  // Every registered check is a rule with a help page.
  const llvm::json::Array &Rules =
      *Run.getObject("tool")->getObject("driver")->getArray("rules");
  ASSERT_GE(Rules.size(), 2u);
  for (const llvm::json::Value &V : Rules) {
    const llvm::json::Object &Rule = *V.getAsObject();
    std::string Id = Rule.getString("id")->str();
    EXPECT_EQ(Rule.getString("helpUri").value_or("").rfind(".md"),
              Rule.getString("helpUri").value_or("").size() - 3);
    EXPECT_NE(Rule.getString("helpUri").value_or("").find(Id + ".md"),
              std::string::npos);
    EXPECT_TRUE(Rule.getObject("shortDescription"));
    EXPECT_TRUE(Rule.getObject("fullDescription"));
  }
}

std::string sampleName(const testing::TestParamInfo<std::string> &Info) {
  std::string P = Info.param.substr(Source.size() + 1);
  for (char &C : P)
    if (!std::isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return P;
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleSarif, testing::ValuesIn(samples()),
                         sampleName);

TEST(Sarif, HelpUriBaseIsConfigurable) {
  std::string Dir = makeTempDir("fearless-sarif");
  Result R = run({FEARLESS_BIN, "analyze", "-q", "--format", "sarif",
                  "--help-uri-base", "https://docs.example.org/checks/",
                  Source + "/samples/thread-not-joined/good.cpp", "--",
                  "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_NE(R.Out.find("\"helpUri\": \"https://docs.example.org/checks/"
                       "fearless-thread-not-joined.md\""),
            std::string::npos)
      << R.Out;
  Result Bad = run({FEARLESS_BIN, "analyze", "--help-uri-base", "docs/",
                    "x.cpp", "--"});
  EXPECT_EQ(Bad.ExitCode, 2);
  EXPECT_EQ(Bad.Err, "fearless: error: --help-uri-base needs an absolute URL "
                     "(see 'fearless --help')\n");
}

TEST(Sarif, TraceBecomesOneThreadFlowPerThreadAndValidates) {
  std::string Dir = makeTempDir("fearless-sarif");
  Result R = run({FEARLESS_SARIF_FIXTURE, "/src/project"});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
  writeFile(Dir + "/fixture.sarif", R.Out);
  expectValid(Dir + "/fixture.sarif", FixtureNotes);

  auto Log = llvm::json::parse(R.Out);
  ASSERT_TRUE(bool(Log));
  const llvm::json::Object &Run = run0(*Log);
  const llvm::json::Object &Res =
      *(*Run.getArray("results"))[0].getAsObject();
  EXPECT_EQ(Res.getString("level").value_or(""), "error");
  // The unknown check got a rule of its own, after the registered one.
  EXPECT_EQ(Res.getInteger("ruleIndex").value_or(-1), 1);
  const llvm::json::Object &Art =
      *(*Res.getArray("locations"))[0].getAsObject()->getObject(
          "physicalLocation")->getObject("artifactLocation");
  EXPECT_EQ(Art.getString("uri").value_or(""), "src/bank%20account.cpp");
  const llvm::json::Array &Flows = *(*Res.getArray("codeFlows"))[0]
                                        .getAsObject()
                                        ->getArray("threadFlows");
  ASSERT_EQ(Flows.size(), 2u);
  std::vector<int64_t> Order;
  std::vector<std::string> Names;
  for (const llvm::json::Value &F : Flows) {
    Names.push_back(
        F.getAsObject()->getObject("message")->getString("text")->str());
    for (const llvm::json::Value &L : *F.getAsObject()->getArray("locations"))
      Order.push_back(*L.getAsObject()->getInteger("executionOrder"));
  }
  EXPECT_EQ(Names, (std::vector<std::string>{"thread T1.", "thread T2."}));
  EXPECT_EQ(Order, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ((*Res.getArray("relatedLocations")).size(), 1u);
  // Outside the source root: an absolute file URI, no base id.
  const llvm::json::Object &Out =
      *(*(*Run.getArray("results"))[1].getAsObject()->getArray("locations"))[0]
           .getAsObject()->getObject("physicalLocation")
           ->getObject("artifactLocation");
  EXPECT_EQ(Out.getString("uri").value_or(""), "file:///usr/include/outside.h");
  EXPECT_FALSE(Out.getString("uriBaseId"));
  // The analysis error is a tool execution notification.
  const llvm::json::Object &Inv =
      *(*Run.getArray("invocations"))[0].getAsObject();
  EXPECT_EQ(Inv.getBoolean("executionSuccessful"), false);
  EXPECT_EQ(Inv.getArray("toolExecutionNotifications")->size(), 1u);
}

} // namespace
