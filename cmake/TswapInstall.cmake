# Installs tensorswap as a CMake package:
#   find_package(tensorswap REQUIRED)
#   -> tswap::core (the engine, with the recorder), tswap::recorder,
#      tswap::trace (reading logs), tswap::nsys (reading nsys exports),
#      tswap::testing (GoogleTest matchers)
include(CMakePackageConfigHelpers)

set(TSWAP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tensorswap)

set(TSWAP_INSTALL_TARGETS tswap_trace tswap_recorder tswap_nsys)
if(TARGET tswap_core)
  list(APPEND TSWAP_INSTALL_TARGETS tswap_core)
endif()
set(TSWAP_PACKAGE_HAS_TESTING OFF)
if(TARGET tswap_testing AND NOT TSWAP_GTEST_FROM_SOURCE)
  list(APPEND TSWAP_INSTALL_TARGETS tswap_testing)
  set(TSWAP_PACKAGE_HAS_TESTING ON)
endif()
install(TARGETS ${TSWAP_INSTALL_TARGETS} EXPORT tensorswapTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tswap DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tensorswapTargets NAMESPACE tswap:: DESTINATION ${TSWAP_CMAKE_DIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/tensorswapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tensorswapConfig.cmake
  INSTALL_DESTINATION ${TSWAP_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/tensorswapConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/tensorswapConfig.cmake
  ${PROJECT_BINARY_DIR}/tensorswapConfigVersion.cmake
  DESTINATION ${TSWAP_CMAKE_DIR})
