#include "core/Baseline.h"

#include "core/Fingerprint.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace fearless {

namespace json = llvm::json;

Baseline makeBaseline(const std::vector<Finding> &Findings,
                      const std::string &SourceRoot) {
  Baseline B;
  for (const Finding &F : Findings)
    B.Entries.push_back({F.Fingerprint, F.CheckId,
                         relativeTo(F.Loc.File, SourceRoot), F.Loc.Line,
                         F.Message, F.Scope});
  std::sort(B.Entries.begin(), B.Entries.end(),
            [](const BaselineEntry &A, const BaselineEntry &C) {
              return std::tie(A.File, A.Line, A.CheckId, A.Fingerprint) <
                     std::tie(C.File, C.Line, C.CheckId, C.Fingerprint);
            });
  return B;
}

void writeBaseline(llvm::raw_ostream &OS, const Baseline &B) {
  // Written by hand rather than through json::Object so the key order is
  // the reading order (fingerprint first), not alphabetical.
  auto Str = [](const std::string &S) {
    std::string Out;
    llvm::raw_string_ostream SO(Out);
    SO << json::Value(S);
    return Out;
  };
  OS << "{\n  \"format\": \"fearless-baseline\",\n  \"version\": 1,\n"
     << "  \"findings\": [";
  bool First = true;
  for (const BaselineEntry &E : B.Entries) {
    OS << (First ? "\n" : ",\n");
    First = false;
    OS << "    {\"fingerprint\": " << Str(E.Fingerprint)
       << ", \"check\": " << Str(E.CheckId) << ", \"file\": " << Str(E.File)
       << ", \"line\": " << E.Line << ",\n     \"scope\": " << Str(E.Scope)
       << ", \"message\": " << Str(E.Message) << "}";
  }
  OS << (First ? "]\n}\n" : "\n  ]\n}\n");
}

bool readBaseline(llvm::StringRef Text, Baseline &Out, std::string &Error) {
  auto Parsed = json::parse(Text);
  if (!Parsed) {
    Error = "not valid JSON: " + llvm::toString(Parsed.takeError());
    return false;
  }
  const json::Object *Root = Parsed->getAsObject();
  if (!Root || Root->getString("format") != llvm::StringRef("fearless-baseline")) {
    Error = "not a fearless baseline (missing \"format\": \"fearless-baseline\")";
    return false;
  }
  if (Root->getInteger("version") != 1) {
    Error = "unsupported baseline version (this fearless reads version 1)";
    return false;
  }
  const json::Array *Findings = Root->getArray("findings");
  if (!Findings) {
    Error = "baseline has no \"findings\" array";
    return false;
  }
  Baseline B;
  for (size_t I = 0; I < Findings->size(); ++I) {
    const json::Object *O = (*Findings)[I].getAsObject();
    auto FP = O ? O->getString("fingerprint") : std::nullopt;
    if (!FP || FP->empty()) {
      Error = "baseline entry " + std::to_string(I) + " has no fingerprint";
      return false;
    }
    BaselineEntry E;
    E.Fingerprint = FP->str();
    auto S = [&](llvm::StringRef K) {
      auto V = O->getString(K);
      return V ? V->str() : std::string();
    };
    E.CheckId = S("check");
    E.File = S("file");
    E.Message = S("message");
    E.Scope = S("scope");
    if (auto L = O->getInteger("line"); L && *L > 0)
      E.Line = static_cast<unsigned>(*L);
    B.Entries.push_back(std::move(E));
  }
  Out = std::move(B);
  return true;
}

BaselineMatch applyBaseline(const std::vector<Finding> &Findings,
                            const Baseline &B) {
  std::map<std::string, std::vector<size_t>> Remaining;
  for (size_t I = 0; I < B.Entries.size(); ++I)
    Remaining[B.Entries[I].Fingerprint].push_back(I);
  BaselineMatch M;
  std::vector<bool> Used(B.Entries.size(), false);
  for (const Finding &F : Findings) {
    auto It = Remaining.find(F.Fingerprint);
    if (It == Remaining.end() || It->second.empty() || F.Fingerprint.empty()) {
      M.New.push_back(F);
      continue;
    }
    Used[It->second.back()] = true;
    It->second.pop_back();
    ++M.Matched;
  }
  for (size_t I = 0; I < B.Entries.size(); ++I)
    if (!Used[I])
      M.Disappeared.push_back(B.Entries[I]);
  return M;
}

} // namespace fearless
