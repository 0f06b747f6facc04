# Precompiled headers for clean builds (CI builds everything from scratch on 2 cores): the
# torch-free libraries and executables reuse one header of the standard library and
# nlohmann-json (cmake/pch/engine_pch.h); the torch-free, widget-free tests one of QtTest and the
# same (test_pch.h). A reused header must see the same flags, so users get -fPIC (executables
# would get -fPIE). GLOSSA_PCH=OFF builds without, which is how missing includes show.
option(GLOSSA_PCH "Reuse precompiled headers across targets (faster clean builds)" ON)
find_package(nlohmann_json REQUIRED)
if(GLOSSA_PCH)
  add_library(glossa_engine_pch STATIC ${CMAKE_SOURCE_DIR}/cmake/pch/engine_pch.cpp)
  target_link_libraries(glossa_engine_pch PRIVATE nlohmann_json::nlohmann_json)
  target_compile_options(glossa_engine_pch PRIVATE -fPIC)
  target_precompile_headers(glossa_engine_pch PRIVATE ${CMAKE_SOURCE_DIR}/cmake/pch/engine_pch.h)
endif()

function(glossa_use_engine_pch target)
  if(GLOSSA_PCH)
    target_compile_options(${target} PRIVATE -fPIC)
    target_precompile_headers(${target} REUSE_FROM glossa_engine_pch)
  endif()
endfunction()
