// Runs real programs under the real recorder (LD_PRELOAD) and checks the
// exact findings, or their exact absence.
#include "Harness.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <gtest/gtest.h>
#include <csignal>
#include <set>

using namespace rt_test;

namespace {

const std::string kSrc = FEARLESS_SCENARIOS_SRC;

struct Outcome {
  RunResult run;
  Json report;
  std::string json_path;
  std::vector<const Json *> findings(const std::string &id) const {
    std::vector<const Json *> out;
    for (const Json &f : report["findings"].arr)
      if (f["id"].str == id) out.push_back(&f);
    return out;
  }
};

Outcome scenario(const std::string &name, const std::string &options = "",
                 double timeout = 60, const std::string &bin = FEARLESS_SCENARIOS_BIN,
                 bool preload = true) {
  Outcome o;
  static int counter = 0;
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = scratch_dir(std::string(info ? info->name() : "x") + "-" + name + "-" +
                                std::to_string(counter++));
  o.json_path = dir + "/report.json";
  RunSpec spec;
  spec.argv = {bin, name};
  spec.preload = preload;
  spec.timeout_s = timeout;
  spec.env = {"FEARLESS_OPTIONS=report_json=" + o.json_path + (options.empty() ? "" : ":" + options)};
  o.run = run(spec);
  std::string err;
  std::string text = read_file(o.json_path);
  if (!text.empty()) EXPECT_TRUE(Json::parse(text, o.report, err)) << err << "\n" << text;
  return o;
}

std::set<std::string> lock_names(const Json &finding) {
  std::set<std::string> s;
  for (const Json &l : finding["locks"].arr) s.insert(l["name"].str);
  return s;
}

bool stack_has_line(const Json &stack, int line) {
  for (const Json &fr : stack.arr) {
    const std::string &f = fr["file"].str;
    if (f.size() >= 13 && f.compare(f.size() - 13, 13, "scenarios.cpp") == 0 &&
        int(fr["line"].num) == line)
      return true;
  }
  return false;
}

// The edge from lock `from` to lock `to` (by name) of a finding.
const Json *edge(const Json &finding, const std::string &from, const std::string &to) {
  std::map<double, std::string> names;
  for (const Json &l : finding["locks"].arr) names[l["id"].num] = l["name"].str;
  for (const Json &e : finding["edges"].arr)
    if (names[e["from"].num] == from && names[e["to"].num] == to) return &e;
  return nullptr;
}

std::string diag(const Outcome &o) {
  return "exit=" + std::to_string(o.run.exit_code) + "\nstderr:\n" + o.run.err + "\nstdout:\n" + o.run.out;
}

} // namespace

TEST(RuntimeInversion, TwoThreadsABBAReportedWithoutHang) {
  Outcome o = scenario("ab_ba");
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  EXPECT_NE(o.run.out.find("done"), std::string::npos);  // it ran to the end
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 1u);
  const Json &f = *inv[0];
  EXPECT_EQ(f["severity"].str, "error");
  EXPECT_EQ(lock_names(f), (std::set<std::string>{"mu_a", "mu_b"}));
  ASSERT_EQ(f["edges"].size(), 2u);
  const Json *ab = edge(f, "mu_a", "mu_b");
  const Json *ba = edge(f, "mu_b", "mu_a");
  ASSERT_TRUE(ab && ba);
  EXPECT_TRUE(stack_has_line((*ab)["to_stack"], marker_line(kSrc, "ab_inner")));
  EXPECT_TRUE(stack_has_line((*ba)["to_stack"], marker_line(kSrc, "ba_inner")));
  EXPECT_NE((*ab)["thread"].num, (*ba)["thread"].num);
  // The text report, sanitizer style.
  EXPECT_EQ(count_of(o.run.err, "WARNING: fearless: lock-order-inversion (potential deadlock)"), 1u);
  // Cycle text: "M<id> (mu_a) => M<id> (mu_b) => M<id> (mu_a)".
  size_t cyc = o.run.err.find("Cycle in lock order graph: M");
  ASSERT_NE(cyc, std::string::npos) << o.run.err;
  std::string line = o.run.err.substr(cyc, o.run.err.find('\n', cyc) - cyc);
  EXPECT_EQ(count_of(line, " (mu_a) => M"), 1u) << line;
  EXPECT_EQ(count_of(line, " (mu_b) => M"), 1u) << line;
  EXPECT_EQ(count_of(line, "(mu_a)"), 2u) << line;
  EXPECT_NE(o.run.err.find("scenarios.cpp:" + std::to_string(marker_line(kSrc, "ab_inner"))),
            std::string::npos);
  EXPECT_NE(o.run.err.find("SUMMARY: fearless: lock-order-inversion"), std::string::npos);
  // The graph section lists both orders.
  EXPECT_EQ(o.report["graph"]["edges"].size(), 2u);
}

