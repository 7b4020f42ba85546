// [actions], [actions.obs] and [actions.twitch] of hyped.toml: what to do on each highlight. A table's
// presence turns its actions on; secrets come from the environment ($HYPED_OBS_PASSWORD,
// $HYPED_TWITCH_USER_TOKEN) so config files can be shared.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "actions/action_options.hpp"

namespace hyped {

// Reads the [actions] table (with its obs and twitch tables) into `out`. Throws ConfigError naming the key.
void read_actions_config(ActionOptions& out, const toml::node& actions, const std::string& file_name);
// Fills secrets from the environment and checks that enabled actions have what they need (ConfigError).
void finish_actions_config(ActionOptions& a);

}  // namespace hyped
