# Runs a command and checks its exit status and output:
#   cmake -DCOMMAND="a|b|c" -DEXIT=N [-DMATCH=regex] [-DOUTPUT_FILE=f -DFILE_MATCH=regex]
#         [-DSTDOUT_FILE=f] [-DMEMORY_FILES="x|y" -DMEMORY_BASE=bytes -DMEMORY_FACTOR=n]
#         [-DMAX_COLUMNS=n] -P expect.cmake
# STDOUT_FILE: standard output goes to that file (for outputs of hundreds of
# megabytes); MATCH then sees its first and last 64 KiB and standard error, and the
# file is removed when the test passes.
# MEMORY_FILES: the command runs under `prlimit --as=BASE+FACTOR*SIZE`, SIZE
# the files' total size (docs/reliability.md).
# MAX_COLUMNS: no line of standard output is wider (in bytes: the output is ASCII).
string(REPLACE "|" ";" command "${COMMAND}")
if(DEFINED MATCH)
  string(REPLACE "%SEMI%" ";" MATCH "${MATCH}")  # a semicolon would have split the list
endif()
if(DEFINED MEMORY_FILES)
  string(REPLACE "|" ";" memory_files "${MEMORY_FILES}")
  set(total 0)
  foreach(f IN LISTS memory_files)
    file(SIZE "${f}" size)
    math(EXPR total "${total} + ${size}")
  endforeach()
  math(EXPR limit "${MEMORY_BASE} + ${MEMORY_FACTOR} * ${total}")
  find_program(PRLIMIT prlimit)
  if(PRLIMIT)
    set(command ${PRLIMIT} --as=${limit} ${command})
  else()
    message(WARNING "no prlimit: running without the memory cap of ${limit} bytes")
  endif()
endif()
if(DEFINED STDOUT_FILE)
  execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_FILE "${STDOUT_FILE}" ERROR_VARIABLE err)
  file(SIZE "${STDOUT_FILE}" out_size)
  file(READ "${STDOUT_FILE}" out LIMIT 65536)
  if(out_size GREATER 131072)  # its head and its tail
    math(EXPR tail_at "${out_size} - 65536")
    file(READ "${STDOUT_FILE}" tail OFFSET ${tail_at})
    string(APPEND out "\n[...]\n" "${tail}")
  endif()
else()
  execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endif()
set(all "${out}${err}")
if(NOT rc STREQUAL "${EXIT}")
  message(FATAL_ERROR "exit status ${rc}, expected ${EXIT}\n--- output:\n${all}")
endif()
if(DEFINED MATCH AND NOT all MATCHES "${MATCH}")
  message(FATAL_ERROR "output does not match '${MATCH}'\n--- output:\n${all}")
endif()
if(DEFINED MAX_COLUMNS)
  # Lines split on newlines; the semicolons of the output escaped first.
  string(REPLACE ";" "," lines "${out}")
  string(REPLACE "\n" ";" lines "${lines}")
  foreach(l IN LISTS lines)
    string(LENGTH "${l}" width)
    if(width GREATER MAX_COLUMNS)
      message(FATAL_ERROR "a line of ${width} columns, more than ${MAX_COLUMNS}:\n${l}")
    endif()
  endforeach()
endif()
if(DEFINED OUTPUT_FILE)
  file(READ "${OUTPUT_FILE}" content)
  if(NOT content MATCHES "${FILE_MATCH}")
    message(FATAL_ERROR "${OUTPUT_FILE} does not match '${FILE_MATCH}'")
  endif()
endif()
if(DEFINED STDOUT_FILE)
  file(REMOVE "${STDOUT_FILE}")
endif()
message(STATUS "ok (exit ${rc})")
