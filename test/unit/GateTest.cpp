// Pieces of the CI gate without a subprocess: diff parsing, baseline
// matching and format, SARIF helpers.
#include "core/Baseline.h"
#include "core/Diff.h"
#include "core/Sarif.h"

#include <gtest/gtest.h>

using namespace fearless;

namespace {

TEST(ChangedLines, ParsesHunksDeletionsAndNewFiles) {
  ChangedLines C;
  C.addUnifiedDiff("diff --git a/src/a.cpp b/src/a.cpp\n"
                   "--- a/src/a.cpp\n+++ b/src/a.cpp\n"
                   "@@ -3 +3,2 @@ void f()\n-x\n+y\n+z\n"
                   "@@ -10,2 +11,0 @@\n-gone\n-gone\n"
                   "@@ -20 +19 @@\n-a\n+b\n"
                   "diff --git a/old.cpp b/old.cpp\n--- a/old.cpp\n+++ /dev/null\n"
                   "@@ -1 +0,0 @@\n-x\n",
                   "/repo");
  auto At = [&](const char *File, unsigned Line) {
    return C.touches(Location{File, Line, 1});
  };
  EXPECT_FALSE(At("/repo/src/a.cpp", 2));
  EXPECT_TRUE(At("/repo/src/a.cpp", 3));
  EXPECT_TRUE(At("/repo/src/a.cpp", 4));
  EXPECT_FALSE(At("/repo/src/a.cpp", 5));
  // Lines deleted after line 11: 11 and 12 are touched.
  EXPECT_TRUE(At("/repo/src/a.cpp", 11));
  EXPECT_TRUE(At("/repo/src/a.cpp", 12));
  EXPECT_FALSE(At("/repo/src/a.cpp", 13));
  EXPECT_TRUE(At("/repo/src/a.cpp", 19));
  EXPECT_FALSE(At("/repo/old.cpp", 1));
  EXPECT_FALSE(At("/repo/src/b.cpp", 3));
  EXPECT_EQ(C.fileCount(), 1u);

  Finding F;
  F.Loc = {"/repo/src/a.cpp", 30, 1};
  EXPECT_FALSE(C.touches(F));
  F.Trace.push_back({"T1", "f", "locks", {"/repo/src/a.cpp", 19, 3}});
  EXPECT_TRUE(C.touches(F));
}

Finding finding(const std::string &Fp, const std::string &File, unsigned L) {
  Finding F;
  F.CheckId = "fearless-x";
  F.Fingerprint = Fp;
  F.Loc = {File, L, 1};
  F.Message = "m";
  return F;
}

TEST(BaselineFile, RoundTripsInStableOrderAndMatchesAsAMultiset) {
  std::vector<Finding> Fs = {finding("bb", "/r/b.cpp", 3),
                             finding("aa", "/r/a.cpp", 9),
                             finding("cc", "/r/a.cpp", 2)};
  Baseline B = makeBaseline(Fs, "/r");
  ASSERT_EQ(B.Entries.size(), 3u);
  EXPECT_EQ(B.Entries[0].Fingerprint, "cc");
  EXPECT_EQ(B.Entries[0].File, "a.cpp");
  EXPECT_EQ(B.Entries[2].File, "b.cpp");
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  writeBaseline(OS, B);
  OS.flush();
  Baseline Back;
  std::string Error;
  ASSERT_TRUE(readBaseline(Text, Back, Error)) << Error;
  ASSERT_EQ(Back.Entries.size(), 3u);
  EXPECT_EQ(Back.Entries[1].Fingerprint, "aa");
  EXPECT_EQ(Back.Entries[1].Line, 9u);

  // "aa" twice now: one is baselined, one is new; "bb" disappeared.
  BaselineMatch M = applyBaseline({finding("aa", "/r/a.cpp", 1),
                                   finding("aa", "/r/a.cpp", 5),
                                   finding("cc", "/r/a.cpp", 7),
                                   finding("dd", "/r/d.cpp", 1)},
                                  Back);
  EXPECT_EQ(M.Matched, 2u);
  ASSERT_EQ(M.New.size(), 2u);
  EXPECT_EQ(M.New[0].Loc.Line, 5u);
  EXPECT_EQ(M.New[1].Fingerprint, "dd");
  ASSERT_EQ(M.Disappeared.size(), 1u);
  EXPECT_EQ(M.Disappeared[0].Fingerprint, "bb");
}

TEST(BaselineFile, RejectsOtherDocuments) {
  Baseline B;
  std::string Error;
  EXPECT_FALSE(readBaseline("[", B, Error));
  EXPECT_EQ(Error.rfind("not valid JSON: ", 0), 0u);
  EXPECT_FALSE(readBaseline("{\"format\": \"fearless-baseline\", \"version\": 2, "
                            "\"findings\": []}",
                            B, Error));
  EXPECT_EQ(Error, "unsupported baseline version (this fearless reads version 1)");
  EXPECT_FALSE(readBaseline("{\"format\": \"fearless-baseline\", \"version\": 1, "
                            "\"findings\": [{\"check\": \"x\"}]}",
                            B, Error));
  EXPECT_EQ(Error, "baseline entry 0 has no fingerprint");
}

TEST(SarifHelpers, EncodesPathsAndNamesRules) {
  EXPECT_EQ(percentEncodePath("src/a b/c#1.cpp"), "src/a%20b/c%231.cpp");
  EXPECT_EQ(percentEncodePath("x/y-z_1.~h"), "x/y-z_1.~h");
  EXPECT_EQ(ruleName("fearless-thread-not-joined"), "ThreadNotJoined");
  EXPECT_EQ(ruleName("other-check"), "OtherCheck");
}

} // namespace
