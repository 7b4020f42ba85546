# Read by cpack when it runs: the package takes the version the build wrote (hyped-version.txt, the
# binary's own), in Debian's form: 0.1.0-114-g49a771c-dirty → 0.1.0+114.g49a771c.dirty (after 0.1.0).
if(NOT EXISTS "${CPACK_HYPED_VERSION_FILE}")
  message(FATAL_ERROR "${CPACK_HYPED_VERSION_FILE} is missing: build hyped before packaging it")
endif()
file(STRINGS "${CPACK_HYPED_VERSION_FILE}" hyped_version LIMIT_COUNT 1)
set(CPACK_PACKAGE_VERSION "${hyped_version}")
if(hyped_version MATCHES "^([^-]+)-(.+)$")
  string(REPLACE "-" "." hyped_local "${CMAKE_MATCH_2}")
  set(CPACK_DEBIAN_PACKAGE_VERSION "${CMAKE_MATCH_1}+${hyped_local}")
else()
  set(CPACK_DEBIAN_PACKAGE_VERSION "${hyped_version}")
endif()
