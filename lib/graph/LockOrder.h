//===- graph/LockOrder.h - The whole-program lock-order graph -------------===//
//
// The merge half of fearless-lock-order-inversion. Each translation unit
// contributes, per function (keyed by USR): the acquisitions it makes with
// the locks held at each, the calls it makes with the locks held at each
// and how the callee's `this` and parameters map onto the caller's
// objects, and the pairs of objects it orders by comparison; plus the
// lock orders the unit declares (acquired_before / acquired_after).
//
// From those facts, for every function F (bottom-up over the call graph,
// recursion cut), the locks F acquires directly or in any callee, with the
// call chain to each acquisition; then every edge "B acquired while A
// held" with one witness chain, whatever units F and its callees live in.
// Locks are graph nodes by declaration (a global, a static member, or a
// class member: all instances of `Account::mu_` are one node); a lock
// that is a bare parameter (`void f(std::mutex &m)`) is resolved at each
// call site. Two instances of one member (`from.mu_` then `to.mu_`) are
// a self-edge, reported as the argument-order pattern unless the function
// orders the two objects by a comparison; locks taken together
// (std::scoped_lock, std::lock) get no edge among themselves; try-locks
// get no edge into them; a lock already held (recursive re-entry) adds
// nothing.
//
// Cycles: Tarjan's strongly connected components
// (boost::strong_components), then the elementary circuits of each
// component (boost::hawick_unique_circuits, Hawick & James 2008), at most
// MaxCycles in all. Vertices are numbered in name order, so each circuit
// starts at its smallest lock (the canonical rotation) and the output
// order is deterministic. A cycle every edge of which was only ever taken
// while one common lock outside the cycle was held (a gate lock) cannot
// deadlock: it is kept as a suppressed finding.
//
// Complexity: facts are linear in the program; the per-function
// composition is O(functions x calls x acquired locks); circuit search is
// O((V + E)(C + 1)) for C circuits, bounded by MaxCycles.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_GRAPH_LOCKORDER_H
#define FEARLESS_GRAPH_LOCKORDER_H

#include "core/Finding.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace fearless {

/// A lock as one function sees it.
struct LockRef {
  /// Where the access path starts: "this", "g:<USR>" (a global or static
  /// variable), "p:<index>" (a parameter), "l:<name>" (a local).
  std::string Base;
  /// Fields from Base to the lock ("mu_", "inner.mu_"); empty when Base
  /// itself is the lock.
  std::string Path;
  /// The graph node: USR of the lock's declaration (field or variable).
  std::string Node;
  /// The node's name in messages: "Account::mu_", "g_mu".
  std::string Name;
  /// How this function spells it: "from.mu_", "mu_", "g_mu".
  std::string Spelled;
  bool Recursive = false;

  /// A parameter that is itself the lock: its node is only known at the
  /// call sites.
  bool open() const { return Base.compare(0, 2, "p:") == 0 && Path.empty(); }
  bool sameInstance(const LockRef &O) const {
    return Base == O.Base && Path == O.Path && Node == O.Node;
  }
};

/// A source position with the text of its line (for fingerprints).
struct SiteFact {
  Location Loc;
  std::string Text;
};

struct HeldFact {
  LockRef Lock;
  Location Acquired;
};

/// One acquisition: a lock, or every lock of one std::scoped_lock /
/// std::lock (taken together: no order among them).
struct AcquireFact {
  std::vector<LockRef> Locks;
  SiteFact Site;
  std::vector<HeldFact> Held;
  bool Try = false;
};

struct CallFact {
  std::string Callee; ///< USR
  std::string CalleeName;
  SiteFact Site;
  std::vector<HeldFact> Held;
  /// The object a member function is called on; Base empty when unknown.
  LockRef Object;
  bool HasObject = false;
  /// One per argument; Base empty when the argument is no lock path.
  std::vector<LockRef> Args;
  /// A lambda's call operator: its `this` is the caller's.
  bool Lambda = false;
};

/// A thread started here runs Entry (std::thread, std::jthread,
/// std::async, pthread_create).
struct SpawnFact {
  std::string Entry; ///< USR of the callable
  std::string EntryName;
  SiteFact Site;
};

struct FunctionFacts {
  std::string Usr;
  std::string Name;
  /// A definition only one unit of a program can have (not inline, not a
  /// template instantiation): two units defining it belong to two
  /// programs.
  bool Strong = false;
  std::vector<AcquireFact> Acquires;
  std::vector<CallFact> Calls;
  std::vector<SpawnFact> Spawns;
  /// Bases ("p:0", "this", ...) the function compares with <, >, <=, >=:
  /// locks of those objects are taken in a chosen order.
  std::vector<std::pair<std::string, std::string>> Ordered;
};

/// `Before` must be acquired before `After` (acquired_before/after).
struct DeclaredOrder {
  LockRef Before, After;
  SiteFact Site;
};

struct LockOrderFacts {
  /// The unit's main file.
  std::string Unit;
  std::vector<FunctionFacts> Functions;
  std::vector<DeclaredOrder> Declared;
  /// USRs of the global variables this unit defines (not just declares).
  std::vector<std::string> Defines;
};

llvm::json::Value lockOrderToJson(const LockOrderFacts &F);
/// Tolerant of missing members (they read as empty); false only when the
/// value is not an object.
bool lockOrderFromJson(const llvm::json::Value &V, LockOrderFacts &Out);

struct LockOrderOptions {
  /// Circuits reported at most, over the whole program.
  unsigned MaxCycles = 100;
  /// Check id of the findings.
  std::string CheckId = "fearless-lock-order-inversion";
};

/// Findings for every lock-order cycle of the program whose facts are
/// \p Units. A compilation database often holds several programs (tools,
/// tests): a function or global that two units both define (strongly)
/// cannot be one symbol of one program, so each definer keeps its own,
/// and its own uses refer to it (see ownCopies in core/Facts.h); when
/// \p Dot is set, the lock-order graph in Graphviz DOT.
void findLockOrderCycles(llvm::ArrayRef<LockOrderFacts> Units,
                         const LockOrderOptions &Opts,
                         std::vector<Finding> &Out, std::string *Dot);

} // namespace fearless

#endif
