# Helpers shared by every target of the project.

# Warnings, set per target (never directory-wide).
function(tswap_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>)
endfunction()

# LibTorch's headers are slow to parse (~30 s per file). A target either
# builds the precompiled header itself or reuses one from a target compiled
# with the same flags (GCC ignores a PCH built with other definitions):
#   tswap_use_torch_pch(target)              builds it
#   tswap_use_torch_pch(target REUSE owner)  reuses owner's
function(tswap_use_torch_pch target)
  cmake_parse_arguments(PCH "" "REUSE" "" ${ARGN})
  if(PCH_REUSE)
    target_precompile_headers(${target} REUSE_FROM ${PCH_REUSE})
  else()
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()
