#include "analysis/Check.h"

#include "llvm/ADT/StringExtras.h"

namespace fearless {

CheckOptions::~CheckOptions() = default;
ReportHandler::~ReportHandler() = default;
Check::~Check() = default;

std::string CheckOptions::get(llvm::StringRef, llvm::StringRef Default) const {
  return Default.str();
}

bool CheckOptions::getBool(llvm::StringRef Key, bool Default) const {
  std::string V = llvm::StringRef(get(Key, Default ? "true" : "false")).lower();
  if (V == "true" || V == "1" || V == "yes" || V == "on")
    return true;
  if (V == "false" || V == "0" || V == "no" || V == "off")
    return false;
  return Default;
}

std::vector<std::string> CheckOptions::getList(llvm::StringRef Key,
                                               llvm::StringRef Default) const {
  std::string V = get(Key, Default);
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  llvm::SplitString(V, Parts, ";,");
  std::vector<std::string> Out;
  for (llvm::StringRef P : Parts)
    if (!P.trim().empty())
      Out.push_back(P.trim().str());
  return Out;
}

} // namespace fearless
