# LibTorch for the training engine (docs/architecture.md, "Build"): the LibTorch inside the pinned PyPI
# torch wheel of the setup's virtual environment, found through its Python
# (torch.utils.cmake_prefix_path); -DTorch_DIR=... takes any other LibTorch 2.x instead.
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
# TorchConfig of a CUDA build detects GPU architectures with a CUDA test program unless told
# which; nothing runs CUDA on the build machine, so name Hopper (H100/H200) and Ampere.
set(TORCH_CUDA_ARCH_LIST "8.0;9.0" CACHE STRING "CUDA architectures for LibTorch's CMake")
if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
find_package(Torch REQUIRED)
message(STATUS "LibTorch ${Torch_VERSION}: ${TORCH_INSTALL_PREFIX}")