TEST(RuntimeInversion, ThreeLocksThreeThreads) {
  Outcome o = scenario("three_cycle");
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  const Json &f = *inv[0];
  EXPECT_EQ(lock_names(f), (std::set<std::string>{"mu_a", "mu_b", "mu_c"}));
  ASSERT_EQ(f["edges"].size(), 3u);
  const Json *ab = edge(f, "mu_a", "mu_b"), *bc = edge(f, "mu_b", "mu_c"), *ca = edge(f, "mu_c", "mu_a");
  ASSERT_TRUE(ab && bc && ca);
  EXPECT_TRUE(stack_has_line((*ab)["to_stack"], marker_line(kSrc, "ab_inner")));
  EXPECT_TRUE(stack_has_line((*bc)["to_stack"], marker_line(kSrc, "bc_inner")));
  EXPECT_TRUE(stack_has_line((*ca)["to_stack"], marker_line(kSrc, "ca_inner")));
  std::set<double> threads{(*ab)["thread"].num, (*bc)["thread"].num, (*ca)["thread"].num};
  EXPECT_EQ(threads.size(), 3u);
}

TEST(RuntimeInversion, ConditionVariableReacquire) {
  Outcome o = scenario("condvar");
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  const Json &f = *inv[0];
  EXPECT_EQ(lock_names(f), (std::set<std::string>{"mu_a", "mu_c"}));
  // mu_a -> mu_c exists only through the re-lock inside the wait.
  const Json *ac = edge(f, "mu_a", "mu_c");
  ASSERT_TRUE(ac) << diag(o);
  EXPECT_TRUE(stack_has_line((*ac)["to_stack"], marker_line(kSrc, "cv_wait"))) << diag(o);
  const Json *ca = edge(f, "mu_c", "mu_a");
  ASSERT_TRUE(ca);
  EXPECT_TRUE(stack_has_line((*ca)["to_stack"], marker_line(kSrc, "cv_other_inner")));
}

TEST(RuntimeInversion, RwlockWriteReadCycle) {
  Outcome o = scenario("rwlock_write_read");
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  EXPECT_EQ(lock_names(*inv[0]), (std::set<std::string>{"rw_a", "rw_b"}));
  for (const Json &l : (*inv[0])["locks"].arr) EXPECT_EQ(l["kind"].str, "rwlock");
  const Json *ab = edge(*inv[0], "rw_a", "rw_b");
  ASSERT_TRUE(ab);
  EXPECT_TRUE(stack_has_line((*ab)["to_stack"], marker_line(kSrc, "rw_ab")));
}

TEST(RuntimeInversion, RwlockReadReadIsNotADeadlockOnReaderPreferringLocks) {
  Outcome o = scenario("rwlock_read_read");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u) << diag(o);
  EXPECT_EQ(o.report["graph"]["edges"].size(), 2u);  // both orders were recorded
  // Writer-preferring locks: the same run is a deadlock.
  Outcome w = scenario("rwlock_read_read", "rwlock_read_read=1");
  EXPECT_EQ(w.run.exit_code, 66) << diag(w);
  EXPECT_EQ(w.findings("fearless-rt-lock-order-inversion").size(), 1u);
}

TEST(RuntimeInversion, OnlyInForkedChild) {
  std::string dir = scratch_dir("fork");
  RunSpec spec;
  spec.argv = {FEARLESS_SCENARIOS_BIN, "fork_child"};
  spec.env = {"FEARLESS_OPTIONS=report_json=" + dir + "/r.%p.json"};
  spec.timeout_s = 60;
  RunResult r = run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;               // the parent saw no cycle
  EXPECT_NE(r.out.find("child status 66"), std::string::npos) << r.out << r.err;  // the child did
  EXPECT_NE(r.out.find("child done"), std::string::npos);  // and kept working after fork
  EXPECT_EQ(count_of(r.err, "WARNING: fearless: lock-order-inversion"), 1u) << r.err;
  auto files = list_dir(dir);
  ASSERT_EQ(files.size(), 2u);  // one report per process
  int with_findings = 0;
  for (auto &p : files) {
    Json j;
    std::string err;
    ASSERT_TRUE(Json::parse(read_file(p), j, err)) << err;
    if (j["findings"].size()) {
      ++with_findings;
      EXPECT_EQ(j["findings"][0]["id"].str, "fearless-rt-lock-order-inversion");
      EXPECT_EQ(lock_names(j["findings"][0]), (std::set<std::string>{"mu_a", "mu_b"}));
    }
  }
  EXPECT_EQ(with_findings, 1);
}

