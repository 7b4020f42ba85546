#!/usr/bin/env python3
"""Fault tests of `hyped live`: a scripted live HLS server (real segments encoded by ffmpeg, published on a
real-time schedule) that misbehaves on cue: a segment answering 404 before it recovers, a playlist that
stalls for more than 3 target durations, segments that fall off the playlist unseen, a discontinuity to a
different encoding, Twitch stitched ads (loud, so a missed skip would fire), and fMP4 segments. Each
scenario runs as its own `hyped live` process, all at once."""
import os
import re
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from live_peers import TEST_CONFIG, Hyped, Server, _QuietHandler, ffmpeg_segments, make_source

EVENTS = [14.5, 30.5]
DURATION = 40
PDT_ORIGIN = 1764057600.0  # 2025-11-25T08:00:00Z


def iso(t):
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


class Scenario:
    """A live playlist over a list of (path, duration) segments, published at their real-time pace from
    the first request. Subclasses change what is listed or served."""
    window = 6

    def __init__(self, name, segments, map_uri=None):
        self.name, self.segments, self.map_uri = name, segments, map_uri
        self.t0 = None
        self.requests = {}
        self.lock = threading.Lock()
        self.starts = [sum(d for _, d in segments[:i]) for i in range(len(segments))]

    def clock(self):
        with self.lock:
            if self.t0 is None:
                self.t0 = time.monotonic()
            return time.monotonic() - self.t0

    def published(self, t):
        # Segment i is complete, and listed, once its end time has passed; the first at once.
        return max(1, sum(1 for i, s in enumerate(self.starts) if s + self.segments[i][1] <= t + 2.0 - 1e-9) )

    def listed(self, t):
        n = min(len(self.segments), self.published(t))
        return list(range(max(0, n - self.window), n)), n == len(self.segments)

    def extra_tags(self, i):
        return ""

    def title(self, i):
        return ""

    def playlist(self):
        idx, ended = self.listed(self.clock())
        out = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:2", f"#EXT-X-MEDIA-SEQUENCE:{idx[0] if idx else 0}"]
        if self.map_uri:
            out.append(f'#EXT-X-MAP:URI="{self.map_uri}"')
        for i in idx:
            tags = self.extra_tags(i)
            if tags:
                out.append(tags)
            out.append(f"#EXT-X-PROGRAM-DATE-TIME:{iso(PDT_ORIGIN + self.starts[i])}")
            out.append(f"#EXTINF:{self.segments[i][1]:.6f},{self.title(i)}")
            out.append(f"seg/{i}")
        if ended:
            out.append("#EXT-X-ENDLIST")
        return "\n".join(out) + "\n"

    def segment(self, i):
        """(status, path or None)"""
        with self.lock:
            self.requests[i] = self.requests.get(i, 0) + 1
        return 200, self.segments[i][0]


class Segment404(Scenario):
    """The segment holding the second burst answers 404 twice (a CDN not caught up), then serves."""

    def segment(self, i):
        status, path = super().segment(i)
        if i == self.bad and self.requests[i] <= 2:
            return 404, None
        return status, path


class SlowSegment(Scenario):
    """The first request for segment 6 hangs for 5 s: hyped's request deadline ends it and it retries."""

    def segment(self, i):
        status, path = super().segment(i)
        if i == 6 and self.requests[i] == 1:
            time.sleep(5)
        return status, path


class CutShort(Scenario):
    """Segment 8's first request hangs for 8 s, and hyped is stopped while it does: the stop's 2 s grace
    ends before the request's own deadline."""

    hung = threading.Event()

    def segment(self, i):
        status, path = super().segment(i)
        if i == 8 and self.requests[i] == 1:
            self.hung.set()
            time.sleep(8)
        return status, path


class Stall(Scenario):
    """The playlist freezes from 16 s to 25 s (4.5 target durations), then catches up."""

    def listed(self, t):
        return super().listed(16.0 if 16.0 <= t < 25.0 else t)


