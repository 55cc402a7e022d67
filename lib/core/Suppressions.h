//===- core/Suppressions.h - NOLINT comments, as clang-tidy reads them ----===//
//
// Both front ends must agree on what a NOLINT comment silences. The
// clang-tidy plugin gets clang-tidy's own handling for free; the fearless CLI
// uses this index, which follows the same rules:
//   NOLINT                 silences every check on its own line
//   NOLINT(a,b*)           silences the listed checks (globs, '-' negates)
//   NOLINTNEXTLINE[(...)]  the same, for the following line
//   NOLINTBEGIN[(...)] ... NOLINTEND[(...)]
//                          the same, for every line in between; a BEGIN is
//                          closed by the next END with the identical list.
// The directive is recognised anywhere on the line, as clang-tidy does.
//
// Contract: parsing never fails; an unmatched BEGIN or END is recorded in
// problems() and otherwise ignored (an unmatched BEGIN silences nothing,
// exactly as in clang-tidy, which reports it instead). Lookups are
// O(directives on the line + open regions). Not thread-safe for use(): each
// thread uses its own index.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_SUPPRESSIONS_H
#define FEARLESS_CORE_SUPPRESSIONS_H

#include <string>
#include <vector>

namespace fearless {

/// A comma-separated list of check-name globs ("fearless-*,-fearless-x"),
/// with clang-tidy's semantics: the last glob that matches decides.
class GlobList {
public:
  explicit GlobList(const std::string &Text = "*");
  bool contains(const std::string &Name) const;

private:
  struct Glob {
    bool Positive;
    std::string Pattern;
  };
  std::vector<Glob> Globs;
};

bool globMatch(const std::string &Pattern, const std::string &Name);

class SuppressionIndex {
public:
  enum class Kind { SameLine, NextLine, Region };
  struct Directive {
    Kind K;
    unsigned Line;    ///< line of the comment (the BEGIN for regions)
    unsigned EndLine; ///< last line covered (inclusive)
    unsigned FirstLine;
    std::string Checks; ///< "" = all checks
    bool Used = false;
  };

  /// Indexes the NOLINT directives of one file's text.
  static SuppressionIndex parse(const std::string &Text);

  /// True when a directive covering \p Line names \p CheckId; marks it used.
  bool suppresses(unsigned Line, const std::string &CheckId);

  const std::vector<Directive> &directives() const { return Directives; }
  /// "12: unmatched NOLINTBEGIN" style messages.
  const std::vector<std::string> &problems() const { return Problems; }

private:
  std::vector<Directive> Directives;
  std::vector<std::string> Problems;
};

} // namespace fearless

#endif
