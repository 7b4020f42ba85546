# Installs the files a system install needs outside the usual prefix tree: the configuration and the
# systemd unit. An install(SCRIPT), because only at install time is the prefix known (cpack installs
# with /usr, `cmake --install build --prefix DIR` with DIR):
#   prefix /usr:   /etc/hyped and /lib/systemd/system, Debian's places (the .deb)
#   other prefix:  PREFIX/etc/hyped and PREFIX/lib/systemd/system (/usr/local/lib/systemd/system is on
#                  systemd's search path)
# A configuration file that is already there and differs is kept: it has been edited.
#
# In: HYPED_PACKAGING_DIR, HYPED_CONFIG_TOML, HYPED_BUILD_DIR; CMAKE_INSTALL_PREFIX, $ENV{DESTDIR}.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(HYPED_CONFDIR /etc/hyped)
  set(unitdir /lib/systemd/system)
else()
  set(HYPED_CONFDIR "${CMAKE_INSTALL_PREFIX}/etc/hyped")
  set(unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(HYPED_BINDIR "${CMAKE_INSTALL_PREFIX}/bin")

set(staged "${HYPED_BUILD_DIR}/packaging/staged")
configure_file("${HYPED_PACKAGING_DIR}/systemd/hyped.service.in" "${staged}/hyped.service" @ONLY)
configure_file("${HYPED_PACKAGING_DIR}/hyped.env.in" "${staged}/hyped.env" @ONLY)
configure_file("${HYPED_CONFIG_TOML}" "${staged}/hyped.toml" COPYONLY)

file(INSTALL "${staged}/hyped.service" DESTINATION "${unitdir}"
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# file(INSTALL) puts $DESTDIR in front of the destination; the check for an edited file must too.
foreach(name hyped.toml hyped.env)
  set(installed "$ENV{DESTDIR}${HYPED_CONFDIR}/${name}")
  if(EXISTS "${installed}")
    file(SHA256 "${installed}" have)
    file(SHA256 "${staged}/${name}" want)
    if(NOT have STREQUAL want)
      message(STATUS "Keeping edited: ${installed} (the shipped one is ${staged}/${name})")
      continue()
    endif()
  endif()
  if(name STREQUAL "hyped.env")  # may hold tokens; systemd reads it as root
    set(mode OWNER_READ OWNER_WRITE)
  else()  # the service's dynamic user reads it
    set(mode OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
  file(INSTALL "${staged}/${name}" DESTINATION "${HYPED_CONFDIR}" PERMISSIONS ${mode})
endforeach()
