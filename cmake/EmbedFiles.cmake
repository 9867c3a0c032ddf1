# embed_files(<target> <namespace> <var> FILES f1 f2 ...)
# Generates a .cpp defining `const std::vector<EmbeddedFile>& <namespace>::<var>()` with the contents of
# the files (sorted by name), so that SQL migrations ship inside the binary.
function(embed_files target ns var)
  cmake_parse_arguments(ARG "" "" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${var}_embedded.cpp)
  list(SORT ARG_FILES)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${ns} -DVAR=${var} "-DFILES=${ARG_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFilesScript.cmake
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
