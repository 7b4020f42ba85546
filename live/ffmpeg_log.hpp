// FFmpeg's log and error codes in hyped's style: its messages go to spdlog (debug), and the last error
// line of the calling thread is kept so the one error we report can name FFmpeg's reason. Also the
// library-wide limit on what one allocation may take.
#pragma once

#include <string>

namespace hyped {

// Routes av_log through spdlog and bounds any one FFmpeg allocation; idempotent, call before opening
// anything.
void install_ffmpeg_settings();
// Text of an AVERROR code ("Invalid data found when processing input").
std::string av_error_text(int err);
// The last error-level FFmpeg log line of this thread ("moov atom not found"); clear it before an operation.
std::string& last_av_log_line();

}  // namespace hyped