class FallOff(Scenario):
    """Frozen from 18 s to 28 s, and segments 9..12 are never listed: they fell off unseen."""

    def listed(self, t):
        idx, ended = super().listed(18.0 if 18.0 <= t < 28.0 else t)
        # When it thaws, the window has moved past 9..12. Listing 8 then 13 would be wrong: sequence
        # numbers are positional, so 13 would read as 9.
        return ([i for i in idx if i >= 13] if t >= 28.0 else idx), ended


class Discontinuity(Scenario):
    """From segment 10 on, a different encoding (44.1 kHz, its own timestamps) after a DISCONTINUITY."""

    def extra_tags(self, i):
        return "#EXT-X-DISCONTINUITY" if i == 10 else ""


class Ads(Scenario):
    """Segments 10..12 are a stitched ad (loud noise) with Twitch's markers: skipped, never detected."""

    def extra_tags(self, i):
        tags = []
        if i == 10 or i == 13:
            tags.append("#EXT-X-DISCONTINUITY")
        if i == 10:
            tags.append(f'#EXT-X-DATERANGE:ID="stitched-ad-{i}",CLASS="twitch-stitched-ad",'
                        f'START-DATE="{iso(PDT_ORIGIN + self.starts[10])}",DURATION={self.ad_s:.3f},'
                        'X-TV-TWITCH-AD-POD-LENGTH="3"')
        return "\n".join(tags)

    def title(self, i):
        return "Amazon|1234567" if 10 <= i <= 12 else "live"


