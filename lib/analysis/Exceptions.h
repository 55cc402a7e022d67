//===- analysis/Exceptions.h - Which calls may throw ----------------------===//
//
// Decides, as far as one translation unit shows, whether a call may let an
// exception escape: a callee with a visible body may throw when the body
// contains a throw expression or a call that may throw (memoised over the
// unit; recursion alone does not throw); one without a body may throw
// unless it is noexcept, a destructor, a builtin or extern "C". Calls into
// system headers (the standard library) count as throwing only when asked:
// nearly every library call can throw std::bad_alloc.
//
// Contract: one oracle per ASTContext; not thread-safe (memo table).
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_EXCEPTIONS_H
#define FEARLESS_ANALYSIS_EXCEPTIONS_H

#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"

namespace clang {
class FunctionDecl;
class SourceManager;
class Stmt;
} // namespace clang

namespace fearless {

class ThrowOracle {
public:
  ThrowOracle(const clang::SourceManager &SM, bool StdLibraryThrows)
      : SM(SM), StdLibraryThrows(StdLibraryThrows) {}

  /// \p E is a CallExpr or CXXConstructExpr that may throw.
  bool callMayThrow(const clang::Expr *E);
  bool functionMayThrow(const clang::FunctionDecl *FD);

private:
  bool compute(const clang::FunctionDecl *FD);
  bool bodyMayThrow(const clang::Stmt *S);

  const clang::SourceManager &SM;
  bool StdLibraryThrows;
  llvm::DenseMap<const clang::FunctionDecl *, bool> Memo;
};

/// \p S contains a try block outside of nested lambdas.
bool containsTry(const clang::Stmt *S);

} // namespace fearless

#endif
