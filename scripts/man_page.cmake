# Copies a man page into the build tree with the project's version on its
# .TH line, so that every page and `slsflow --version` say the same version,
# taken from project(VERSION) in CMakeLists.txt.
#   cmake -DIN=man/slsflow.1 -DOUT=build/man/slsflow.1 -DVERSION=0.2.0 -P scripts/man_page.cmake
cmake_minimum_required(VERSION 3.25)
file(READ "${IN}" text)
# .TH NAME SECTION "DATE" "SOURCE" ...: SOURCE becomes "slsflow VERSION".
string(REGEX REPLACE "(\n|^)(\\.TH [^ \n]+ [^ \n]+ \"[^\"\n]*\") \"[^\"\n]*\"" "\\1\\2 \"slsflow ${VERSION}\"" text "${text}")
if(NOT text MATCHES "\\.TH [^\n]*\"slsflow ${VERSION}\"")
  message(FATAL_ERROR "${IN}: no .TH line of the form .TH NAME 1 \"DATE\" \"slsflow\"")
endif()
file(WRITE "${OUT}" "${text}")
