// A GoogleTest main that installs the fearless listener: link
// fearless::rt_gtest_main instead of GTest::gtest_main.
#include "fearless/gtest_listener.h"

#include <gtest/gtest.h>

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  fearless::gtest::install();
  return RUN_ALL_TESTS();
}
