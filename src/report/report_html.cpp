#include "report/report_html.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace hyped {
namespace {

constexpr double kViewWidth = 10000;  // SVG user units across the whole broadcast
constexpr double kViewHeight = 100;   // SVG user units down one panel

struct Panel {
  Signal signal;
  const char* id;
  const char* label;
  const char* color;
  int height_px;
};

// Stacked top to bottom; the readout lists them in this order, the threshold after them.
constexpr Panel kPanels[] = {{Signal::Score, "score", "score", "#e8590c", 150},
                             {Signal::ZAudio, "z_audio", "audio z", "#1c7ed6", 110},
                             {Signal::ZChat, "z_chat", "chat z", "#2f9e44", 110},
                             {Signal::ChatRate, "chat_rate", "chat rate /s", "#7048e8", 110}};
constexpr const char* kThresholdColor = "#c92a2a";

// Fixed-point with trailing zeros dropped ("2.5", "3", "-0.25"): short numbers keep a 10 h page small.
std::string num(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  std::string s(buf, r.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// Two decimals, zeros kept: the table's columns line up.
std::string fixed2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::isfinite(v) ? v : 0.0);
  return buf;
}

std::string percent(double part, double whole) { return num(whole > 0 ? 100.0 * part / whole : 0.0, 3) + "%"; }

struct Range {
  double lo = 0, hi = 1;
  double y(double v) const { return kViewHeight * (1.0 - (v - lo) / (hi - lo)); }
};

// Zero always shows (scores and rates start there, z-scores centre on it); the top gets a little air.
Range range_of(std::span<const TimelineBucket> buckets, Signal s, bool with_threshold) {
  double lo = 0, hi = 0;
  for (const TimelineBucket& b : buckets) {
    lo = std::min(lo, static_cast<double>(value_of(b.lo, s)));
    hi = std::max(hi, static_cast<double>(value_of(b.hi, s)));
    if (with_threshold) hi = std::max(hi, static_cast<double>(value_of(b.hi, Signal::Threshold)));
  }
  if (hi - lo < 1e-6) hi = lo + 1;
  return {lo, hi + 0.08 * (hi - lo)};
}

double x_of(double t_s, double duration_s) { return kViewWidth * std::clamp(t_s / duration_s, 0.0, 1.0); }
double mid_of(const TimelineBucket& b) { return 0.5 * (b.start_s + b.end_s); }

// The min/max envelope: along the maxima, back along the minima. One frame per bucket makes it a line.
std::string envelope_path(std::span<const TimelineBucket> buckets, Signal s, const Range& r, double duration_s) {
  if (buckets.empty()) return {};
  std::string d;
  d.reserve(buckets.size() * 24);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    d += i == 0 ? "M" : " ";
    d += num(x_of(mid_of(buckets[i]), duration_s), 1) + ' ' + num(r.y(value_of(buckets[i].hi, s)), 1);
  }
  for (std::size_t i = buckets.size(); i-- > 0;)
    d += ' ' + num(x_of(mid_of(buckets[i]), duration_s), 1) + ' ' + num(r.y(value_of(buckets[i].lo, s)), 1);
  d += 'Z';
  return d;
}

// The threshold as steps: it holds between changes. The highest value in a bucket is the one drawn
// (what a peak in that bucket had to reach at most).
std::string threshold_path(std::span<const TimelineBucket> buckets, const Range& r, double duration_s) {
  std::string d;
  std::string last_y;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const std::string y = num(r.y(value_of(buckets[i].hi, Signal::Threshold)), 1);
    if (i == 0) {
      d += 'M';
      d += num(x_of(buckets[i].start_s, duration_s), 1) + ' ' + y;
    } else if (y != last_y) {
      d += 'H';
      d += num(x_of(buckets[i].start_s, duration_s), 1) + 'V' + y;
    }
    last_y = y;
  }
  if (!buckets.empty()) {
    d += 'H';
    d += num(x_of(buckets.back().end_s, duration_s), 1);
  }
  return d;
}

// Ticks every 10 s … 6 h, about ten across the broadcast.
double tick_step_s(double duration_s) {
  constexpr double kSteps[] = {10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600};
  for (double s : kSteps)
    if (duration_s / s <= 12) return s;
  return kSteps[std::size(kSteps) - 1];
}

