#include "Subprocess.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace fearless::test {

std::string readFile(const std::string &Path) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  return Buf ? (*Buf)->getBuffer().str() : std::string();
}

void writeFile(const std::string &Path, const std::string &Text) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  OS << Text;
}

std::string makeTempDir(const std::string &Prefix) {
  llvm::SmallString<128> Dir;
  llvm::sys::fs::createUniqueDirectory(Prefix, Dir);
  return std::string(Dir);
}

Result run(const std::vector<std::string> &Argv, const std::string &Dir,
           unsigned TimeoutSeconds) {
  Result R;
  llvm::SmallString<128> OutPath, ErrPath;
  llvm::sys::fs::createTemporaryFile("fearless-out", "txt", OutPath);
  llvm::sys::fs::createTemporaryFile("fearless-err", "txt", ErrPath);
  std::optional<llvm::StringRef> Redirects[] = {
      llvm::StringRef(""), llvm::StringRef(OutPath), llvm::StringRef(ErrPath)};
  // ExecuteAndWait has no working-directory parameter; sh provides one.
  std::string Cd = "cd '" + Dir + "' && exec \"$0\" \"$@\"";
  std::vector<llvm::StringRef> Args;
  if (!Dir.empty())
    Args = {"/bin/sh", "-c", Cd};
  Args.insert(Args.end(), Argv.begin(), Argv.end());
  std::string Program = Args[0].str();
  std::string ErrMsg;
  bool Failed = false;
  R.ExitCode = llvm::sys::ExecuteAndWait(Program, Args, std::nullopt,
                                         Redirects, TimeoutSeconds, 0, &ErrMsg,
                                         &Failed);
  if (Failed || R.ExitCode < 0)
    R.Failure = ErrMsg.empty() ? "did not finish" : ErrMsg;
  R.Out = readFile(std::string(OutPath));
  R.Err = readFile(std::string(ErrPath));
  llvm::sys::fs::remove(OutPath);
  llvm::sys::fs::remove(ErrPath);
  return R;
}

} // namespace fearless::test
