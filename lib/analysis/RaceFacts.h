//===- analysis/RaceFacts.h - Accesses, threads and their merge -----------===//
//
// The facts behind fearless-data-race and fearless-unguarded-access (one
// facts section, "races", shared by both checks), and the whole-program
// pass that turns them into findings.
//
// Extraction (per unit, on the lockset engine's statement and call
// events): for every function body, each access to memory that can
// outlive the function's own frame (globals and static members, fields
// reached through `this`, pointers and reference parameters, locals
// captured by reference or whose address is taken) as an access path
// (root, field path), read or write, with the locks held (in the same
// path form); each call with the paths of its object and arguments; each
// thread spawn (std::thread, std::jthread, std::async unless deferred,
// pthread_create, and user thread-pool submit functions) with its entry
// function, its argument bindings, where it starts (the loop around it,
// if any) and where it is joined (or that it never is in this function,
// and then the member it is kept in); joins of members and other handles
// that outlive the function; for methods, their class and access.
// Every function, variable and field is named by its USR, never by an AST
// pointer, so units merge by name.
//
// Merge (over every unit): function summaries are composed bottom-up, as
// in a linker: a callee's accesses are rebased onto the caller's frame
// (its `this` onto the call's object, its parameters onto the arguments),
// with the caller's locks added; a spawned thread's accesses are rebased
// onto the spawning frame through the spawn's bindings (copies the thread
// owns are dropped). In every function that spawns threads, the contexts
// that can run at once are: each thread between its spawn and its join
// (itself too when spawned in a loop), and the spawning function's own
// code in that interval; a thread that is never joined there stays alive
// after the function returns, so callers see the call as a spawn, until a
// later call joins the member it is kept in (`w.start(); ...; w.stop();`).
// A thread that a method starts on its own object and keeps (a member, or
// detached) also runs concurrently with the class's public methods (not
// constructors, static methods, the entry or the starting method), each
// up to its own join of that thread; only fields along `this` are
// compared, and public methods are not paired with each other. Two
// accesses to the same path from concurrent contexts, one a write, not
// both atomic, with no lock in common, are a race. Data whose writes all
// hold one lock (or declared guarded_by it) is "protected": its unlocked
// concurrent accesses are fearless-unguarded-access findings instead.
//
// This is Eraser's lockset discipline (Savage et al., 1997) computed
// statically over summaries, with RacerD's (Blackshear et al., 2018)
// compositional access paths and ownership, and its class rule (a
// class's thread against the methods callable from outside); spawn/join
// order follows source order within the spawning function and its calls.
//
// Several programs in one compilation database: a function or global
// that another unit also defines (two `main`s, two `counter`s, inline
// methods of two same-named classes written in different files; see
// ownCopies in core/Facts.h) is renamed to the unit's own copy, so each
// program is composed with its own; methods are grouped into classes by
// where the class is written.
//
// Contract: extraction is deterministic for one AST; merge is independent
// of the order of units (units are sorted by their main file; an inline
// function defined in several units at one place is taken once, from the
// first). Summaries are capped
// (MaxAccessesPerSummary) and call chains cut at recursion, so the merge
// stays near-linear on large programs. Malformed sections are skipped.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_RACEFACTS_H
#define FEARLESS_ANALYSIS_RACEFACTS_H

#include "analysis/WholeProgram.h"
#include "core/Finding.h"

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace clang {
class ASTContext;
}

namespace fearless {

/// The facts section both race checks read.
constexpr const char *RaceFactsSection = "races";

struct RaceExtractOptions {
  /// Unqualified names of functions that hand a callable to a thread pool.
  std::vector<std::string> SubmitFunctions;
};

llvm::json::Value extractRaceFacts(clang::ASTContext &Ctx,
                                   const RaceExtractOptions &Opts);

struct RaceMergeOptions {
  /// Qualified names of functions that only ever run on one thread: a
  /// thread starting there is not concurrent with another instance of
  /// itself.
  std::vector<std::string> SingleThreadFunctions;
  /// Qualified names of classes whose objects synchronise themselves:
  /// calls on them are not accesses.
  std::vector<std::string> SynchronizedClasses;
};

struct RaceFindings {
  std::vector<Finding> Races;     ///< fearless-data-race
  std::vector<Finding> Unguarded; ///< fearless-unguarded-access
};

RaceFindings mergeRaceFacts(llvm::ArrayRef<const llvm::json::Value *> Units,
                            const RaceMergeOptions &Opts);

/// The option lists both race checks share, with their defaults.
extern const char *const DefaultSubmitFunctions;

} // namespace fearless

#endif
