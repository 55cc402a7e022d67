// The fearless command line on good and bad input: exit codes, one-line
// errors, compilation databases, determinism; and the clang-tidy plugin's
// handling of check options.
#include "Expectations.h"
#include "Subprocess.h"
#include "core/Writers.h"

#include <gtest/gtest.h>

#include <sstream>

#include <algorithm>
#include <set>

using namespace fearless;
using namespace fearless::test;

namespace {

const std::string Samples = FEARLESS_SOURCE_DIR "/samples";
const std::string NotJoinedBad = Samples + "/thread-not-joined/bad.cpp";
const std::string CaptureBad = Samples + "/thread-dangling-capture/bad.cpp";

std::vector<std::string> lines(const std::string &Text) {
  std::vector<std::string> Out;
  size_t Start = 0;
  while (Start < Text.size()) {
    size_t End = Text.find('\n', Start);
    if (End == std::string::npos)
      End = Text.size();
    Out.push_back(Text.substr(Start, End - Start));
    Start = End + 1;
  }
  return Out;
}

std::string entry(const std::string &Dir, const std::string &File) {
  return "{\"directory\": \"" + Dir + "\", \"file\": \"" + File +
         "\", \"arguments\": [\"clang++\", \"-std=c++20\", \"-pthread\", "
         "\"-c\", \"" + File + "\"]}";
}

Result analyze(std::vector<std::string> Args) {
  Args.insert(Args.begin(), {FEARLESS_BIN, "analyze", "-q"});
  return run(Args);
}

TEST(Cli, MalformedCompilationDatabaseIsOneLineAndExit2) {
  std::string Dir = makeTempDir("fearless-e2e");
  writeFile(Dir + "/compile_commands.json", "[{\"directory\": ");
  Result R = analyze({"-p", Dir});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Out, "");
  ASSERT_EQ(lines(R.Err).size(), 1u) << R.Err;
  EXPECT_EQ(R.Err.rfind("fearless: error: malformed compilation database '" +
                            Dir + "/compile_commands.json': ",
                        0),
            0u)
      << R.Err;
}

