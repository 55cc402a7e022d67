//===- analysis/Traversal.h - Visiting the code a check should look at ----===//
//
// Every function body of the translation unit that a user wrote: function
// and method definitions, lambda bodies, and template instantiations
// (where types are known), but never code in system headers and never
// uninstantiated (dependent) template patterns. Each body is visited once.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_TRAVERSAL_H
#define FEARLESS_ANALYSIS_TRAVERSAL_H

#include "llvm/ADT/STLFunctionalExtras.h"

namespace clang {
class ASTContext;
class FunctionDecl;
class Stmt;
} // namespace clang

namespace fearless {

void forEachFunctionBody(
    clang::ASTContext &Ctx,
    llvm::function_ref<void(const clang::FunctionDecl *, const clang::Stmt *)>
        Fn);

} // namespace fearless

#endif
