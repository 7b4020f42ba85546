// hyped's version: `git describe` of the checkout it was built from, computed at build time
// (cmake/hyped_version.cmake), or the project version outside git.
#pragma once

#include <string_view>

namespace hyped {

// e.g. "0.1.0-114-g49a771c", "0.1.0-114-g49a771c-dirty", "0.2.0", or "0.1.0" from a source tarball.
std::string_view version();

}  // namespace hyped
