#include "core/Suppressions.h"

#include <gtest/gtest.h>

using namespace fearless;

static const char *const Id = "fearless-thread-not-joined";
static const char *const Other = "fearless-thread-dangling-capture";

TEST(GlobList, LastMatchingGlobDecides) {
  GlobList G("fearless-*,-fearless-thread-*, fearless-thread-not-joined");
  EXPECT_TRUE(G.contains("fearless-lock-leak"));
  EXPECT_FALSE(G.contains(Other));
  EXPECT_TRUE(G.contains(Id));
  EXPECT_FALSE(G.contains("bugprone-foo"));
  EXPECT_FALSE(GlobList("-*").contains(Id));
  EXPECT_FALSE(GlobList("").contains(Id));
}

TEST(GlobMatch, Stars) {
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_TRUE(globMatch("a*c", "abbbc"));
  EXPECT_TRUE(globMatch("*-join*", "fearless-thread-not-joined"));
  EXPECT_FALSE(globMatch("a*c", "abcd"));
}

TEST(Suppressions, SameLineAllChecks) {
  auto I = SuppressionIndex::parse("a\nb; // NOLINT\nc\n");
  EXPECT_FALSE(I.suppresses(1, Id));
  EXPECT_TRUE(I.suppresses(2, Id));
  EXPECT_TRUE(I.suppresses(2, Other));
  EXPECT_FALSE(I.suppresses(3, Id));
}

TEST(Suppressions, SameLineNamedChecksWithGlobs) {
  auto I = SuppressionIndex::parse(
      "x; // NOLINT(fearless-thread-not-joined)\n"
      "y; // NOLINT(bugprone-*, fearless-*-capture)\n");
  EXPECT_TRUE(I.suppresses(1, Id));
  EXPECT_FALSE(I.suppresses(1, Other));
  EXPECT_TRUE(I.suppresses(2, Other));
  EXPECT_FALSE(I.suppresses(2, Id));
}

TEST(Suppressions, NextLine) {
  auto I = SuppressionIndex::parse("// NOLINTNEXTLINE(fearless-*)\nx;\ny;\n");
  EXPECT_FALSE(I.suppresses(1, Id));
  EXPECT_TRUE(I.suppresses(2, Id));
  EXPECT_FALSE(I.suppresses(3, Id));
}

TEST(Suppressions, BeginEndRegions) {
  auto I = SuppressionIndex::parse("a\n"
                                   "// NOLINTBEGIN(fearless-thread-*)\n"
                                   "b\n"
                                   "c\n"
                                   "// NOLINTEND(fearless-thread-*)\n"
                                   "d\n");
  EXPECT_FALSE(I.suppresses(1, Id));
  EXPECT_TRUE(I.suppresses(3, Id));
  EXPECT_TRUE(I.suppresses(4, Other));
  EXPECT_FALSE(I.suppresses(6, Id));
  EXPECT_TRUE(I.problems().empty());
}

TEST(Suppressions, UnmatchedRegionsAreProblemsAndSilenceNothing) {
  auto I = SuppressionIndex::parse("// NOLINTBEGIN\nx\n// NOLINTEND(a)\n");
  EXPECT_FALSE(I.suppresses(2, Id));
  ASSERT_EQ(I.problems().size(), 2u);
  EXPECT_EQ(I.problems()[0], "3: NOLINTEND without a matching NOLINTBEGIN");
  EXPECT_EQ(I.problems()[1], "1: NOLINTBEGIN without a matching NOLINTEND");
}

TEST(Suppressions, MarksDirectivesUsed) {
  auto I = SuppressionIndex::parse("x; // NOLINT\ny; // NOLINT(other)\n");
  I.suppresses(1, Id);
  I.suppresses(2, Id);
  ASSERT_EQ(I.directives().size(), 2u);
  EXPECT_TRUE(I.directives()[0].Used);
  EXPECT_FALSE(I.directives()[1].Used);
}
