// Guards that unlock immediately: the code after them runs unprotected.
#include <mutex>

std::mutex mu;
int value = 0;

void unnamed_guard() {
  std::lock_guard<std::mutex>{mu}; // expect: fearless-temporary-guard temporary 'std::lock_guard' is destroyed at the end of this statement, so 'mu' is unlocked at once
  value++;
}

void shadowing_declaration() {
  std::unique_lock<std::mutex>(mu); // expect: fearless-temporary-guard this declares a new, empty 'std::unique_lock' named 'mu' instead of locking 'mu'
  value++;
}

int main() {
  unnamed_guard();
  shadowing_declaration();
  return 0;
}
