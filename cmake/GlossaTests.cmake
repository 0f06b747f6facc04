# glossa_add_qtests(DIR <dir> LIBS <libs...> [PCH_FROM <target>])
# Every test_*.cpp in DIR becomes one Qt Test executable registered with CTest. A file's labels
# come from a line `// ctest-labels: unit data` (default: unit); `gui` tests run offscreen.
# PCH_FROM reuses another target's precompiled header (the torch tests: torch/torch.h once).
function(glossa_add_qtests)
  cmake_parse_arguments(ARG "" "DIR;PCH_FROM" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${ARG_DIR}/test_*.cpp)
  foreach(source ${sources})
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE glossa_test_support ${ARG_LIBS})
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
    if(ARG_PCH_FROM)
      target_precompile_headers(${name} REUSE_FROM ${ARG_PCH_FROM})
      # The test includes its own .moc: AUTOMOC's mocs_compilation.cpp is empty, skip the PCH.
      set_source_files_properties(
        ${CMAKE_CURRENT_BINARY_DIR}/${name}_autogen/mocs_compilation.cpp
        PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
    file(STRINGS ${source} label_line REGEX "^// ctest-labels:" LIMIT_COUNT 1)
    set(labels unit)
    if(label_line)
      string(REGEX REPLACE "^// ctest-labels:[ ]*" "" labels "${label_line}")
      string(REPLACE " " ";" labels "${labels}")
    endif()
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT 900
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;GLOSSA_SHARED_DATA=${GLOSSA_SHARED_DATA};GLOSSA_PYTHON=${GLOSSA_PYTHON}")
  endforeach()
endfunction()