class ScriptedHls(_QuietHandler):
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path.startswith("/moved/"):  # a redirect to the playlist; segments resolve against its target
            self.send_response(302)
            self.send_header("Location", u.path[len("/moved"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        m = re.fullmatch(r"/(\w+)/(index\.m3u8|seg/(\d+)|init\.mp4)", u.path)
        sc = self.ctx.get(m.group(1)) if m else None
        if not sc:
            return self.send(404, "not found", "text/plain")
        if m.group(2) == "index.m3u8":
            return self.send(200, sc.playlist())
        if m.group(2) == "init.mp4":
            with open(sc.init_path, "rb") as f:
                return self.send(200, f.read(), "video/mp4")
        status, path = sc.segment(int(m.group(3)))
        try:
            if status != 200:
                return self.send(status, "missing", "text/plain")
            with open(path, "rb") as f:
                self.send(200, f.read(), "video/mp2t")
        except OSError:
            pass  # the client gave up on a request made to hang


class LiveFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_faults_")
        d = cls.tmp.name
        cfg = os.path.join(d, "live.toml")
        with open(cfg, "w") as f:
            f.write(TEST_CONFIG)
        src = os.path.join(d, "source.m4a")
        make_source(src, DURATION, EVENTS)
        ad_src = os.path.join(d, "ad.m4a")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "anoisesrc=color=white:amplitude=0.7:duration=6:sample_rate=48000", "-c:a", "aac", ad_src],
                       check=True)
        seg = lambda sub, **kw: [(os.path.join(d, sub, n), dur) for n, dur in
                                 ffmpeg_segments(src if sub != "ad" else ad_src, os.path.join(d, sub), **kw)]
        a = seg("a")
        b = seg("b", rate=44100)
        ad = seg("ad")[:3]  # three whole 2 s segments
        fm = seg("fmp4", fmp4=True)
        cls.scenarios = {
            "seg404": Segment404("seg404", a),
            "stall": Stall("stall", a),
            "falloff": FallOff("falloff", a),
            "disc": Discontinuity("disc", a[:10] + b[10:]),
            "ads": Ads("ads", a[:10] + ad + a[13:]),
            "fmp4": Scenario("fmp4", fm, map_uri="init.mp4"),
            "slow": SlowSegment("slow", a),
            "redir": Scenario("redir", a),
            "cut": CutShort("cut", a),
        }
        cls.scenarios["seg404"].bad = int(EVENTS[1] // 2)
        cls.scenarios["ads"].ad_s = sum(dur for _, dur in ad)
        cls.scenarios["fmp4"].init_path = os.path.join(d, "fmp4", "init.mp4")
        cls.server = Server(ScriptedHls, cls.scenarios)
        url = lambda name: f"{cls.server.base}/{'moved/' if name == 'redir' else ''}{name}/index.m3u8"
        cls.procs = {name: Hyped("--url", url(name), "--config", cfg) for name in cls.scenarios}
        cls.scenarios["cut"].hung.wait(DURATION)
        cls.procs["cut"].interrupt()
        cls.rcs = {name: p.wait(DURATION + 40) for name, p in cls.procs.items()}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def times(self, name):
        return [h["time_s"] for _, _, h in self.procs[name].highlights()]

    def check(self, name, events=EVENTS):
        p = self.procs[name]
        self.assertEqual(self.rcs[name], 0, p.stderr)
        found = self.times(name)
        for ev in events:
            self.assertTrue(any(abs(t - ev) <= 1.0 for t in found), f"{name}: burst at {ev} s not in {found}\n{p.stderr}")
        extra = [t for t in found if all(abs(t - ev) > 1.0 for ev in events)]
        self.assertEqual(extra, [], f"{name}: false positives\n{p.stderr}")
        self.assertIn("playlist ended (EXT-X-ENDLIST)", p.stderr)
        return p.stderr

    def test_segment_404_then_recovery(self):
        err = self.check("seg404")
        self.assertGreaterEqual(self.scenarios["seg404"].requests[self.scenarios["seg404"].bad], 3)
        self.assertNotIn("gap:", err)
        self.assertRegex(err, r"0 gaps .* [1-9]\d* retries")

    def test_stalled_playlist_is_logged_and_polling_goes_on(self):
        err = self.check("stall")
        self.assertRegex(err, r"playlist stalled: nothing new for [\d.]+ s \(target duration 2 s\); still polling")
        self.assertNotIn("gap:", err)

    def test_segments_that_fell_off_are_a_gap_in_stream_time(self):
        # The second burst's stream time stays right: the 8 s that were never listed count.
        err = self.check("falloff")
        self.assertRegex(err, r"gap: 4 segments \(~8\.\d s\) left the playlist before they could be fetched")

    def test_discontinuity_to_another_encoding(self):
        self.check("disc")

    def test_ads_are_skipped_and_reported(self):
        err = self.check("ads")
        self.assertEqual(len(re.findall(r"ad segment #1[0-2] skipped", err)), 3, err)
        self.assertRegex(err, r"3 ad segments \(6\.\d s\)")
        for i in (10, 11, 12):
            self.assertNotIn(i, self.scenarios["ads"].requests, "an ad segment was fetched")

    def test_fmp4_segments(self):
        self.check("fmp4")

    def test_hung_request_times_out_and_is_retried(self):
        err = self.check("slow")
        self.assertGreaterEqual(self.scenarios["slow"].requests[6], 2)
        self.assertRegex(err, r"0 gaps .* [1-9]\d* retries")

    def test_stop_during_a_request_still_reports_the_channel(self):
        # Cut short in segment 8's request: its final line has the 7 segments before it (not 0).
        p = self.procs["cut"]
        self.assertEqual(self.rcs["cut"], 0, p.stderr)
        m = re.search(r"\] (\d+) s of audio in (\d+) segments", p.stderr)
        self.assertIsNotNone(m, p.stderr)
        self.assertGreaterEqual(int(m.group(2)), 7, p.stderr)
        self.assertGreaterEqual(int(m.group(1)), 14, p.stderr)
        self.assertTrue(any(abs(t - EVENTS[0]) <= 1.0 for t in self.times("cut")), p.stderr)

    def test_redirected_playlist(self):
        err = self.check("redir")
        self.assertRegex(err, r"0 gaps .* 0 retries")


if __name__ == "__main__":
    unittest.main(verbosity=2)