TEST(Cli, MissingBuildDirectoryIsExit2) {
  Result R = analyze({"-p", "/nonexistent/build"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: no compilation database: "
                   "'/nonexistent/build' does not exist\n");
}

TEST(Cli, NoDatabaseAndNoArgumentsIsExit2) {
  std::string Dir = makeTempDir("fearless-e2e");
  writeFile(Dir + "/a.cpp", "int main() {}\n");
  Result R = analyze({Dir + "/a.cpp"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: no compilation database found: pass -p "
                   "BUILD_DIR, or compiler arguments after --\n");
}

TEST(Cli, MissingFileIsNamedAndOthersAreStillAnalysed) {
  Result R = analyze({"/nonexistent/file.cpp", NotJoinedBad, "--",
                      "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: /nonexistent/file.cpp: no such file\n");
  std::vector<std::string> Out = lines(R.Out);
  EXPECT_EQ(static_cast<size_t>(
                std::count_if(Out.begin(), Out.end(),
                              [](const std::string &L) {
                                return L.find(": warning: ") !=
                                       std::string::npos;
                              })),
            parseExpectations(readFile(NotJoinedBad)).size());
}

TEST(Cli, UnitThatDoesNotCompileIsNamedAndOthersAreStillAnalysed) {
  std::string Dir = makeTempDir("fearless-e2e");
  writeFile(Dir + "/broken.cpp", "int main() {\n  undeclared();\n}\n");
  writeFile(Dir + "/compile_commands.json",
            "[" + entry(Dir, Dir + "/broken.cpp") + ", " +
                entry(Dir, NotJoinedBad) + "]");
  Result R = analyze({"-p", Dir, "--format", "json"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: " + Dir +
                       "/broken.cpp: cannot analyse: broken.cpp:2:3: use of "
                       "undeclared identifier 'undeclared'\n");
  Report Rep;
  std::string Error;
  ASSERT_TRUE(readJson(R.Out, Rep, Error)) << Error;
  EXPECT_EQ(Rep.Findings.size(),
            parseExpectations(readFile(NotJoinedBad)).size());
  ASSERT_EQ(Rep.Errors.size(), 1u);
  EXPECT_EQ(Rep.Errors[0].File, Dir + "/broken.cpp");
}

TEST(Cli, CompilationDatabaseProjectReportsEveryUnit) {
  std::string Dir = makeTempDir("fearless-e2e");
  writeFile(Dir + "/compile_commands.json",
            "[" + entry(Dir, NotJoinedBad) + ", " + entry(Dir, CaptureBad) +
                "]");
  Result R = analyze({"-p", Dir, "--format", "json", "-j", "2"});
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  Report Rep;
  std::string Error;
  ASSERT_TRUE(readJson(R.Out, Rep, Error)) << Error;
  std::vector<Actual> NotJoined, Capture;
  for (const Finding &F : Rep.Findings)
    (F.Loc.File == NotJoinedBad ? NotJoined : Capture)
        .push_back({F.Loc.Line, F.CheckId, F.Message});
  EXPECT_EQ(compare(parseExpectations(readFile(NotJoinedBad)), NotJoined), "");
  EXPECT_EQ(compare(parseExpectations(readFile(CaptureBad)), Capture), "");

  // A directory argument selects the database's files below it.
  Result Sub = analyze({"-p", Dir, "--format", "json",
                        Samples + "/thread-not-joined"});
  Report SubRep;
  ASSERT_TRUE(readJson(Sub.Out, SubRep, Error)) << Error;
  EXPECT_EQ(SubRep.Findings.size(),
            parseExpectations(readFile(NotJoinedBad)).size());
}

TEST(Cli, OutputIsDeterministicAcrossJobCounts) {
  std::vector<std::string> Files = {NotJoinedBad, CaptureBad,
                                    Samples + "/thread-not-joined/good.cpp"};
  auto Once = [&](const char *Jobs) {
    std::vector<std::string> A = {"--format", "json", "-j", Jobs};
    A.insert(A.end(), Files.begin(), Files.end());
    A.insert(A.end(), {"--", "-std=c++20"});
    return analyze(A).Out;
  };
  std::string One = Once("1");
  EXPECT_FALSE(One.empty());
  EXPECT_EQ(One, Once("2"));
}

TEST(Cli, GoodSamplesAreCleanAndExit0) {
  Result R = analyze({Samples + "/thread-not-joined/good.cpp",
                      Samples + "/thread-dangling-capture/good.cpp",
                      Samples + "/counter/good_mutex.cpp", "--",
                      "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_EQ(R.Out, "");
}

TEST(Cli, UnwritableOutputIsExit2BeforeAnalysing) {
  Result R = analyze({"-o", "/nonexistent/dir/report.json", NotJoinedBad,
                      "--", "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err.rfind("fearless: error: cannot write "
                        "'/nonexistent/dir/report.json': ",
                        0),
            0u);
  EXPECT_EQ(lines(R.Err).size(), 1u);
}

TEST(Cli, ReportGoesToTheOutputFile) {
  std::string Dir = makeTempDir("fearless-e2e");
  Result R = analyze({"-o", Dir + "/r.txt", NotJoinedBad, "--", "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 1);
  EXPECT_EQ(R.Out, "");
  std::string Text = readFile(Dir + "/r.txt");
  EXPECT_EQ(Text.rfind(NotJoinedBad + ":18:15: warning: std::thread 't' is "
                                      "never joined or detached",
                       0),
            0u)
      << Text;
}

TEST(Cli, UsageErrorsAreExit2) {
  EXPECT_EQ(run({FEARLESS_BIN}).ExitCode, 2);
  EXPECT_EQ(run({FEARLESS_BIN, "frobnicate"}).ExitCode, 2);
  Result Fmt = analyze({"--format", "xml", NotJoinedBad});
  EXPECT_EQ(Fmt.ExitCode, 2);
  EXPECT_EQ(Fmt.Err, "fearless: error: --format takes text, json or sarif (see "
                     "'fearless --help')\n");
  EXPECT_EQ(analyze({"--bogus"}).ExitCode, 2);
  EXPECT_EQ(analyze({"--checks", "nothing-*", NotJoinedBad, "--"}).Err,
            "fearless: error: no check matches 'nothing-*'\n");
}

TEST(Cli, ChecksGlobSelectsChecks) {
  Result R = analyze({"--checks", "-*,fearless-thread-dangling-capture",
                      NotJoinedBad, "--", "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_EQ(R.Out, "");
}

TEST(Cli, ListChecksNamesEveryCheck) {
  Result R = run({FEARLESS_BIN, "list-checks"});
  EXPECT_EQ(R.ExitCode, 0);
  EXPECT_NE(R.Out.find("fearless-thread-dangling-capture\n"),
            std::string::npos);
  EXPECT_NE(R.Out.find("fearless-thread-not-joined\n"), std::string::npos);
  EXPECT_NE(R.Out.find("option ExceptionPaths (default true)"),
            std::string::npos);
}

TEST(Cli, StaleNolintSampleIsReportedOnlyWhenAsked) {
  const std::string File = Samples + "/suppressions/stale_nolint.cpp";
  Result Plain = analyze({"--format", "json", File, "--"});
  EXPECT_EQ(Plain.ExitCode, 0) << Plain.Err;
  Result R = analyze({"--report-unused-suppressions", "--format", "json",
                      File, "--"});
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  Report Rep;
  std::string Error;
  ASSERT_TRUE(readJson(R.Out, Rep, Error)) << Error;
  ASSERT_EQ(Rep.Findings.size(), 1u);
  EXPECT_EQ(Rep.Findings[0].CheckId, "fearless-unused-suppression");
  EXPECT_EQ(Rep.Findings[0].Loc.Line, 10u);
  EXPECT_EQ(Rep.Findings[0].Message,
            "NOLINT(fearless-thread-not-joined) suppresses no finding; "
            "remove it");
}

TEST(Tidy, HonoursCheckOptionsFromConfiguration) {
  Result R = run({FEARLESS_CLANG_TIDY,
                  std::string("-load=") + FEARLESS_TIDY_PLUGIN,
                  "-checks=-*,fearless-*",
                  "-config={CheckOptions: "
                  "{fearless-thread-not-joined.ExceptionPaths: false}}",
                  NotJoinedBad, "--", "-std=c++20"});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
  std::set<unsigned> Lines;
  for (const Actual &A : parseTidyOutput(R.Out, NotJoinedBad))
    Lines.insert(A.Line);
  // The finding on the exception path (the thread of `work, 3`) is gone;
  // every other finding of the sample stays.
  std::set<unsigned> Want;
  for (const Expected &E : parseExpectations(readFile(NotJoinedBad)))
    Want.insert(E.Line);
  unsigned ExceptionLine = 0, No = 0;
  std::istringstream Text(readFile(NotJoinedBad));
  for (std::string L; std::getline(Text, L);)
    if (++No && L.find("std::thread t(work, 3)") != std::string::npos)
      ExceptionLine = No;
  ASSERT_NE(ExceptionLine, 0u);
  Want.erase(ExceptionLine);
  EXPECT_EQ(Lines, Want);
}

TEST(Tidy, DumpsFearlessOptions) {
  Result R = run({FEARLESS_CLANG_TIDY,
                  std::string("-load=") + FEARLESS_TIDY_PLUGIN,
                  "-checks=-*,fearless-*", "-dump-config"});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_NE(R.Out.find("fearless-thread-not-joined.ExceptionPaths"),
            std::string::npos)
      << R.Out;
}

} // namespace
