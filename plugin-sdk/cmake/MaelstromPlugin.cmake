# MaelstromPlugin.cmake — maelstrom_add_plugin(): build one plugin shared object, in-tree or out-of-tree.
#
#   maelstrom_add_plugin(<name> SOURCES a.cpp b.cpp [LIBRARIES Poco::Net ...])
#
# Produces <name>.so (no "lib" prefix: the registry names plugins by their file name) linked against
# MaelstromSDK::sdk, with hidden visibility (only the MAELSTROM_PLUGIN symbols are exported). In the maelstrom
# tree the file lands in <build>/lib/maelstrom/plugins and installs to <prefix>/lib/maelstrom/plugins.
function(maelstrom_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target maelstrom-plugin-${name})
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # plugins sit in lib/maelstrom/plugins; libmaelstrom-sdk in lib/
    BUILD_RPATH "$ORIGIN/../.."
    INSTALL_RPATH "$ORIGIN/../..")
  if(DEFINED MAELSTROM_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${MAELSTROM_PLUGIN_OUTPUT_DIR})
  endif()
  target_link_libraries(${target} PRIVATE MaelstromSDK::sdk ${PLUGIN_LIBRARIES})
  if(DEFINED MAELSTROM_PLUGIN_SUBDIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${MAELSTROM_PLUGIN_SUBDIR})
  else()
    install(TARGETS ${target} LIBRARY DESTINATION lib/maelstrom/plugins)
  endif()
endfunction()
