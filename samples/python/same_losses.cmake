# Trains the Python sample twice from the same seed, with tensorswap
# swapping and without it, and checks that every step's loss is bitwise
# the same (train.py prints each as float.hex()) and that the swapped run
# did copy tensors out.
#   cmake -DPYTHON=python3 -DTRAIN=train.py [-DARGS="a|b"] -P same_losses.cmake
string(REPLACE "|" ";" args "${ARGS}")
set(steps 3)
foreach(run swapped plain)
  if(run STREQUAL "swapped")
    set(flags --swap blocks,mlp)
  else()
    set(flags --no-swap)
  endif()
  execute_process(COMMAND ${PYTHON} ${TRAIN} --steps ${steps} ${args} ${flags}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the ${run} run (${flags}) exited with ${rc}:\n${out}${err}")
  endif()
  # Each step's line: "   N    loss  0x1.6a376e0000000p+2    time ms".
  string(REGEX MATCHALL "\n +[0-9]+ +[-0-9.naif]+ +-?0x[0-9a-f.]+p[-+][0-9]+" lines "\n${out}")
  set(losses)
  foreach(l IN LISTS lines)
    string(REGEX MATCH "-?0x[0-9a-f.]+p[-+][0-9]+" hex "${l}")
    list(APPEND losses ${hex})
  endforeach()
  list(LENGTH losses n)
  if(NOT n EQUAL steps)
    message(FATAL_ERROR "the ${run} run printed ${n} losses, expected ${steps}:\n${out}")
  endif()
  set(${run}_losses "${losses}")
  set(${run}_out "${out}")
endforeach()
if(NOT "\n${swapped_out}" MATCHES "\ngpt\\.block\\.\\*\\.mlp +[0-9.]+ +[0-9]+ +[1-9]")
  message(FATAL_ERROR "the swapped run swapped nothing out of gpt.block.*.mlp:\n${swapped_out}")
endif()
if(NOT swapped_losses STREQUAL plain_losses)
  message(FATAL_ERROR "losses differ with swapping:\n  swapped: ${swapped_losses}\n  plain:   ${plain_losses}\n"
                      "--- swapped run:\n${swapped_out}--- plain run:\n${plain_out}")
endif()
message(STATUS "${steps} losses bitwise equal with and without swapping: ${swapped_losses}")
