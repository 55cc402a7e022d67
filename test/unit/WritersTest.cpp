#include "core/Writers.h"

#include <gtest/gtest.h>

using namespace fearless;

static Report sampleReport() {
  Report R;
  Finding F;
  F.CheckId = "fearless-thread-not-joined";
  F.Message = "std::thread 't' is never joined or detached";
  F.Loc = {"/p/a.cpp", 17, 15};
  F.Related.push_back({{"/p/a.cpp", 18, 1}, "'t' goes out of scope here"});
  F.Trace.push_back({"thread 1", "f", "acquires 'B' while holding 'A'",
                     {"/p/b.cpp", 3, 4}});
  F.Scope = "f";
  F.Snippet = "std::thread t(work);";
  F.Fingerprint = "0123456789abcdef";
  R.Findings.push_back(F);
  R.Errors.push_back({"/p/broken.cpp", "cannot analyse: x"});
  return R;
}

TEST(Writers, TextIsClangDiagnosticShape) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  writeText(OS, sampleReport());
  OS.flush();
  EXPECT_EQ(Out,
            "/p/a.cpp:17:15: warning: std::thread 't' is never joined or "
            "detached [fearless-thread-not-joined]\n"
            "/p/a.cpp:18:1: note: 't' goes out of scope here\n"
            "/p/b.cpp:3:4: note: [1] thread 1: in f: acquires 'B' while "
            "holding 'A'\n");
}

TEST(Writers, JsonRoundTrips) {
  Report R = sampleReport();
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  writeJson(OS, R);
  OS.flush();
  Report Back;
  std::string Error;
  ASSERT_TRUE(readJson(Out, Back, Error)) << Error;
  ASSERT_EQ(Back.Findings.size(), 1u);
  const Finding &F = Back.Findings[0];
  EXPECT_EQ(F.CheckId, "fearless-thread-not-joined");
  EXPECT_EQ(F.Loc, (Location{"/p/a.cpp", 17, 15}));
  ASSERT_EQ(F.Related.size(), 1u);
  EXPECT_EQ(F.Related[0].Message, "'t' goes out of scope here");
  ASSERT_EQ(F.Trace.size(), 1u);
  EXPECT_EQ(F.Trace[0].Thread, "thread 1");
  EXPECT_EQ(F.Trace[0].Loc, (Location{"/p/b.cpp", 3, 4}));
  EXPECT_EQ(F.Fingerprint, "0123456789abcdef");
  EXPECT_EQ(F.Snippet, "std::thread t(work);");
  ASSERT_EQ(Back.Errors.size(), 1u);
  EXPECT_EQ(Back.Errors[0].File, "/p/broken.cpp");
}

TEST(Writers, JsonIsDeterministic) {
  std::string A, B;
  llvm::raw_string_ostream OA(A), OB(B);
  writeJson(OA, sampleReport());
  writeJson(OB, sampleReport());
  OA.flush();
  OB.flush();
  EXPECT_EQ(A, B);
  EXPECT_NE(A.find("\"format\": \"fearless-report\""), std::string::npos);
}

TEST(Writers, ReadJsonRejectsGarbageWithOneLineReasons) {
  Report R;
  std::string Error;
  EXPECT_FALSE(readJson("{", R, Error));
  EXPECT_EQ(Error.find('\n'), std::string::npos);
  EXPECT_NE(Error.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(readJson("{\"findings\": []}", R, Error));
  EXPECT_NE(Error.find("not a fearless report"), std::string::npos);
  EXPECT_FALSE(readJson("{\"format\": \"fearless-report\", \"findings\": "
                        "[{\"check\": \"x\"}]}",
                        R, Error));
  EXPECT_EQ(Error, "finding 0 lacks check, severity or location");
}
