//===- analysis/ClangReport.h - From AST positions to plain findings ------===//
//
// Turns a CheckReport (SourceLocations into one translation unit) into a
// Finding (file/line/column strings) that outlives the unit. Locations in
// macro expansions are reported where the macro is expanded, as clang does
// for its own warnings; file names are made absolute and normalised so the
// same header seen from two units yields the same Finding.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_ANALYSIS_CLANGREPORT_H
#define FEARLESS_ANALYSIS_CLANGREPORT_H

#include "analysis/Check.h"
#include "core/Finding.h"

namespace clang {
class Decl;
class FunctionDecl;
class SourceManager;
} // namespace clang

namespace fearless {

Location toLocation(const clang::SourceManager &SM, clang::SourceLocation L);

/// Fills every field of a Finding except its fingerprint.
Finding toFinding(llvm::StringRef CheckId, const CheckReport &R,
                  const clang::SourceManager &SM);

/// The text of the source line \p L is on (in its file, after macro
/// expansion), without the line break.
std::string sourceLine(const clang::SourceManager &SM, clang::SourceLocation L);

/// The declaration's Unified Symbol Resolution: the same for every unit
/// that declares it, so facts extracted from different units merge by it.
/// Empty for a null declaration or one without a USR.
std::string usrOf(const clang::Decl *D);

/// \p FD is a lambda's call operator.
bool isLambdaBody(const clang::FunctionDecl *FD);
/// For a lambda's call operator, the nearest function the lambda is
/// written in; null for other functions and for lambdas outside any.
const clang::FunctionDecl *lambdaOwner(const clang::FunctionDecl *FD);

/// True when \p L lies in a system header (reports there are dropped).
bool inSystemHeader(const clang::SourceManager &SM, clang::SourceLocation L);

} // namespace fearless

#endif
