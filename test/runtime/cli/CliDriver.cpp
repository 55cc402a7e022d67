// Stand-in for the `fearless` CLI's dispatch of `run` and `report`, so the
// runtime tests exercise tool/RunCommand.cpp on their own.
#include "RunCommand.h"

#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "run"))
    return fearless::tool::runCommand(argc - 1, argv + 1);
  if (argc >= 2 && !std::strcmp(argv[1], "report"))
    return fearless::tool::reportCommand(argc - 1, argv + 1);
  std::fprintf(stderr, "usage: %s run|report ...\n", argv[0]);
  return 2;
}
