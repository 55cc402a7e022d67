//===- analysis/LockModel.h - What a lock is, and what code does to it ----===//
//
// The vocabulary of the lockset engine:
//   - LockId: a canonical identity for a lock, independent of spelling:
//     `mu_` and `this->mu_` are one lock; `a.mu_` and `b.mu_` are two
//     instances of `Account::mu_`; a lock reached through a reference or
//     pointer parameter is identified by the parameter; globals and static
//     members by their declaration.
//   - LockOp: what one expression does to locks (acquire, release, try,
//     guard construction), recognised for std::mutex and friends,
//     std::lock_guard / unique_lock / scoped_lock / shared_lock, std::lock,
//     pthread mutex / rwlock / spin functions, C11 mtx_*, Clang's
//     thread-safety attributes, and user types by shape (a class with
//     lock()/unlock() members is a lock; a class whose constructor locks a
//     member referring to a lock, initialised from a constructor parameter,
//     and whose destructor unlocks it, is a guard).
//
// libstdc++ carries no thread-safety annotations, so the standard types are
// modelled by name (in namespace std), never through attributes.
// All functions are pure; results reference the AST they were computed on.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_LOCKMODEL_H
#define FEARLESS_ANALYSIS_LOCKMODEL_H

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace fearless {

struct LockId {
  enum Kind { Global, Member, Param, Local };
  Kind K = Global;
  /// The variable the path starts from: the global, parameter or local; for
  /// members, the object variable, or null for `this`.
  const clang::ValueDecl *Root = nullptr;
  /// Fields from Root to the lock ("mu_", "inner.mu_"); empty for a plain
  /// variable.
  std::string Path;
  /// The type that declares the last field, for messages ("Account").
  std::string Owner;
  /// The declaration of the lock object itself (variable or field), for
  /// type queries; not part of the identity.
  const clang::ValueDecl *Leaf = nullptr;

  bool operator<(const LockId &O) const {
    return std::tie(K, Root, Path) < std::tie(O.K, O.Root, O.Path);
  }
  bool operator==(const LockId &O) const {
    return K == O.K && Root == O.Root && Path == O.Path;
  }
  bool operator!=(const LockId &O) const { return !(*this == O); }
  /// How the lock is spelled in messages: "mu_", "from.mu_", "g_mu".
  std::string name() const;
  /// std::recursive_mutex and the like: re-entry is allowed.
  bool recursive() const;
};

/// Resolves the lock an expression designates (`m`, `&m`, `*p`, `this->mu_`,
/// `a.inner.mu_`); nothing when it is not a plain path (array elements,
/// call results).
std::optional<LockId> resolveLock(const clang::Expr *E);

/// std::mutex & co., pthread/C11 lock types, capability-annotated types, and
/// classes with lock()/unlock() members.
bool isLockType(clang::QualType T);
/// Re-entering is allowed: std::recursive_(timed_)mutex, or a type whose
/// name says so.
bool isRecursiveLockType(clang::QualType T);
/// std::lock_guard, unique_lock, scoped_lock, shared_lock, or a class
/// marked scoped_lockable.
bool isGuardType(clang::QualType T);
/// unique_lock and shared_lock: guards that can unlock, relock and release.
bool isMovableGuardType(clang::QualType T);

struct LockOp {
  enum Kind {
    None,
    Acquire,     ///< Locks are taken
    TryAcquire,  ///< Locks are taken if the expression's value says so
    Release,     ///< Locks are released
  };
  Kind K = None;
  std::vector<LockId> Locks;
  bool Shared = false;
  /// For member calls on a guard variable (unique_lock::lock etc.).
  const clang::VarDecl *Guard = nullptr;
  /// unique_lock::release(): the guard stops owning, the lock stays held.
  bool Disown = false;
};

/// What a call does to locks (not counting guard constructions and
/// destructions, which the engine sees as declarations and scope ends).
LockOp classifyCall(const clang::Expr *Call);

/// How a guard variable's initialiser takes its locks.
struct GuardInit {
  enum Mode { Lock, Defer, Try, Adopt, MoveFrom, Unknown };
  Mode M = Unknown;
  std::vector<LockId> Locks;
  bool Shared = false;
  const clang::VarDecl *From = nullptr; ///< for MoveFrom
};
GuardInit classifyGuardInit(const clang::VarDecl *Guard);

/// Name of a declaration for messages ("std::this_thread::sleep_for").
std::string qualifiedName(const clang::NamedDecl *D);

} // namespace fearless

#endif
