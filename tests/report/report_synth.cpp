// Writes the report of a long synthetic broadcast: `report_synth OUT.html [HOURS]` (default 10).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "report/report_html.hpp"
#include "synth_series.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: report_synth OUT.html [HOURS]\n");
    return 2;
  }
  try {
    const double hours = argc > 2 ? std::atof(argv[2]) : 10.0;
    hyped::test::SynthBroadcast b;
    hyped::test::synth_broadcast(b, hours);
    hyped::ReportInput in;
    in.title = "synthetic";
    in.source = "synthetic " + std::to_string(static_cast<int>(hours)) + " h";
    in.duration_s = b.duration_s;
    in.frames_per_bucket = b.timeline.frames_per_bucket();
    in.timeline = b.timeline.buckets();
    in.highlights = b.highlights;
    hyped::write_report(argv[1], hyped::render_report_html(in));
    std::printf("{\"frames\":%lld,\"buckets\":%zu,\"highlights\":%zu}\n", b.timeline.frames(),
                b.timeline.buckets().size(), b.highlights.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "report_synth: %s\n", e.what());
    return 1;
  }
  return 0;
}
