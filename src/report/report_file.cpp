// The report's file-system side: where the media lies relative to the page, and writing the page.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "report/report_html.hpp"

namespace hyped {
namespace {

namespace fs = std::filesystem;

// Percent-encodes all but unreserved characters and '/', so any file name makes a valid URL path.
std::string url_path(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '/') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string media_src_for(const std::string& media, const std::string& report_path) {
  if (media.find("://") != std::string::npos) return {};  // a stream or VOD URL: nothing local to play
  std::error_code ec;
  if (!fs::is_regular_file(media, ec)) return {};
  const fs::path abs_media = fs::weakly_canonical(fs::absolute(media, ec), ec);
  if (ec) return {};
  const fs::path page_dir = fs::weakly_canonical(fs::absolute(report_path, ec), ec).parent_path();
  if (!ec) {
    const fs::path rel = abs_media.lexically_relative(page_dir);
    if (!rel.empty()) return url_path(rel.generic_string());
  }
  return "file://" + url_path(abs_media.generic_string());
}

void check_report_path(const std::string& path) {
  std::error_code ec;
  const fs::path dir = fs::absolute(path, ec).parent_path();
  if (ec || !fs::is_directory(dir, ec))
    throw std::runtime_error("cannot write report '" + path + "': no directory '" + dir.string() + "'");
}

void write_report(const std::string& path, const std::string& html) {
  errno = 0;
  std::ofstream out(path, std::ios::binary);
  out << html;
  if (!out.flush())
    throw std::runtime_error("cannot write report '" + path + "'" +
                             (errno ? ": " + std::string(std::strerror(errno)) : ""));
}

}  // namespace hyped
