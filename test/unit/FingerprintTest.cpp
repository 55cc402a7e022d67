#include "core/Fingerprint.h"

#include <gtest/gtest.h>

using namespace fearless;

static Finding sample(unsigned Line, const std::string &Snippet) {
  Finding F;
  F.CheckId = "fearless-thread-not-joined";
  F.Message = "std::thread 't' is never joined or detached";
  F.Loc = {"/src/project/a.cpp", Line, 15};
  F.Scope = "ns::start";
  F.Snippet = Snippet;
  return F;
}

static std::string print(Finding F, const std::string &Root = "") {
  std::vector<Finding> V{std::move(F)};
  assignFingerprints(V, Root);
  return V[0].Fingerprint;
}

TEST(Fingerprint, IsSixteenHexDigits) {
  std::string P = print(sample(10, "std::thread t(work);"));
  ASSERT_EQ(P.size(), 16u);
  EXPECT_EQ(P.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Fingerprint, SurvivesLineShiftsAndReformatting) {
  EXPECT_EQ(print(sample(10, "  std::thread t(work);")),
            print(sample(42, "std::thread   t(work);   ")));
}

TEST(Fingerprint, ChangesWithCheckScopeMessageOrCode) {
  Finding Base = sample(10, "std::thread t(work);");
  std::string P = print(Base);
  Finding C = Base;
  C.CheckId = "fearless-thread-dangling-capture";
  EXPECT_NE(print(C), P);
  Finding S = Base;
  S.Scope = "ns::stop";
  EXPECT_NE(print(S), P);
  Finding M = Base;
  M.Message += "!";
  EXPECT_NE(print(M), P);
  Finding T = Base;
  T.Snippet = "std::thread u(work);";
  EXPECT_NE(print(T), P);
}

TEST(Fingerprint, IndependentOfCheckoutLocationUnderTheSourceRoot) {
  Finding A = sample(10, "x");
  Finding B = sample(10, "x");
  B.Loc.File = "/home/ci/work/a.cpp";
  EXPECT_EQ(print(A, "/src/project"), print(B, "/home/ci/work/"));
  EXPECT_NE(print(A), print(B));
}

TEST(Fingerprint, CollidingFindingsAreNumberedInOrder) {
  std::vector<Finding> V{sample(10, "x"), sample(20, "x")};
  assignFingerprints(V);
  EXPECT_NE(V[0].Fingerprint, V[1].Fingerprint);
  std::vector<Finding> Again{sample(11, "x"), sample(30, "x")};
  assignFingerprints(Again);
  EXPECT_EQ(V[0].Fingerprint, Again[0].Fingerprint);
  EXPECT_EQ(V[1].Fingerprint, Again[1].Fingerprint);
}

TEST(Fingerprint, NormalizeSnippetCollapsesWhitespace) {
  EXPECT_EQ(normalizeSnippet("\t a   b\n c  "), "a b c");
  EXPECT_EQ(normalizeSnippet("   "), "");
}

TEST(Fingerprint, RelativeToOnlyStripsWholeDirectories) {
  EXPECT_EQ(relativeTo("/a/b/c.cpp", "/a/b"), "c.cpp");
  EXPECT_EQ(relativeTo("/a/bc/c.cpp", "/a/b"), "/a/bc/c.cpp");
  EXPECT_EQ(relativeTo("/a/b/c.cpp", ""), "/a/b/c.cpp");
}
