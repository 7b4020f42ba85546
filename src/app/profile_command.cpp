#include "app/profile_command.hpp"

#include <stdexcept>

namespace hyped {

int run_profile(const ProfileOptions&) { throw std::runtime_error("hyped profile is not built yet"); }

}  // namespace hyped
