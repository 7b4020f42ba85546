// hyped.toml: every key maps onto one setting; unknown keys and wrong types are errors naming the key.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/detector_params.hpp"
#include "server/alert_server.hpp"

namespace hyped {

struct ExportOptions {
  double edl_fps = 30.0;  // CMX3600 timecode rate
};

struct AppConfig {
  DetectorParams detector;
  ExportOptions exports;
  ServerOptions server;  // address/port come from --serve; the token may come from $HYPED_TOKEN
};

// A bad configuration file or value (exit code 2).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

AppConfig default_config();
// Reads the file over the defaults. Throws ConfigError.
AppConfig load_config(const std::string& path);
AppConfig parse_config(const std::string& toml_text, const std::string& name);

// "section.key" of every setting the file may hold.
std::vector<std::string> config_keys();

}  // namespace hyped
