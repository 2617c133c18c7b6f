# ctest driver: configures and builds tests/embed_consumer, a parent project
# that add_subdirectory()s this tree, runs its test, and checks what a parent
# must not get from tensorswap (Note [Embedding]): tests in its ctest,
# install rules in its install.
#   cmake -DTSWAP_SOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX=... [-DTORCH_PREFIX=...] -P run.cmake
# With TORCH_PREFIX it also configures (only: LibTorch builds for minutes)
# the parent with the engine, which links tswap::core.
file(REMOVE_RECURSE "${WORK_DIR}")

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "embed consumer: step failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

set(build "${WORK_DIR}/build")
# No CMAKE_BUILD_TYPE: the parent's empty one must stay empty (its CMakeLists checks).
step(${CMAKE_COMMAND} -S "${TSWAP_SOURCE_DIR}/tests/embed_consumer" -B "${build}" -G "${GENERATOR}"
     "-DCMAKE_CXX_COMPILER=${CXX}" "-DTSWAP_SOURCE_DIR=${TSWAP_SOURCE_DIR}")
step(${CMAKE_COMMAND} --build "${build}")

# The parent's ctest holds the parent's one test, none of tensorswap's.
step(${CMAKE_CTEST_COMMAND} -N --test-dir "${build}")
if(NOT out MATCHES "Test +#1: embed_consumer\\.records_and_reads\n" OR NOT out MATCHES "Total Tests: 1\n")
  message(FATAL_ERROR "embed consumer: the parent's ctest should list its one test alone, lists:\n${out}")
endif()
step(${CMAKE_CTEST_COMMAND} --test-dir "${build}" --output-on-failure)
message(STATUS "${out}")

# ... and its install installs nothing of tensorswap's (the parent installs nothing).
step(${CMAKE_COMMAND} --install "${build}" --prefix "${WORK_DIR}/prefix")
file(GLOB_RECURSE installed "${WORK_DIR}/prefix/*")
if(installed)
  message(FATAL_ERROR "embed consumer: a subproject's install rules installed:\n${installed}")
endif()

if(TORCH_PREFIX)
  set(build "${WORK_DIR}/build-torch")
  step(${CMAKE_COMMAND} -S "${TSWAP_SOURCE_DIR}/tests/embed_consumer" -B "${build}" -G "${GENERATOR}"
       "-DCMAKE_CXX_COMPILER=${CXX}" "-DTSWAP_SOURCE_DIR=${TSWAP_SOURCE_DIR}" -DEMBED_WITH_TORCH=ON
       "-DCMAKE_PREFIX_PATH=${TORCH_PREFIX}")
  step(${CMAKE_CTEST_COMMAND} -N --test-dir "${build}")
  if(NOT out MATCHES "Total Tests: 1\n")
    message(FATAL_ERROR "embed consumer: with the engine, the parent's ctest lists:\n${out}")
  endif()
endif()