// ------------------------------------------------------------- clean runs
TEST(RuntimeClean, ConsistentOrder) {
  Outcome o = scenario("consistent");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u);
  EXPECT_EQ(o.report["graph"]["edges"].size(), 3u);  // a->b, a->c, b->c
  EXPECT_EQ(o.run.err, "");
}

TEST(RuntimeClean, ScopedLockBothOrders) {
  Outcome o = scenario("scoped_lock");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u);
  EXPECT_EQ(o.run.err, "");
}

TEST(RuntimeClean, TryLockBackoff) {
  Outcome o = scenario("trylock_backoff");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u);
  EXPECT_EQ(o.report["graph"]["edges"].size(), 1u);  // only a->b; the try adds none
}

TEST(RuntimeClean, GateLockedCycleIsReportedOnlyAsGated) {
  Outcome o = scenario("gated");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.findings("fearless-rt-lock-order-inversion").size(), 0u);
  auto g = o.findings("fearless-rt-lock-order-gated");
  ASSERT_EQ(g.size(), 1u) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 1u);
  EXPECT_EQ((*g[0])["severity"].str, "warning");
  EXPECT_EQ(lock_names(*g[0]), (std::set<std::string>{"mu_a", "mu_b"}));
  ASSERT_EQ((*g[0])["gates"].size(), 1u);
  EXPECT_EQ((*g[0])["gates"][0]["name"].str, "mu_gate");
  EXPECT_NE(o.run.err.find("lock-order-cycle-gated"), std::string::npos);
  EXPECT_EQ(o.run.err.find("lock-order-inversion"), std::string::npos);
}

TEST(RuntimeClean, SingleThreadCycleIsReportedOnlyAsSuch) {
  Outcome o = scenario("single_thread");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.findings("fearless-rt-lock-order-inversion").size(), 0u);
  auto s = o.findings("fearless-rt-lock-order-single-thread");
  ASSERT_EQ(s.size(), 1u) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 1u);
  const Json *ba = edge(*s[0], "mu_b", "mu_a");
  ASSERT_TRUE(ba);
  EXPECT_TRUE(stack_has_line((*ba)["to_stack"], marker_line(kSrc, "ba_inner")));
}

TEST(RuntimeClean, CycleOrderedByJoinIsReportedOnlyAsOrdered) {
  Outcome o = scenario("join_ordered");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.findings("fearless-rt-lock-order-inversion").size(), 0u) << diag(o);
  auto f = o.findings("fearless-rt-lock-order-ordered");
  ASSERT_EQ(f.size(), 1u) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 1u);
  EXPECT_EQ((*f[0])["severity"].str, "warning");
  EXPECT_EQ(lock_names(*f[0]), (std::set<std::string>{"mu_a", "mu_b"}));
  const Json *ba = edge(*f[0], "mu_b", "mu_a");
  ASSERT_TRUE(ba);
  EXPECT_TRUE(stack_has_line((*ba)["to_stack"], marker_line(kSrc, "join_ordered_inner")));
  EXPECT_NE(o.run.err.find("WARNING: fearless: lock-order-cycle-ordered"), std::string::npos);
  EXPECT_EQ(o.run.err.find("lock-order-inversion"), std::string::npos);
  // With the classification off it is an inversion again.
  Outcome off = scenario("join_ordered", "ordered_by_join=0");
  EXPECT_EQ(off.run.exit_code, 66) << diag(off);
  EXPECT_EQ(off.findings("fearless-rt-lock-order-inversion").size(), 1u) << diag(off);
  EXPECT_EQ(off.findings("fearless-rt-lock-order-ordered").size(), 0u);
}

TEST(RuntimeInversion, ParentOrderWhileItsThreadRunsIsAnInversion) {
  // The first mu_a -> mu_b happens before the thread, the second does not.
  Outcome o = scenario("parent_concurrent");
  EXPECT_EQ(o.run.exit_code, 66) << diag(o);
  EXPECT_EQ(o.findings("fearless-rt-lock-order-ordered").size(), 0u) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 1u);
  EXPECT_EQ(lock_names(*inv[0]), (std::set<std::string>{"mu_a", "mu_b"}));
}

TEST(RuntimeClean, MutexFreedAndMemoryReused) {
  Outcome o = scenario("reuse_heap");
  ASSERT_NE(o.run.out.find("reused 1"), std::string::npos) << "allocator did not reuse: " << diag(o);
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u);
  // Without free() tracking the two mutexes are one node: a false cycle
  // (one thread, so it is classified single-thread).
  Outcome f = scenario("reuse_heap", "track_free=0");
  EXPECT_EQ(f.findings("fearless-rt-lock-order-single-thread").size(), 1u) << diag(f);
}