void add_panel(std::string& html, const ReportInput& in, const Panel& p, double duration_s, const std::string& grid) {
  const Range r = range_of(in.timeline, p.signal, p.signal == Signal::Score);
  html += "<div class=\"row\" style=\"height:" + std::to_string(p.height_px) + "px\"><div class=\"ylab\">";
  html += "<span class=\"yhi\">" + num(r.hi, 1) + "</span><span class=\"yname\" style=\"color:" + p.color + "\">" +
          escape_html(p.label) + "</span>";
  if (p.signal == Signal::Score)
    html += "<span class=\"yname thr\" style=\"color:" + std::string(kThresholdColor) + "\">threshold</span>";
  html += "<span class=\"ylo\">" + num(r.lo, 1) + "</span></div>";
  html += "<svg class=\"panel\" id=\"panel-" + std::string(p.id) + "\" viewBox=\"0 0 " + num(kViewWidth, 0) + ' ' +
          num(kViewHeight, 0) + "\" preserveAspectRatio=\"none\">";
  html += "<path class=\"grid\" d=\"" + grid + "\"/>";
  if (r.lo < 0) html += "<path class=\"zero\" d=\"M0 " + num(r.y(0), 1) + "H" + num(kViewWidth, 0) + "\"/>";
  html += "<path class=\"sig\" fill=\"" + std::string(p.color) + "\" stroke=\"" + p.color + "\" d=\"" +
          envelope_path(in.timeline, p.signal, r, duration_s) + "\"/>";
  if (p.signal == Signal::Score)
    html += "<path class=\"thr\" stroke=\"" + std::string(kThresholdColor) + "\" d=\"" +
            threshold_path(in.timeline, r, duration_s) + "\"/>";
  html += "</svg></div>\n";
}

// The series the readout shows, one value per bucket: the frame where its score peaked.
void add_data(std::string& html, const ReportInput& in, double duration_s) {
  const auto& tl = in.timeline;
  html += "<script type=\"application/json\" id=\"timeline-data\">{\"dur\":" + num(duration_s, 3) +
          ",\"hop\":" + num(in.hop_s, 4) + ",\"fpb\":" + std::to_string(in.frames_per_bucket) +
          ",\"first\":" + num(tl.empty() ? 0.0 : tl.front().start_s, 3) + ",\"pt\":[";
  for (std::size_t i = 0; i < tl.size(); ++i) {
    if (i) html += ',';
    html += num(tl[i].peak_s, 2);
  }
  html += "],\"v\":{";
  const std::pair<const char*, Signal> keys[] = {{"score", Signal::Score},
                                                 {"z_audio", Signal::ZAudio},
                                                 {"z_chat", Signal::ZChat},
                                                 {"chat_rate", Signal::ChatRate},
                                                 {"threshold", Signal::Threshold}};
  bool first_key = true;
  for (const auto& [key, s] : keys) {
    html += std::string(first_key ? "" : ",") + "\"" + key + "\":[";
    first_key = false;
    for (std::size_t i = 0; i < tl.size(); ++i) {
      if (i) html += ',';
      html += num(value_of(tl[i].at_peak, s), 2);
    }
    html += "]";
  }
  html += "}}</script>\n";
}

// One band per highlight over its clip window, a dashed mark at its moment, its id and reasons on top
// (in three rows, so neighbours' labels do not sit on each other).
void add_bands(std::string& html, std::span<const Highlight> highlights, double duration_s) {
  for (std::size_t i = 0; i < highlights.size(); ++i) {
    const Highlight& h = highlights[i];
    const std::string reasons = escape_html(join_reasons(h.reasons));
    const std::string when = hms(h.time_s);
    const double width_s = std::max(0.0, h.end_s - h.start_s);
    html += "<div class=\"band\" data-id=\"" + std::to_string(h.id) + "\" data-start=\"" + num(h.start_s, 2) +
            "\" data-end=\"" + num(h.end_s, 2) + "\" data-time=\"" + num(h.time_s, 2) +
            "\" style=\"left:" + percent(h.start_s, duration_s) + ";width:" + percent(width_s, duration_s) +
            "\" title=\"Highlight " + std::to_string(h.id) + " at " + when + " (clip " + hms(h.start_s) + "–" +
            hms(h.end_s) + ") score " + num(h.score, 2) + ": " + reasons +
            "\"><span class=\"mark\" style=\"left:" + percent(h.time_s - h.start_s, width_s) +
            "\"></span><span class=\"lab\" style=\"" + (h.start_s > 0.85 * duration_s ? "right:2px;left:auto" : "") +
            ";top:" + std::to_string(2 + 15 * static_cast<int>(i % 3)) + "px\">" + std::to_string(h.id) + " " +
            reasons + "</span></div>\n";
  }
}

