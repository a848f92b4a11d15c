# A sanitized library needs a sanitized consumer: CONSUMER_FLAGS carries -fsanitize=… then.
# Installs the build tree into a temporary prefix, then configures, builds and runs a consumer
# project against it with find_package(tcptable CONFIG REQUIRED).
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f include/tcptable/tcptable.hpp include/tcptable/export.hpp include/tcptable/version.hpp
          lib/cmake/tcptable/tcptable-config.cmake bin/tcptable)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
# Public headers must not need Boost or platform headers: the consumer gets no Boost path.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "^tcptable [0-9.]+: [0-9]+ rows")
  message(FATAL_ERROR "unexpected consumer output: ${last_output}")
endif()
message(STATUS "consumer: ${last_output}")

# The same program, with tcptable added by add_subdirectory.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/consumer_subdir" -B "${WORK_DIR}/subdir" -G "${GENERATOR}"
    "-DTCPTABLE_SOURCE_DIR=${SOURCE_DIR}" "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/subdir")
run("${WORK_DIR}/subdir/consumer")
message(STATUS "add_subdirectory consumer: ${last_output}")
