# CMake helpers that run tests under the fearless runtime lock-order
# recorder (libfearless_rt.so through LD_PRELOAD).
#
#   fearless_runtime_environment(<out-var> [OPTIONS <FEARLESS_OPTIONS>])
#       Sets <out-var> to the ENVIRONMENT list (LD_PRELOAD, FEARLESS_OPTIONS).
#   fearless_add_test(NAME <name> COMMAND <cmd> [args...]
#                     [OPTIONS <FEARLESS_OPTIONS>] [LABELS <labels>...])
#       add_test() whose process runs under the recorder.
#   fearless_discover_tests(<target> [OPTIONS <FEARLESS_OPTIONS>]
#                           [<gtest_discover_tests arguments>...])
#       gtest_discover_tests() for <target>: every test of the target runs
#       under the recorder.
#   fearless_instrument_tests(<test>... [OPTIONS <FEARLESS_OPTIONS>])
#       Puts already-added tests under the recorder.
#
# OPTIONS defaults to FEARLESS_DEFAULT_OPTIONS ("exitcode=66:watchdog_ms=20000"):
# a test whose run closes a lock-order cycle exits with 66 and fails.
# The recorder library is the fearless::rt target when it exists (build
# tree or an imported package), else FEARLESS_RT_LIBRARY.
include_guard(GLOBAL)

if(NOT DEFINED FEARLESS_DEFAULT_OPTIONS)
  set(FEARLESS_DEFAULT_OPTIONS "exitcode=66:watchdog_ms=20000")
endif()

function(fearless_runtime_environment out)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OPTIONS" "")
  if(NOT DEFINED ARG_OPTIONS)
    set(ARG_OPTIONS "${FEARLESS_DEFAULT_OPTIONS}")
  endif()
  if(TARGET fearless::rt)
    set(lib "$<TARGET_FILE:fearless::rt>")
  elseif(FEARLESS_RT_LIBRARY)
    set(lib "${FEARLESS_RT_LIBRARY}")
  else()
    message(FATAL_ERROR "fearless: no fearless::rt target and FEARLESS_RT_LIBRARY is not set")
  endif()
  set(${out} "LD_PRELOAD=${lib};FEARLESS_OPTIONS=${ARG_OPTIONS}" PARENT_SCOPE)
endfunction()

function(fearless_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME;OPTIONS" "COMMAND;LABELS")
  if(DEFINED ARG_OPTIONS)
    fearless_runtime_environment(env OPTIONS "${ARG_OPTIONS}")
  else()
    fearless_runtime_environment(env)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_COMMAND})
  set_tests_properties(${ARG_NAME} PROPERTIES ENVIRONMENT "${env}")
  if(ARG_LABELS)
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

function(fearless_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OPTIONS" "")
  if(DEFINED ARG_OPTIONS)
    fearless_runtime_environment(env OPTIONS "${ARG_OPTIONS}")
  else()
    fearless_runtime_environment(env)
  endif()
  # gtest_discover_tests forwards PROPERTIES to every discovered test.
  gtest_discover_tests(${target} ${ARG_UNPARSED_ARGUMENTS}
    PROPERTIES ENVIRONMENT "${env}")
endfunction()

function(fearless_instrument_tests)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "OPTIONS" "")
  if(DEFINED ARG_OPTIONS)
    fearless_runtime_environment(env OPTIONS "${ARG_OPTIONS}")
  else()
    fearless_runtime_environment(env)
  endif()
  foreach(t IN LISTS ARG_UNPARSED_ARGUMENTS)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT "${env}")
  endforeach()
endfunction()
