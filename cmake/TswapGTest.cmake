# GoogleTest: Debian's package, or a source tree (TSWAP_GTEST_SOURCE_DIR) on
# machines without one (the GPU machine).
if(TSWAP_GTEST_SOURCE_DIR)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  add_subdirectory(${TSWAP_GTEST_SOURCE_DIR} ${CMAKE_BINARY_DIR}/_deps/googletest EXCLUDE_FROM_ALL)
  add_library(GTest::gtest ALIAS gtest)
  add_library(GTest::gtest_main ALIAS gtest_main)
  add_library(GTest::gmock ALIAS gmock)
  set(TSWAP_GTEST_FROM_SOURCE ON)
else()
  find_package(GTest REQUIRED)
  set(TSWAP_GTEST_FROM_SOURCE OFF)
endif()
include(GoogleTest)
