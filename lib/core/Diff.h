//===- core/Diff.h - Lines changed since a git revision -------------------===//
//
// Diff-aware runs (`fearless analyze --diff-base REV`) report only findings
// that touch a line changed since REV: the primary location, a related
// location, or any step of the trace. The changed lines come from
// `git diff -U0 --no-color --no-ext-diff REV` (working tree against REV,
// so uncommitted edits count), parsed hunk by hunk:
//   "@@ -a,b +c,d @@" with d > 0  lines c .. c+d-1 of the new file changed
//   "@@ -a,b +c,0 @@"             lines were deleted after line c: lines c
//                                 and c+1 count as touched, so a finding
//                                 next to a removed line (a deleted join())
//                                 is still reported
// Files git does not track yet (`git ls-files --others --exclude-standard`)
// count as changed in full.
//
// Contract: git is run as a subprocess with a time limit; every failure
// (no git, not a repository, unknown revision) is a false return with a
// one-line reason. Paths are compared after resolving symbolic links, so a
// repository reached through a link still matches. Not thread-safe.
//
//===----------------------------------------------------------------------===//
#ifndef FEARLESS_CORE_DIFF_H
#define FEARLESS_CORE_DIFF_H

#include "core/Finding.h"

#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fearless {

class ChangedLines {
public:
  /// Parses `git diff -U0` output; paths are taken relative to \p RepoRoot.
  void addUnifiedDiff(llvm::StringRef Diff, const std::string &RepoRoot);
  void add(const std::string &AbsFile, unsigned First, unsigned Last);

  bool touches(const Location &L) const;
  /// The primary, a related or a trace location touches a changed line.
  bool touches(const Finding &F) const;
  size_t fileCount() const { return Files.size(); }

private:
  std::map<std::string, std::vector<std::pair<unsigned, unsigned>>> Files;
  mutable std::map<std::string, std::string> RealPaths;
  std::string real(const std::string &Path) const;
};

/// The top-level directory of the git work tree containing \p Dir (a file
/// or a directory); empty when there is none or git is not installed.
std::string gitTopLevel(const std::string &Dir);

/// Runs git in \p RepoRoot and collects the lines changed since \p Rev.
bool gitChangedLines(const std::string &RepoRoot, const std::string &Rev,
                     ChangedLines &Out, std::string &Error);

} // namespace fearless

#endif
