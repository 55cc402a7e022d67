// The CI gate: baselines, diff-aware runs, --fail-on and unused
// suppressions, on small projects in temporary git repositories built by
// the tests themselves (real git, real fearless).
#include "Subprocess.h"
#include "core/Baseline.h"
#include "core/Writers.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace fearless;
using namespace fearless::test;

namespace {

const std::string Header = "#include <thread>\nvoid work(int);\n";

const std::string Original = Header + R"(void one() {
  std::thread t(work, 1);
}
void two() {
  std::thread u(work, 2);
}
)";

Result git(const std::string &Dir, std::vector<std::string> Args) {
  Args.insert(Args.begin(), {"/usr/bin/env", "git", "-C", Dir, "-c",
                             "user.name=fearless", "-c",
                             "user.email=fearless@localhost", "-c",
                             "init.defaultBranch=main", "-c",
                             "commit.gpgsign=false"});
  return run(Args, "", 60);
}

void commitAll(const std::string &Dir, const std::string &Msg) {
  ASSERT_EQ(git(Dir, {"add", "-A"}).ExitCode, 0);
  Result R = git(Dir, {"commit", "-q", "-m", Msg});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
}

std::string newRepo(const std::string &Text) {
  std::string Dir = makeTempDir("fearless-gate");
  EXPECT_EQ(git(Dir, {"init", "-q"}).ExitCode, 0);
  writeFile(Dir + "/a.cpp", Text);
  return Dir;
}

Result fearless(const std::string &Dir, std::vector<std::string> Args,
                bool Quiet = true) {
  Args.insert(Args.begin(), FEARLESS_BIN);
  if (Quiet)
    Args.insert(Args.begin() + 2, "-q");
  return run(Args, Dir, 120);
}

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

std::vector<std::string> warningLines(const std::string &Text) {
  std::vector<std::string> Out;
  for (const std::string &L : lines(Text))
    if (L.find(": warning: ") != std::string::npos)
      Out.push_back(L);
  return Out;
}

TEST(Baseline, WrittenInStableOrderAndReadBack) {
  std::string Dir = newRepo(Original);
  Result W = fearless(Dir, {"baseline", "a.cpp", "--", "-std=c++20"});
  ASSERT_EQ(W.ExitCode, 0) << W.Err;
  std::string First = readFile(Dir + "/.fearless-baseline.json");
  Baseline B;
  std::string Error;
  ASSERT_TRUE(readBaseline(First, B, Error)) << Error;
  ASSERT_EQ(B.Entries.size(), 2u);
  // Relative to the repository, in file/line order.
  EXPECT_EQ(B.Entries[0].File, "a.cpp");
  EXPECT_EQ(B.Entries[0].Line, 4u);
  EXPECT_EQ(B.Entries[0].Scope, "one");
  EXPECT_EQ(B.Entries[1].Line, 7u);
  // Same input, same bytes, and -o chooses the file.
  ASSERT_EQ(fearless(Dir, {"baseline", "-o", "b2.json", "a.cpp", "--",
                           "-std=c++20"})
                .ExitCode,
            0);
  EXPECT_EQ(readFile(Dir + "/b2.json"), First);
}

TEST(Baseline, MatchesAcrossLineShiftsReformattingAndMovedFunctions) {
  std::string Dir = newRepo(Original);
  ASSERT_EQ(fearless(Dir, {"baseline", "a.cpp", "--", "-std=c++20"}).ExitCode,
            0);
  auto Analyze = [&] {
    return fearless(Dir, {"analyze", "--baseline", ".fearless-baseline.json",
                          "a.cpp", "--", "-std=c++20"},
                    /*Quiet=*/false);
  };
  Result Same = Analyze();
  EXPECT_EQ(Same.ExitCode, 0) << Same.Err;
  EXPECT_EQ(Same.Out, "");
  EXPECT_EQ(Same.Err, "fearless: 0 findings, 2 baselined\n");

  // Lines inserted above, an unrelated line reformatted, and two() moved
  // above one().
  writeFile(Dir + "/a.cpp", "// a comment\n// another\n\n"
                            "#include <thread>\nvoid   work( int  );\n"
                            "void two() {\n  std::thread u(work, 2);\n}\n"
                            "int unrelated() {\n  return 1;\n}\n"
                            "void one() {\n  std::thread t(work, 1);\n}\n");
  Result Moved = Analyze();
  EXPECT_EQ(Moved.ExitCode, 0) << Moved.Err;
  EXPECT_EQ(Moved.Out, "");
  EXPECT_EQ(Moved.Err, "fearless: 0 findings, 2 baselined\n");

  // A new finding is reported, alone; the fixed one is listed as gone.
  writeFile(Dir + "/a.cpp", Header + "void two() {\n  std::thread u(work, 2);\n}\n"
                            "void three() {\n  std::thread v(work, 3);\n}\n");
  Result New = Analyze();
  EXPECT_EQ(New.ExitCode, 1) << New.Err;
  std::vector<std::string> W = warningLines(New.Out);
  ASSERT_EQ(W.size(), 1u) << New.Out;
  EXPECT_NE(W[0].find("a.cpp:7:15: warning: std::thread 'v' is never joined"),
            std::string::npos)
      << W[0];
  std::vector<std::string> Err = lines(New.Err);
  ASSERT_EQ(Err.size(), 2u) << New.Err;
  EXPECT_EQ(Err[0].rfind("fearless: fixed: a.cpp:4: std::thread 't' is never "
                         "joined or detached",
                         0),
            0u)
      << Err[0];
  EXPECT_NE(Err[0].find("[fearless-thread-not-joined] (baselined as "),
            std::string::npos);
  EXPECT_EQ(Err[1], "fearless: 1 finding, 1 baselined");
}

