#include "core/Finding.h"

#include <gtest/gtest.h>

using namespace fearless;

static Finding make(const std::string &File, unsigned Line, unsigned Col,
                    const std::string &Check, const std::string &Msg) {
  Finding F;
  F.CheckId = Check;
  F.Message = Msg;
  F.Loc = {File, Line, Col};
  return F;
}

TEST(Finding, SortsByLocationThenCheckThenMessage) {
  std::vector<Finding> V = {
      make("b.cpp", 1, 1, "fearless-x", "m"),
      make("a.cpp", 9, 1, "fearless-x", "m"),
      make("a.cpp", 2, 5, "fearless-y", "m"),
      make("a.cpp", 2, 5, "fearless-x", "z"),
      make("a.cpp", 2, 5, "fearless-x", "a"),
  };
  sortAndUnique(V);
  ASSERT_EQ(V.size(), 5u);
  EXPECT_EQ(V[0].Message, "a");
  EXPECT_EQ(V[1].Message, "z");
  EXPECT_EQ(V[2].CheckId, "fearless-y");
  EXPECT_EQ(V[3].Loc.Line, 9u);
  EXPECT_EQ(V[4].Loc.File, "b.cpp");
}

TEST(Finding, UniqueDropsTheSameHeaderFindingSeenTwice) {
  Finding A = make("h.h", 3, 1, "fearless-x", "m");
  A.Related.push_back({{"h.h", 4, 1}, "note"});
  Finding B = A;
  Finding C = A;
  C.Related[0].Message = "other note";
  std::vector<Finding> V = {A, C, B};
  sortAndUnique(V);
  ASSERT_EQ(V.size(), 2u);
  EXPECT_EQ(V[0].Related[0].Message, "note");
  EXPECT_EQ(V[1].Related[0].Message, "other note");
}

TEST(Finding, SeverityNamesRoundTrip) {
  for (Severity S : {Severity::Note, Severity::Warning, Severity::Error}) {
    Severity Back = Severity::Note;
    ASSERT_TRUE(parseSeverity(severityName(S), Back));
    EXPECT_EQ(Back, S);
  }
  Severity Out = Severity::Note;
  EXPECT_FALSE(parseSeverity("fatal", Out));
}
