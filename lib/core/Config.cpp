#include "core/Config.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"

namespace fearless {

namespace yaml = llvm::yaml;

static bool scalar(yaml::Node *N, std::string &Out) {
  auto *S = llvm::dyn_cast_or_null<yaml::ScalarNode>(N);
  if (!S)
    return false;
  llvm::SmallString<64> Storage;
  Out = S->getValue(Storage).str();
  return true;
}

bool parseTidyConfig(llvm::StringRef Text, TidyConfig &Out,
                     std::string &Error) {
  llvm::SourceMgr SM;
  std::string Diag;
  SM.setDiagHandler(
      [](const llvm::SMDiagnostic &D, void *Ctx) {
        auto *S = static_cast<std::string *>(Ctx);
        if (S->empty())
          *S = "line " + std::to_string(D.getLineNo()) + ": " +
               D.getMessage().str();
      },
      &Diag);
  yaml::Stream Stream(Text, SM);
  TidyConfig C;
  for (yaml::Document &Doc : Stream) {
    yaml::Node *Root = Doc.getRoot();
    if (!Root || llvm::isa<yaml::NullNode>(Root))
      continue;
    auto *Map = llvm::dyn_cast<yaml::MappingNode>(Root);
    if (!Map) {
      Error = Diag.empty() ? "the top level is not a mapping" : Diag;
      return false;
    }
    for (yaml::KeyValueNode &KV : *Map) {
      std::string Key;
      if (!scalar(KV.getKey(), Key) || Key != "CheckOptions")
        continue;
      yaml::Node *V = KV.getValue();
      if (auto *M = llvm::dyn_cast_or_null<yaml::MappingNode>(V)) {
        for (yaml::KeyValueNode &Opt : *M) {
          std::string K, Val;
          if (!scalar(Opt.getKey(), K) || !scalar(Opt.getValue(), Val)) {
            Error = "CheckOptions: every option needs a key and a scalar value";
            return false;
          }
          C.Options[K] = Val;
        }
      } else if (auto *S = llvm::dyn_cast_or_null<yaml::SequenceNode>(V)) {
        for (yaml::Node &Item : *S) {
          auto *M = llvm::dyn_cast<yaml::MappingNode>(&Item);
          std::string K, Val;
          bool HasKey = false, HasValue = false;
          if (M)
            for (yaml::KeyValueNode &F : *M) {
              std::string Name;
              if (!scalar(F.getKey(), Name))
                continue;
              if (Name == "key")
                HasKey = scalar(F.getValue(), K);
              else if (Name == "value")
                HasValue = scalar(F.getValue(), Val);
            }
          if (!HasKey || !HasValue) {
            Error = "CheckOptions: every list entry needs 'key' and 'value'";
            return false;
          }
          C.Options[K] = Val;
        }
      } else if (V && !llvm::isa<yaml::NullNode>(V)) {
        Error = "CheckOptions must be a mapping or a list";
        return false;
      }
    }
  }
  if (!Diag.empty() || Stream.failed()) {
    Error = Diag.empty() ? "not valid YAML" : Diag;
    return false;
  }
  Out = std::move(C);
  return true;
}

std::string findTidyConfig(llvm::StringRef Dir) {
  llvm::SmallString<256> D(Dir);
  llvm::sys::fs::make_absolute(D);
  for (llvm::StringRef Cur = D; !Cur.empty();
       Cur = llvm::sys::path::parent_path(Cur)) {
    llvm::SmallString<256> P(Cur);
    llvm::sys::path::append(P, ".clang-tidy");
    if (llvm::sys::fs::is_regular_file(P))
      return std::string(P);
  }
  return "";
}

} // namespace fearless
