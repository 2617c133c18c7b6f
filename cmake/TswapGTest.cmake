# GoogleTest: Debian's package, or a source tree (TSWAP_GTEST_SOURCE_DIR) on
# machines without one (the GPU machine), or, embedded (Note [Embedding]),
# the parent's own GoogleTest targets where it has them (a second
# GTest::gtest would clash with them): built from source where they are
# aliases (FetchContent's), which keeps tswap::testing out of the package.
if(TARGET GTest::gtest_main AND TARGET GTest::gmock)
  get_target_property(parent_gmock GTest::gmock ALIASED_TARGET)
  if(parent_gmock)
    set(TSWAP_GTEST_FROM_SOURCE ON)
  else()
    set(TSWAP_GTEST_FROM_SOURCE OFF)
  endif()
elseif(TSWAP_GTEST_SOURCE_DIR)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  add_subdirectory(${TSWAP_GTEST_SOURCE_DIR} ${PROJECT_BINARY_DIR}/_deps/googletest EXCLUDE_FROM_ALL)
  add_library(GTest::gtest ALIAS gtest)
  add_library(GTest::gtest_main ALIAS gtest_main)
  add_library(GTest::gmock ALIAS gmock)
  set(TSWAP_GTEST_FROM_SOURCE ON)
else()
  tswap_find_package(GTest REQUIRED)
  set(TSWAP_GTEST_FROM_SOURCE OFF)
endif()
include(GoogleTest)
