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

# find_package(ARGS...), whose imported targets are made global when
# tensorswap is embedded (Note [Embedding]). Imported targets are seen only
# in the directory that found them and below, and those our libraries'
# public link interfaces name (torch for tswap::core, GoogleTest for
# tswap::testing) must also be seen where the parent links tswap::core.
# (find_package(... GLOBAL) would do it, from CMake 3.24.) A macro: the
# package's variables (Torch_VERSION ...) are for the caller.
macro(tswap_find_package)
  get_directory_property(_tswap_imported_before IMPORTED_TARGETS)
  find_package(${ARGN})
  if(NOT PROJECT_IS_TOP_LEVEL)
    get_directory_property(_tswap_imported_after IMPORTED_TARGETS)
    foreach(_tswap_target IN LISTS _tswap_imported_after)
      if(NOT _tswap_target IN_LIST _tswap_imported_before)
        set_target_properties(${_tswap_target} PROPERTIES IMPORTED_GLOBAL TRUE)
      endif()
    endforeach()
  endif()
endmacro()

# Installed libraries find their siblings, installed tools find the
# libraries: a program linking tswap::core needs no LD_LIBRARY_PATH for
# libtswap_recorder. Set on our targets only, never as CMAKE_INSTALL_RPATH:
# embedded (Note [Embedding]) that variable would also be the parent's.
function(tswap_set_install_rpath target)
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN;$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
endfunction()

# Note [Symbol visibility]: every symbol of our shared libraries is
# exported, on purpose, and there is no export macro:
#  - the public API is classes and free functions across include/tswap/, and
#    users, tswap::testing, the samples, the tests and the Python extension
#    (python/src/) all link these libraries; hidden by default would mean a
#    macro on each, and a full LibTorch build of every consumer to show
#    that none was missed;
#  - inline functions in the public headers reach into the libraries:
#    profiler/emit.h's recording() reads tswap::profiler::detail::g_recording,
#    a variable of tswap_recorder, from the engine and from user code;
#  - exceptions (tswap::trace::TraceError, c10::Error through the engine)
#    and polymorphic types cross the library boundaries, so their type_info
#    must be one per type, not one per library.
# It is set here rather than left to CMake's default because a parent that
# builds with CMAKE_CXX_VISIBILITY_PRESET=hidden (usual where pybind11 is)
# would otherwise hide our symbols too, and fail to link against us
# (tests/embed_consumer builds with that preset). The viewer's model is a
# static library linked into the app alone, so its visibility is moot.

# A shared library that installs as part of the package: tswap::<export>,
# versioned, public headers from include/, C++17 at least, the project's
# warnings, exported symbols (Note [Symbol visibility]), its install rpath.
#   tswap_add_library(tswap_trace trace trace/reader.cpp ...)
function(tswap_add_library target export)
  add_library(${target} SHARED ${ARGN})
  add_library(tswap::${export} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export} VERSION ${PROJECT_VERSION}
                                             SOVERSION ${PROJECT_VERSION_MAJOR}
                                             CXX_VISIBILITY_PRESET default
                                             VISIBILITY_INLINES_HIDDEN OFF)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_17)
  tswap_set_warnings(${target})
  tswap_set_install_rpath(${target})
endfunction()
