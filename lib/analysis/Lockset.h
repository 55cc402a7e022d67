//===- analysis/Lockset.h - Which locks are held at every point -----------===//
//
// A forward dataflow over the Clang CFG of every function of a translation
// unit, computing the set of held locks on entry and exit of each block,
// with the lock model of LockModel.h. Analysis is separated from reporting
// as in Clang's Thread Safety Analysis: events go to a LocksetHandler, and
// each check implements the handler methods it cares about.
//
// Lattice, per lock: Unknown (as on entry: the caller may hold it), Held,
// NotHeld, MaybeHeld (held on some paths only). At joins equal facts stay;
// anything else becomes MaybeHeld. Events fire only on definite facts
// (Held or NotHeld on every path to the point), so a lock taken and
// released under the same condition produces no finding; the documented
// price is that a bug on only some paths into a point is not reported.
//
// Guards (lock_guard, scoped_lock, unique_lock, shared_lock, scoped_lockable
// classes) own locks; their destructors (the CFG's implicit destructors,
// also on early returns and exceptions) release what they own. unique_lock
// follows defer/try/adopt, lock/unlock/try_lock, release(), moves, and
// owns_lock()/operator bool tests. Try-locks are followed into the branch
// that tests their result (`if (m.try_lock())`, `if (lk.owns_lock())`,
// `if (pthread_mutex_trylock(&m) == 0)`); an untested try leaves the lock
// MaybeHeld.
//
// Function summaries (within the unit): what a function acquires anywhere
// in its body, what it still holds on exit, and what it releases that it
// did not take (its precondition). Calls to functions defined in the unit
// apply the callee's summary, with `this`-relative locks rebased onto the
// call's object and parameter locks onto the arguments, to any depth
// (recursion is cut).
//
// Lambdas are analysed as functions of their own, starting with nothing
// known; a lambda called in the same function acts through its summary.
//
// Cost: per function, O(blocks x height x |locks|) with a lattice of
// height 3; summaries are memoised per unit.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_LOCKSET_H
#define FEARLESS_ANALYSIS_LOCKSET_H

#include "analysis/LockModel.h"

#include "clang/Basic/SourceLocation.h"

#include <map>
#include <vector>

namespace clang {
class ASTContext;
class FunctionDecl;
class Stmt;
} // namespace clang

namespace fearless {

enum class Held : uint8_t { Unknown, Yes, No, Maybe };

struct LockFact {
  Held H = Held::Unknown;
  bool Shared = false;
  /// Held through a guard variable rather than a manual lock() call.
  bool ViaGuard = false;
  /// Acquired in this function (not inherited from the caller).
  bool AcquiredHere = false;
  /// The caller held it on entry (declared with requires_capability, or
  /// released here before any acquisition): re-acquiring it restores the
  /// caller's state rather than taking a new lock.
  bool Inherited = false;
  clang::SourceLocation Acquired;
  clang::SourceLocation Released;
};

/// The locks held at one program point.
struct Lockset {
  std::map<LockId, LockFact> Locks;

  /// Locks held on every path to this point.
  std::vector<std::pair<LockId, LockFact>> definitelyHeld() const;
  bool operator==(const Lockset &O) const;
};

class LocksetHandler {
public:
  virtual ~LocksetHandler();
  /// \p Lock is acquired at \p Loc while already held (acquired at
  /// \p Previous); \p Callee is set when the acquisition happens inside a
  /// called function (at \p InCallee).
  virtual void doubleLock(const clang::FunctionDecl *Fn, const LockId &Lock,
                          clang::SourceLocation Loc,
                          clang::SourceLocation Previous,
                          const clang::FunctionDecl *Callee,
                          clang::SourceLocation InCallee) {}
  /// \p Lock is released at \p Loc while not held (released before at
  /// \p Previous, if known).
  virtual void unlockNotHeld(const clang::FunctionDecl *Fn, const LockId &Lock,
                             clang::SourceLocation Loc,
                             clang::SourceLocation Previous,
                             const clang::FunctionDecl *Callee) {}
  /// A lock taken with a manual lock() call in \p Fn is still held when the
  /// function exits at \p Exit (a return, its end, a throw, or a call that
  /// may throw when \p ByException).
  virtual void lockLeak(const clang::FunctionDecl *Fn, const LockId &Lock,
                        clang::SourceLocation Acquired,
                        clang::SourceLocation Exit, bool ByException) {}
  /// \p Locks are acquired together at \p Loc (one lock, or every lock of
  /// a std::scoped_lock / std::lock), with \p Before the locks held just
  /// before; \p Try when the acquisition may fail (a try-lock).
  virtual void acquire(const clang::FunctionDecl *Fn,
                       const std::vector<LockId> &Locks,
                       clang::SourceLocation Loc, const Lockset &Before,
                       bool Try) {}
  /// Every call or construction, with the locks held just before it.
  virtual void call(const clang::FunctionDecl *Fn, const clang::Expr *Call,
                    const Lockset &Before) {}
  /// Every statement and expression the CFG evaluates, in order, with the
  /// locks held just before it (for access-based checks).
  virtual void statement(const clang::FunctionDecl *Fn, const clang::Stmt *S,
                         const Lockset &Before) {}
  /// Every co_await and co_yield, with the locks held when the coroutine
  /// may suspend there.
  virtual void suspend(const clang::FunctionDecl *Fn,
                       const clang::Expr *Suspend, const Lockset &Held) {}
};

struct LocksetOptions {
  /// Report locks leaked by exceptions leaving through calls that may throw
  /// (only lockLeak() cares; computing it costs a may-throw query per call).
  bool ExceptionPaths = false;
};

/// Analyses every function body of the unit, reporting to \p H; bodies
/// marked `no_thread_safety_analysis` report nothing (their summaries
/// still apply at their call sites).
void runLocksetAnalysis(clang::ASTContext &Ctx, LocksetHandler &H,
                        const LocksetOptions &Opts = {});

} // namespace fearless

#endif