TEST(RuntimeClean, MutexDestroyedAndReinitialized) {
  Outcome o = scenario("reuse_destroy");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u);
  // mu_a -> m(gen 0) is dropped with m's first incarnation (no cycle can
  // pass through a destroyed lock without outgoing edges), m(gen 1) -> mu_a
  // with the second (nor through one without incoming edges).
  EXPECT_EQ(o.report["graph"]["edges"].size(), 0u) << diag(o);
  EXPECT_EQ(o.report["stats"]["destroyed_lock_edges_dropped"].num, 2.0) << diag(o);
}

// Short-lived locks taken before and after long-lived ones: every
// destroyed lock is dropped with its edges, so the graph stays the size of
// what is alive.
TEST(RuntimeClean, ChurnedLocksLeaveNothingBehind) {
  Outcome o = scenario("churn_both_sides");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u) << diag(o);
  // Alive at exit: mu_a and mu_b, and their one order.
  EXPECT_EQ(o.report["stats"]["locks"].num, 2.0) << diag(o);
  EXPECT_EQ(o.report["stats"]["edges"].num, 1.0) << diag(o);
  EXPECT_GE(o.report["stats"]["destroyed_locks_dropped"].num, 4000.0) << diag(o);
}

TEST(RuntimeInversion, GateFreedBeforeTheCycleClosesGatesNothing) {
  Outcome o = scenario("gate_destroyed");
  EXPECT_EQ(o.run.exit_code, 66) << diag(o);
  EXPECT_EQ(o.findings("fearless-rt-lock-order-gated").size(), 0u) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  EXPECT_EQ(lock_names(*inv[0]), (std::set<std::string>{"mu_a", "mu_b"}));
}

TEST(RuntimeClean, RecursiveReentry) {
  Outcome o = scenario("recursive");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u);
  EXPECT_EQ(o.report["graph"]["edges"].size(), 1u);  // mu_rec -> mu_a only
}

// ------------------------------------------------------------- other kinds
TEST(RuntimeReport, AnnotatedCustomLocks) {
  Outcome o = scenario("annotated");
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_EQ(lock_names(*inv[0]), (std::set<std::string>{"spin_x", "spin_y"}));
  const Json *xy = edge(*inv[0], "spin_x", "spin_y");
  ASSERT_TRUE(xy);
  EXPECT_TRUE(stack_has_line((*xy)["to_stack"], marker_line(kSrc, "spin_xy")));
}

TEST(RuntimeReport, ThreadExitHoldingLock) {
  Outcome o = scenario("thread_exit");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  auto f = o.findings("fearless-rt-thread-exit-holding-lock");
  ASSERT_EQ(f.size(), 1u) << diag(o);
  ASSERT_EQ((*f[0])["held"].size(), 1u);
  EXPECT_EQ((*f[0])["held"][0]["name"].str, "mu_c");
}

TEST(RuntimeReport, ExitCodeOption) {
  EXPECT_EQ(scenario("ab_ba", "exitcode=23").run.exit_code, 23);
  EXPECT_EQ(scenario("ab_ba", "exitcode=0").run.exit_code, 0);
}

TEST(RuntimeReport, HaltOnErrorStopsAtFirstCycle) {
  Outcome o = scenario("ab_ba", "halt_on_error=1");
  EXPECT_EQ(o.run.exit_code, 66) << diag(o);
  EXPECT_EQ(o.run.out.find("done"), std::string::npos);  // never got there
  EXPECT_EQ(o.findings("fearless-rt-lock-order-inversion").size(), 1u);
}

TEST(RuntimeReport, SuppressionsFile) {
  std::string dir = scratch_dir("supp");
  {
    std::ofstream s(dir + "/supp.txt");
    s << "# known inversion\ndeadlock:mu_b\n";
  }
  Outcome o = scenario("ab_ba", "suppressions=" + dir + "/supp.txt");
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.run.err.find("WARNING"), std::string::npos);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_TRUE((*inv[0])["suppressed"].b);
  // A pattern that matches nothing suppresses nothing.
  {
    std::ofstream s(dir + "/other.txt");
    s << "deadlock:no_such_lock\n";
  }
  EXPECT_EQ(scenario("ab_ba", "suppressions=" + dir + "/other.txt").run.exit_code, 66);
}

