// The checks run on real Clang ASTs built from small snippets: the cases
// here are the precision corner cases; the samples cover the scenarios.
#include "DataRaceCheck.h"
#include "ThreadDanglingCaptureCheck.h"
#include "ThreadNotJoinedCheck.h"
#include "UnguardedAccessCheck.h"
#include "analysis/ClangReport.h"

#include "clang/AST/ASTContext.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"

#include <gtest/gtest.h>

#include "llvm/Support/Path.h"

#include <algorithm>

using namespace fearless;

namespace {

struct Seen {
  unsigned Line;
  std::string Message;
  /// "line:column: message" of each note.
  std::vector<std::string> Notes = {};
};

class Collect : public ReportHandler {
public:
  explicit Collect(clang::ASTContext &Ctx) : Ctx(Ctx) {}
  void report(llvm::StringRef, CheckReport R) override {
    const clang::SourceManager &SM = Ctx.getSourceManager();
    Seen S{SM.getSpellingLineNumber(R.Loc), R.Message};
    for (const SourceNote &N : R.Notes)
      S.Notes.push_back(std::to_string(SM.getSpellingLineNumber(N.Loc)) + ":" +
                        std::to_string(SM.getSpellingColumnNumber(N.Loc)) +
                        ": " + N.Message);
    Out.push_back(std::move(S));
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

TEST(ThreadNotJoined, MemberThreadWithoutDestructor) {
  auto R = run<ThreadNotJoinedCheck>(code("struct S {\n"
                                          "  S() : t(work) {}\n"
                                          "  std::thread t;\n"
                                          "};\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 2);
  EXPECT_EQ(R[0].Message,
            "std::thread member 't' is started but the implicit destructor of "
            "'S' does not join or detach it, which calls std::terminate (join "
            "it in a destructor, or use std::jthread)");
}

TEST(ThreadNotJoined, MemberThreadJoinedOnOnePathOnly) {
  auto R = run<ThreadNotJoinedCheck>(code("struct S {\n"
                                          "  bool b = false;\n"
                                          "  std::thread t;\n"
                                          "  void go() { t = std::thread(work); }\n"
                                          "  ~S() {\n"
                                          "    if (b) return;\n"
                                          "    t.join();\n"
                                          "  }\n"
                                          "};\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 4);
  EXPECT_EQ(R[0].Message,
            "the destructor of 'S' can finish while std::thread member 't' is "
            "still joinable, which calls std::terminate (join it on every "
            "path, or use std::jthread)");
}

TEST(ThreadNotJoined, MemberThreadsThatAreFine) {
  // Never started; joined through a helper; a helper defined elsewhere;
  // detached; std::jthread.
  auto R = run<ThreadNotJoinedCheck>(
      code("struct Idle { std::thread t; };\n"
           "struct A {\n"
           "  std::thread t;\n"
           "  void go() { t = std::thread(work); }\n"
           "  void stop() { if (t.joinable()) t.join(); }\n"
           "  ~A() { stop(); }\n"
           "};\n"
           "struct B {\n"
           "  std::thread t{work};\n"
           "  void stop();\n"
           "  ~B() { stop(); }\n"
           "};\n"
           "struct C {\n"
           "  std::thread t{work};\n"
           "  ~C() { t.detach(); }\n"
           "};\n"
           "struct D {\n"
           "  std::jthread t{work};\n"
           "  std::vector<std::jthread> v;\n"
           "  void add() { v.emplace_back(work); }\n"
           "};\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadNotJoined, MemberContainerWithDestructorThatDoesNotJoin) {
  auto R = run<ThreadNotJoinedCheck>(code("struct P {\n"
                                          "  std::vector<std::thread> v;\n"
                                          "  void add() { v.emplace_back(work); }\n"
                                          "  ~P() { v.clear(); }\n"
                                          "};\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 3);
  EXPECT_EQ(R[0].Message,
            "the destructor of 'P' does not join the threads in member 'v' (a "
            "container of std::thread), which calls std::terminate (join "
            "every element, or use std::jthread)");
}

TEST(ThreadNotJoined, LocalContainerNeverJoined) {
  auto R = run<ThreadNotJoinedCheck>(code("void f() {\n"
                                          "  std::vector<std::thread> v;\n"
                                          "  v.emplace_back(work);\n"
                                          "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 1);
  EXPECT_EQ(R[0].Message,
            "the threads in 'v' (a container of std::thread) are never joined "
            "or detached; destroying a joinable element calls std::terminate "
            "(join every element, or use std::jthread)");
}

TEST(ThreadNotJoined, LocalContainerJoinedOnlyInsideABranch) {
  auto R = run<ThreadNotJoinedCheck>(code("void f(bool b) {\n"
                                          "  std::vector<std::thread> v;\n"
                                          "  std::thread t(work);\n"
                                          "  v.push_back(std::move(t));\n"
                                          "  if (b)\n"
                                          "    for (auto &w : v) w.join();\n"
                                          "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 1);
  EXPECT_EQ(R[0].Message,
            "the threads in 'v' (a container of std::thread) can be destroyed "
            "while still joinable, which calls std::terminate (join every "
            "element on every path, or use std::jthread)");
}

TEST(ThreadNotJoined, LocalContainersThatAreFine) {
  auto R = run<ThreadNotJoinedCheck>(
      code("void keep(std::vector<std::thread> &);\n"
           "void iterators() {\n"
           "  std::vector<std::thread> v;\n"
           "  v.emplace_back(work);\n"
           "  for (auto it = v.begin(); it != v.end(); ++it) it->join();\n"
           "}\n"
           "void handed_over() {\n"
           "  std::vector<std::thread> v;\n"
           "  v.emplace_back(work);\n"
           "  keep(v);\n"
           "}\n"
           "void default_threads() {\n"
           "  std::vector<std::thread> v(4);\n"
           "  v.emplace_back();\n"
           "}\n"
           "void jthreads() {\n"
           "  std::vector<std::jthread> v;\n"
           "  v.emplace_back(work);\n"
           "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(ThreadNotJoined, JoinTwiceAndJoinAfterDetach) {
  auto R = run<ThreadNotJoinedCheck>(code("void f() {\n"
                                          "  std::thread t(work);\n"
                                          "  t.join();\n"
                                          "  t.join();\n"
                                          "  std::thread u(work);\n"
                                          "  u.detach();\n"
                                          "  u.join();\n"
                                          "}\n"));
  ASSERT_EQ(R.size(), 2u);
  EXPECT_EQ(R[0].Line, L + 3);
  EXPECT_EQ(R[0].Message,
            "std::thread 't' is joined while it is not joinable (it was "
            "already joined), which throws std::system_error");
  EXPECT_EQ(R[1].Line, L + 6);
  EXPECT_EQ(R[1].Message,
            "std::thread 'u' is joined while it is not joinable (it was "
            "detached), which throws std::system_error");
}

TEST(ThreadNotJoined, JoinOnDefaultConstructedAndMovedFrom) {
  auto R = run<ThreadNotJoinedCheck>(code("void f() {\n"
                                          "  std::thread t;\n"
                                          "  t.join();\n"
                                          "  std::thread a(work);\n"
                                          "  std::thread b = std::move(a);\n"
                                          "  a.detach();\n"
                                          "  b.join();\n"
                                          "}\n"));
  ASSERT_EQ(R.size(), 2u);
  EXPECT_EQ(R[0].Line, L + 2);
  EXPECT_EQ(R[0].Message,
            "std::thread 't' is joined while it is not joinable (it was "
            "default-constructed and never started), which throws "
            "std::system_error");
  EXPECT_EQ(R[1].Line, L + 5);
  EXPECT_EQ(R[1].Message,
            "std::thread 'a' is detached while it is not joinable (it was "
            "moved from), which throws std::system_error");
}

TEST(ThreadNotJoined, JoinOnlyReportedWhenDefinite) {
  // Started on one path only; joined in a loop; tested with joinable();
  // passed by reference (may be restarted); member joined twice in a
  // destructor.
  auto R = run<ThreadNotJoinedCheck>(
      code("void restart(std::thread &);\n"
           "void f(bool b, int n) {\n"
           "  std::thread t;\n"
           "  if (b) t = std::thread(work);\n"
           "  t.join();\n"
           "  std::thread u(work);\n"
           "  u.join();\n"
           "  if (u.joinable()) u.join();\n"
           "  restart(u);\n"
           "  u.join();\n"
           "}\n"
           "struct S {\n"
           "  std::thread w{work};\n"
           "  ~S() { w.join(); w.join(); }\n"
           "};\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 13);
  EXPECT_EQ(R[0].Message,
            "std::thread 'w' is joined while it is not joinable (it was "
            "already joined), which throws std::system_error");
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
  // Not a dangling capture (the discarded future waits at the end of the
  // statement), but the call is synchronous: its own message.
  auto R = run<ThreadDanglingCaptureCheck>(
      code("void f() {\n"
           "  int x = 0;\n"
           "  std::async(std::launch::async, [&x] { x = 1; });\n"
           "  (void)std::async(work);\n"
           "  std::async(std::launch::deferred, work);\n"
           "}\n"));
  ASSERT_EQ(R.size(), 2u);
  const std::string Discarded =
      "the std::future returned by std::async is discarded: its destructor "
      "waits for the task at the end of this statement, so the call runs "
      "synchronously (keep the future and call get() when the result is "
      "needed)";
  EXPECT_EQ(R[0].Line, L + 2);
  EXPECT_EQ(R[0].Message, Discarded);
  EXPECT_EQ(R[1].Line, L + 3);
  EXPECT_EQ(R[1].Message, Discarded);
}

TEST(ThreadDanglingCapture, FutureMovedOutOfTheFrame) {
  auto R = run<ThreadDanglingCaptureCheck>(
      code("void f(std::future<void> &out) {\n"
           "  int x = 0;\n"
           "  auto fut = std::async(std::launch::async, [&x] { x = 1; });\n"
           "  out = std::move(fut);\n"
           "}\n"
           "void g() {\n"
           "  int y = 0;\n"
           "  auto fut = std::async(std::launch::async, [&y] { y = 1; });\n"
           "  auto kept = std::move(fut);\n"
           "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, L + 2);
  EXPECT_EQ(R[0].Message,
            "local variable 'x' is captured by reference by a thread that may "
            "outlive it: the future is stored outside this function");
}

TEST(ThreadDanglingCapture, LocalReachedThroughAPointer) {
  auto R = run<ThreadDanglingCaptureCheck>(
      code("void g(int *);\n"
           "void f() {\n"
           "  int x = 0;\n"
           "  int *p = &x;\n"
           "  std::thread t([p] { *p = 1; });\n"
           "  t.detach();\n"
           "  std::thread(g, p).detach();\n"
           "  std::thread u([q = p] { *q = 2; });\n"
           "  u.join();\n"
           "}\n"));
  ASSERT_EQ(R.size(), 2u);
  EXPECT_EQ(R[0].Line, L + 4);
  EXPECT_EQ(R[0].Message,
            "local variable 'x' is reached through pointer 'p' by a thread "
            "that may outlive it: the thread is detached");
  EXPECT_EQ(R[1].Line, L + 6);
  EXPECT_EQ(R[1].Message, R[0].Message);
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

namespace {

const char *const RacePrelude = "#include <thread>\n"
                                "#include <mutex>\n"
                                "#include <future>\n"
                                "#include <pthread.h>\n"
                                "#include <vector>\n";
std::string races(const std::string &Body) { return RacePrelude + Body; }
constexpr unsigned RL = 6; // first line after the race prelude

bool has(const Seen &S, const std::string &Fragment) {
  return S.Message.find(Fragment) != std::string::npos;
}

} // namespace

TEST(DataRace, ReadBesideWriteInAnotherThread) {
  auto R = run<DataRaceCheck>(races("int g;\n"
                                    "void writer() { g = 1; }\n"
                                    "int main() {\n"
                                    "  std::thread t(writer);\n"
                                    "  int v = g;\n"
                                    "  t.join();\n"
                                    "  return v;\n"
                                    "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 1);
  EXPECT_EQ(R[0].Message,
            "data race on 'g': written by thread 'writer' while 'main' reads "
            "it at input.cpp:10, with no lock held in common");
}

TEST(DataRace, SpawnAndJoinOrderTheSpawnersAccesses) {
  auto R = run<DataRaceCheck>(races("int g;\n"
                                    "void writer() { g = 1; }\n"
                                    "int main() {\n"
                                    "  g = 0;\n"
                                    "  std::thread t(writer);\n"
                                    "  t.join();\n"
                                    "  return g;\n"
                                    "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(DataRace, CommonLockMeansNoRace) {
  auto R = run<DataRaceCheck>(races("int g;\n"
                                    "std::mutex m;\n"
                                    "void writer() { std::lock_guard<std::mutex> l(m); g++; }\n"
                                    "int main() {\n"
                                    "  std::thread a(writer), b(writer);\n"
                                    "  a.join(); b.join();\n"
                                    "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(DataRace, TwoSpawnsOfOneEntryRace) {
  auto R = run<DataRaceCheck>(races("int g;\n"
                                    "void writer() { g++; }\n"
                                    "int main() {\n"
                                    "  std::thread a(writer), b(writer);\n"
                                    "  a.join(); b.join();\n"
                                    "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 1);
  EXPECT_TRUE(has(R[0], "written by thread 'writer' while thread 'writer' "
                        "writes it at input.cpp:7"));
}

TEST(DataRace, ThroughAReferenceParameterOfAHelper) {
  auto R = run<DataRaceCheck>(races("void bump(int &n) { ++n; }\n"
                                    "int main() {\n"
                                    "  int hits = 0;\n"
                                    "  std::thread t([&hits] { bump(hits); });\n"
                                    "  bump(hits);\n"
                                    "  t.join();\n"
                                    "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL);
  EXPECT_TRUE(has(R[0], "data race on 'n': written by thread 'lambda in main' "
                        "while 'main' writes it at input.cpp:6"));
}

TEST(DataRace, PthreadArgumentSharesThePointee) {
  auto R = run<DataRaceCheck>(
      races("struct Job { int done; };\n"
            "void *work(void *arg) {\n"
            "  auto *job = static_cast<Job *>(arg);\n"
            "  job->done = 1;\n"
            "  return nullptr;\n"
            "}\n"
            "int main() {\n"
            "  Job job{0};\n"
            "  pthread_t t;\n"
            "  pthread_create(&t, nullptr, work, &job);\n"
            "  int d = job.done;\n"
            "  pthread_join(t, nullptr);\n"
            "  return d + job.done;\n"
            "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 3);
  EXPECT_TRUE(has(R[0], "data race on 'Job::done': written by thread 'work' "
                        "while 'main' reads it at input.cpp:16"));
}

TEST(DataRace, DeferredAsyncAndDiscardedFuturesDoNotRunConcurrently) {
  auto R = run<DataRaceCheck>(
      races("int g;\n"
            "int main() {\n"
            "  auto f = std::async(std::launch::deferred, [] { g = 1; });\n"
            "  g = 2;\n"
            "  f.get();\n"
            "  std::async(std::launch::async, [] { g = 3; });\n"
            "  g = 4;\n"
            "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(DataRace, AsyncFutureRunsUntilGet) {
  auto R = run<DataRaceCheck>(
      races("int g;\n"
            "int main() {\n"
            "  auto f = std::async(std::launch::async, [] { g = 1; });\n"
            "  g = 2;\n"
            "  f.get();\n"
            "  g = 3;\n"
            "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 2);
}

TEST(DataRace, ElementsAtVaryingIndicesAreTheThreadsOwn) {
  auto R = run<DataRaceCheck>(races("int slots[8];\n"
                                    "void fill(int i) { slots[i] = i; }\n"
                                    "int main() {\n"
                                    "  std::vector<std::thread> ts;\n"
                                    "  for (int i = 0; i < 8; ++i)\n"
                                    "    ts.emplace_back(fill, i);\n"
                                    "  for (auto &t : ts) t.join();\n"
                                    "}\n"));
  EXPECT_TRUE(R.empty());
}

TEST(DataRace, SubmitToAThreadPool) {
  auto R = run<DataRaceCheck>(
      races("struct Pool { template <class F> void submit(F f) { (void)f; } };\n"
            "int jobs;\n"
            "void schedule(Pool &p) {\n"
            "  p.submit([] { ++jobs; });\n"
            "  p.submit([] { ++jobs; });\n"
            "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 3);
  EXPECT_TRUE(has(R[0], "data race on 'jobs'"));
}

TEST(DataRace, SingleThreadFunctionsAndSynchronizedClassesOptions) {
  std::string Loop = races("int g;\n"
                           "void loop() { g++; }\n"
                           "int main() {\n"
                           "  std::vector<std::thread> ts;\n"
                           "  for (int i = 0; i < 2; ++i) ts.emplace_back(loop);\n"
                           "  for (auto &t : ts) t.join();\n"
                           "}\n");
  ASSERT_EQ(run<DataRaceCheck>(Loop).size(), 1u);
  MapOptions Single;
  Single.Values["SingleThreadFunctions"] = "loop";
  EXPECT_TRUE(run<DataRaceCheck>(Loop, Single).empty());

  std::string Registry = races("struct Registry { void add(int); };\n"
                               "Registry reg;\n"
                               "void add() { reg.add(1); }\n"
                               "int main() {\n"
                               "  std::thread a(add), b(add);\n"
                               "  a.join(); b.join();\n"
                               "}\n");
  // A method without a body anywhere is not an access; std containers are.
  EXPECT_TRUE(run<DataRaceCheck>(Registry).empty());
  std::string Vec = races("std::vector<int> reg;\n"
                          "void add() { reg.push_back(1); }\n"
                          "int main() {\n"
                          "  std::thread a(add), b(add);\n"
                          "  a.join(); b.join();\n"
                          "}\n");
  ASSERT_EQ(run<DataRaceCheck>(Vec).size(), 1u);
  MapOptions Sync;
  Sync.Values["SynchronizedClasses"] = "std::vector";
  EXPECT_TRUE(run<DataRaceCheck>(Vec, Sync).empty());
}

TEST(DataRace, SpinOnPlainFlag) {
  auto R = run<DataRaceCheck>(races("bool ready;\n"
                                    "void wait_ready() { while (!ready) {} }\n"
                                    "int main() {\n"
                                    "  std::thread t(wait_ready);\n"
                                    "  ready = true;\n"
                                    "  t.join();\n"
                                    "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 1);
  EXPECT_EQ(R[0].Message.rfind("thread 'wait_ready' spins on the plain flag "
                               "'ready' while 'main' writes it at input.cpp:10",
                               0),
            0u);
}

TEST(UnguardedAccess, InferredFromLockedWrites) {
  auto R = run<UnguardedAccessCheck>(
      races("struct Stats {\n"
            "  std::mutex mu;\n"
            "  long n = 0;\n"
            "  void add() { std::lock_guard<std::mutex> l(mu); ++n; }\n"
            "  long peek() { return n; }\n"
            "};\n"
            "int main() {\n"
            "  Stats s;\n"
            "  std::thread t([&s] { s.add(); });\n"
            "  long v = s.peek();\n"
            "  t.join();\n"
            "  return v;\n"
            "}\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 4);
  EXPECT_EQ(R[0].Message,
            "'Stats::n' is written with 'mu' held everywhere else, but read "
            "here by 'main' without it, concurrently with a write at "
            "input.cpp:9; 'mu' is held at input.cpp:9");
  // The same pair is not also a data race.
  EXPECT_TRUE(run<DataRaceCheck>(races("struct Stats {\n"
            "  std::mutex mu;\n"
            "  long n = 0;\n"
            "  void add() { std::lock_guard<std::mutex> l(mu); ++n; }\n"
            "  long peek() { return n; }\n"
            "};\n"
            "int main() {\n"
            "  Stats s;\n"
            "  std::thread t([&s] { s.add(); });\n"
            "  long v = s.peek();\n"
            "  t.join();\n"
            "  return v;\n"
            "}\n")).empty());
}

TEST(UnguardedAccess, AnnotatedGuardWithoutConcurrencyIsNotReported) {
  auto R = run<UnguardedAccessCheck>(
      races("struct A {\n"
            "  std::mutex mu;\n"
            "  int v __attribute__((guarded_by(mu)));\n"
            "  void set() { v = 1; }\n"
            "};\n"
            "int main() { A a; a.set(); }\n"));
  EXPECT_TRUE(R.empty());
}

// A thread that a method starts on its own object runs concurrently with
// the methods code outside the class can call on that object.
TEST(DataRaceClassThread, PublicMethodsRaceWithTheThread) {
  auto R = run<DataRaceCheck>(races(
      "class Worker {\n"
      "public:\n"
      "  void start() { thread_ = std::thread([this] { loop(); }); }\n"
      "  void push(int v) { items_.push_back(v); }\n"
      "  void stop() { running_ = false; thread_.join(); items_.clear(); }\n"
      "private:\n"
      "  void loop() {\n"
      "    while (running_)\n"
      "      if (!items_.empty()) items_.pop_back();\n"
      "  }\n"
      "  std::thread thread_;\n"
      "  std::vector<int> items_;\n"
      "  bool running_ = true;\n"
      "};\n"));
  ASSERT_EQ(R.size(), 3u);
  EXPECT_EQ(R[0].Line, RL + 3);
  EXPECT_EQ(R[0].Message,
            "data race on 'Worker::items_': written by 'Worker::push' while "
            "thread 'lambda in Worker::start' reads it at input.cpp:14, with "
            "no lock held in common");
  EXPECT_EQ(R[1].Line, RL + 3);
  EXPECT_EQ(R[1].Message,
            "data race on 'Worker::items_': written by 'Worker::push' while "
            "thread 'lambda in Worker::start' writes it at input.cpp:14, with "
            "no lock held in common");
  std::vector<std::string> Notes = {
      "14:28: the other access (write) by thread 'lambda in Worker::start'",
      "9:8: [1] 'Worker::push': in Worker::push: called from outside the "
      "thread through Worker::push",
      "9:22: [2] 'Worker::push': in Worker::push: writes 'Worker::items_'",
      "8:28: [3] thread 'lambda in Worker::start': in Worker::start: starts "
      "thread 'lambda in Worker::start'",
      "8:49: [4] thread 'lambda in Worker::start': in lambda in "
      "Worker::start: calls 'Worker::loop'",
      "14:28: [5] thread 'lambda in Worker::start': in Worker::loop: writes "
      "'Worker::items_'",
  };
  EXPECT_EQ(R[1].Notes, Notes);
  // items_.clear() follows the join in stop(): not reported.
  EXPECT_EQ(R[2].Line, RL + 7);
  EXPECT_EQ(R[2].Message.rfind("thread 'lambda in Worker::start' spins on "
                               "the plain flag 'Worker::running_' while "
                               "'Worker::stop' writes it at input.cpp:10",
                               0),
            0u);
}

TEST(DataRaceClassThread, OnlyPublicMethodsAreCalledFromOutside) {
  auto R = run<DataRaceCheck>(races(
      "class Counter {\n"
      "public:\n"
      "  void start() { t_ = std::thread([this] { tick(); }); }\n"
      "  void stop() { t_.join(); }\n"
      "  ~Counter() { if (t_.joinable()) stop(); n_ = -1; }\n"
      "protected:\n"
      "  void reset() { n_ = 0; }\n"
      "private:\n"
      "  void tick() { for (int i = 0; i < 10; ++i) bump(); }\n"
      "  void bump() { ++n_; }\n"
      "  std::thread t_;\n"
      "  int n_ = 0;\n"
      "};\n"));
  EXPECT_TRUE(R.empty());
}

TEST(DataRaceClassThread, GoodShapesAreNotReported) {
  auto R = run<DataRaceCheck>(races(
      "#include <atomic>\n"
      "class W {\n"
      "public:\n"
      "  explicit W(int limit) : limit_(limit) { base_ = limit * 2; }\n"
      "  void start() { t_ = std::thread([this] { run(); }); }\n"
      "  void add(int v) { std::lock_guard<std::mutex> l(mu_); q_.push_back(v); }\n"
      "  int limit() const { return limit_ + base_; }\n"
      "  void stop() { done_ = true; t_.join(); total_ = seen_; }\n"
      "  ~W() { if (t_.joinable()) stop(); seen_ = 0; }\n"
      "  long once() { o_ = std::thread([this] { ++mine_; }); o_.join(); return mine_; }\n"
      "  long mine() const { return mine_; }\n"
      "private:\n"
      "  void run() {\n"
      "    while (!done_) {\n"
      "      std::lock_guard<std::mutex> l(mu_);\n"
      "      if (!q_.empty() && q_.size() < unsigned(limit_ + base_)) {\n"
      "        q_.pop_back();\n"
      "        ++seen_;\n"
      "      }\n"
      "    }\n"
      "  }\n"
      "  const int limit_;\n"
      "  int base_ = 0;\n"
      "  std::atomic<bool> done_{false};\n"
      "  std::mutex mu_;\n"
      "  std::vector<int> q_;\n"
      "  long seen_ = 0, total_ = 0, mine_ = 0;\n"
      "  std::thread t_, o_;\n"
      "};\n"));
  EXPECT_TRUE(R.empty());
}

// Work scheduled with 'this' and never joined: the destructor waits for
// it through a condition variable before it touches the fields, so it is
// not compared with the work; a public method still is.
TEST(DataRaceClassThread, ADestructorThatWaitsWithoutAJoinIsNotConcurrent) {
  auto R = run<DataRaceCheck>(races(
      "#include <condition_variable>\n"
      "void Schedule(void (*fn)(void *), void *arg);\n"
      "class Db {\n"
      "public:\n"
      "  void compact() {\n"
      "    std::lock_guard<std::mutex> l(mu_);\n"
      "    scheduled_ = true;\n"
      "    Schedule(&Db::work, this);\n"
      "  }\n"
      "  int level() const { return level_; }\n"
      "  ~Db() {\n"
      "    std::unique_lock<std::mutex> l(mu_);\n"
      "    cv_.wait(l, [this] { return !scheduled_; });\n"
      "    l.unlock();\n"
      "    level_ = 0;\n"
      "  }\n"
      "private:\n"
      "  static void work(void *self) {\n"
      "    Db *d = static_cast<Db *>(self);\n"
      "    d->level_++;\n"
      "    std::lock_guard<std::mutex> l(d->mu_);\n"
      "    d->scheduled_ = false;\n"
      "    d->cv_.notify_all();\n"
      "  }\n"
      "  std::mutex mu_;\n"
      "  std::condition_variable cv_;\n"
      "  bool scheduled_ = false;\n"
      "  int level_ = 0;\n"
      "};\n"));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 19);
  EXPECT_EQ(R[0].Message,
            "data race on 'Db::level_': written by thread 'Db::work' while "
            "'Db::level' reads it at input.cpp:15, with no lock held in common");
}

TEST(DataRaceClassThread, MemberEntriesWithThisAndPthreads) {
  auto R = run<DataRaceCheck>(races(
      "struct P {\n"
      "  void start() { pthread_create(&tid_, nullptr, &P::entry, this); }\n"
      "  void stop() { pthread_join(tid_, nullptr); }\n"
      "  int get() const { return n_; }\n"
      "  static void *entry(void *self) {\n"
      "    static_cast<P *>(self)->n_++;\n"
      "    return nullptr;\n"
      "  }\n"
      "  pthread_t tid_;\n"
      "  int n_ = 0;\n"
      "};\n"
      "struct Q {\n"
      "  void start() { t_ = std::thread(&Q::run, this); }\n"
      "  void stop() { t_.join(); }\n"
      "  void set(int v) { v_ = v; }\n"
      "  void run() { int x = v_; (void)x; }\n"
      "  std::thread t_;\n"
      "  int v_ = 0;\n"
      "};\n"
      "struct Entry {\n"
      "  void start() { t_ = std::thread(&Entry::run, this); }\n"
      "  void stop() { t_.join(); }\n"
      "  void run() { ++n_; }\n"
      "  std::thread t_;\n"
      "  int n_ = 0;\n"
      "};\n"));
  // A public entry (Entry::run) is the thread's code, not an outside call.
  ASSERT_EQ(R.size(), 2u);
  EXPECT_EQ(R[0].Line, RL + 5);
  EXPECT_EQ(R[0].Message,
            "data race on 'P::n_': written by thread 'P::entry' while "
            "'P::get' reads it at input.cpp:9, with no lock held in common");
  EXPECT_EQ(R[1].Line, RL + 14);
  EXPECT_EQ(R[1].Message,
            "data race on 'Q::v_': written by 'Q::set' while thread 'Q::run' "
            "reads it at input.cpp:21, with no lock held in common");
}

TEST(DataRaceClassThread, AJoinInAnotherMethodEndsTheThreadForCallers) {
  std::string Before = races("struct W {\n"
                             "  void start() { t_ = std::thread([this] { ++n_; }); }\n"
                             "  void stop() { t_.join(); }\n"
                             "  int n_ = 0;\n"
                             "  std::thread t_;\n"
                             "};\n"
                             "int peek(W &w) { return w.n_; }\n"
                             "int main() {\n"
                             "  W w;\n"
                             "  w.start();\n");
  EXPECT_TRUE(run<DataRaceCheck>(Before + "  w.stop();\n"
                                          "  return peek(w);\n"
                                          "}\n")
                  .empty());
  auto R = run<DataRaceCheck>(Before + "  int v = peek(w);\n"
                                       "  w.stop();\n"
                                       "  return v;\n"
                                       "}\n");
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 1);
  EXPECT_EQ(R[0].Message,
            "data race on 'W::n_': written by thread 'lambda in W::start' "
            "while 'main' reads it at input.cpp:12, with no lock held in "
            "common");
}

TEST(DataRaceClassThread, SynchronizedClassesOption) {
  std::string Src = races(
      "struct Log {\n"
      "  void start() { t_ = std::thread([this] { lines_.push_back(0); }); }\n"
      "  void add(int v) { lines_.push_back(v); }\n"
      "  void stop() { t_.join(); }\n"
      "  std::vector<int> lines_;\n"
      "  std::thread t_;\n"
      "};\n");
  ASSERT_EQ(run<DataRaceCheck>(Src).size(), 1u);
  MapOptions Sync;
  Sync.Values["SynchronizedClasses"] = "std::vector";
  EXPECT_TRUE(run<DataRaceCheck>(Src, Sync).empty());
}

TEST(UnguardedAccess, ClassThreadReadsWhatAPublicMethodLocks) {
  std::string Src = races(
      "#include <atomic>\n"
      "struct S {\n"
      "  void start() { t_ = std::thread([this] { while (!stop_) last_ = total_; }); }\n"
      "  void add(long v) { std::lock_guard<std::mutex> l(mu_); total_ += v; }\n"
      "  void stop() { stop_ = true; t_.join(); }\n"
      "  std::mutex mu_;\n"
      "  long total_ = 0, last_ = 0;\n"
      "  std::atomic<bool> stop_{false};\n"
      "  std::thread t_;\n"
      "};\n");
  auto R = run<UnguardedAccessCheck>(Src);
  ASSERT_EQ(R.size(), 1u);
  EXPECT_EQ(R[0].Line, RL + 2);
  EXPECT_EQ(R[0].Message,
            "'S::total_' is written with 'mu_' held everywhere else, but read "
            "here by thread 'lambda in S::start' without it, concurrently with "
            "a write at input.cpp:9; 'mu_' is held at input.cpp:9");
  EXPECT_TRUE(run<DataRaceCheck>(Src).empty());
}

TEST(DataRaceClassThread, FutureMembersAndJThreadMembers) {
  auto R = run<DataRaceCheck>(races(
      "class Job {\n"
      "public:\n"
      "  void start() { fut_ = std::async(std::launch::async, [this] { value_ = 42; }); }\n"
      "  int result() { fut_.wait(); return value_; }\n"
      "  int peek() const { return value_; }\n"
      "private:\n"
      "  std::future<void> fut_;\n"
      "  int value_ = 0;\n"
      "};\n"
      "class J {\n"
      "public:\n"
      "  void start() { t_ = std::jthread([this] { ++n_; }); }\n"
      "  void stop() { t_.join(); n_ = 0; }\n"
      "  ~J() { n_ = 1; }\n"
      "private:\n"
      "  std::jthread t_;\n"
      "  int n_ = 0;\n"
      "};\n"));
  // result() reads after wait(); ~J() runs before the member's own join.
  ASSERT_EQ(R.size(), 2u);
  EXPECT_EQ(R[0].Line, RL + 2);
  EXPECT_EQ(R[0].Message,
            "data race on 'Job::value_': written by thread 'lambda in "
            "Job::start' while 'Job::peek' reads it at input.cpp:10, with no "
            "lock held in common");
  EXPECT_EQ(R[1].Line, RL + 11);
  EXPECT_EQ(R[1].Message,
            "data race on 'J::n_': written by thread 'lambda in J::start' "
            "while 'J::~J' writes it at input.cpp:19, with no lock held in "
            "common");
}

namespace {

/// The race facts of \p Code compiled as the unit \p File.
llvm::json::Value raceFacts(const std::string &Code, const std::string &File) {
  std::unique_ptr<clang::ASTUnit> AST = clang::tooling::buildASTFromCodeWithArgs(
      Code,
      {"-std=c++20", "-pthread",
       "-resource-dir=" FEARLESS_CLANG_RESOURCE_DIR},
      File);
  EXPECT_TRUE(AST);
  if (!AST)
    return nullptr;
  EXPECT_FALSE(AST->getDiagnostics().hasErrorOccurred());
  return DataRaceCheck(MapOptions()).extract(AST->getASTContext());
}

/// "file:line: [check] message" of each finding, file names only.
std::vector<std::string> described(const RaceFindings &R) {
  std::vector<std::string> Out;
  for (const auto *List : {&R.Races, &R.Unguarded})
    for (const Finding &F : *List)
      Out.push_back(llvm::sys::path::filename(F.Loc.File).str() + ":" +
                    std::to_string(F.Loc.Line) + ": [" + F.CheckId + "] " +
                    F.Message);
  std::sort(Out.begin(), Out.end());
  return Out;
}

} // namespace

// Three programs in one compilation database, each with its own `main`
// and its own global `counter` (and two with their own `bump`): each main
// is analysed with its own globals. helper.cpp defines `record` once; the
// program that calls it from another unit still reaches it.
TEST(DataRacePrograms, EachProgramsMainAndGlobalsAreItsOwn) {
  std::vector<llvm::json::Value> Units;
  Units.push_back(raceFacts(races("int counter = 0;\n"
                                  "void bump() { ++counter; }\n"
                                  "int main() {\n"
                                  "  std::thread t1(bump), t2(bump);\n"
                                  "  t1.join(); t2.join();\n"
                                  "}\n"),
                            "prog_a.cpp"));
  Units.push_back(raceFacts(races("int counter = 0;\n"
                                  "void record();\n"
                                  "int main() {\n"
                                  "  std::thread t([] { counter = 1; record(); });\n"
                                  "  int seen = counter;\n"
                                  "  record();\n"
                                  "  t.join();\n"
                                  "  return seen;\n"
                                  "}\n"),
                            "prog_b.cpp"));
  Units.push_back(raceFacts(races("int hits = 0;\n"
                                  "void record() { ++hits; }\n"),
                            "helper.cpp"));
  Units.push_back(raceFacts(races("int counter = 0;\n"
                                  "std::mutex mu;\n"
                                  "void bump() {\n"
                                  "  std::lock_guard<std::mutex> l(mu);\n"
                                  "  ++counter;\n"
                                  "}\n"
                                  "int main() {\n"
                                  "  std::thread t1(bump), t2(bump);\n"
                                  "  t1.join(); t2.join();\n"
                                  "  return counter;\n"
                                  "}\n"),
                            "good.cpp"));
  std::vector<const llvm::json::Value *> Ptrs;
  for (const llvm::json::Value &U : Units)
    Ptrs.push_back(&U);
  RaceFindings R = mergeRaceFacts(Ptrs, {});
  std::vector<std::string> Want = {
      "helper.cpp:7: [fearless-data-race] data race on 'hits': written by "
      "thread 'lambda in main' while 'main' writes it at helper.cpp:7, with "
      "no lock held in common",
      "prog_a.cpp:7: [fearless-data-race] data race on 'counter': written by "
      "thread 'bump' while thread 'bump' writes it at prog_a.cpp:7, with no "
      "lock held in common",
      "prog_b.cpp:9: [fearless-data-race] data race on 'counter': written by "
      "thread 'lambda in main' while 'main' reads it at prog_b.cpp:10, with "
      "no lock held in common",
  };
  EXPECT_EQ(described(R), Want);
  // Whatever order the units come in.
  std::reverse(Ptrs.begin(), Ptrs.end());
  EXPECT_EQ(described(mergeRaceFacts(Ptrs, {})), Want);
  // Each program on its own finds the same.
  EXPECT_TRUE(described(mergeRaceFacts({&Units[3]}, {})).empty());
  EXPECT_EQ(described(mergeRaceFacts({&Units[0]}, {})),
            std::vector<std::string>{Want[1]});
}

// Two programs' classes of one name, written inline in each unit: each
// program's thread meets its own class's methods only, and a strong
// definition elsewhere does not stand in for an inline one.
TEST(DataRacePrograms, SameNamedClassesOfTwoProgramsStayApart) {
  const std::string Bad = races("class Worker {\n"
                                "public:\n"
                                "  void start() { t_ = std::thread([this] { ++n_; }); }\n"
                                "  int peek() { return n_; }\n"
                                "  void stop() { t_.join(); }\n"
                                "private:\n"
                                "  std::thread t_;\n"
                                "  int n_ = 0;\n"
                                "};\n"
                                "int main() { Worker w; w.start(); w.stop(); }\n");
  const std::string Good = races("class Worker {\n"
                                 "public:\n"
                                 "  void start() { t_ = std::thread([this] { std::lock_guard<std::mutex> l(mu_); ++n_; }); }\n"
                                 "  int peek() { std::lock_guard<std::mutex> l(mu_); return n_; }\n"
                                 "  int peek_locked() { std::lock_guard<std::mutex> l(mu_); return n_; }\n"
                                 "  void stop() { t_.join(); }\n"
                                 "private:\n"
                                 "  std::mutex mu_;\n"
                                 "  std::thread t_;\n"
                                 "  int n_ = 0;\n"
                                 "};\n"
                                 "int main() { Worker w; w.start(); w.stop(); }\n");
  llvm::json::Value A = raceFacts(Good, "a_good.cpp"),
                    B = raceFacts(Bad, "b_bad.cpp");
  std::vector<std::string> Want = {
      "b_bad.cpp:8: [fearless-data-race] data race on 'Worker::n_': written "
      "by thread 'lambda in Worker::start' while 'Worker::peek' reads it at "
      "b_bad.cpp:9, with no lock held in common"};
  EXPECT_EQ(described(mergeRaceFacts({&A, &B}, {})), Want);
  EXPECT_EQ(described(mergeRaceFacts({&B, &A}, {})), Want);
  EXPECT_EQ(described(mergeRaceFacts({&B}, {})), Want);
}
