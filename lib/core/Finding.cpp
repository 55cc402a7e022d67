#include "core/Finding.h"

#include <algorithm>
#include <tuple>

namespace fearless {

const char *severityName(Severity S) {
  switch (S) {
  case Severity::Note:
    return "note";
  case Severity::Warning:
    return "warning";
  case Severity::Error:
    return "error";
  }
  return "warning";
}

bool parseSeverity(const std::string &Name, Severity &Out) {
  if (Name == "note")
    Out = Severity::Note;
  else if (Name == "warning")
    Out = Severity::Warning;
  else if (Name == "error")
    Out = Severity::Error;
  else
    return false;
  return true;
}

bool operator<(const Location &A, const Location &B) {
  return std::tie(A.File, A.Line, A.Column) <
         std::tie(B.File, B.Line, B.Column);
}

bool operator==(const Location &A, const Location &B) {
  return A.File == B.File && A.Line == B.Line && A.Column == B.Column;
}

static bool relatedLess(const std::vector<RelatedLocation> &A,
                        const std::vector<RelatedLocation> &B) {
  return std::lexicographical_compare(
      A.begin(), A.end(), B.begin(), B.end(),
      [](const RelatedLocation &X, const RelatedLocation &Y) {
        return std::tie(X.Loc, X.Message) < std::tie(Y.Loc, Y.Message);
      });
}

static bool relatedEqual(const std::vector<RelatedLocation> &A,
                         const std::vector<RelatedLocation> &B) {
  return std::equal(A.begin(), A.end(), B.begin(), B.end(),
                    [](const RelatedLocation &X, const RelatedLocation &Y) {
                      return X.Loc == Y.Loc && X.Message == Y.Message;
                    });
}

bool operator<(const Finding &A, const Finding &B) {
  if (std::tie(A.Loc, A.CheckId, A.Message) !=
      std::tie(B.Loc, B.CheckId, B.Message))
    return std::tie(A.Loc, A.CheckId, A.Message) <
           std::tie(B.Loc, B.CheckId, B.Message);
  return relatedLess(A.Related, B.Related);
}

bool sameFinding(const Finding &A, const Finding &B) {
  return A.Loc == B.Loc && A.CheckId == B.CheckId && A.Message == B.Message &&
         relatedEqual(A.Related, B.Related);
}

void sortAndUnique(std::vector<Finding> &Findings) {
  std::stable_sort(Findings.begin(), Findings.end());
  Findings.erase(std::unique(Findings.begin(), Findings.end(), sameFinding),
                 Findings.end());
}

} // namespace fearless