TEST(RuntimeWatchdog, RealHangIsDiagnosedAndExits) {
  Outcome o = scenario("hang", "watchdog_ms=1000", 30);
  ASSERT_FALSE(o.run.timed_out) << diag(o);
  EXPECT_EQ(o.run.exit_code, 66) << diag(o);
  EXPECT_LT(o.run.seconds, 15);
  auto d = o.findings("fearless-rt-deadlock");
  ASSERT_EQ(d.size(), 1u) << diag(o);
  const Json &f = *d[0];
  ASSERT_EQ(f["waits"].size(), 2u);
  std::set<std::string> waited;
  std::set<int> lines;
  for (const Json &w : f["waits"].arr) {
    waited.insert(w["lock"]["name"].str);
    for (const Json &fr : w["blocked_at"].arr)
      if (fr["file"].str.find("scenarios.cpp") != std::string::npos) lines.insert(int(fr["line"].num));
  }
  EXPECT_EQ(waited, (std::set<std::string>{"mu_a", "mu_b"}));
  EXPECT_TRUE(lines.count(marker_line(kSrc, "hang_t1"))) << diag(o);
  EXPECT_TRUE(lines.count(marker_line(kSrc, "hang_t2"))) << diag(o);
  EXPECT_NE(o.run.err.find("ERROR: fearless: deadlock"), std::string::npos);
  EXPECT_NE(o.run.err.find("Wait-for cycle:"), std::string::npos);
}

// The blocked thread's "waiting_in" and the lines of the stacks of the
// blocked threads that name the scenario's source.
static std::map<std::string, std::set<int>> waits_by_kind(const Json &f) {
  std::map<std::string, std::set<int>> out;
  for (const Json &w : f["waits"].arr) {
    std::set<int> &lines = out[w["waiting_in"].str];
    for (const Json &fr : w["blocked_at"].arr)
      if (fr["file"].str.find("scenarios.cpp") != std::string::npos) lines.insert(int(fr["line"].num));
  }
  return out;
}

// The waits of the one two-thread deadlock the watchdog reported before
// exiting with exit_code, as waits_by_kind gives them; empty (and a
// failure) otherwise.
static std::map<std::string, std::set<int>> deadlock_waits(const Outcome &o, int exit_code) {
  EXPECT_FALSE(o.run.timed_out) << diag(o);
  EXPECT_EQ(o.run.exit_code, exit_code) << diag(o);
  auto d = o.findings("fearless-rt-deadlock");
  EXPECT_EQ(d.size(), 1u) << diag(o);
  if (d.size() != 1) return {};
  EXPECT_EQ((*d[0])["waits"].size(), 2u) << diag(o);
  return waits_by_kind(*d[0]);
}

TEST(RuntimeWatchdog, HangInConditionVariableReacquireIsDiagnosed) {
  Outcome o = scenario("hang_cond", "watchdog_ms=1000:exitcode=42", 30);
  auto kinds = deadlock_waits(o, 42);
  EXPECT_EQ(kinds.size(), 2u) << diag(o);
  EXPECT_TRUE(kinds["condition_variable"].count(marker_line(kSrc, "hang_cond_t1"))) << diag(o);
  EXPECT_TRUE(kinds["lock"].count(marker_line(kSrc, "hang_cond_t2"))) << diag(o);
  EXPECT_NE(o.run.err.find("in a condition variable wait"), std::string::npos) << diag(o);
}

TEST(RuntimeWatchdog, HangInAnnotatedLockIsDiagnosed) {
  Outcome o = scenario("hang_custom", "watchdog_ms=1000:exitcode=43", 30);
  auto kinds = deadlock_waits(o, 43);
  EXPECT_EQ(kinds.size(), 2u) << diag(o);
  EXPECT_TRUE(kinds["annotated_lock"].count(marker_line(kSrc, "hang_custom_t2"))) << diag(o);
  EXPECT_TRUE(kinds["lock"].count(marker_line(kSrc, "hang_custom_t1"))) << diag(o);
  EXPECT_NE(o.run.err.find("in an annotated lock"), std::string::npos) << diag(o);
}

TEST(RuntimeWatchdog, CycleOfAnnotatedLocksOnlyIsDiagnosed) {
  Outcome o = scenario("hang_custom_only", "watchdog_ms=1000:exitcode=44", 30);
  auto kinds = deadlock_waits(o, 44);
  EXPECT_EQ(kinds.size(), 1u) << diag(o);
  // Each thread's stack, unwound from where it spins (SpinLock::lock),
  // names the line that took the lock.
  EXPECT_TRUE(kinds["annotated_lock"].count(marker_line(kSrc, "hang_custom_only_t1"))) << diag(o);
  EXPECT_TRUE(kinds["annotated_lock"].count(marker_line(kSrc, "hang_custom_only_t2"))) << diag(o);
  std::set<std::string> waited;
  for (const Json *f : o.findings("fearless-rt-deadlock"))
    for (const Json &w : (*f)["waits"].arr) waited.insert(w["lock"]["name"].str);
  EXPECT_EQ(waited, (std::set<std::string>{"spin_x", "spin_y"}));
}

