# Helpers shared by every target of the project.

# Warnings, set per target (never directory-wide).
function(tswap_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>)
endfunction()

# LibTorch's headers are slow to parse: test, bench and sample targets share
# one precompiled header built for the first of them.
set(TSWAP_TORCH_PCH_OWNER "" CACHE INTERNAL "")
function(tswap_use_torch_pch target)
  if(NOT TSWAP_TORCH_PCH_OWNER)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
    set(TSWAP_TORCH_PCH_OWNER ${target} CACHE INTERNAL "")
  else()
    target_precompile_headers(${target} REUSE_FROM ${TSWAP_TORCH_PCH_OWNER})
  endif()
endfunction()
