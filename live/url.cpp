#include "live/url.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace hyped {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Scheme per RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':'.
std::size_t scheme_end(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return std::string_view::npos;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ':') return i;
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return std::string_view::npos;
  }
  return std::string_view::npos;
}

std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  const bool absolute = !path.empty() && path[0] == '/';
  if (absolute) i = 1;
  bool trailing_slash = false;
  while (i <= path.size()) {
    const std::size_t j = std::min(path.find('/', i), path.size());
    const std::string_view seg = path.substr(i, j - i);
    trailing_slash = j < path.size() || seg == "." || seg == "..";
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (seg != ".") {
      out.push_back(seg);
    }
    i = j + 1;
  }
  std::string r = absolute ? "/" : "";
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (k) r += '/';
    r += out[k];
  }
  if (trailing_slash && !out.empty() && !out.back().empty() && r.back() != '/') r += '/';
  return r;
}

}  // namespace

std::string Url::origin() const { return scheme + "://" + host + ":" + port; }

std::optional<Url> parse_url(std::string_view url) {
  const std::size_t se = scheme_end(url);
  if (se == std::string_view::npos) return std::nullopt;
  Url u;
  u.scheme = lower(url.substr(0, se));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(se + 1);
  if (rest.substr(0, 2) != "//") return std::nullopt;
  rest.remove_prefix(2);
  const std::size_t auth_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view target = rest.substr(auth_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority[0] != ':') return std::nullopt;
      u.port = std::string(authority.substr(1));
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty()) return std::nullopt;
  u.host = lower(u.host);
  if (!std::all_of(u.port.begin(), u.port.end(), [](unsigned char c) { return std::isdigit(c); }) || u.port.size() > 5)
    return std::nullopt;
  if (u.port.empty()) u.port = u.tls() ? "443" : "80";
  if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  u.target.reserve(target.size() + 1);
  if (target.empty() || target[0] != '/') u.target.push_back('/');
  u.target.append(target.data(), target.size());
  return u;
}

std::string resolve_url(std::string_view base, std::string_view ref) {
  if (const auto hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
  if (scheme_end(ref) != std::string_view::npos) return std::string(ref);
  const std::size_t se = scheme_end(base);
  if (se == std::string_view::npos) return std::string(ref);
  const std::string_view scheme = base.substr(0, se + 1);  // "https:"
  if (ref.substr(0, 2) == "//") return std::string(scheme) + std::string(ref);
  std::string_view rest = base.substr(se + 1);
  std::string_view authority;
  if (rest.substr(0, 2) == "//") {
    const std::size_t end = std::min(rest.find_first_of("/?#", 2), rest.size());
    authority = rest.substr(0, end);
    rest = rest.substr(end);
  }
  rest = rest.substr(0, std::min(rest.find('#'), rest.size()));
  const std::size_t q = std::min(rest.find('?'), rest.size());
  const std::string_view base_path = rest.substr(0, q);
  const std::string_view base_query = rest.substr(q);
  const std::string prefix = std::string(scheme) + std::string(authority);
  if (ref.empty()) return prefix + std::string(base_path) + std::string(base_query);
  if (ref[0] == '?') return prefix + std::string(base_path) + std::string(ref);
  const std::size_t rq = std::min(ref.find('?'), ref.size());
  const std::string_view ref_path = ref.substr(0, rq);
  const std::string_view ref_query = ref.substr(rq);
  std::string merged;
  if (ref_path[0] == '/') {
    merged = std::string(ref_path);
  } else {
    const std::size_t slash = base_path.rfind('/');
    merged = (slash == std::string_view::npos ? std::string("/") : std::string(base_path.substr(0, slash + 1))) +
             std::string(ref_path);
  }
  return prefix + remove_dot_segments(merged) + std::string(ref_query);
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace hyped