TEST(RuntimeWatchdog, LockTakenInSignalHandlerDuringAWaitKeepsTheWaitVisible) {
  Outcome o = scenario("hang_signal", "watchdog_ms=1000:exitcode=45", 30);
  auto kinds = deadlock_waits(o, 45);
  EXPECT_EQ(kinds.size(), 1u) << diag(o);
  EXPECT_TRUE(kinds["lock"].count(marker_line(kSrc, "hang_signal_t1"))) << diag(o);
  EXPECT_TRUE(kinds["lock"].count(marker_line(kSrc, "hang_signal_t2"))) << diag(o);
}

// A signal handler that takes a lock while the thread waits for its first
// one uses the held slot the waiting acquisition had filled in advance.
TEST(RuntimeGraph, LockTakenInSignalHandlerDuringAFlatWaitKeepsTheOrder) {
  Outcome o = scenario("signal_in_flat_wait");
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 1u) << diag(o);
  EXPECT_EQ(lock_names(*inv[0]), (std::set<std::string>{"mu_a", "mu_b"}));
  const Json *ab = edge(*inv[0], "mu_a", "mu_b");
  ASSERT_TRUE(ab) << diag(o);
  EXPECT_TRUE(stack_has_line((*ab)["to_stack"], marker_line(kSrc, "signal_flat_inner")));
}

TEST(RuntimeWatchdog, LongWaitWithoutCycleIsNotADeadlock) {
  Outcome o = scenario("slow_holder", "watchdog_ms=300", 30);
  ASSERT_FALSE(o.run.timed_out) << diag(o);
  EXPECT_EQ(o.run.exit_code, 0) << diag(o);
  EXPECT_EQ(o.report["findings"].size(), 0u) << diag(o);
  EXPECT_EQ(o.run.err, "") << diag(o);
}

#ifdef FEARLESS_SAMPLE_RUNTIME_WATCHDOG_DEADLOCK
// The sample is built with -O2: std::mutex::lock is inlined into the user
// function, which must still head the "blocked at" stacks.
TEST(RuntimeWatchdog, OptimizedBlockedAtShowsTheUserFunction) {
  Outcome o = scenario("", "watchdog_ms=500", 30, FEARLESS_SAMPLE_RUNTIME_WATCHDOG_DEADLOCK);
  ASSERT_FALSE(o.run.timed_out) << diag(o);
  EXPECT_EQ(o.run.exit_code, 66) << diag(o);
  auto d = o.findings("fearless-rt-deadlock");
  ASSERT_EQ(d.size(), 1u) << diag(o);
  for (const Json &w : (*d[0])["waits"].arr) {
    bool user = false;
    for (const Json &fr : w["blocked_at"].arr)
      if (fr["function"].str.find("hold_then_take") != std::string::npos) user = true;
    EXPECT_TRUE(user) << diag(o);
  }
}
#endif

TEST(RuntimeLink, StaticRuntimeLinkedIn) {
  Outcome o = scenario("ab_ba", "", 60, FEARLESS_SCENARIOS_STATIC_BIN, /*preload=*/false);
  ASSERT_EQ(o.run.exit_code, 66) << diag(o);
  auto inv = o.findings("fearless-rt-lock-order-inversion");
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_EQ(lock_names(*inv[0]), (std::set<std::string>{"mu_a", "mu_b"}));
}

TEST(RuntimeLink, WithoutRecorderProgramsRunClean) {
  Outcome o = scenario("ab_ba", "", 60, FEARLESS_SCENARIOS_BIN, /*preload=*/false);
  EXPECT_EQ(o.run.exit_code, 0);
  EXPECT_EQ(o.run.err, "");
}

TEST(RuntimeGTest, ListenerFailsTheTestThatClosedTheCycle) {
  RunSpec spec;
  spec.argv = {FEARLESS_GTEST_PROGRAM_BIN};
  spec.env = {"FEARLESS_OPTIONS=exitcode=0"};
  RunResult r = run(spec);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // gtest: a test failed
  EXPECT_NE(r.out.find("[       OK ] Orders.First"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[  FAILED  ] Orders.Second"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[       OK ] Orders.Third"), std::string::npos) << r.out;
  // The failure names the tests of both edges.
  EXPECT_NE(r.out.find("lock_a => lock_b (T1 in Orders.First)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lock_b => lock_a (T2 in Orders.Second)"), std::string::npos) << r.out;
}

