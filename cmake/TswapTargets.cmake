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

# A shared library that installs as part of the package: tswap::<export>,
# versioned, public headers from include/, C++17, the project's warnings.
#   tswap_add_library(tswap_trace trace trace/reader.cpp ...)
function(tswap_add_library target export)
  add_library(${target} SHARED ${ARGN})
  add_library(tswap::${export} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export} VERSION ${PROJECT_VERSION}
                                             SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_17)
  tswap_set_warnings(${target})
endfunction()
