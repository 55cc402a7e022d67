// Writes a synthetic C++ project for the whole-program lock-order
// benchmark: N translation units sharing K background locks whose orders
// form a DAG (lower half before upper half, always across units), plus
// exactly C planted cycles, of length 2 and 3 alternately, each edge taken
// in one unit while calling into another unit that takes the next lock.
//
//   gen_lock_project DIR N [K] [C]
//
// Defaults: K = max(4, N / 2) rounded up to even, C = max(1, N / 10).
// Writes DIR/locks.h, DIR/unit_<i>.cpp and DIR/compile_commands.json, and
// prints "planted C". Exit 2 on bad arguments or an unwritable DIR.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

bool write(const std::string &Path, const std::string &Text) {
  std::ofstream Out(Path);
  Out << Text;
  return bool(Out);
}

std::string cycLock(unsigned C, unsigned E) {
  return "cyc_" + std::to_string(C) + "_" + std::to_string(E);
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 3) {
    std::fprintf(stderr, "usage: gen_lock_project DIR N [K] [C]\n");
    return 2;
  }
  std::string Dir = Argv[1];
  long N = std::atol(Argv[2]);
  long K = Argc > 3 ? std::atol(Argv[3]) : std::max(4L, N / 2);
  long C = Argc > 4 ? std::atol(Argv[4]) : std::max(1L, N / 10);
  if (N < 3 || K < 2 || C < 0) {
    std::fprintf(stderr, "gen_lock_project: need N >= 3, K >= 2, C >= 0\n");
    return 2;
  }
  K += K % 2;
  mkdir(Dir.c_str(), 0755);
  long Half = K / 2;

  std::string H = "#pragma once\n#include <mutex>\n\n";
  for (long I = 0; I < K; ++I)
    H += "extern std::mutex bg_" + std::to_string(I) + ";\n";
  for (long I = 0; I < N; ++I)
    H += "void work_" + std::to_string(I) + "();\nvoid helper_" +
         std::to_string(I) + "();\n";
  std::vector<std::vector<std::string>> Extra(N);
  for (long Cy = 0; Cy < C; ++Cy) {
    unsigned Len = 2 + Cy % 2;
    for (unsigned E = 0; E < Len; ++E) {
      std::string L = cycLock(Cy, E), Next = cycLock(Cy, (E + 1) % Len);
      H += "extern std::mutex " + L + ";\nvoid hold_" + L + "();\nvoid take_" +
           L + "();\n";
      // hold_<L> lives in one unit, take_<Next> in the following one.
      long Unit = (Cy * 3 + E) % N;
      long Other = (Unit + 1) % N;
      Extra[Unit].push_back("std::mutex " + L + ";\nvoid hold_" + L +
                            "() {\n  std::lock_guard<std::mutex> g(" + L +
                            ");\n  take_" + Next + "();\n}\n");
      Extra[Other].push_back("void take_" + Next +
                             "() {\n  std::lock_guard<std::mutex> g(" + Next +
                             ");\n}\n");
    }
  }
  if (!write(Dir + "/locks.h", H)) {
    std::fprintf(stderr, "gen_lock_project: cannot write %s\n", Dir.c_str());
    return 2;
  }
  std::string Db = "[\n";
  for (long I = 0; I < N; ++I) {
    std::string S = "#include \"locks.h\"\n\n";
    // Background locks are defined round-robin.
    for (long B = I; B < K; B += N)
      S += "std::mutex bg_" + std::to_string(B) + ";\n";
    std::string Lower = "bg_" + std::to_string(I % Half);
    std::string Upper = "bg_" + std::to_string(Half + (I * 7) % Half);
    S += "static int counter_" + std::to_string(I) + ";\n\n";
    S += "void work_" + std::to_string(I) + "() {\n  std::lock_guard<std::mutex> g(" +
         Lower + ");\n  ++counter_" + std::to_string(I) + ";\n  helper_" +
         std::to_string((I + 1) % N) + "();\n}\n\n";
    S += "void helper_" + std::to_string(I) + "() {\n  std::lock_guard<std::mutex> g(" +
         Upper + ");\n  ++counter_" + std::to_string(I) + ";\n}\n\n";
    for (const std::string &X : Extra[I])
      S += X + "\n";
    std::string File = Dir + "/unit_" + std::to_string(I) + ".cpp";
    if (!write(File, S)) {
      std::fprintf(stderr, "gen_lock_project: cannot write %s\n", File.c_str());
      return 2;
    }
    Db += std::string(I ? ",\n" : "") + "  {\"directory\": \"" + Dir +
          "\", \"file\": \"" + File +
          "\", \"arguments\": [\"c++\", \"-std=c++17\", \"-c\", \"" + File +
          "\"]}";
  }
  if (!write(Dir + "/compile_commands.json", Db + "\n]\n")) {
    std::fprintf(stderr, "gen_lock_project: cannot write the database\n");
    return 2;
  }
  std::printf("planted %ld\n", C);
  return 0;
}
