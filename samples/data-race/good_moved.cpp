// Data handed to the thread by value (moved in): the thread owns its copy
// and the spawner no longer uses it.
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

void consume(std::vector<std::string> lines) {
  lines.push_back("done");
  std::printf("%zu lines\n", lines.size());
}

int main() {
  std::vector<std::string> lines = {"a", "b"};
  std::thread t(consume, std::move(lines));
  std::vector<int> numbers = {1, 2, 3};
  std::thread u([numbers = std::move(numbers)]() mutable {
    numbers.push_back(4);
    std::printf("%zu numbers\n", numbers.size());
  });
  lines.clear(); // the moved-from object is the spawner's own
  t.join();
  u.join();
  return 0;
}
