# The C++ examples of the docs, compiled by the test suite so they cannot
# rot: tswap_doc_cpp_block() writes the N-th ```cpp block of a Markdown
# page to a header, at configure time (editing the page reconfigures).
#
#   tswap_doc_cpp_block(PAGE INDEX OUT AS_FUNCTION)
#
# INDEX counts from 1. With AS_FUNCTION (a block of statements, as most
# examples are), its #include lines stay at the top and the rest becomes
# the body of `void doc_example_<INDEX>()`; without, the block is written
# as it is (a block that is a whole translation unit but main()).
function(tswap_doc_cpp_block page index out as_function)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${page})
  file(STRINGS ${page} lines)
  set(n 0)
  set(inside FALSE)
  set(includes "")
  set(body "")
  set(found FALSE)
  foreach(line IN LISTS lines)
    if(NOT inside AND line MATCHES "^```cpp[ \t]*$")
      math(EXPR n "${n} + 1")
      if(n EQUAL index)
        set(inside TRUE)
      endif()
    elseif(inside AND line MATCHES "^```")
      set(inside FALSE)
      set(found TRUE)
    elseif(inside)
      if(as_function AND line MATCHES "^#include")
        string(APPEND includes "${line}\n")
      else()
        string(APPEND body "${line}\n")
      endif()
    endif()
  endforeach()
  if(NOT found)
    message(FATAL_ERROR "${page} has no C++ block number ${index} (the docs tests compile it)")
  endif()
  file(RELATIVE_PATH where ${PROJECT_SOURCE_DIR} ${page})
  set(text "// Generated from ${where}, C++ block ${index}: edit the page, not this file.\n#pragma once\n")
  if(as_function)
    string(APPEND text "${includes}\ninline void doc_example_${index}() {\n${body}}\n")
  else()
    string(APPEND text "${body}")
  endif()
  file(CONFIGURE OUTPUT ${out} CONTENT "${text}" @ONLY)
endfunction()
