//===- analysis/LockOrderFacts.h - A unit's contribution to lock order ----===//
//
// Runs the lockset engine over every function body of a translation unit
// and records, per function (by USR), what graph/LockOrder.h composes
// across units: each acquisition with the locks held just before it (locks
// taken together by one std::scoped_lock or std::lock form one
// acquisition), each call to a function outside the system headers with
// the locks held and how the callee's `this` and parameters map onto
// lock paths of the caller, and the objects the function orders by
// comparison; plus the acquired_before / acquired_after declarations of
// the unit's locks.
//
// Locks are named by declaration USR, so a global declared `extern` in a
// header and defined in one .cpp is one node for every unit.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_LOCKORDERFACTS_H
#define FEARLESS_ANALYSIS_LOCKORDERFACTS_H

#include "graph/LockOrder.h"

namespace clang {
class ASTContext;
}

namespace fearless {

LockOrderFacts extractLockOrderFacts(clang::ASTContext &Ctx);

} // namespace fearless

#endif
