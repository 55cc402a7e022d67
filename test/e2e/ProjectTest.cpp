// The multi-file sample project samples/deadlock-project, analysed as one
// program through its own compilation database: exact findings per file,
// the facts cache (cold, warm, one header edited), shards merged, and the
// lock-order graph; the traces of a race in samples/race-project whose
// two sides are in different files; and several programs in one
// compilation database.
#include "Expectations.h"
#include "Subprocess.h"
#include "core/Writers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <dirent.h>
#include <map>
#include <regex>
#include <set>

using namespace fearless;
using namespace fearless::test;

namespace {

const std::string ProjectDir = FEARLESS_SOURCE_DIR "/samples/deadlock-project";
const std::string ProjectDb = FEARLESS_DEADLOCK_PROJECT_DB;

std::vector<std::string> projectFiles(const std::string &Dir) {
  std::vector<std::string> Out;
  if (DIR *D = opendir(Dir.c_str())) {
    while (dirent *E = readdir(D)) {
      std::string N = E->d_name;
      if (N.size() > 2 && (N.substr(N.size() - 4) == ".cpp" ||
                           N.substr(N.size() - 2) == ".c" ||
                           N.substr(N.size() - 2) == ".h"))
        Out.push_back(Dir + "/" + N);
    }
    closedir(D);
  }
  std::sort(Out.begin(), Out.end());
  return Out;
}

Report analyzeJson(const std::vector<std::string> &Args, Result *Raw = nullptr) {
  std::string Dir = makeTempDir("fearless-project");
  std::vector<std::string> Argv = Args;
  Argv.push_back("--format");
  Argv.push_back("json");
  Argv.push_back("-o");
  Argv.push_back(Dir + "/report.json");
  Result R = run(Argv);
  if (Raw)
    *Raw = R;
  Report Rep;
  std::string Error;
  EXPECT_TRUE(readJson(readFile(Dir + "/report.json"), Rep, Error))
      << Error << "\n" << R.Err;
  return Rep;
}

std::string findingsOf(const Report &R) {
  std::string S;
  for (const Finding &F : R.Findings)
    S += F.Loc.File + ":" + std::to_string(F.Loc.Line) + ": " + F.Message +
         " [" + F.CheckId + "] " + F.Fingerprint + "\n";
  for (const Finding &F : R.Suppressed)
    S += "suppressed " + F.Loc.File + ":" + std::to_string(F.Loc.Line) +
         ": " + F.Message + "\n";
  return S;
}

/// Every file's findings against its `// expect:` comments, and the
/// suppressed ones against `// expect-suppressed:`.
void expectMatchesComments(const Report &R, const std::string &Dir) {
  for (const std::string &File : projectFiles(Dir)) {
    std::vector<Actual> Got, GotSuppressed;
    for (const Finding &F : R.Findings)
      if (F.Loc.File == File)
        Got.push_back({F.Loc.Line, F.CheckId, F.Message});
    for (const Finding &F : R.Suppressed)
      if (F.Loc.File == File)
        GotSuppressed.push_back(
            {F.Loc.Line, F.CheckId, F.Message + " (" + F.Suppression + ")"});
    std::string Text = readFile(File);
    EXPECT_EQ(compare(parseExpectations(Text), Got), "") << File;
    EXPECT_EQ(compare(parseSuppressedExpectations(Text), GotSuppressed), "")
        << File;
  }
  for (const Finding &F : R.Findings)
    EXPECT_EQ(F.Loc.File.rfind(Dir + "/", 0), 0u) << F.Loc.File;
}

TEST(DeadlockProject, ReportsExactlyTheExpectedCycles) {
  Result Raw;
  Report R = analyzeJson(
      {FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p", ProjectDb}, &Raw);
  EXPECT_EQ(Raw.ExitCode, 1) << Raw.Err;
  EXPECT_TRUE(R.Errors.empty());
  expectMatchesComments(R, ProjectDir);
  EXPECT_EQ(R.Findings.size(), 6u) << findingsOf(R);
  EXPECT_EQ(R.Suppressed.size(), 1u) << findingsOf(R);
}

TEST(DeadlockProject, ExplainsEveryEdgeAndTheInterleaving) {
  Report R = analyzeJson(
      {FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p", ProjectDb});
  const Finding *Cross = nullptr;
  for (const Finding &F : R.Findings)
    if (F.Message.find("'audit_mu' and 'orders_mu'") != std::string::npos)
      Cross = &F;
  ASSERT_TRUE(Cross) << findingsOf(R);
  std::vector<std::string> Notes;
  for (const RelatedLocation &N : Cross->Related)
    Notes.push_back(N.Loc.File.substr(ProjectDir.size() + 1) + ":" +
                    std::to_string(N.Loc.Line) + ": " + N.Message);
  std::vector<std::string> Want = {
      "ledger.cpp:13: edge 1 of 2: 'audit_mu' acquired here in audit_flush",
      "ledger.cpp:15: edge 1 of 2: audit_flush calls notify_orders",
      "orders.cpp:16: edge 1 of 2: notify_orders acquires 'orders_mu' while "
      "'audit_mu' is held",
      "orders.cpp:10: edge 2 of 2: 'orders_mu' acquired here in place_order",
      "orders.cpp:12: edge 2 of 2: place_order calls audit_record",
      "ledger.cpp:8: edge 2 of 2: audit_record acquires 'audit_mu' while "
      "'orders_mu' is held",
  };
  EXPECT_EQ(Notes, Want);
  std::vector<std::string> Steps;
  for (const TraceStep &S : Cross->Trace)
    Steps.push_back(S.Thread + " in " + S.Function + ": " + S.Message);
  std::vector<std::string> WantSteps = {
      "thread 1 in audit_flush: holds 'audit_mu'",
      "thread 1 in notify_orders: waits for 'orders_mu', held by thread 2",
      "thread 2 in place_order: holds 'orders_mu'",
      "thread 2 in audit_record: waits for 'audit_mu', held by thread 1",
  };
  EXPECT_EQ(Steps, WantSteps);
}

/// A copy of the project in a temporary directory, with its own database.
std::string copyProject() {
  std::string Dir = makeTempDir("fearless-project-copy");
  std::string Db = "[\n";
  bool First = true;
  for (const std::string &File : projectFiles(ProjectDir)) {
    std::string Name = File.substr(ProjectDir.size() + 1);
    writeFile(Dir + "/" + Name, readFile(File));
    bool IsC = Name.size() > 2 && Name.substr(Name.size() - 2) == ".c";
    if (Name.substr(Name.size() - 2) == ".h")
      continue;
    Db += std::string(First ? "" : ",\n") + "{\"directory\": \"" + Dir +
          "\", \"file\": \"" + Dir + "/" + Name + "\", \"arguments\": [\"" +
          (IsC ? "cc\", \"-std=c11" : "c++\", \"-std=c++17") +
          "\", \"-pthread\", \"-c\", \"" + Dir + "/" + Name + "\"]}";
    First = false;
  }
  writeFile(Dir + "/compile_commands.json", Db + "\n]\n");
  return Dir;
}

std::string statsLine(const Result &R) {
  std::smatch M;
  std::regex Re("units analysed: [0-9]+, reused from cache: [0-9]+");
  return std::regex_search(R.Err, M, Re) ? M.str() : "(no stats) " + R.Err;
}

TEST(DeadlockProject, WarmRunReusesEveryUnchangedUnit) {
  std::string Dir = copyProject();
  std::vector<std::string> Args = {FEARLESS_BIN, "analyze", "--stats", "-p",
                                   Dir};
  Result Cold, Warm, Edited;
  Report A = analyzeJson(Args, &Cold);
  EXPECT_EQ(statsLine(Cold), "units analysed: 16, reused from cache: 0");
  Report B = analyzeJson(Args, &Warm);
  EXPECT_EQ(statsLine(Warm), "units analysed: 0, reused from cache: 16");
  EXPECT_EQ(findingsOf(A), findingsOf(B));
  expectMatchesComments(B, Dir);
  // Editing a header re-analyses exactly the units that include it.
  writeFile(Dir + "/locks.h", readFile(Dir + "/locks.h") + "// edited\n");
  Report C = analyzeJson(Args, &Edited);
  EXPECT_EQ(statsLine(Edited), "units analysed: 5, reused from cache: 11");
  EXPECT_EQ(findingsOf(A), findingsOf(C));
  // A changed flag is a different unit: nothing is reused for it.
  Result NoCache;
  analyzeJson({FEARLESS_BIN, "analyze", "--stats", "--no-cache", "-p", Dir},
              &NoCache);
  EXPECT_EQ(statsLine(NoCache), "units analysed: 16, reused from cache: 0");
}

TEST(DeadlockProject, ShardsMergeIntoTheSameReport) {
  Report Whole = analyzeJson(
      {FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p", ProjectDb});
  std::string Facts1 = makeTempDir("fearless-shard1");
  std::string Facts2 = makeTempDir("fearless-shard2");
  for (const auto &[Shard, Dir] :
       {std::pair<std::string, std::string>{"1/2", Facts1}, {"2/2", Facts2}}) {
    Result R = run({FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p",
                    ProjectDb, "--shard", Shard, "--facts-dir", Dir});
    EXPECT_EQ(R.ExitCode, 0) << R.Err;
    EXPECT_EQ(R.Out, "");
  }
  Result M1, M2;
  Report Merged =
      analyzeJson({FEARLESS_BIN, "merge", "-q", Facts1, Facts2}, &M1);
  EXPECT_EQ(M1.ExitCode, 1) << M1.Err;
  EXPECT_EQ(findingsOf(Merged), findingsOf(Whole));
  // The merge does not depend on the order of its inputs.
  Report Reversed =
      analyzeJson({FEARLESS_BIN, "merge", "-q", Facts2, Facts1}, &M2);
  EXPECT_EQ(findingsOf(Reversed), findingsOf(Whole));
}

TEST(DeadlockProject, LockGraphHighlightsTheCycles) {
  std::string Dir = makeTempDir("fearless-graph");
  Result R = run({FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p", ProjectDb,
                  "--lock-graph", Dir + "/locks.dot"});
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  std::string Dot = readFile(Dir + "/locks.dot");
  ASSERT_EQ(Dot.rfind("digraph \"lock-order\" {", 0), 0u) << Dot;
  std::map<std::string, std::string> Label;
  std::regex NodeRe("  (n[0-9]+) \\[label=\"([^\"]*)\"\\];");
  for (std::sregex_iterator It(Dot.begin(), Dot.end(), NodeRe), End; It != End;
       ++It)
    Label[(*It)[1]] = (*It)[2];
  std::set<std::string> Red, Orange, Plain;
  std::regex EdgeRe("  (n[0-9]+) -> (n[0-9]+) \\[label=\"[^\"]*\"([^\\]]*)\\];");
  for (std::sregex_iterator It(Dot.begin(), Dot.end(), EdgeRe), End; It != End;
       ++It) {
    std::string E = Label[(*It)[1]] + " -> " + Label[(*It)[2]];
    std::string Attrs = (*It)[3];
    (Attrs.find("color=red") != std::string::npos      ? Red
     : Attrs.find("color=orange") != std::string::npos ? Orange
                                                       : Plain)
        .insert(E);
  }
  std::set<std::string> WantRed = {
      "Account::mu_ -> Account::mu_",
      "Cache::mu_ -> Registry::mu_",
      "Registry::mu_ -> Cache::mu_",
      "audit_mu -> orders_mu",
      "log_lock -> table_lock",
      "orders_mu -> audit_mu",
      "sessions_mu -> users_mu",
      "stage_a_mu -> stage_b_mu",
      "stage_b_mu -> stage_c_mu",
      "stage_c_mu -> stage_a_mu",
      "table_lock -> log_lock",
      "users_mu -> sessions_mu",
  };
  EXPECT_EQ(Red, WantRed);
  EXPECT_EQ(Orange, (std::set<std::string>{"index_mu -> pages_mu",
                                           "pages_mu -> index_mu"}));
  EXPECT_TRUE(Plain.count("gate_mu -> index_mu")) << Dot;
  EXPECT_TRUE(Plain.count("catalog_mu -> prices_mu")) << Dot;
  EXPECT_TRUE(Plain.count("stats_mu -> queue_mu")) << Dot;
  // Try-locks add no edge into the lock tried; locks taken together none.
  EXPECT_FALSE(Plain.count("queue_mu -> stats_mu")) << Dot;
  EXPECT_FALSE(Plain.count("left_mu -> right_mu") ||
               Plain.count("right_mu -> left_mu"))
      << Dot;
}

TEST(DeadlockProject, BadFactsAndShardsAreRefusedInOneLine) {
  std::string Dir = makeTempDir("fearless-badfacts");
  writeFile(Dir + "/broken.facts.json", "{ not json");
  Result R = run({FEARLESS_BIN, "merge", "-q", Dir});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_NE(R.Err.find("broken.facts.json: cannot merge: not valid JSON"),
            std::string::npos)
      << R.Err;
  Result Missing = run({FEARLESS_BIN, "merge", Dir + "/nowhere"});
  EXPECT_EQ(Missing.ExitCode, 2);
  EXPECT_NE(Missing.Err.find("nowhere: cannot merge: no such file or directory"),
            std::string::npos)
      << Missing.Err;
  Result Empty = run({FEARLESS_BIN, "merge", makeTempDir("fearless-empty")});
  EXPECT_EQ(Empty.ExitCode, 2);
  EXPECT_EQ(Empty.Err, "fearless: error: no facts files (*.facts.json) found "
                       "in the inputs\n");
  Result BadShard = run({FEARLESS_BIN, "analyze", "-p", ProjectDb, "--shard",
                         "3/2", "--facts-dir", Dir});
  EXPECT_EQ(BadShard.ExitCode, 2);
  EXPECT_EQ(BadShard.Err, "fearless: error: --shard takes I/N with 1 <= I <= "
                          "N (see 'fearless --help')\n");
  Result NoDir = run({FEARLESS_BIN, "analyze", "-p", ProjectDb, "--shard", "1/2"});
  EXPECT_EQ(NoDir.ExitCode, 2);
  EXPECT_NE(NoDir.Err.find("--shard needs --facts-dir"), std::string::npos)
      << NoDir.Err;
  Result Unwritable = run({FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p",
                           ProjectDb, "--lock-graph", "/nonexistent/x.dot"});
  EXPECT_EQ(Unwritable.ExitCode, 2);
  EXPECT_EQ(Unwritable.Err.rfind("fearless: error: cannot write "
                                 "'/nonexistent/x.dot': ",
                                 0),
            0u)
      << Unwritable.Err;
}

// samples/race-project: a class whose thread loop is in shipper.cpp and
// whose public methods are in shipper_api.cpp. The race between them is
// explained along both paths: the spawn down to the thread's write, and
// the public method called from outside down to its read.
TEST(RaceProject, ClassThreadAcrossFilesExplainsBothPaths) {
  const std::string Src = FEARLESS_SOURCE_DIR "/samples/race-project/src/";
  Report R = analyzeJson({FEARLESS_BIN, "analyze", "-q", "--no-cache", "-p",
                          FEARLESS_SAMPLE_PROJECTS_BUILD "/race-project"});
  const Finding *Race = nullptr;
  for (const Finding &F : R.Findings)
    if (F.Message.find("'Shipper::last_error_'") != std::string::npos)
      Race = &F;
  ASSERT_TRUE(Race) << findingsOf(R);
  EXPECT_EQ(Race->CheckId, "fearless-data-race");
  EXPECT_EQ(Race->Loc.File, Src + "shipper.cpp");
  EXPECT_EQ(Race->Loc.Line, 28u);
  EXPECT_EQ(Race->Loc.Column, 7u);
  EXPECT_EQ(Race->Message,
            "data race on 'Shipper::last_error_': written by thread "
            "'Shipper::run' while 'Shipper::last_error' reads it at "
            "shipper_api.cpp:19, with no lock held in common");
  auto At = [&](const Location &L) {
    return L.File.substr(Src.size()) + ":" + std::to_string(L.Line) + ":" +
           std::to_string(L.Column);
  };
  ASSERT_EQ(Race->Related.size(), 1u);
  EXPECT_EQ(At(Race->Related[0].Loc) + ": " + Race->Related[0].Message,
            "shipper_api.cpp:19:50: the other access (read) by "
            "'Shipper::last_error'");
  std::vector<std::string> Steps;
  for (const TraceStep &S : Race->Trace)
    Steps.push_back(At(S.Loc) + ": " + S.Thread + " in " + S.Function + ": " +
                    S.Message);
  std::vector<std::string> Want = {
      "shipper.cpp:3:35: thread 'Shipper::run' in Shipper::start: starts "
      "thread 'Shipper::run'",
      "shipper.cpp:28:7: thread 'Shipper::run' in Shipper::run: writes "
      "'Shipper::last_error_'",
      "shipper_api.cpp:19:22: 'Shipper::last_error' in Shipper::last_error: "
      "called from outside the thread through Shipper::last_error",
      "shipper_api.cpp:19:50: 'Shipper::last_error' in Shipper::last_error: "
      "reads 'Shipper::last_error_'",
  };
  EXPECT_EQ(Steps, Want);
}

// Several programs in one compilation database: prog_a.cpp and
// prog_b.cpp each have a `main` and a global `counter` that their threads
// race on; good.cpp has both too, and a `bump` like prog_a's, behind a
// mutex; helper.cpp defines `record` once, for prog_b, whose thread and
// main both call it. Each program is analysed with its own main and
// globals, and prog_b still reaches `record` in another unit.
TEST(RacePrograms, EachProgramOfTheDatabaseIsAnalysedOnItsOwn) {
  std::string Dir = makeTempDir("fearless-programs");
  const std::map<std::string, std::string> Files = {
      {"prog_a.cpp", "#include <thread>\n"
                     "int counter = 0;\n"
                     "void bump() { ++counter; }\n"
                     "int main() {\n"
                     "  std::thread t1(bump), t2(bump);\n"
                     "  t1.join();\n"
                     "  t2.join();\n"
                     "}\n"},
      {"prog_b.cpp", "#include <thread>\n"
                     "int counter = 0;\n"
                     "void record();\n"
                     "int main() {\n"
                     "  std::thread t([] {\n"
                     "    counter = 1;\n"
                     "    record();\n"
                     "  });\n"
                     "  int seen = counter;\n"
                     "  record();\n"
                     "  t.join();\n"
                     "  return seen;\n"
                     "}\n"},
      {"helper.cpp", "int hits = 0;\n"
                     "void record() { ++hits; }\n"},
      {"good.cpp", "#include <mutex>\n"
                   "#include <thread>\n"
                   "int counter = 0;\n"
                   "std::mutex mu;\n"
                   "void bump() {\n"
                   "  std::lock_guard<std::mutex> lock(mu);\n"
                   "  ++counter;\n"
                   "}\n"
                   "int main() {\n"
                   "  std::thread t1(bump), t2(bump);\n"
                   "  t1.join();\n"
                   "  t2.join();\n"
                   "  return counter;\n"
                   "}\n"}};
  std::string Db = "[\n";
  for (const auto &[Name, Text] : Files) {
    writeFile(Dir + "/" + Name, Text);
    Db += std::string(Db.size() > 2 ? ",\n" : "") + "{\"directory\": \"" +
          Dir + "\", \"file\": \"" + Dir + "/" + Name +
          "\", \"arguments\": [\"c++\", \"-std=c++17\", \"-pthread\", "
          "\"-c\", \"" + Dir + "/" + Name + "\"]}";
  }
  writeFile(Dir + "/compile_commands.json", Db + "\n]\n");
  Result Raw;
  Report R = analyzeJson({FEARLESS_BIN, "analyze", "-q", "--no-cache",
                          "--checks",
                          "fearless-data-race,fearless-unguarded-access", "-p",
                          Dir},
                         &Raw);
  EXPECT_EQ(Raw.ExitCode, 1) << Raw.Err;
  EXPECT_TRUE(R.Errors.empty());
  std::vector<std::string> Got;
  for (const Finding &F : R.Findings)
    Got.push_back(F.Loc.File.substr(Dir.size() + 1) + ":" +
                  std::to_string(F.Loc.Line) + ": [" + F.CheckId + "] " +
                  F.Message);
  std::vector<std::string> Want = {
      "helper.cpp:2: [fearless-data-race] data race on 'hits': written by "
      "thread 'lambda in main' while 'main' writes it at helper.cpp:2, with "
      "no lock held in common",
      "prog_a.cpp:3: [fearless-data-race] data race on 'counter': written by "
      "thread 'bump' while thread 'bump' writes it at prog_a.cpp:3, with no "
      "lock held in common",
      "prog_b.cpp:6: [fearless-data-race] data race on 'counter': written by "
      "thread 'lambda in main' while 'main' reads it at prog_b.cpp:9, with "
      "no lock held in common",
  };
  EXPECT_EQ(Got, Want) << findingsOf(R);
}

} // namespace
