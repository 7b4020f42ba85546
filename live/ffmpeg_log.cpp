#include "live/ffmpeg_log.hpp"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

#include <spdlog/spdlog.h>

#include <cstdarg>

namespace hyped {
namespace {

// FFmpeg explains failures in its log ("moov atom not found") rather than in error codes; keep the
// last such line of this thread so the one error we report can say it, and keep stderr clean.
thread_local std::string t_last_av_log;

void av_log_to_spdlog(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_WARNING) return;
  char line[1024];
  int print_prefix = 0;
  av_log_format_line2(avcl, level, fmt, args, line, sizeof line, &print_prefix);
  std::string msg(line);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (level <= AV_LOG_ERROR) t_last_av_log = msg;
  spdlog::debug("ffmpeg: {}", msg);
}

}  // namespace

void install_ffmpeg_settings() {
  av_log_set_callback(av_log_to_spdlog);
  // A damaged MP4 header of a few bytes can claim hundreds of millions of samples, and the demuxer
  // allocates an index entry for each (gigabytes, then minutes filling them). Bigger than any index a
  // real file needs: 48 hours of 48 kHz AAC take 8 M entries, 194 MB.
  av_max_alloc(256u << 20);
}

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

std::string& last_av_log_line() { return t_last_av_log; }

}  // namespace hyped
