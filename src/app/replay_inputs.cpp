#include "app/replay_inputs.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace hyped {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_media_file(const fs::path& p) {
  static const std::array<const char*, 17> kExt = {".wav", ".f32le", ".flac", ".mp3", ".m4a", ".mp4", ".mkv",
                                                   ".ts",  ".aac",   ".opus", ".ogg", ".oga", ".webm", ".flv",
                                                   ".mov", ".m4v",   ".mka"};
  const std::string ext = lower(p.extension().string());
  return std::find(kExt.begin(), kExt.end(), ext) != kExt.end();
}

// Chat logs beside a media file, by the names chat downloaders and `hyped chat --record` use. Not
// STEM.json: that is where exports go.
std::string chat_beside(const fs::path& media) {
  const fs::path dir = media.parent_path();
  const std::string stem = media.stem().string();
  for (const char* suffix : {".chat.json", ".chat.jsonl", ".chat.txt", ".jsonl"}) {
    const fs::path p = dir / (stem + suffix);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

// The last path segment of a URL without its query and extension ("index" for …/index.m3u8).
std::string url_stem(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.pop_back();
  const std::string last = path.substr(path.find_last_of('/') + 1);
  const std::string stem = fs::path(last).stem().string();
  return stem.empty() ? "stream" : stem;
}

ReplayInput file_input(const fs::path& p, bool look_for_chat) {
  ReplayInput in;
  in.kind = ReplayInput::Kind::File;
  in.spec = p.string();
  in.name = p.stem().string();
  if (look_for_chat) in.chat_beside = chat_beside(p);
  return in;
}

}  // namespace

std::vector<ReplayInput> expand_replay_inputs(const std::vector<std::string>& specs, bool look_for_chat) {
  std::vector<ReplayInput> out;
  for (const std::string& spec : specs) {
    std::error_code ec;
    const fs::path p(spec);
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file(ec) && is_media_file(e.path())) files.push_back(e.path());
      if (ec) throw std::runtime_error("cannot list '" + spec + "': " + ec.message());
      if (files.empty())
        throw std::runtime_error("'" + spec + "' holds no media files (.wav .mp4 .mkv .ts .m4a .flv .webm …)");
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) out.push_back(file_input(f, look_for_chat));
      continue;
    }
    if (fs::exists(p, ec)) {
      out.push_back(file_input(p, look_for_chat));
      continue;
    }
    if (const auto vod = parse_twitch_vod_ref(spec)) {
      ReplayInput in;
      in.kind = ReplayInput::Kind::TwitchVod;
      in.spec = spec;
      in.vod = *vod;
      in.name = "v" + vod->id;
      out.push_back(std::move(in));
      continue;
    }
    const std::string l = lower(spec.substr(0, 8));
    if (l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0) {
      ReplayInput in;
      in.kind = ReplayInput::Kind::HlsUrl;
      in.spec = spec;
      in.name = url_stem(spec);
      out.push_back(std::move(in));
      continue;
    }
    out.push_back(file_input(p, false));  // does not exist: opening it says so
  }
  return out;
}

std::string export_name_for(const std::string& name, const std::string& ext, std::vector<std::string>& taken) {
  std::string candidate = name + ext;
  for (int n = 2; std::find(taken.begin(), taken.end(), candidate) != taken.end(); ++n)
    candidate = name + "-" + std::to_string(n) + ext;
  taken.push_back(candidate);
  return candidate;
}

}  // namespace hyped
