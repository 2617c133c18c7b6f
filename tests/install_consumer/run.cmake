# ctest driver: installs the build tree into a scratch prefix, then
# configures and builds a project against it, as a user's would be, and
# runs what it built.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DTORCH_PREFIX=...
#         -DRUN="program|arg|arg@program" -P run.cmake
# RUN: programs of the built project, '@' between programs, '|' between
# a program's arguments (ctest would split on ';').
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install consumer: step failed (${rc}): ${ARGN}")
  endif()
endfunction()

step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
step(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
     "-DCMAKE_PREFIX_PATH=${prefix};${TORCH_PREFIX}" -DCMAKE_BUILD_TYPE=Release)
step(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
string(REPLACE "@" ";" programs "${RUN}")
foreach(program IN LISTS programs)
  string(REPLACE "|" ";" argv "${program}")
  step("${WORK_DIR}/build/${argv}")
endforeach()
