# glossa_add_qtests(DIR <dir> LIBS <libs...> [PCH_FROM <target>])
# Every test_*.cpp in DIR becomes one Qt Test executable registered with CTest. A file's labels
# come from a line `// ctest-labels: unit data` (default: unit); `gui` tests run offscreen.
# PCH_FROM reuses another target's precompiled header (the torch tests: training/torch_core.h;
# the others: cmake/pch/test_pch.h); empty = none.
function(glossa_add_qtests)
  cmake_parse_arguments(ARG "" "DIR;PCH_FROM" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${ARG_DIR}/test_*.cpp)
  foreach(source ${sources})
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE glossa_test_support ${ARG_LIBS})
    # Each test holds its Q_OBJECT class and includes its own `name.moc`. moc reads only that
    # file: AUTOMOC would hand it every include path and moc's preprocessor would follow the
    # includes into LibTorch and Qt (~9 s a torch test on the CI machine; ~0.01 s like this,
    # the same output).
    set(moc_dir ${CMAKE_CURRENT_BINARY_DIR}/${name}_moc)
    add_custom_command(OUTPUT ${moc_dir}/${name}.moc
      COMMAND Qt6::moc ${source} -o ${moc_dir}/${name}.moc
      DEPENDS ${source} Qt6::moc VERBATIM)
    target_sources(${name} PRIVATE ${moc_dir}/${name}.moc)
    set_source_files_properties(${moc_dir}/${name}.moc PROPERTIES HEADER_FILE_ONLY ON)
    target_include_directories(${name} PRIVATE ${moc_dir})
    if(ARG_PCH_FROM)
      target_precompile_headers(${name} REUSE_FROM ${ARG_PCH_FROM})
    endif()
    # Test code only drives the engine (compiled -O3 in its libraries): -O1 compiles a test
    # file ~25 % faster (3.8 s instead of 5.1 s for test_backend_store) and CI builds ~100 of them.
    if(CMAKE_BUILD_TYPE STREQUAL "Release")
      target_compile_options(${name} PRIVATE -O1)
    endif()
    file(STRINGS ${source} label_line REGEX "^// ctest-labels:" LIMIT_COUNT 1)
    set(labels unit)
    if(label_line)
      string(REGEX REPLACE "^// ctest-labels:[ ]*" "" labels "${label_line}")
      string(REPLACE " " ";" labels "${labels}")
    endif()
    add_test(NAME ${name} COMMAND ${name})
    # Qt Test's own watchdog (300 s per test function by default) aborted a long data test on a
    # loaded 2-core machine well inside CTest's limit: one limit, CTest's.
    set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT 900
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;GLOSSA_SHARED_DATA=${GLOSSA_SHARED_DATA};GLOSSA_PYTHON=${GLOSSA_PYTHON};QTEST_FUNCTION_TIMEOUT=900000")
  endforeach()
endfunction()