// The cursor, the player's position, and the readout the script fills in (one field per data-k).
void add_readout(std::string& html) {
  html +=
      "<div id=\"cursor\" hidden></div><div id=\"playhead\" hidden></div>\n<div id=\"readout\" hidden>"
      "<b data-k=\"time\"></b> <span class=\"span\" data-k=\"span\"></span>";
  for (const Panel& p : kPanels)
    html += "<div><span style=\"color:" + std::string(p.color) + "\">" + p.label + "</span><span data-k=\"" + p.id +
            "\"></span></div>";
  html += "<div><span style=\"color:" + std::string(kThresholdColor) +
          "\">threshold</span><span data-k=\"threshold\"></span></div></div>\n";
}

void add_table(std::string& html, std::span<const Highlight> highlights) {
  html +=
      "<table id=\"highlights\"><thead><tr><th>#</th><th class=\"r\">time</th><th class=\"r\">clip</th>"
      "<th>score</th><th>audio z</th><th>chat z</th><th>chat /s</th><th class=\"r\">reasons</th></tr></thead>"
      "<tbody>\n";
  for (const Highlight& h : highlights) {
    const std::string when = hms(h.time_s);
    html += "<tr data-id=\"" + std::to_string(h.id) + "\" data-start=\"" + num(h.start_s, 2) + "\"><td>" +
            std::to_string(h.id) + "</td><td class=\"r\"><span class=\"hms\">" + when +
            "</span><button class=\"copy\" type=\"button\" data-copy=\"" + when + "\" title=\"copy " + when +
            "\">copy</button></td><td class=\"r\"><span class=\"hms\">" + hms(h.start_s) + "–" + hms(h.end_s) +
            "</span></td><td>" + fixed2(h.score) + "</td><td>" + fixed2(h.audio_z) + "</td><td>" + fixed2(h.chat_z) +
            "</td><td>" + fixed2(h.chat_rate) + "</td><td class=\"r\">" + escape_html(join_reasons(h.reasons, ", ")) +
            "</td></tr>\n";
  }
  html += "</tbody></table>\n";
}

