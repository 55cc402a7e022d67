// Every sample, through both front ends, must produce exactly the findings
// its `// expect:` comments announce; good samples must produce none.
#include "Expectations.h"
#include "Subprocess.h"
#include "core/Writers.h"

#include <gtest/gtest.h>

#include "llvm/Support/JSON.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace fearless;
using namespace fearless::test;

namespace {

std::vector<std::string> inputs() {
  std::vector<std::string> Files;
  std::ifstream In(FEARLESS_SAMPLES_LIST);
  for (std::string Line; std::getline(In, Line);)
    if (!Line.empty())
      Files.push_back(Line);
  Files.push_back(std::string(FEARLESS_E2E_INPUTS) + "/nolint.cpp");
  return Files;
}

std::string testName(const testing::TestParamInfo<std::string> &Info) {
  std::string P = Info.param;
  std::string Root = FEARLESS_SOURCE_DIR "/";
  if (P.compare(0, Root.size(), Root) == 0)
    P = P.substr(Root.size());
  for (char &C : P)
    if (!std::isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return P;
}

const std::vector<std::string> Cxx20 = {"-std=c++20", "-pthread"};
// No flags at all: the compiler's default language mode, as in
// `clang-tidy ... sample.cpp --`.
const std::vector<std::string> Defaults = {};

class Sample : public testing::TestWithParam<std::string> {};

/// A sample that needs a language mode says so on a line of its own:
/// `// sample-flags: -std=c++20`; those flags are added to every run.
std::vector<std::string> withSampleFlags(const std::string &File,
                                         std::vector<std::string> Args) {
  static const std::string Marker = "// sample-flags: ";
  std::string Text = readFile(File);
  size_t Pos = Text.find(Marker);
  if (Pos == std::string::npos)
    return Args;
  size_t End = Text.find('\n', Pos);
  std::string Flags = Text.substr(Pos + Marker.size(), End - Pos - Marker.size());
  size_t Start = 0;
  while (Start < Flags.size()) {
    size_t Space = Flags.find(' ', Start);
    if (Space == std::string::npos)
      Space = Flags.size();
    if (Space > Start)
      Args.push_back(Flags.substr(Start, Space - Start));
    Start = Space + 1;
  }
  return Args;
}

void cliMatches(const std::string &File,
                const std::vector<std::string> &BaseArgs) {
  std::vector<std::string> CompileArgs = withSampleFlags(File, BaseArgs);
  std::vector<Expected> Want = parseExpectations(readFile(File));
  std::vector<std::string> Argv = {FEARLESS_BIN, "analyze", "-q",
                                   "--format", "json", File, "--"};
  Argv.insert(Argv.end(), CompileArgs.begin(), CompileArgs.end());
  Result R = run(Argv);
  ASSERT_TRUE(R.Failure.empty()) << R.Failure;
  EXPECT_EQ(R.ExitCode, Want.empty() ? 0 : 1) << R.Err;
  Report Rep;
  std::string Error;
  ASSERT_TRUE(readJson(R.Out, Rep, Error)) << Error << "\n" << R.Out;
  EXPECT_TRUE(Rep.Errors.empty());
  std::vector<Actual> Got;
  for (const Finding &F : Rep.Findings) {
    EXPECT_EQ(F.Loc.File, File);
    EXPECT_EQ(F.Fingerprint.size(), 16u);
    Got.push_back({F.Loc.Line, F.CheckId, F.Message});
  }
  EXPECT_EQ(compare(Want, Got), "");
}

void tidyMatches(const std::string &File,
                 const std::vector<std::string> &BaseArgs) {
  std::vector<std::string> CompileArgs = withSampleFlags(File, BaseArgs);
  std::vector<Expected> Want = parseExpectations(readFile(File));
  std::vector<std::string> Argv = {FEARLESS_CLANG_TIDY,
                                   std::string("-load=") + FEARLESS_TIDY_PLUGIN,
                                   "-checks=-*,fearless-*", File, "--"};
  Argv.insert(Argv.end(), CompileArgs.begin(), CompileArgs.end());
  Result R = run(Argv);
  ASSERT_TRUE(R.Failure.empty()) << R.Failure;
  EXPECT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_EQ(compare(Want, parseTidyOutput(R.Out, File)), "") << R.Out;
}

TEST_P(Sample, CliReportsExactlyTheExpectedFindings) {
  cliMatches(GetParam(), Cxx20);
}

TEST_P(Sample, CliReportsTheSameWithDefaultFlags) {
  cliMatches(GetParam(), Defaults);
}

TEST_P(Sample, ClangTidyPluginReportsExactlyTheExpectedFindings) {
  tidyMatches(GetParam(), Cxx20);
}

TEST_P(Sample, ClangTidyPluginReportsTheSameWithDefaultFlags) {
  tidyMatches(GetParam(), Defaults);
}

INSTANTIATE_TEST_SUITE_P(All, Sample, testing::ValuesIn(inputs()), testName);

// Multi-file sample projects: the whole program through its own
// compile_commands.json; every source and header must get exactly the
// findings its expectations announce.
std::vector<std::string> projects() {
  std::vector<std::string> Names;
  std::ifstream In(FEARLESS_SAMPLE_PROJECTS_LIST);
  for (std::string Line; std::getline(In, Line);)
    if (!Line.empty())
      Names.push_back(Line);
  return Names;
}

class SampleProject : public testing::TestWithParam<std::string> {};

/// Runs \p Argv, an analysis with a JSON report on standard output, and
/// returns its findings by (canonical) file; a run that gives no report or
/// reports errors fails the test.
std::map<std::string, std::vector<Actual>>
analyzeByFile(const std::vector<std::string> &Argv, Result &R) {
  R = run(Argv);
  EXPECT_TRUE(R.Failure.empty()) << R.Failure;
  Report Rep;
  std::string Error;
  EXPECT_TRUE(readJson(R.Out, Rep, Error)) << Error << "\n" << R.Out;
  EXPECT_TRUE(Rep.Errors.empty());
  std::map<std::string, std::vector<Actual>> Got;
  for (const Finding &F : Rep.Findings)
    Got[std::filesystem::weakly_canonical(F.Loc.File).string()].push_back(
        {F.Loc.Line, F.CheckId, F.Message});
  return Got;
}

TEST_P(SampleProject, CliReportsExactlyTheExpectedFindingsInEveryFile) {
  namespace fs = std::filesystem;
  std::string Src = std::string(FEARLESS_SOURCE_DIR) + "/samples/" + GetParam();
  std::string Build =
      std::string(FEARLESS_SAMPLE_PROJECTS_BUILD) + "/" + GetParam();
  Result R;
  std::map<std::string, std::vector<Actual>> Got = analyzeByFile(
      {FEARLESS_BIN, "analyze", "-q", "--format", "json", "-p", Build}, R);
  unsigned NumExpected = 0;
  for (const auto &E : fs::recursive_directory_iterator(Src)) {
    std::string Ext = E.path().extension().string();
    if (Ext != ".cpp" && Ext != ".h")
      continue;
    std::string File = fs::canonical(E.path()).string();
    std::vector<Expected> Want = parseExpectations(readFile(File));
    NumExpected += Want.size();
    EXPECT_EQ(compare(Want, Got[File]), "") << File;
    Got.erase(File);
  }
  for (const auto &[File, Findings] : Got)
    EXPECT_TRUE(Findings.empty()) << "finding outside the project: " << File;
  EXPECT_EQ(R.ExitCode, NumExpected ? 1 : 0) << R.Err;
}

INSTANTIATE_TEST_SUITE_P(All, SampleProject, testing::ValuesIn(projects()),
                         testName);

// The README's first command, `fearless analyze -p build samples/`: every
// sample in the build's compilation database at once. The samples are
// many programs, each with its own `main` (and often its own `counter` or
// `Worker`); the race checks must find in each exactly what it announces,
// as when it is analysed on its own.
TEST(SamplesFolder, RaceChecksFindEachSamplesOwnRaces) {
  namespace fs = std::filesystem;
  const std::set<std::string> RaceChecks = {"fearless-data-race",
                                            "fearless-unguarded-access"};
  std::string Samples = fs::canonical(FEARLESS_SOURCE_DIR "/samples").string();
  std::set<std::string> Files;
  auto Db = llvm::json::parse(
      readFile(std::string(FEARLESS_BUILD_DIR) + "/compile_commands.json"));
  ASSERT_TRUE(bool(Db)) << llvm::toString(Db.takeError());
  if (const llvm::json::Array *Entries = Db->getAsArray())
    for (const llvm::json::Value &E : *Entries)
      if (const llvm::json::Object *O = E.getAsObject())
        if (auto File = O->getString("file")) {
          std::string F = fs::weakly_canonical(File->str()).string();
          if (F.rfind(Samples + "/", 0) == 0)
            Files.insert(F);
        }
  ASSERT_GT(Files.size(), 40u);
  Result R;
  std::map<std::string, std::vector<Actual>> Got = analyzeByFile(
      {FEARLESS_BIN, "analyze", "-q", "--no-cache", "--format", "json",
       "--checks", "fearless-data-race,fearless-unguarded-access", "-p",
       FEARLESS_BUILD_DIR, Samples},
      R);
  for (const auto &[File, Findings] : Got)
    Files.insert(File);
  unsigned NumExpected = 0;
  for (const std::string &File : Files) {
    std::vector<Expected> Want;
    for (Expected &E : parseExpectations(readFile(File)))
      if (RaceChecks.count(E.Check))
        Want.push_back(std::move(E));
    NumExpected += Want.size();
    EXPECT_EQ(compare(Want, Got[File]), "") << File;
  }
  EXPECT_GT(NumExpected, 10u);
  EXPECT_EQ(R.ExitCode, 1) << R.Err;
}

} // namespace
