# LibTorch for the training engine (docs/architecture.md, "Build"): the LibTorch inside the pinned
# PyPI torch wheel of the setup's virtual environment, found through its Python
# (torch.utils.cmake_prefix_path); -DTorch_DIR=... takes any other LibTorch 2.x instead.
#
# CUDA without a CUDA toolkit: the wheel is a CUDA build, and its TorchConfig enables the CUDA
# language, which needs nvcc — which a user's machine rarely has (or has off PATH). Glossa
# compiles no CUDA code: it needs only the CUDA runtime and NCCL headers that LibTorch's headers
# include, and those come with the wheel (its nvidia-* dependencies). So unless a toolkit is
# asked for (-DGLOSSA_CUDA_TOOLKIT=/usr/local/cuda, or CUDAToolkit_ROOT), Glossa defines the one
# CUDA target LibTorch's targets name (torch::cudart) from the wheel's files before
# find_package(Torch); LibTorch's cuda.cmake then sees it and stops there (docs/architecture.md,
# "Build").
if(NOT Torch_DIR)
  if(NOT GLOSSA_PYTHON)
    message(FATAL_ERROR "LibTorch: give -DGLOSSA_PYTHON=<venv>/bin/python (packaging/setup.sh "
                        "prints the venv) or -DTorch_DIR=<libtorch>/share/cmake/Torch")
  endif()
  execute_process(
    COMMAND ${GLOSSA_PYTHON} -c "import torch; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE GLOSSA_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE GLOSSA_TORCH_RC ERROR_VARIABLE GLOSSA_TORCH_ERR)
  if(NOT GLOSSA_TORCH_RC EQUAL 0)
    message(FATAL_ERROR "LibTorch: ${GLOSSA_PYTHON} cannot import torch (${GLOSSA_TORCH_ERR}); "
                        "run packaging/setup.sh")
  endif()
  list(APPEND CMAKE_PREFIX_PATH ${GLOSSA_TORCH_PREFIX})
endif()

set(GLOSSA_CUDA_TOOLKIT "" CACHE PATH
    "A CUDA toolkit for LibTorch's CMake (empty: the CUDA headers of the torch wheel)")
if(NOT GLOSSA_CUDA_TOOLKIT AND CUDAToolkit_ROOT)
  set(GLOSSA_CUDA_TOOLKIT ${CUDAToolkit_ROOT})
endif()

# The CUDA runtime and NCCL of the wheel: site-packages/nvidia/<package>/{include,lib}.
function(glossa_wheel_cuda_target)
  if(GLOSSA_TORCH_PREFIX)  # site-packages/torch/share/cmake
    get_filename_component(site ${GLOSSA_TORCH_PREFIX}/../../.. ABSOLUTE)
  else()  # -DTorch_DIR=site-packages/torch/share/cmake/Torch
    get_filename_component(site ${Torch_DIR}/../../../.. ABSOLUTE)
  endif()
  file(GLOB runtime_headers ${site}/nvidia/*/include/cuda_runtime_api.h)
  file(GLOB nccl_headers ${site}/nvidia/*/include/nccl.h)
  if(NOT runtime_headers)
    message(FATAL_ERROR "LibTorch: no CUDA runtime headers in the torch wheel's packages "
                        "(${site}/nvidia/*/include/cuda_runtime_api.h); run packaging/setup.sh, "
                        "or give a CUDA toolkit: -DGLOSSA_CUDA_TOOLKIT=/usr/local/cuda")
  endif()
  list(GET runtime_headers 0 runtime_header)
  get_filename_component(runtime_include ${runtime_header} DIRECTORY)
  get_filename_component(runtime_root ${runtime_include} DIRECTORY)
  file(GLOB cudart ${runtime_root}/lib/libcudart.so*)
  list(GET cudart 0 cudart)
  set(includes ${runtime_include})
  foreach(h ${nccl_headers})
    get_filename_component(dir ${h} DIRECTORY)
    list(APPEND includes ${dir})
  endforeach()
  add_library(torch::cudart INTERFACE IMPORTED GLOBAL)
  set_target_properties(torch::cudart PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${includes}"
                                                 INTERFACE_LINK_LIBRARIES "${cudart}")
  message(STATUS "LibTorch: CUDA headers of the torch wheel: ${includes}")
endfunction()

if(GLOSSA_CUDA_TOOLKIT)
  # A real toolkit, wherever PATH points: name its compiler and the architectures, so CMake
  # neither searches PATH for nvcc nor runs a CUDA program to detect GPUs.
  set(CUDAToolkit_ROOT ${GLOSSA_CUDA_TOOLKIT})
  set(CMAKE_CUDA_COMPILER ${GLOSSA_CUDA_TOOLKIT}/bin/nvcc CACHE FILEPATH "")
  set(CMAKE_CUDA_ARCHITECTURES "80;90" CACHE STRING "")
  # TorchConfig of a CUDA build detects GPU architectures with a CUDA test program unless told
  # which; nothing runs CUDA on the build machine, so name Hopper (H100/H200) and Ampere.
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0" CACHE STRING "CUDA architectures for LibTorch's CMake")
else()
  glossa_wheel_cuda_target()
endif()
find_package(Torch REQUIRED)
message(STATUS "LibTorch ${Torch_VERSION}: ${TORCH_INSTALL_PREFIX}")
