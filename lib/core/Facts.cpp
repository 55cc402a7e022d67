#include "core/Facts.h"

#include "core/Writers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <map>

namespace fearless {

std::string contentHash(llvm::StringRef Data) {
  return llvm::formatv("{0:x-16}", llvm::xxh3_64bits(Data)).str();
}

bool describeFile(llvm::StringRef Path, FactsDependency &Out) {
  llvm::sys::fs::file_status St;
  if (llvm::sys::fs::status(Path, St))
    return false;
  auto Buf = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf)
    return false;
  Out.Path = Path.str();
  Out.Size = St.getSize();
  Out.MTime = llvm::sys::toTimeT(St.getLastModificationTime());
  Out.Hash = contentHash((*Buf)->getBuffer());
  return true;
}

bool dependenciesUnchanged(const UnitFacts &U) {
  for (const FactsDependency &D : U.Deps) {
    llvm::sys::fs::file_status St;
    if (llvm::sys::fs::status(D.Path, St) || St.getSize() != D.Size)
      return false;
    if (llvm::sys::toTimeT(St.getLastModificationTime()) == D.MTime)
      continue;
    FactsDependency Now;
    if (!describeFile(D.Path, Now) || Now.Hash != D.Hash)
      return false;
  }
  return true;
}

llvm::json::Value unitFactsToJson(const UnitFacts &U) {
  llvm::json::Array Deps;
  for (const FactsDependency &D : U.Deps)
    Deps.push_back(llvm::json::Object{{"path", D.Path},
                                      {"size", static_cast<int64_t>(D.Size)},
                                      {"mtime", D.MTime},
                                      {"hash", D.Hash}});
  llvm::json::Array Findings;
  for (const Finding &F : U.Findings)
    Findings.push_back(findingToJson(F));
  return llvm::json::Object{
      {"format", "fearless-facts"},
      {"version", FactsVersion},
      {"tool", toolVersion()},
      {"file", U.File},
      {"key", U.Key},
      {"dependencies", std::move(Deps)},
      {"findings", std::move(Findings)},
      {"sections", llvm::json::Object(U.Sections)},
  };
}

bool unitFactsFromJson(const llvm::json::Value &V, UnitFacts &Out,
                       std::string &Error) {
  const llvm::json::Object *O = V.getAsObject();
  if (!O || O->getString("format") != llvm::StringRef("fearless-facts")) {
    Error = "not a fearless facts file (missing \"format\": \"fearless-facts\")";
    return false;
  }
  if (O->getInteger("version") != static_cast<int64_t>(FactsVersion)) {
    Error = "facts format version " +
            std::to_string(O->getInteger("version").value_or(0)) +
            " is not the supported version " + std::to_string(FactsVersion);
    return false;
  }
  UnitFacts U;
  auto File = O->getString("file");
  auto Key = O->getString("key");
  if (!File || File->empty() || !Key) {
    Error = "facts file lacks \"file\" or \"key\"";
    return false;
  }
  U.File = File->str();
  U.Key = Key->str();
  if (const llvm::json::Array *Deps = O->getArray("dependencies"))
    for (const llvm::json::Value &DV : *Deps) {
      const llvm::json::Object *DO = DV.getAsObject();
      FactsDependency D;
      if (!DO || !DO->getString("path") || !DO->getInteger("size") ||
          !DO->getInteger("mtime") || !DO->getString("hash")) {
        Error = "malformed dependency entry";
        return false;
      }
      D.Path = DO->getString("path")->str();
      D.Size = static_cast<uint64_t>(*DO->getInteger("size"));
      D.MTime = *DO->getInteger("mtime");
      D.Hash = DO->getString("hash")->str();
      U.Deps.push_back(std::move(D));
    }
  if (const llvm::json::Array *Fs = O->getArray("findings"))
    for (size_t I = 0; I < Fs->size(); ++I) {
      Finding F;
      std::string Why;
      if (!findingFromJson((*Fs)[I], F, Why)) {
        Error = "finding " + std::to_string(I) + " " + Why;
        return false;
      }
      U.Findings.push_back(std::move(F));
    }
  if (const llvm::json::Object *S = O->getObject("sections"))
    U.Sections = *S;
  Out = std::move(U);
  return true;
}

