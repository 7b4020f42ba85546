# Writes one gzipped man page from the built binary's --help with help2man (cmake -P, run by
# packaging/CMakeLists.txt). The version comes from the binary itself, so page and program agree.
#
# In: HYPED (the binary), HELP2MAN, GZIP, SUBCOMMAND (empty: the hyped(1) page), NAME (the NAME line),
#     INCLUDE (extra sections), OUTPUT (PAGE.1.gz).

execute_process(COMMAND "${HYPED}" --version OUTPUT_VARIABLE version_line RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR NOT version_line MATCHES "^hyped ([^ ]+)$")
  message(FATAL_ERROR "'${HYPED} --version' printed '${version_line}' (exit ${rc})")
endif()
set(version "${CMAKE_MATCH_1}")

if(SUBCOMMAND)
  set(program "hyped-${SUBCOMMAND}")
  set(help_option "${SUBCOMMAND} --help")  # help2man runs "HYPED HELP_OPTION" through the shell
else()
  set(program hyped)
  set(help_option --help)
endif()

string(REGEX REPLACE "\\.gz$" "" page "${OUTPUT}")
execute_process(
  COMMAND "${HELP2MAN}" --no-info --section=1 "--name=${NAME}" "--help-option=${help_option}"
          "--version-string=${program} ${version}" "--include=${INCLUDE}" "--output=${page}" "${HYPED}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed for ${program} (exit ${rc})")
endif()
# -n: no name or time stamp in the gzip header, so equal pages give equal files.
execute_process(COMMAND "${GZIP}" -9 -n -f "${page}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed for ${page}")
endif()
