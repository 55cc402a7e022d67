# Installs the fearless build tree into a fresh prefix, then configures,
# builds and tests test/install/consumer against it. Every step has a time
# limit.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DCONSUMER=... -DGENERATOR=... -P RunInstallTest.cmake
foreach(v BUILD_DIR WORK_DIR CONSUMER GENERATOR LIBDIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "RunInstallTest.cmake needs -D${v}=...")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err TIMEOUT 240)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${name}: ok")
endfunction()

step("install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
set(expected bin/fearless lib/libfearless-tidy.so)
if(EXPECT_RUNTIME)
  list(APPEND expected include/fearless/runtime.h lib/libfearless_rt.so
    lib/libfearless_rt_static.a)
endif()
foreach(f ${expected})
  string(REPLACE "lib/" "${LIBDIR}/" f "${f}")
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB_RECURSE configs "${prefix}/*/fearlessConfig.cmake")
if(NOT configs)
  message(FATAL_ERROR "no fearlessConfig.cmake under ${prefix}")
endif()

step("configure consumer" ${CMAKE_COMMAND} -S "${CONSUMER}" -B "${WORK_DIR}/build"
  -G "${GENERATOR}" -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
step("build consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/build")
step("test consumer" ${CMAKE_CTEST_COMMAND} --test-dir "${WORK_DIR}/build"
  --output-on-failure --timeout 60)
execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK_DIR}/build" -N
  OUTPUT_VARIABLE listing TIMEOUT 60)
message(STATUS "${listing}")
if(EXPECT_RUNTIME AND NOT listing MATCHES "consumer\\.under_recorder")
  message(FATAL_ERROR "the consumer did not get the runtime helpers")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