#ifdef FEARLESS_CLI_BIN
// ------------------------------------------------ fearless run / report
namespace {
int line_containing(const std::string &file, const std::string &text) {
  std::ifstream f(file);
  std::string line;
  for (int n = 1; std::getline(f, line); ++n)
    if (line.find(text) != std::string::npos) return n;
  return -1;
}
} // namespace

TEST(RuntimeCli, RunReportsInversionAndFailsWithOne) {
  std::string dir = scratch_dir("cli-run");
  RunSpec spec;
  spec.preload = false;  // `fearless run` does it
  spec.argv = {FEARLESS_CLI_BIN, "run", "--json", dir + "/merged.json", "--", FEARLESS_SCENARIOS_BIN,
               "ab_ba"};
  RunResult r = run(spec);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("done"), std::string::npos);
  EXPECT_EQ(count_of(r.err, "WARNING: fearless: lock-order-inversion"), 1u) << r.err;
  EXPECT_NE(r.err.find("fearless: 1 process report(s), 1 finding(s) in processes (1 errors)"),
            std::string::npos) << r.err;
  Json j;
  std::string err;
  ASSERT_TRUE(Json::parse(read_file(dir + "/merged.json"), j, err)) << err;
  EXPECT_EQ(j["format"].str, "fearless-runtime-merged-report");
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["id"].str, "fearless-rt-lock-order-inversion");
  EXPECT_EQ(j["merged_cycles"].size(), 0u);  // the process already reported it
}

TEST(RuntimeCli, RunCleanProgramKeepsItsStatus) {
  RunSpec spec;
  spec.preload = false;
  spec.argv = {FEARLESS_CLI_BIN, "run", "--", FEARLESS_SCENARIOS_BIN, "consistent"};
  RunResult r = run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  spec.argv = {FEARLESS_CLI_BIN, "run", "--", FEARLESS_SCENARIOS_BIN, "no_such_scenario"};
  EXPECT_EQ(run(spec).exit_code, 2);  // the program's own status
  spec.argv = {FEARLESS_CLI_BIN, "run", "--", "/nonexistent/program"};
  EXPECT_EQ(run(spec).exit_code, 2);
}

TEST(RuntimeCli, ReportMergesOrdersSeenByDifferentProcesses) {
  Outcome a = scenario("only_ab");
  Outcome b = scenario("only_ba");
  ASSERT_EQ(a.run.exit_code, 0);
  ASSERT_EQ(b.run.exit_code, 0);
  std::string dir = scratch_dir("cli-report");
  RunSpec spec;
  spec.preload = false;
  spec.argv = {FEARLESS_CLI_BIN, "report", "--json", dir + "/m.json", a.json_path, b.json_path};
  RunResult r = run(spec);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(count_of(r.out, "WARNING: fearless: lock-order-inversion (merged graph of 2 processes)"), 1u)
      << r.out;
  EXPECT_NE(r.out.find("Cycle in lock order graph: mu_a => mu_b => mu_a"), std::string::npos) << r.out;
  Json j;
  std::string err;
  ASSERT_TRUE(Json::parse(read_file(dir + "/m.json"), j, err)) << err;
  ASSERT_EQ(j["merged_cycles"].size(), 1u);
  EXPECT_EQ(j["merged_cycles"][0]["id"].str, "fearless-rt-lock-order-inversion");
  // Each report alone is clean.
  spec.argv = {FEARLESS_CLI_BIN, "report", a.json_path};
  EXPECT_EQ(run(spec).exit_code, 0);
  spec.argv = {FEARLESS_CLI_BIN, "report", dir + "/missing.json"};
  EXPECT_EQ(run(spec).exit_code, 2);
}

