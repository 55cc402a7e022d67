// The whole-program lock-order graph on hand-written facts: cycle
// enumeration, canonical rotation, the bound, order independence, gates,
// declarations, renaming through calls, and the facts round trip.
#include "core/Facts.h"
#include "graph/LockOrder.h"

#include <gtest/gtest.h>

#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <fstream>

using namespace fearless;

namespace {

LockRef global(const std::string &Name) {
  LockRef R;
  R.Base = "g:c:@" + Name;
  R.Node = "c:@" + Name;
  R.Name = Name;
  R.Spelled = Name;
  return R;
}

LockRef param(unsigned Index, const std::string &Spelled) {
  LockRef R;
  R.Base = "p:" + std::to_string(Index);
  R.Spelled = Spelled;
  return R;
}

Location at(unsigned Line) { return {"/src/a.cpp", Line, 3}; }

/// A function that takes the locks in order, each while holding all the
/// previous ones.
FunctionFacts nested(const std::string &Name,
                     const std::vector<LockRef> &Locks, unsigned Line) {
  FunctionFacts F;
  F.Usr = "c:@F@" + Name;
  F.Name = Name;
  std::vector<HeldFact> Held;
  for (const LockRef &L : Locks) {
    AcquireFact A;
    A.Locks = {L};
    A.Site = {at(Line), "lock " + L.Spelled};
    A.Held = Held;
    F.Acquires.push_back(A);
    Held.push_back({L, at(Line)});
    ++Line;
  }
  return F;
}

std::vector<std::string> messages(const std::vector<Finding> &Fs,
                                  bool Suppressed = false) {
  std::vector<std::string> Out;
  for (const Finding &F : Fs)
    if (F.Suppression.empty() != Suppressed)
      Out.push_back(F.Message);
  return Out;
}

std::vector<Finding> cycles(const std::vector<LockOrderFacts> &Units,
                            unsigned Max = 100) {
  LockOrderOptions O;
  O.MaxCycles = Max;
  std::vector<Finding> Out;
  findLockOrderCycles(Units, O, Out, nullptr);
  return Out;
}

TEST(LockOrderGraph, ThreeLockCycleIsReportedOnceFromItsSmallestLock) {
  LockOrderFacts U;
  U.Functions = {nested("f", {global("c"), global("a")}, 10),
                 nested("g", {global("a"), global("b")}, 20),
                 nested("h", {global("b"), global("c")}, 30)};
  std::vector<Finding> F = cycles({U});
  ASSERT_EQ(messages(F), std::vector<std::string>{
                             "lock order cycle 'a' -> 'b' -> 'c' -> 'a': 3 "
                             "threads can deadlock"});
  // Edge a -> b is the first: it is taken in g, at its second lock.
  EXPECT_EQ(F[0].Loc.Line, 21u);
  EXPECT_EQ(F[0].Scope, "g");
  EXPECT_EQ(F[0].Snippet, "lock b");
  ASSERT_EQ(F[0].Trace.size(), 6u);
  EXPECT_EQ(F[0].Trace[5].Message, "waits for 'a', held by thread 1");
}

TEST(LockOrderGraph, ResultDoesNotDependOnUnitOrder) {
  LockOrderFacts U1, U2, U3;
  U1.Functions = {nested("f", {global("a"), global("b")}, 1)};
  U2.Functions = {nested("g", {global("b"), global("c")}, 5)};
  U3.Functions = {nested("h", {global("c"), global("a")}, 9),
                  nested("k", {global("b"), global("a")}, 13)};
  std::vector<LockOrderFacts> Units = {U1, U2, U3};
  std::vector<std::string> First = messages(cycles(Units));
  std::sort(Units.begin(), Units.end(),
            [](const LockOrderFacts &A, const LockOrderFacts &B) {
              return A.Functions[0].Name > B.Functions[0].Name;
            });
  EXPECT_EQ(messages(cycles(Units)), First);
  EXPECT_EQ(First,
            (std::vector<std::string>{
                "lock order inversion between 'a' and 'b': each is acquired "
                "while the other is held, so two threads can deadlock",
                "lock order cycle 'a' -> 'b' -> 'c' -> 'a': 3 threads can "
                "deadlock"}));
}

TEST(LockOrderGraph, CycleCountIsBounded) {
  // A complete graph on 5 locks has 84 elementary cycles.
  LockOrderFacts U;
  std::vector<std::string> N = {"a", "b", "c", "d", "e"};
  unsigned Line = 1;
  for (const std::string &X : N)
    for (const std::string &Y : N)
      if (X != Y)
        U.Functions.push_back(nested(X + Y, {global(X), global(Y)}, Line += 2));
  EXPECT_EQ(cycles({U}).size(), 84u);
  EXPECT_EQ(cycles({U}, 7).size(), 7u);
}

TEST(LockOrderGraph, GateLockedCycleIsSuppressedNotReported) {
  LockOrderFacts U;
  U.Functions = {nested("f", {global("gate"), global("a"), global("b")}, 1),
                 nested("g", {global("gate"), global("b"), global("a")}, 5)};
  std::vector<Finding> F = cycles({U});
  EXPECT_TRUE(messages(F).empty());
  ASSERT_EQ(messages(F, true).size(), 1u);
  EXPECT_EQ(F[0].Sev, Severity::Note);
  EXPECT_EQ(F[0].Suppression, "every edge is taken while 'gate' is held, so "
                              "no two threads can interleave them");
  // One ungated witness of an edge makes the cycle real.
  U.Functions.push_back(nested("h", {global("a"), global("b")}, 9));
  EXPECT_EQ(messages(cycles({U})).size(), 1u);
}

TEST(LockOrderGraph, ParameterLocksAreResolvedAtEachCallSite) {
  // lock_both(m1, m2) takes its parameters in order; called with (a, b)
  // and with (b, a) it makes a cycle on the globals.
  LockOrderFacts U;
  FunctionFacts LockBoth = nested("lock_both", {param(0, "m1"), param(1, "m2")}, 1);
  U.Functions.push_back(LockBoth);
  for (auto [Name, X, Y, Line] :
       {std::tuple<const char *, const char *, const char *, unsigned>{
            "one", "a", "b", 10},
        {"two", "b", "a", 20}}) {
    FunctionFacts F;
    F.Usr = std::string("c:@F@") + Name;
    F.Name = Name;
    CallFact C;
    C.Callee = LockBoth.Usr;
    C.CalleeName = "lock_both";
    C.Site = {at(Line), "lock_both(...)"};
    C.Args = {global(X), global(Y)};
    F.Calls.push_back(C);
    U.Functions.push_back(F);
  }
  std::vector<Finding> F = cycles({U});
  ASSERT_EQ(messages(F).size(), 1u);
  EXPECT_EQ(F[0].Loc.Line, 10u); // the call that takes a then b
  EXPECT_EQ(F[0].Related[1].Message, "edge 1 of 2: one calls lock_both");
  EXPECT_EQ(F[0].Related[2].Message,
            "edge 1 of 2: lock_both acquires 'm2' while 'm1' is held");
}

TEST(LockOrderGraph, UnitsThatDefineTheSameGlobalsAreSeparatePrograms) {
  // Two tools in one compilation database, each with its own `a` and `b`:
  // their orders never meet.
  LockOrderFacts Tool1, Tool2;
  Tool1.Unit = "/src/tool1.cpp";
  Tool2.Unit = "/src/tool2.cpp";
  Tool1.Functions = {nested("run", {global("a"), global("b")}, 1)};
  Tool2.Functions = {nested("run", {global("b"), global("a")}, 5)};
  Tool1.Functions[0].Strong = Tool2.Functions[0].Strong = true;
  Tool1.Defines = Tool2.Defines = {"c:@a", "c:@b"};
  EXPECT_TRUE(cycles({Tool1, Tool2}).empty());
  // One program: the second unit only declares them (extern).
  Tool2.Defines.clear();
  Tool2.Functions[0].Usr = "c:@F@run2";
  EXPECT_EQ(messages(cycles({Tool1, Tool2})).size(), 1u);
}

TEST(ProgramSeparation, WhoKeepsItsOwnCopy) {
  // Two programs (a.cpp, b.cpp) and a library unit (lib.cpp): each main
  // and global of theirs is their own; the same-named inline methods
  // written in each file are too; a header's inline function is shared;
  // an inline definition that another unit defines strongly is the
  // unit's own, the strong one keeps the shared name.
  std::vector<std::vector<SymbolDefinition>> Defs = {
      {{"main", true, ""},
       {"counter", true, ""},
       {"Worker::push", false, "/src/a.cpp:3:8"},
       {"hash", false, "/src/h.h:1:13"},
       {"helper", true, ""}},
      {{"main", true, ""},
       {"counter", true, ""},
       {"Worker::push", false, "/src/b.cpp:3:8"},
       {"hash", false, "/src/h.h:1:13"},
       {"deposit", false, "/src/b.cpp:9:8"}},
      {{"deposit", true, ""}, {"hash", false, ""}}};
  using Set = std::set<std::string>;
  std::vector<Set> Want = {{"Worker::push", "counter", "main"},
                           {"Worker::push", "counter", "deposit", "main"},
                           {}};
  EXPECT_EQ(ownCopies(Defs), Want);
  std::reverse(Defs.begin(), Defs.end());
  std::reverse(Want.begin(), Want.end());
  EXPECT_EQ(ownCopies(Defs), Want);
  EXPECT_EQ(ownCopy("c:@F@main#", "/src/a.cpp"), "c:@F@main#@/src/a.cpp");
}

TEST(LockOrderGraph, DeclaredOrderOnlyCycleIsReported) {
  LockOrderFacts U;
  U.Declared = {{global("a"), global("b"), {at(1), ""}},
                {global("b"), global("a"), {at(2), ""}}};
  EXPECT_EQ(messages(cycles({U})),
            std::vector<std::string>{
                "declared lock orders form a cycle 'a' -> 'b' -> 'a'"});
}

TEST(LockOrderGraph, FactsSurviveJsonAndFacts) {
  LockOrderFacts U;
  U.Functions = {nested("f", {global("a"), global("b")}, 1)};
  U.Functions[0].Acquires[1].Try = true;
  U.Functions[0].Ordered = {{"p:0", "p:1"}};
  LockOrderFacts Back;
  ASSERT_TRUE(lockOrderFromJson(lockOrderToJson(U), Back));
  EXPECT_EQ(llvm::json::Value(lockOrderToJson(Back)),
            llvm::json::Value(lockOrderToJson(U)));

  // And the facts file around it: written, read back, still valid until a
  // dependency changes.
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("fearless-facts", Dir));
  std::string Dep = std::string(Dir) + "/dep.h";
  std::ofstream(Dep) << "int x;\n";
  UnitFacts F;
  F.File = "/src/a.cpp";
  F.Key = "k1";
  FactsDependency D;
  ASSERT_TRUE(describeFile(Dep, D));
  F.Deps = {D};
  F.Sections["lock-order"] = lockOrderToJson(U);
  std::string Path = std::string(Dir) + "/" + factsFileName(F.File, F.Key);
  std::string Error;
  ASSERT_TRUE(writeUnitFacts(Path, F, Error)) << Error;
  UnitFacts R;
  ASSERT_TRUE(readUnitFacts(Path, R, Error)) << Error;
  EXPECT_EQ(R.File, F.File);
  EXPECT_TRUE(dependenciesUnchanged(R));
  std::ofstream(Dep) << "int x, y;\n";
  EXPECT_FALSE(dependenciesUnchanged(R));
  std::ofstream(Path) << "{\"format\": \"fearless-facts\", \"version\": 99}";
  EXPECT_FALSE(readUnitFacts(Path, R, Error));
  EXPECT_EQ(Error, "facts format version 99 is not the supported version 1");
}

} // namespace