bool writeUnitFacts(llvm::StringRef Path, const UnitFacts &U,
                    std::string &Error) {
  llvm::SmallString<256> Dir(Path);
  llvm::sys::path::remove_filename(Dir);
  if (!Dir.empty())
    if (std::error_code EC = llvm::sys::fs::create_directories(Dir)) {
      Error = "cannot create '" + std::string(Dir) + "': " + EC.message();
      return false;
    }
  llvm::SmallString<256> Tmp;
  int FD = -1;
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(
          Path + ".tmp-%%%%%%%%", FD, Tmp)) {
    Error = "cannot write '" + Path.str() + "': " + EC.message();
    return false;
  }
  {
    llvm::raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << llvm::json::Value(unitFactsToJson(U)) << '\n';
    OS.close();
    if (OS.has_error()) {
      Error = "cannot write '" + Path.str() + "': " + OS.error().message();
      OS.clear_error();
      llvm::sys::fs::remove(Tmp);
      return false;
    }
  }
  if (std::error_code EC = llvm::sys::fs::rename(Tmp, Path)) {
    Error = "cannot write '" + Path.str() + "': " + EC.message();
    llvm::sys::fs::remove(Tmp);
    return false;
  }
  return true;
}

bool readUnitFacts(llvm::StringRef Path, UnitFacts &Out, std::string &Error) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf) {
    Error = Buf.getError().message();
    return false;
  }
  auto Parsed = llvm::json::parse((*Buf)->getBuffer());
  if (!Parsed) {
    Error = "not valid JSON: " + llvm::toString(Parsed.takeError());
    return false;
  }
  return unitFactsFromJson(*Parsed, Out, Error);
}

std::string factsFileName(llvm::StringRef MainFile, llvm::StringRef Key) {
  return (llvm::sys::path::filename(MainFile) + "." +
          contentHash((MainFile + "\n" + Key).str()) + ".facts.json")
      .str();
}

std::vector<UnitFacts> loadFacts(const std::vector<std::string> &Inputs,
                                 std::vector<std::string> &Errors) {
  std::vector<std::string> Files;
  for (const std::string &In : Inputs) {
    if (!llvm::sys::fs::is_directory(In)) {
      if (!llvm::sys::fs::exists(In))
        Errors.push_back(In + ": no such file or directory");
      else
        Files.push_back(In);
      continue;
    }
    std::error_code EC;
    std::vector<std::string> Here;
    for (llvm::sys::fs::directory_iterator It(In, EC), End; It != End && !EC;
         It.increment(EC))
      if (llvm::StringRef(It->path()).ends_with(".facts.json"))
        Here.push_back(It->path());
    if (EC)
      Errors.push_back(In + ": " + EC.message());
    std::sort(Here.begin(), Here.end());
    Files.insert(Files.end(), Here.begin(), Here.end());
  }
  std::map<std::string, UnitFacts> ByUnit;
  for (const std::string &F : Files) {
    UnitFacts U;
    std::string Why;
    if (!readUnitFacts(F, U, Why)) {
      Errors.push_back(F + ": " + Why);
      continue;
    }
    // The same unit twice (two shards, or a stale copy): keep one, chosen
    // by key so the choice does not depend on reading order.
    auto It = ByUnit.find(U.File);
    if (It == ByUnit.end() || U.Key < It->second.Key)
      ByUnit[U.File] = std::move(U);
  }
  std::vector<UnitFacts> Out;
  for (auto &[File, U] : ByUnit)
    Out.push_back(std::move(U));
  return Out;
}

std::vector<std::set<std::string>>
ownCopies(const std::vector<std::vector<SymbolDefinition>> &Defined) {
  struct Seen {
    unsigned Strong = 0;
    std::set<std::string> Places; ///< where inline definitions are written
  };
  std::map<std::string, Seen> ByUsr;
  for (const std::vector<SymbolDefinition> &U : Defined) {
    std::set<std::string> Once; // a unit defines a symbol once
    for (const SymbolDefinition &D : U)
      if (Once.insert(D.Usr).second) {
        Seen &S = ByUsr[D.Usr];
        S.Strong += D.Strong;
        if (!D.Strong && !D.Where.empty())
          S.Places.insert(D.Where);
      }
  }
  std::vector<std::set<std::string>> Out;
  for (const std::vector<SymbolDefinition> &U : Defined) {
    std::set<std::string> &Own = Out.emplace_back();
    for (const SymbolDefinition &D : U) {
      const Seen &S = ByUsr[D.Usr];
      if (D.Strong ? S.Strong > 1
                   : S.Strong > 0 || (!D.Where.empty() && S.Places.size() > 1))
        Own.insert(D.Usr);
    }
  }
  return Out;
}

std::string ownCopy(llvm::StringRef Usr, llvm::StringRef Unit) {
  return (Usr + "@" + Unit).str();
}

} // namespace fearless
