// Each thread gets its own copy of a shared_ptr to a configuration that
// nobody modifies once the threads run: shared reads are not races.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

struct Config {
  std::string name;
  int retries = 0;
};

int main() {
  auto config = std::make_shared<Config>();
  config->name = "primary";
  config->retries = 3;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([config, i] {
      std::printf("%d: %s x%d\n", i, config->name.c_str(), config->retries);
    });
  for (std::thread &t : threads)
    t.join();
  return 0;
}
