// `hyped replay --report`: the whole broadcast on one self-contained HTML page. Score (with the
// threshold the picker held it to), audio z, chat z and chat rate in stacked panels on one time axis,
// every highlight as a band over its clip, a hover readout, a table of highlights, and an <audio> player
// of the local media that a click on a highlight seeks. The drawing is SVG made here; a few lines of
// inline JS do the hover, seeking and copying. Nothing is fetched: the page opens offline.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/highlight.hpp"
#include "report/timeline.hpp"

namespace hyped {

struct ReportInput {
  std::string title;      // the broadcast: channel or media name
  std::string source;     // the media path or URL, as given
  std::string media_src;  // what the <audio> element plays (relative path or file:// URL); empty: no player
  double duration_s = 0;
  double hop_s = 0.5;
  int frames_per_bucket = 1;
  std::vector<std::pair<std::string, std::string>> facts;  // shown under the title, e.g. {"backend", "cpu"}
  std::span<const TimelineBucket> timeline;
  std::span<const Highlight> highlights;
};

// The page, a pure function of its input.
std::string render_report_html(const ReportInput& in);

// "1:02:03": H:MM:SS, hours always shown, seconds rounded down (a seek lands just before the moment).
std::string hms(double t_s);

// Text safe inside HTML elements and quoted attributes.
std::string escape_html(std::string_view text);

// The <audio> src that reaches `media` from a page written to `report_path`: a relative URL when both are
// local, a file:// URL when no relative path exists, empty when `media` is no local file (a URL).
std::string media_src_for(const std::string& media, const std::string& report_path);

// Throws when the page could not be written there (its directory is missing): checked before a long
// replay rather than after it.
void check_report_path(const std::string& path);

// Writes the page; throws with the path on failure.
void write_report(const std::string& path, const std::string& html);

}  // namespace hyped
