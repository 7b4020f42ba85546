# Computes hyped's version at build time (cmake -P, run on every build by src/app's hyped_version target)
# and writes it into a generated source file and a text file for cpack. Files are rewritten only when
# the version changes, so an unchanged version recompiles nothing.
#
#   a v-tag in the history:  git describe --tags --match "v[0-9]*" --dirty, without the v  0.2.0-3-gabc1234
#   no such tag yet:         FALLBACK_VERSION-<commits>-g<hash>[-dirty]                     0.1.0-114-g49a771c
#   not a git checkout:      FALLBACK_VERSION (a source tarball, or git missing)            0.1.0
#
# tests/integration/test_version_cli.py applies the same rule to check the built binary.
#
# In: SOURCE_DIR, FALLBACK_VERSION, INPUT (template with @HYPED_VERSION@), OUTPUT, VERSION_FILE.

function(git_output out)
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" ${ARGN}
                  OUTPUT_VARIABLE text ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    set(${out} "${text}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

set(HYPED_VERSION "${FALLBACK_VERSION}")
find_program(GIT git)
if(GIT)
  # Only the source tree's own repository counts: a tarball unpacked inside another checkout is no git build.
  git_output(top rev-parse --show-toplevel)
  if(top)
    file(REAL_PATH "${top}" top)
    file(REAL_PATH "${SOURCE_DIR}" source)
  endif()
  if(top AND top STREQUAL source)
    git_output(described describe --tags --match "v[0-9]*" --dirty --abbrev=7)
    if(described)
      string(REGEX REPLACE "^v" "" HYPED_VERSION "${described}")
    else()
      git_output(commit describe --always --dirty --abbrev=7)
      git_output(count rev-list --count HEAD)
      if(commit AND count)
        set(HYPED_VERSION "${FALLBACK_VERSION}-${count}-g${commit}")
      endif()
    endif()
  endif()
endif()

configure_file("${INPUT}" "${OUTPUT}" @ONLY)
file(WRITE "${VERSION_FILE}.tmp" "${HYPED_VERSION}\n")
file(COPY_FILE "${VERSION_FILE}.tmp" "${VERSION_FILE}" ONLY_IF_DIFFERENT)
file(REMOVE "${VERSION_FILE}.tmp")
