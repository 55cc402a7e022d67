// The checks run on real Clang ASTs built from small snippets: the cases
// here are the precision corner cases; the samples cover the scenarios.
#include "ThreadDanglingCaptureCheck.h"
#include "ThreadNotJoinedCheck.h"
#include "analysis/ClangReport.h"

#include "clang/AST/ASTContext.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"

#include <gtest/gtest.h>

using namespace fearless;

namespace {

struct Seen {
  unsigned Line;
  std::string Message;
};

class Collect : public ReportHandler {
public:
  explicit Collect(clang::ASTContext &Ctx) : Ctx(Ctx) {}
  void report(llvm::StringRef, CheckReport R) override {
    Out.push_back({Ctx.getSourceManager().getSpellingLineNumber(R.Loc),
                   R.Message});
  }
  clang::ASTContext &Ctx;
  std::vector<Seen> Out;
};

class MapOptions : public CheckOptions {
public:
  std::map<std::string, std::string> Values;
  std::string get(llvm::StringRef Key, llvm::StringRef Default) const override {
    auto It = Values.find(Key.str());
    return It == Values.end() ? Default.str() : It->second;
  }
};

template <typename C>
std::vector<Seen> run(const std::string &Code, const MapOptions &O = {}) {
  std::unique_ptr<clang::ASTUnit> AST = clang::tooling::buildASTFromCodeWithArgs(
      Code,
      {"-std=c++20", "-pthread",
       "-resource-dir=" FEARLESS_CLANG_RESOURCE_DIR},
      "input.cpp");
  EXPECT_TRUE(AST);
  if (!AST)
    return {};
  EXPECT_FALSE(AST->getDiagnostics().hasErrorOccurred());
  Collect H(AST->getASTContext());
  C(O).run(AST->getASTContext(), H);
  return H.Out;
}

const char *const Prelude = "#include <thread>\n"
                            "#include <vector>\n"
                            "#include <future>\n"
                            "void work();\n"
                            "void may_throw();\n";

std::string code(const std::string &Body) { return Prelude + Body; }
constexpr unsigned L = 6; // first line after the prelude

} // namespace

TEST(ThreadNotJoined, KnownFalsePositiveOnCorrelatedConditions) {
  EXPECT_TRUE(run<ThreadNotJoinedCheck>(code("void f(bool b) {\n"
                                             "  std::thread t;\n"
                                             "  if (b) t = std::thread(work);\n"
                                             "  if (b) t.join();\n"
                                             "}\n"))
                  .size() == 1)
      << "the engine is path-insensitive on b; documented false positive";
}

TEST(ThreadNotJoined, NegatedJoinableTest) {
  auto R = run<ThreadNotJoinedCheck>(code("void f(bool b) {\n"
                                          "  std::thread t(work);\n"
                                          "  if (!t.joinable()) return;\n"
                                          "  t.join();\n"
                                          "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadNotJoined, LoopBreakSkipsJoin) {
  auto R = run<ThreadNotJoinedCheck>(code("void f(int n) {\n"
                                          "  for (int i = 0; i < n; ++i) {\n"
                                          "    std::thread t(work);\n"
                                          "    if (i == 3) break;\n"
                                          "    t.join();\n"
                                          "  }\n"
                                          "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 2);
  EXPECT_NE(R[0].Message.find("can reach its destructor"), std::string::npos);
}

TEST(ThreadNotJoined, UnknownCalleeMayThrowUnlessOptionOff) {
  std::string Src = code("void f() {\n"
                         "  std::thread t(work);\n"
                         "  may_throw();\n"
                         "  t.join();\n"
                         "}\n");
  auto R = run<ThreadNotJoinedCheck>(Src);
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 1);
  MapOptions Off;
  Off.Values["ExceptionPaths"] = "false";
  EXPECT_TRUE(run<ThreadNotJoinedCheck>(Src, Off).empty());
}

TEST(ThreadNotJoined, MovedIntoAnotherThreadThatIsJoined) {
  auto R = run<ThreadNotJoinedCheck>(code("void f() {\n"
                                          "  std::thread t(work);\n"
                                          "  std::thread u = std::move(t);\n"
                                          "  u.join();\n"
                                          "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadNotJoined, MovedIntoAnotherThreadThatIsNot) {
  auto R = run<ThreadNotJoinedCheck>(code("void f() {\n"
                                          "  std::thread t(work);\n"
                                          "  std::thread u(std::move(t));\n"
                                          "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 2);
  EXPECT_EQ(R[0].Message.rfind("std::thread 'u' is never joined", 0), 0u);
}

TEST(ThreadNotJoined, CapturedByReferenceIsNotTracked) {
  auto R = run<ThreadNotJoinedCheck>(code("void f() {\n"
                                          "  std::thread t(work);\n"
                                          "  auto stop = [&] { t.join(); };\n"
                                          "  stop();\n"
                                          "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadDanglingCapture, JoinedLocalIsFine) {
  auto R = run<ThreadDanglingCaptureCheck>(code("int f() {\n"
                                                "  int x = 0;\n"
                                                "  std::thread t([&x] { x = 1; });\n"
                                                "  t.join();\n"
                                                "  return x;\n"
                                                "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadDanglingCapture, ThreadOutlivesInnerScope) {
  auto R = run<ThreadDanglingCaptureCheck>(
      code("void f() {\n"
           "  std::thread t;\n"
           "  {\n"
           "    int x = 0;\n"
           "    t = std::thread([&x] { x = 1; });\n"
           "  }\n"
           "  t.join();\n"
           "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 4);
  EXPECT_EQ(R[0].Message,
            "local variable 'x' is captured by reference by a thread that may "
            "outlive it: the thread is stored in 't', which outlives 'x'");
}

TEST(ThreadDanglingCapture, ThreadHandedToAnotherFunction) {
  auto R = run<ThreadDanglingCaptureCheck>(
      code("void keep(std::thread);\n"
           "void f() {\n"
           "  int x = 0;\n"
           "  keep(std::thread([&x] { x = 1; }));\n"
           "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 3);
  EXPECT_EQ(R[0].Message,
            "local variable 'x' is captured by reference by a thread that may "
            "outlive it: the thread is handed to 'keep'");
}

TEST(ThreadDanglingCapture, DiscardedAsyncBlocks) {
  auto R = run<ThreadDanglingCaptureCheck>(
      code("void f() {\n"
           "  int x = 0;\n"
           "  std::async(std::launch::async, [&x] { x = 1; });\n"
           "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadDanglingCapture, ThisOptionOff) {
  std::string Src = code("struct S {\n"
                         "  int n = 0;\n"
                         "  void go() { std::thread([this] { ++n; }).detach(); }\n"
                         "};\n");
  ASSERT_EQ(run<ThreadDanglingCaptureCheck>(Src).size(), 1u);
  MapOptions Off;
  Off.Values["ReportThis"] = "false";
  EXPECT_TRUE(run<ThreadDanglingCaptureCheck>(Src, Off).empty());
}
