# ctest driver of install.python: installs the build tree into a scratch
# prefix, then runs installed_package_check.py with only that prefix's
# package directory on PYTHONPATH.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DPYTHON=... -DPACKAGE_DIR=lib/python3/dist-packages
#         -DCHECK=installed_package_check.py -P installed_package.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}"
                OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install.python: cmake --install failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${prefix}/${PACKAGE_DIR}" --unset=TSWAP_LOG
                        ${PYTHON} ${CHECK} ${prefix}
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install.python: the installed package failed (${rc})")
endif()