constexpr const char* kStyle = R"(<style>
:root{--lab:76px;--right:28px;font:14px/1.4 system-ui,sans-serif;color:#212529;background:#fff}
body{margin:16px 20px}
h1{font-size:20px;margin:0 0 2px}
.meta{color:#495057;margin:0 0 10px}
.meta b{font-weight:600}
#player{width:100%;margin:4px 0 10px}
#chart{position:relative;user-select:none}
.row{display:flex;margin-bottom:6px;padding-right:var(--right)}
.ylab{width:var(--lab);flex:none;display:flex;flex-direction:column;font-size:12px;color:#868e96;padding-right:6px;box-sizing:border-box;text-align:right}
.ylab .yname{font-weight:600;font-size:12px}
.ylab .thr{font-weight:400;text-decoration:underline dashed}
.ylab .yhi{margin-bottom:auto}.ylab .ylo{margin-top:auto}
svg.panel{flex:1;min-width:0;height:100%;background:#f8f9fa;border:1px solid #e9ecef;box-sizing:border-box;display:block}
svg path{vector-effect:non-scaling-stroke}
svg .sig{fill-opacity:.35;stroke-width:1.2}
svg .thr{fill:none;stroke-width:1.5;stroke-dasharray:6 4}
svg .grid{stroke:#dee2e6;stroke-width:1;fill:none}
svg .zero{stroke:#adb5bd;stroke-width:1;fill:none}
#plot{position:absolute;top:0;bottom:0;left:var(--lab);right:var(--right);cursor:crosshair}
.band{position:absolute;top:0;bottom:0;min-width:2px;background:rgba(250,176,5,.22);border-left:1px solid rgba(230,119,0,.7);border-right:1px solid rgba(230,119,0,.7);box-sizing:border-box;cursor:pointer}
.band:hover,.band.sel{background:rgba(250,176,5,.42)}
.band .mark{position:absolute;top:0;bottom:0;width:0;border-left:1px dashed #e67700}
.band .lab{position:absolute;left:2px;font-size:11px;white-space:nowrap;color:#862e9c;background:rgba(255,255,255,.8);padding:0 2px;border-radius:2px;pointer-events:none}
#cursor,#playhead{position:absolute;top:0;bottom:0;width:0;border-left:1px solid #212529;pointer-events:none}
#playhead{border-left:2px solid #1971c2}
#readout{position:absolute;top:4px;background:rgba(255,255,255,.95);border:1px solid #ced4da;border-radius:4px;padding:4px 8px;font-size:12px;pointer-events:none;white-space:nowrap;box-shadow:0 1px 4px rgba(0,0,0,.15);z-index:2}
#readout div{display:flex;justify-content:space-between;gap:12px}
#readout span[data-k]{font-variant-numeric:tabular-nums;font-weight:600}
#axis{position:relative;height:20px;margin:0 var(--right) 0 var(--lab);font-size:12px;color:#868e96}
#axis span{position:absolute;transform:translateX(-50%);white-space:nowrap}
table{border-collapse:collapse;margin-top:14px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #e9ecef;text-align:right}
th{background:#f1f3f5;font-weight:600}
td.r,th.r{text-align:left}
tbody tr{cursor:pointer}tbody tr:hover,tbody tr.sel{background:#fff3bf}
.hms{font-family:ui-monospace,monospace}
button.copy{font-size:11px;margin-left:6px;padding:0 5px;cursor:pointer}
footer{margin-top:12px;color:#adb5bd;font-size:12px}
</style>
)";

// Hover readout, seeking, copying, and the time from navigation to the first drawn frame (data-render-ms).
constexpr const char* kScript = R"(<script>
(() => {
  const D = JSON.parse(document.getElementById('timeline-data').textContent);
  const plot = document.getElementById('plot'), cursor = document.getElementById('cursor');
  const readout = document.getElementById('readout'), audio = document.getElementById('player');
  const playhead = document.getElementById('playhead');
  const field = k => readout.querySelector('[data-k="' + k + '"]');
  const n = D.pt.length, span = D.fpb * D.hop;
  const pad = v => String(v).padStart(2, '0');
  const hms = t => { t = Math.max(0, Math.floor(t)); return Math.floor(t / 3600) + ':' + pad(Math.floor(t / 60) % 60) + ':' + pad(t % 60); };
  const hmsTenth = t => hms(t) + '.' + Math.floor((Math.max(0, t) * 10 + 1e-6) % 10);
  const bucketAt = t => Math.min(n - 1, Math.max(0, Math.floor((t - D.first + D.hop / 2) / span)));
  function show(i) {
    const t = D.pt[i], x = 100 * t / D.dur;
    cursor.style.left = x + '%';
    cursor.hidden = readout.hidden = false;
    field('time').textContent = hmsTenth(t);
    const t0 = D.first + i * span;
    field('span').textContent = D.fpb > 1 ? 'peak of ' + hms(t0) + '–' + hms(t0 + span) : '';
    for (const k in D.v) field(k).textContent = D.v[k][i].toFixed(2);
    if (x > 70) { readout.style.left = ''; readout.style.right = (100 - x) + '%'; readout.style.marginRight = '8px'; }
    else { readout.style.right = ''; readout.style.left = x + '%'; readout.style.marginLeft = '8px'; }
  }
  if (n > 0) {
    plot.addEventListener('mousemove', e => {
      const r = plot.getBoundingClientRect();
      show(bucketAt(D.dur * (e.clientX - r.left) / r.width));
    });
    plot.addEventListener('mouseleave', () => { cursor.hidden = readout.hidden = true; });
  }
  function select(id) {
    document.querySelectorAll('.sel').forEach(e => e.classList.remove('sel'));
    document.querySelectorAll('[data-id="' + id + '"]').forEach(e => e.classList.add('sel'));
  }
  function jump(el) {
    select(el.dataset.id);
    if (!audio) return;
    audio.currentTime = Number(el.dataset.start);
    const p = audio.play();
    if (p) p.catch(() => {});
  }
  document.querySelectorAll('.band').forEach(b => b.addEventListener('click', () => {
    jump(b);
    const row = document.querySelector('tr[data-id="' + b.dataset.id + '"]');
    if (row) row.scrollIntoView({block: 'nearest'});
  }));
  document.querySelectorAll('tbody tr').forEach(r => r.addEventListener('click', () => jump(r)));
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
    return Promise.resolve();
  }
  document.querySelectorAll('button.copy').forEach(b => b.addEventListener('click', e => {
    e.stopPropagation();
    copyText(b.dataset.copy).then(() => { b.textContent = 'copied'; setTimeout(() => { b.textContent = 'copy'; }, 1200); },
                                  () => { b.textContent = 'select it'; });
  }));
  if (audio) audio.addEventListener('timeupdate', () => {
    playhead.hidden = false;
    playhead.style.left = (100 * Math.min(1, audio.currentTime / D.dur)) + '%';
  });
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const ms = performance.now();
    document.body.dataset.renderMs = ms.toFixed(1);
    document.getElementById('drawn').textContent = 'drawn in ' + Math.round(ms) + ' ms';
  }));
})();
</script>
)";

}  // namespace

std::string hms(double t_s) {
  const auto t = static_cast<long long>(std::floor(std::max(0.0, t_s)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_report_html(const ReportInput& in) {
  double duration_s = in.duration_s;
  if (!in.timeline.empty()) duration_s = std::max(duration_s, in.timeline.back().end_s);
  if (duration_s <= 0) duration_s = 1;

  std::string html;
  html.reserve(in.timeline.size() * 160 + in.highlights.size() * 600 + 16384);
  // Nothing may be fetched but the media the player is pointed at.
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; media-src 'self' file:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>hyped: " +
      escape_html(in.title) + "</title>\n";
  html += kStyle;
  html += "</head><body>\n<h1>" + escape_html(in.title) + "</h1>\n<p class=\"meta\"><b>" + escape_html(in.source) +
          "</b> · " + hms(duration_s) + " · " + std::to_string(in.highlights.size()) +
          (in.highlights.size() == 1 ? " highlight" : " highlights");
  for (const auto& [key, value] : in.facts) html += " · " + escape_html(key) + " " + escape_html(value);
  if (in.frames_per_bucket > 1)
    html += " · drawn at " + num(in.frames_per_bucket * in.hop_s, 1) + " s per point (peaks kept)";
  html += "</p>\n";
  if (!in.media_src.empty())
    html += "<audio id=\"player\" controls preload=\"metadata\" src=\"" + escape_html(in.media_src) + "\"></audio>\n";

  const double step = tick_step_s(duration_s);
  std::string grid;
  for (double t = step; t < duration_s; t += step) {
    grid += 'M';
    grid += num(x_of(t, duration_s), 1) + " 0V" + num(kViewHeight, 0);
  }

  html += "<div id=\"chart\">\n";
  for (const Panel& p : kPanels) add_panel(html, in, p, duration_s, grid);
  html += "<div id=\"plot\">\n";
  add_bands(html, in.highlights, duration_s);
  add_readout(html);
  html += "</div></div>\n<div id=\"axis\">";
  for (double t = 0; t <= duration_s + 1e-9; t += step)
    html += "<span style=\"left:" + percent(t, duration_s) + "\">" + hms(t) + "</span>";
  html += "</div>\n";

  add_table(html, in.highlights);
  html += "<footer>hyped timeline report · <span id=\"drawn\"></span></footer>\n";
  add_data(html, in, duration_s);
  html += kScript;
  html += "</body></html>\n";
  return html;
}

}  // namespace hyped
