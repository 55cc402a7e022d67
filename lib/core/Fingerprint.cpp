#include "core/Fingerprint.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace fearless {

std::string normalizeSnippet(const std::string &Line) {
  std::string Out;
  bool PendingSpace = false;
  for (char C : Line) {
    if (std::isspace(static_cast<unsigned char>(C))) {
      PendingSpace = !Out.empty();
      continue;
    }
    if (PendingSpace)
      Out += ' ';
    PendingSpace = false;
    Out += C;
  }
  return Out;
}

std::string relativeTo(const std::string &Path, const std::string &SourceRoot) {
  if (SourceRoot.empty())
    return Path;
  std::string Root = SourceRoot;
  while (Root.size() > 1 && Root.back() == '/')
    Root.pop_back();
  if (Path.size() > Root.size() && Path.compare(0, Root.size(), Root) == 0 &&
      Path[Root.size()] == '/')
    return Path.substr(Root.size() + 1);
  return Path;
}

namespace {
class Fnv1a {
  uint64_t H = 0xcbf29ce484222325ULL;

public:
  void add(const std::string &S) {
    for (unsigned char C : S) {
      H ^= C;
      H *= 0x100000001b3ULL;
    }
    // Field separator, so ("ab","c") and ("a","bc") differ.
    H ^= 0xff;
    H *= 0x100000001b3ULL;
  }
  std::string hex() const {
    char Buf[17];
    std::snprintf(Buf, sizeof Buf, "%016" PRIx64, H);
    return Buf;
  }
};
} // namespace

void assignFingerprints(std::vector<Finding> &Findings,
                        const std::string &SourceRoot) {
  std::map<std::string, unsigned> Seen;
  for (Finding &F : Findings) {
    Fnv1a H;
    H.add(F.CheckId);
    H.add(relativeTo(F.Loc.File, SourceRoot));
    H.add(F.Scope);
    H.add(F.Message);
    H.add(normalizeSnippet(F.Snippet));
    std::string Base = H.hex();
    unsigned Ordinal = Seen[Base]++;
    if (Ordinal != 0) {
      H.add(std::to_string(Ordinal));
      F.Fingerprint = H.hex();
    } else {
      F.Fingerprint = Base;
    }
  }
}

} // namespace fearless
