//===- analysis/ThreadModel.h - How threads look in the AST ---------------===//
//
// Recognisers for the standard and POSIX thread vocabulary, shared by the
// thread-lifetime checks: which types are threads and futures, which calls
// spawn a thread and which argument is the callable, and small AST helpers
// (stripping the implicit wrappers Clang puts around temporaries, finding
// the local a reference argument names).
//
// libstdc++, libc++ and MSVC's library all put these in namespace std
// (possibly an inline namespace); matching is by unqualified name inside
// std, never by spelling, so typedefs and using-declarations are seen
// through. All functions are pure and thread-safe.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_THREADMODEL_H
#define FEARLESS_ANALYSIS_THREADMODEL_H

#include "clang/AST/Expr.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/Type.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace clang {
class ASTContext;
class FunctionDecl;
class VarDecl;
} // namespace clang

namespace fearless {

/// The record type \p T names (through references, typedefs and
/// qualifiers) is std::<Name>.
bool isStdRecord(clang::QualType T, llvm::StringRef Name);
bool isStdThread(clang::QualType T);  ///< std::thread
bool isStdJThread(clang::QualType T); ///< std::jthread
/// std::thread or std::jthread.
bool isThreadObject(clang::QualType T);
/// A std::vector/deque/list/... whose element type is a thread object.
bool isThreadContainer(clang::QualType T);
/// A std container whose element type is std::thread (not std::jthread):
/// destroying it while an element is joinable calls std::terminate.
bool isStdThreadContainer(clang::QualType T);

/// For `ts.emplace_back(f, args...)`, `ts.emplace_front(...)` or
/// `ts.emplace(pos, f, args...)` on a container of threads (a thread built
/// in place from a callable): the index of the callable argument. None for
/// any other call, or when the call has no argument there.
std::optional<unsigned> threadEmplaceCallable(const clang::CXXMemberCallExpr *MC);

/// \p FD is std::<Name> (a function in namespace std).
bool isStdFunction(const clang::FunctionDecl *FD, llvm::StringRef Name);
/// \p FD is the C library function \p Name (global namespace, or std).
bool isCFunction(const clang::FunctionDecl *FD, llvm::StringRef Name);

/// Removes parentheses, implicit casts, temporaries bookkeeping
/// (MaterializeTemporaryExpr, CXXBindTemporaryExpr, ExprWithCleanups),
/// functional casts and elidable/move constructions of the same object.
const clang::Expr *stripWrappers(const clang::Expr *E);

/// The variable \p E designates after stripWrappers() and std::move, if
/// it is a plain reference to a variable.
const clang::VarDecl *referencedVar(const clang::Expr *E);

/// \p E is a temporary whose value is discarded: the whole statement is
/// the temporary (through casts to void and temporary bookkeeping), so it
/// is destroyed at the end of that statement.
bool isDiscardedTemporary(clang::ASTContext &Ctx, const clang::Expr *E);

/// A variable that dies when its function returns: a non-static local or a
/// parameter.
bool isFunctionLocal(const clang::VarDecl *VD);

} // namespace fearless

#endif