// A process that dies by a fatal signal still leaves its report (the
// orders it saw count in the merged graph), and still dies by the signal.
TEST(RuntimeCli, CrashedProcessLeavesItsReport) {
  Outcome b = scenario("only_ba");
  ASSERT_EQ(b.run.exit_code, 0) << diag(b);
  std::string dir = scratch_dir("cli-crash");
  for (auto [name, sig] : {std::pair<const char *, int>{"only_ab_then_abort", SIGABRT},
                           std::pair<const char *, int>{"only_ab_then_segv", SIGSEGV}}) {
    SCOPED_TRACE(name);
    Outcome a = scenario(name);
    EXPECT_EQ(a.run.term_signal, sig) << diag(a);
    EXPECT_EQ(a.run.err.find("fearless:"), std::string::npos) << diag(a);
    EXPECT_EQ(a.report["findings"].size(), 0u) << diag(a);
    EXPECT_EQ(a.report["stats"]["edges"].num, 1.0) << diag(a);
    RunSpec spec;
    spec.preload = false;
    spec.argv = {FEARLESS_CLI_BIN, "report", "--json", dir + "/m.json", a.json_path, b.json_path};
    RunResult r = run(spec);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("Cycle in lock order graph: mu_a => mu_b => mu_a"), std::string::npos) << r.out;
  }
  // fearless run: the program's status as a shell reports it, and a note.
  RunSpec spec;
  spec.preload = false;
  spec.argv = {FEARLESS_CLI_BIN, "run", "--", FEARLESS_SCENARIOS_BIN, "only_ab_then_abort"};
  RunResult r = run(spec);
  EXPECT_EQ(r.exit_code, 128 + SIGABRT) << r.err;
  EXPECT_EQ(count_of(r.err, "fearless: note: " + std::string(FEARLESS_SCENARIOS_BIN) +
                                " was killed by signal 6 (Aborted)\n"),
            1u)
      << r.err;
  EXPECT_NE(r.err.find("fearless: 1 process report(s), 0 finding(s)"), std::string::npos) << r.err;
  // With flush_on_crash=0 nothing writes the report of a process that
  // found nothing and never exited.
  Outcome off = scenario("only_ab_then_abort", "flush_on_crash=0");
  EXPECT_EQ(off.run.term_signal, SIGABRT) << diag(off);
  EXPECT_EQ(read_file(off.json_path), "");
}

#ifdef FEARLESS_SAMPLE_LOCK_ORDER_BAD_OPPOSITE_ORDER
TEST(RuntimeCli, TwoThreadDeadlockSample) {
  RunSpec spec;
  spec.preload = false;
  spec.argv = {FEARLESS_CLI_BIN, "run", "--", FEARLESS_SAMPLE_LOCK_ORDER_BAD_OPPOSITE_ORDER};
  RunResult r = run(spec);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("a=95 b=105"), std::string::npos);  // it still ran to the end
  EXPECT_EQ(count_of(r.err, "WARNING: fearless: lock-order-inversion"), 1u) << r.err;
  EXPECT_NE(r.err.find("(account_a) => M"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(account_b) => M"), std::string::npos) << r.err;
  // Both orders, each in the function that takes it (after the inlined
  // library frames of std::lock_guard, which debug information shows).
  auto stack_after = [&](const std::string &head) {
    size_t b = r.err.find(head);
    if (b == std::string::npos) return std::string();
    return r.err.substr(b, r.err.find("\n\n", b) - b);
  };
  EXPECT_NE(stack_after("(account_a) in thread T1:\n").find(" transfer_a_to_b(int) "), std::string::npos)
      << r.err;
  EXPECT_NE(stack_after("(account_b) in thread T2:\n").find(" transfer_b_to_a(int) "), std::string::npos)
      << r.err;
  // Lines only when the samples carry debug information.
  if (r.err.find("bad_opposite_order.cpp:") != std::string::npos) {
    std::string src = std::string(FEARLESS_SAMPLES_DIR) + "/lock-order/bad_opposite_order.cpp";
    int inner_ba = line_containing(src, "second(account_a)");
    int inner_ab = line_containing(src, "second(account_b)");
    EXPECT_NE(r.err.find("bad_opposite_order.cpp:" + std::to_string(inner_ba)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad_opposite_order.cpp:" + std::to_string(inner_ab)), std::string::npos) << r.err;
  }
}
#endif

#if defined(FEARLESS_SAMPLE_TCP_SERVER_BAD_UNLOCKED) && defined(FEARLESS_SAMPLE_TCP_SERVER_GOOD_LOCKED)
TEST(RuntimeCli, ThreadPerConnectionServerSamplesHaveNoLockOrderFinding) {
  // The server's defect is a data race, which the recorder does not look
  // for; neither variant has a lock-order cycle or a hang.
  for (const char *bin : {FEARLESS_SAMPLE_TCP_SERVER_BAD_UNLOCKED, FEARLESS_SAMPLE_TCP_SERVER_GOOD_LOCKED}) {
    RunSpec spec;
    spec.preload = false;
    spec.argv = {FEARLESS_CLI_BIN, "run", "--", bin};
    RunResult r = run(spec);
    EXPECT_EQ(r.exit_code, 0) << bin << "\n" << r.err;
    EXPECT_EQ(r.err.find("WARNING"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("of 8"), std::string::npos) << r.out;
  }
}
#endif
#endif  // FEARLESS_CLI_BIN