TEST(Baseline, SurvivesACheckoutInAnotherDirectory) {
  std::string Dir = newRepo(Original);
  commitAll(Dir, "initial");
  ASSERT_EQ(fearless(Dir, {"baseline", "-o", "base.json", "a.cpp", "--",
                           "-std=c++20"})
                .ExitCode,
            0);
  std::string Other = makeTempDir("fearless-gate-clone");
  ASSERT_EQ(run({"/usr/bin/env", "git", "clone", "-q", Dir, Other + "/c"}, "",
                60)
                .ExitCode,
            0);
  Result R = fearless(Other + "/c",
                      {"analyze", "--baseline", Dir + "/base.json", "a.cpp",
                       "--", "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 0) << R.Err << R.Out;
  EXPECT_EQ(R.Out, "");
  // Without a common root the paths differ, and nothing matches.
  Result Abs = fearless(Other + "/c",
                        {"analyze", "--baseline", Dir + "/base.json",
                         "--source-root", "/", "a.cpp", "--", "-std=c++20"});
  EXPECT_EQ(Abs.ExitCode, 1);
  EXPECT_EQ(warningLines(Abs.Out).size(), 2u);
}

TEST(Baseline, BadBaselinesAreOneLineAndExit2) {
  std::string Dir = newRepo(Original);
  writeFile(Dir + "/not.json", "{\"format\": \"something-else\"}");
  Result R = fearless(Dir, {"analyze", "--baseline", "not.json", "a.cpp",
                            "--", "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: baseline 'not.json': not a fearless "
                   "baseline (missing \"format\": \"fearless-baseline\")\n");
  Result Missing = fearless(Dir, {"analyze", "--baseline", "none.json",
                                  "a.cpp", "--", "-std=c++20"});
  EXPECT_EQ(Missing.ExitCode, 2);
  EXPECT_EQ(Missing.Err, "fearless: error: cannot read baseline 'none.json': "
                         "No such file or directory\n");
  Result Fmt = fearless(Dir, {"baseline", "--format", "json", "a.cpp", "--"});
  EXPECT_EQ(Fmt.ExitCode, 2);
  EXPECT_EQ(Fmt.Err, "fearless: error: --format does not apply to 'fearless "
                     "baseline' (see 'fearless --help')\n");
}

TEST(Baseline, NotWrittenWhenAUnitFailsToAnalyse) {
  std::string Dir = newRepo(Original);
  writeFile(Dir + "/broken.cpp", "int main() { undeclared(); }\n");
  Result R = fearless(Dir, {"baseline", "a.cpp", "broken.cpp", "--",
                            "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_FALSE(llvm::sys::fs::exists(Dir + "/.fearless-baseline.json"));
  EXPECT_NE(R.Err.find("fearless: error: baseline not written: 1 input(s) "
                       "not analysed\n"),
            std::string::npos)
      << R.Err;
}

TEST(DiffBase, ReportsOnlyFindingsOnChangedLines) {
  std::string Dir = newRepo(Original);
  commitAll(Dir, "initial");
  // A new unjoined thread in a new function, committed.
  writeFile(Dir + "/a.cpp", Original + "void three() {\n  std::thread v(work, 3);\n}\n");
  commitAll(Dir, "add three");
  Result R = fearless(Dir, {"analyze", "--diff-base", "HEAD~1", "a.cpp", "--",
                            "-std=c++20"},
                      /*Quiet=*/false);
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  std::vector<std::string> W = warningLines(R.Out);
  ASSERT_EQ(W.size(), 1u) << R.Out;
  EXPECT_NE(W[0].find("a.cpp:10:15: warning: std::thread 'v'"),
            std::string::npos)
      << W[0];
  EXPECT_EQ(R.Err, "fearless: 1 finding, 2 outside the diff\n");

  // Nothing changed since HEAD: clean.
  Result None = fearless(Dir, {"analyze", "--diff-base", "HEAD", "a.cpp",
                               "--", "-std=c++20"});
  EXPECT_EQ(None.ExitCode, 0) << None.Err;
  EXPECT_EQ(None.Out, "");

  // An uncommitted edit counts; so does a file git does not track yet.
  writeFile(Dir + "/a.cpp", Original + "void three() {\n  std::thread v(work, 3);\n}\n"
                                       "void four() { std::thread w(work, 4); }\n");
  writeFile(Dir + "/new.cpp", Header + "void five() { std::thread x(work, 5); }\n");
  Result Dirty = fearless(Dir, {"analyze", "--diff-base", "HEAD", "a.cpp",
                                "new.cpp", "--", "-std=c++20"});
  EXPECT_EQ(Dirty.ExitCode, 1);
  W = warningLines(Dirty.Out);
  ASSERT_EQ(W.size(), 2u) << Dirty.Out;
  EXPECT_NE(W[0].find("a.cpp:12:27: warning: std::thread 'w'"), std::string::npos) << W[0];
  EXPECT_NE(W[1].find("new.cpp:3:27: warning: std::thread 'x'"), std::string::npos) << W[1];
}

TEST(DiffBase, RelatedLocationOnAChangedLineCounts) {
  // The finding is on the spawn line (unchanged); its note points at the
  // end of the scope, which the edit touches.
  std::string Dir = newRepo(Header + "void one() {\n  std::thread t(work, 1);\n  t.join();\n}\n");
  commitAll(Dir, "joined");
  writeFile(Dir + "/a.cpp", Header + "void one() {\n  std::thread t(work, 1);\n}\n");
  Result R = fearless(Dir, {"analyze", "--diff-base", "HEAD", "a.cpp", "--",
                            "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
  EXPECT_EQ(warningLines(R.Out).size(), 1u) << R.Out;
}

TEST(DiffBase, BadRevisionOrNoRepositoryIsExit2BeforeAnalysing) {
  std::string Dir = newRepo(Original);
  commitAll(Dir, "initial");
  Result R = fearless(Dir, {"analyze", "--diff-base", "no-such-rev", "a.cpp",
                            "--", "-std=c++20"});
  EXPECT_EQ(R.ExitCode, 2);
  EXPECT_EQ(R.Err, "fearless: error: --diff-base: 'no-such-rev' is not a "
                   "commit of the repository at '" + Dir + "'\n");
  std::string Plain = makeTempDir("fearless-nogit");
  writeFile(Plain + "/a.cpp", Original);
  Result N = fearless(Plain, {"analyze", "--diff-base", "HEAD", "a.cpp", "--",
                              "-std=c++20"});
  EXPECT_EQ(N.ExitCode, 2);
  EXPECT_EQ(N.Err, "fearless: error: --diff-base needs a git work tree, and '" +
                       Plain + "' is not in one (set --source-root)\n");
}

TEST(FailOn, ThresholdDecidesTheExitStatus) {
  std::string Dir = newRepo(Original);
  // The findings are warnings: printed either way, exit 1 only from
  // warning down.
  Result E = fearless(Dir, {"analyze", "--fail-on", "error", "a.cpp", "--",
                            "-std=c++20"});
  EXPECT_EQ(E.ExitCode, 0);
  EXPECT_EQ(warningLines(E.Out).size(), 2u);
  EXPECT_EQ(fearless(Dir, {"analyze", "--fail-on", "warning", "a.cpp", "--",
                           "-std=c++20"})
                .ExitCode,
            1);
  EXPECT_EQ(fearless(Dir, {"analyze", "--fail-on=note", "a.cpp", "--",
                           "-std=c++20"})
                .ExitCode,
            1);
  Result Bad = fearless(Dir, {"analyze", "--fail-on", "fatal", "a.cpp"});
  EXPECT_EQ(Bad.ExitCode, 2);
  EXPECT_EQ(Bad.Err, "fearless: error: --fail-on takes error, warning or note "
                     "(see 'fearless --help')\n");
}

TEST(Config, SeveritiesAndOptionsFromTheClangTidyFile) {
  std::string Dir = newRepo(Original);
  std::vector<std::string> Args = {"analyze", "--fail-on", "error", "a.cpp",
                                   "--", "-std=c++20"};
  // The nearest .clang-tidy above the source root makes the check's
  // findings errors (mapping form).
  writeFile(Dir + "/.clang-tidy",
            "Checks: '-*,fearless-*'\nCheckOptions:\n"
            "  fearless-thread-not-joined.Severity: error\n");
  Result E = fearless(Dir, Args);
  EXPECT_EQ(E.ExitCode, 1) << E.Err;
  EXPECT_EQ(E.Out.find(": warning: "), std::string::npos) << E.Out;
  EXPECT_NE(E.Out.find("a.cpp:4:15: error: std::thread 't'"), std::string::npos)
      << E.Out;
  // The list form, and a check option from the file.
  writeFile(Dir + "/.clang-tidy",
            "CheckOptions:\n  - key: fearless-thread-not-joined.Severity\n"
            "    value: note\n");
  Result N = fearless(Dir, {"analyze", "--fail-on", "warning", "a.cpp", "--",
                            "-std=c++20"});
  EXPECT_EQ(N.ExitCode, 0) << N.Err;
  EXPECT_NE(N.Out.find("a.cpp:4:15: note: std::thread 't'"), std::string::npos)
      << N.Out;
  // --config-file none ignores it.
  Args.insert(Args.begin() + 1, {"--config-file", "none"});
  EXPECT_EQ(fearless(Dir, Args).ExitCode, 0);
  // Bad files are one line and exit 2.
  writeFile(Dir + "/.clang-tidy",
            "CheckOptions:\n  fearless-thread-not-joined.Severity: fatal\n");
  Result Bad = fearless(Dir, {"analyze", "a.cpp", "--"});
  EXPECT_EQ(Bad.ExitCode, 2);
  EXPECT_EQ(Bad.Err, "fearless: error: configuration '" + Dir +
                         "/.clang-tidy': fearless-thread-not-joined.Severity "
                         "takes note, warning or error, not 'fatal'\n");
  writeFile(Dir + "/.clang-tidy", "CheckOptions: [\n");
  Result Broken = fearless(Dir, {"analyze", "a.cpp", "--"});
  EXPECT_EQ(Broken.ExitCode, 2);
  EXPECT_EQ(Broken.Err.rfind("fearless: error: configuration '", 0), 0u);
  EXPECT_EQ(std::count(Broken.Err.begin(), Broken.Err.end(), '\n'), 1);
  Result Missing =
      fearless(Dir, {"analyze", "--config-file", Dir + "/nope", "a.cpp", "--"});
  EXPECT_EQ(Missing.ExitCode, 2);
  EXPECT_EQ(Missing.Err, "fearless: error: cannot read configuration '" + Dir +
                             "/nope': No such file or directory\n");
}

TEST(UnusedSuppressions, OnlyFearlessDirectivesThatSilenceNothing) {
  std::string Dir = newRepo(
      Header +
      "void one() {\n"
      "  std::thread t(work, 1); // NOLINT(fearless-thread-not-joined)\n"
      "  int a = 0; // NOLINT(fearless-thread-not-joined)\n"
      "  int b = 0; // NOLINT\n"
      "  int c = 0; // NOLINT(bugprone-branch-clone)\n"
      "  // NOLINTNEXTLINE(fearless-thread-dangling-capture)\n"
      "  int d = a + b + c;\n"
      "  (void)d;\n"
      "}\n");
  Result Off = fearless(Dir, {"analyze", "a.cpp", "--", "-std=c++20"});
  EXPECT_EQ(Off.ExitCode, 0) << Off.Out;
  EXPECT_EQ(Off.Out, "");

  Result On = fearless(Dir, {"analyze", "--report-unused-suppressions",
                             "--checks", "-*,fearless-thread-not-joined",
                             "a.cpp", "--", "-std=c++20"});
  EXPECT_EQ(On.ExitCode, 1);
  EXPECT_EQ(On.Out, Dir + "/a.cpp:5:1: warning: "
                          "NOLINT(fearless-thread-not-joined) suppresses no "
                          "finding; remove it [fearless-unused-suppression]\n");

  // With every check on, the NOLINTNEXTLINE for the capture check is
  // unused too.
  Result All = fearless(Dir, {"analyze", "--report-unused-suppressions",
                              "a.cpp", "--", "-std=c++20"});
  std::vector<std::string> W = warningLines(All.Out);
  ASSERT_EQ(W.size(), 2u) << All.Out;
  EXPECT_NE(W[1].find("a.cpp:8:1: warning: NOLINTNEXTLINE(fearless-thread-"
                      "dangling-capture) suppresses no finding"),
            std::string::npos)
      << W[1];
}

} // namespace
