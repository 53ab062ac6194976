# Fails when a source file includes a header from a layer it may not use.
#   cmake -DSOURCE_DIR=<repo> -P scripts/check_layers.cmake
# The arrows (doc/architecture.md): cli may use everything; consume and
# produce use sls and base; emulator uses sls and base; sls uses base; base
# uses nothing of ours. consume and produce never use each other, and no
# library uses cli or emulator.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

set(allowed_core/base "core/base")
set(allowed_core/sls "core/base;core/sls")
set(allowed_core/consume "core/base;core/sls;core/consume")
set(allowed_core/produce "core/base;core/sls;core/produce")
set(allowed_emulator "core/base;core/sls;emulator")
set(allowed_cli "core/base;core/sls;core/consume;core/produce;emulator;cli")

set(violations "")
foreach(layer core/base core/sls core/consume core/produce emulator cli)
  file(GLOB files "${SOURCE_DIR}/${layer}/*.cc" "${SOURCE_DIR}/${layer}/*.h")
  foreach(file ${files})
    file(STRINGS "${file}" includes REGEX "^#include \"")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"([^\"]*)\".*" "\\1" header "${line}")
      # Generated headers (sls.pb.h, version.h) have no folder.
      if(NOT header MATCHES "/")
        continue()
      endif()
      string(REGEX MATCH "^(core/[a-z]+|[a-z]+)/" prefix "${header}")
      string(REGEX REPLACE "/$" "" prefix "${prefix}")
      list(FIND allowed_${layer} "${prefix}" at)
      if(at EQUAL -1)
        file(RELATIVE_PATH rel "${SOURCE_DIR}" "${file}")
        string(APPEND violations "  ${rel} includes ${header} (${layer} may use: ${allowed_${layer}})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "layer arrows violated (see doc/architecture.md):\n${violations}")
endif()
