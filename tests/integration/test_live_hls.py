#!/usr/bin/env python3
"""End-to-end tests of `hyped live` against real peers on loopback: `ffmpeg -re` publishing a live HLS
stream with loud bursts at known times, served by nginx over HTTP and HTTPS (a test CA made by openssl),
and a Twitch GQL/usher stand-in. Each burst must be found within 1 s of stream time and reported within
3 s of the publication of the segment that holds it."""
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from datetime import datetime

from live_peers import (HYPED, TEST_CONFIG, Hyped, Nginx, Publisher, Server, TwitchStandIn, make_source,
                        make_test_ca, no_chat_args)

EVENTS = [14.5, 30.5]  # mid-segment, so the frames that catch them lie in one 2 s segment
DURATION = 40


def unix_of(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class LiveFromNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_live_")
        d = cls.tmp.name
        cls.cfg = os.path.join(d, "live.toml")
        with open(cls.cfg, "w") as f:
            f.write(TEST_CONFIG)
        src = os.path.join(d, "source.m4a")
        make_source(src, DURATION, EVENTS)
        ca, cert, key = make_test_ca(d)
        cls.ca = ca
        www = os.path.join(d, "www")
        os.makedirs(os.path.join(www, "live"))
        cls.nginx = Nginx(www, os.path.join(d, "nginx"), cert, key)
        cls.nginx_b = Nginx(www, os.path.join(d, "nginx_b"))  # restarted mid-stream
        cls.nginx.start()
        cls.nginx_b.start()
        cls.twitch_ctx = {"media_dir": os.path.join(www, "live"), "segment_base": cls.nginx.url("live/", tls=True),
                          "token_ttl_s": 12.0, "tokens": {}, "log": []}
        cls.twitch = Server(TwitchStandIn, cls.twitch_ctx, cert, key)
        cls.twitch_ctx["self_base"] = cls.twitch.base
        cls.record = os.path.join(d, "rec")
        cls.pub = Publisher(src, os.path.join(www, "live"))
        cls.pub.start()
        cls.pub.wait_first_segment()
        cls.plain = Hyped("--url", cls.nginx.url("live/index.m3u8"), "--config", cls.cfg, "--record", cls.record)
        cls.tw = Hyped("teststreamer", "--gql-url", cls.twitch.base + "/gql", "--usher-url", cls.twitch.base,
                       "--ca-file", ca, "--config", cls.cfg, "--exit-when-offline", *no_chat_args())
        cls.ending = Hyped("endingchan", "--gql-url", cls.twitch.base + "/gql", "--usher-url", cls.twitch.base,
                           "--ca-file", ca, "--config", cls.cfg, "--exit-when-offline", *no_chat_args())
        # Offline at start, live for a while, offline again: waited for, followed, waited for again.
        cls.late = Hyped("latechan", "--gql-url", cls.twitch.base + "/gql", "--usher-url", cls.twitch.base,
                         "--ca-file", ca, "--config", cls.cfg, "--offline-poll", "1", *no_chat_args())
        cls.restarted = Hyped("--url", cls.nginx_b.url("live/index.m3u8"), "--config", cls.cfg)
        # Three streams in one process, through one backend: each on its own connection and clock.
        cls.multi_urls = [cls.nginx.url("live/index.m3u8") + "?s=1", cls.nginx.url("live/index.m3u8") + "?s=2",
                          cls.nginx.url("live/index.m3u8", tls=True)]
        cls.multi = Hyped(*[a for u in cls.multi_urls for a in ("--url", u)], "--ca-file", ca, "--config", cls.cfg,
                          "--ingest-threads", "3")
        # Two streams on two ingest threads: a stop reaches each on its own thread.
        cls.interrupted = Hyped("--url", cls.nginx.url("live/index.m3u8") + "?i=1", "--url",
                                cls.nginx.url("live/index.m3u8") + "?i=2", "--ingest-threads", "2", "--config", cls.cfg)
        cls.terminated = Hyped("--url", cls.nginx.url("live/index.m3u8"), "--config", cls.cfg)
        t0 = time.monotonic()

        def restart_nginx_b():
            time.sleep(18)
            cls.nginx_b.stop()
            time.sleep(3)
            cls.nginx_b.start()

        restarter = threading.Thread(target=restart_nginx_b)
        restarter.start()
        time.sleep(5)
        cls.interrupted.interrupt()
        cls.terminated.proc.terminate()
        t_int = time.monotonic()
        cls.interrupt_rc = cls.interrupted.wait(30)
        cls.terminate_rc = cls.terminated.wait(30)
        cls.interrupt_exit_s = time.monotonic() - t_int
        restarter.join()
        cls.pub.wait(DURATION + 30)
        cls.late_alive = cls.late.proc.poll() is None  # its broadcast is over: still waiting for the next
        cls.late.interrupt()
        cls.rcs = {name: p.wait(30) for name, p in (("plain", cls.plain), ("twitch", cls.tw), ("restart", cls.restarted),
                                                    ("ending", cls.ending), ("multi", cls.multi),
                                                    ("late", cls.late))}
        cls.elapsed = time.monotonic() - t0

    @classmethod
    def tearDownClass(cls):
        for p in (cls.plain, cls.tw, cls.restarted, cls.interrupted, cls.terminated, cls.ending, cls.multi, cls.late):
            if p.proc.poll() is None:
                p.proc.kill()
        cls.pub.stop()
        cls.twitch.stop()
        cls.nginx.stop()
        cls.nginx_b.stop()
        cls.tmp.cleanup()

    def check_bursts(self, proc, label, latency=True, channel=None):
        found = [(mono, unix, h) for mono, unix, h in proc.highlights() if channel is None or h["channel"] == channel]
        times = [h["time_s"] for _, _, h in found]
        for ev in EVENTS:
            hits = [(mono, unix, h) for mono, unix, h in found if abs(h["time_s"] - ev) <= 1.0]
            self.assertTrue(hits, f"{label}: burst at {ev} s not found in {times}\n{proc.stderr}")
            mono, unix, h = hits[0]
            self.assertEqual(h["type"], "highlight")
            self.assertIn("audio", h["reasons"])
            self.assertLessEqual(h["clip"]["start_s"], h["time_s"])
            self.assertGreaterEqual(h["clip"]["end_s"], h["time_s"])
            # wall_time comes from PROGRAM-DATE-TIME: the moment itself, seconds before we could see it.
            self.assertLess(abs(unix_of(h["wall_time"]) - unix), 5.0, h)
            if latency:
                published = self.pub.published_at(ev)
                self.assertIsNotNone(published, f"no segment holds {ev} s")
                self.assertLessEqual(mono - published, 3.0,
                                     f"{label}: burst at {ev} s reported {mono - published:.2f} s after publication")
                print(f"{label}: burst {ev} s -> time_s {h['time_s']}, {mono - published:.2f} s after its segment "
                      f"was published")
        extra = [t for t in times if all(abs(t - ev) > 1.0 for ev in EVENTS)]
        self.assertEqual(extra, [], f"{label}: false positives")

    def test_plain_http_finds_each_burst_within_1s_and_3s_of_publication(self):
        self.assertEqual(self.rcs["plain"], 0, self.plain.stderr)
        self.check_bursts(self.plain, "http")
        self.assertIn("playlist ended (EXT-X-ENDLIST)", self.plain.stderr)
        self.assertIn("0 gaps", self.plain.stderr)
        # Keep-alive: every playlist reload and segment over one connection to nginx.
        m = re.search(r"(\d+) requests over (\d+) connections", self.plain.stderr)
        self.assertTrue(m, self.plain.stderr)
        self.assertGreater(int(m.group(1)), 30)
        self.assertEqual(int(m.group(2)), 1)

    def test_several_streams_in_one_process_each_find_every_burst(self):
        self.assertEqual(self.rcs["multi"], 0, self.multi.stderr)
        self.assertIn("3 streams over 3 ingest threads", self.multi.stderr)
        for url in self.multi_urls:
            self.check_bursts(self.multi, url, channel=url)
        self.assertEqual(len(self.multi.highlights()), len(EVENTS) * len(self.multi_urls))
        self.assertEqual(self.multi.stderr.count("playlist ended (EXT-X-ENDLIST)"), len(self.multi_urls), self.multi.stderr)

    def test_twitch_channel_over_https_renews_its_token(self):
        self.assertEqual(self.rcs["twitch"], 0, self.tw.stderr)
        self.check_bursts(self.tw, "twitch https")
        gql = [e for e in self.twitch_ctx["log"] if e[0] == "gql" and e[2]["variables"]["login"] == "teststreamer"]
        self.assertGreaterEqual(len(gql), 2, "the token was not renewed after the 403")
        self.assertEqual(gql[0][1], "kimne78kx3ncx6brgo4mv6wki5h1ko")
        self.assertEqual(gql[0][2]["variables"]["login"], "teststreamer")
        self.assertIn("renewing the access token", self.tw.stderr)
        media = {e[2] for e in self.twitch_ctx["log"] if e[0] == "media"}
        self.assertEqual(media, {"index"}, "a video rendition was requested instead of audio_only")

    def test_twitch_channel_going_offline_ends_cleanly(self):
        self.assertEqual(self.rcs["ending"], 0, self.ending.stderr)
        self.assertIn("playlist answered HTTP 404: renewing the access token", self.ending.stderr)
        self.assertIn("the channel went offline: stream ended", self.ending.stderr)
        m = re.search(r"\] (\d+) s of audio in", self.ending.stderr)
        self.assertTrue(m and 8 <= int(m.group(1)) <= 20, self.ending.stderr)

    def test_offline_channel_is_waited_for_and_each_broadcast_followed(self):
        self.assertTrue(self.late_alive, "hyped live ended when the channel went offline: " + self.late.stderr)
        self.assertEqual(self.rcs["late"], 0, self.late.stderr)
        self.assertIn("[latechan] offline; waiting for a broadcast (asking every 1 s)", self.late.stderr)
        events = [(h["state"], mono) for mono, _, h in self.late.lines if h.get("type") == "broadcast"]
        self.assertEqual([e for e, _ in events], ["live", "offline"], self.late.lines)
        # Found within a couple of polls of going live, 6 s after the first ask; followed ~12 s.
        self.assertLess(events[1][1] - events[0][1], 20)
        self.assertIn("[latechan] broadcast ended", self.late.stderr)
        self.assertGreaterEqual(self.late.stderr.count("offline; waiting for a broadcast"), 2, self.late.stderr)
        m = re.search(r"\[latechan\] (\d+) s of audio in", self.late.stderr)
        self.assertTrue(m and 6 <= int(m.group(1)) <= 20, self.late.stderr)

    def test_nginx_restart_mid_stream_is_retried_without_losing_audio(self):
        self.assertEqual(self.rcs["restart"], 0, self.restarted.stderr)
        self.check_bursts(self.restarted, "nginx restart", latency=False)
        self.assertIn("retrying", self.restarted.stderr)
        self.assertNotIn("gap:", self.restarted.stderr)

    def test_ctrl_c_and_sigterm_stop_cleanly(self):
        self.assertEqual(self.interrupt_rc, 0, self.interrupted.stderr)
        self.assertEqual(self.terminate_rc, 0, self.terminated.stderr)
        self.assertLess(self.interrupt_exit_s, 3.0)
        self.assertIn("interrupted: stopping", self.interrupted.stderr)
        self.assertIn("2 streams over 2 ingest threads", self.interrupted.stderr)
        self.assertIn("terminated: stopping", self.terminated.stderr)
        self.assertRegex(self.terminated.stderr, r"\] \d+ s of audio in \d+ segments")

    def test_recorded_audio_replays_to_the_same_highlights(self):
        files = os.listdir(self.record)
        self.assertEqual(len(files), 1, files)
        r = subprocess.run([HYPED, "replay", os.path.join(self.record, files[0]), "--config", self.cfg, "--z-mode",
                            "running", "--quiet"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertAlmostEqual(doc["duration_s"], DURATION, delta=1.0)
        replay = [h["time_s"] for h in doc["highlights"]]
        live = [h["time_s"] for _, _, h in self.plain.highlights()]
        self.assertEqual(len(replay), len(live), (replay, live))
        for a, b in zip(replay, live):
            self.assertAlmostEqual(a, b, delta=0.5)


class LiveErrorsAreOneClearLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_live_err_")
        d = cls.tmp.name
        www = os.path.join(d, "www")
        os.makedirs(www)
        with open(os.path.join(www, "garbage.m3u8"), "w") as f:
            f.write("<html><body><h1>502 Bad Gateway</h1></body></html>\n")
        cls.nginx = Nginx(www, os.path.join(d, "nginx"))
        cls.nginx.start()
        cls.ctx = {"media_dir": www, "segment_base": "", "tokens": {}, "log": []}
        cls.standin = Server(TwitchStandIn, cls.ctx)
        cls.ctx["self_base"] = cls.standin.base

    @classmethod
    def tearDownClass(cls):
        cls.standin.stop()
        cls.nginx.stop()
        cls.tmp.cleanup()

    def run_live(self, *args):
        return subprocess.run([HYPED, "live", *args, "--quiet"], capture_output=True, text=True, timeout=60)

    def twitch(self, channel, *args):
        return self.run_live(channel, "--gql-url", self.standin.base + "/gql", "--usher-url", self.standin.base,
                             *args, *no_chat_args())

    def assert_one_line(self, r, code, text):
        self.assertEqual(r.returncode, code, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("hyped: "), lines[0])
        self.assertIn(text, lines[0])

    def test_offline_channel(self):
        self.assert_one_line(self.twitch("offlinechan", "--exit-when-offline"), 1,
                             "Twitch channel 'offlinechan' is offline (twirp error not_found: transcode does not exist")

    def interrupted_after(self, channel, seconds, ended_early):
        """`hyped live CHANNEL` polling every second, still running after `seconds`, then Ctrl-C: exit 0."""
        p = subprocess.Popen([HYPED, "live", channel, "--gql-url", self.standin.base + "/gql", "--usher-url",
                              self.standin.base, "--offline-poll", "1", *no_chat_args()],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(seconds)
        self.assertIsNone(p.poll(), ended_early)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=15)
        self.assertEqual(p.returncode, 0, err)
        return out, err

    def test_offline_channel_is_waited_for_until_stopped(self):
        out, err = self.interrupted_after("offlinechan", 3.5, "hyped live ended on an offline channel")
        self.assertEqual(err.count("offline; waiting for a broadcast"), 1, err)  # said once, not per poll
        asks = [e for e in self.ctx["log"] if e[0] == "usher" and e[1] == "offlinechan"]
        self.assertGreaterEqual(len(asks), 3)  # asked again every second
        self.assertEqual(out, "")

    def test_twitch_not_answering_is_asked_again(self):
        # GQL answers 503 twice: a hiccup, not a verdict on the channel. hyped asks again and learns that
        # the channel is offline (before, the 503 was final and the channel was dropped).
        r = self.twitch("flakyexit", "--exit-when-offline")
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 3, r.stderr)  # two warnings (asking again), then the one error line
        self.assertTrue(all("HTTP 503" in l and "asking again in" in l for l in lines[:2]), r.stderr)
        self.assertTrue(lines[2].startswith("hyped: ") and "Twitch channel 'flakyexit' is offline" in lines[2], r.stderr)
        self.assertEqual(self.ctx["gql_asks"]["flakyexit"], 3)

    def test_twitch_not_answering_while_waiting_keeps_the_channel(self):
        out, err = self.interrupted_after("flakywait", 5.0, "hyped live dropped a channel Twitch did not answer for")
        self.assertEqual(err.count("HTTP 503"), 2, err)
        self.assertIn("asking again in", err)
        asks = [e for e in self.ctx["log"] if e[0] == "usher" and e[1] == "flakywait"]
        self.assertGreaterEqual(len(asks), 2, err)

    def test_unknown_channel(self):
        self.assert_one_line(self.twitch("nobody"), 1, "Twitch channel 'nobody' does not exist")

    def test_token_failure(self):
        self.assert_one_line(self.twitch("tokenfail"), 1,
                             "cannot get a playback token for Twitch channel 'tokenfail': service timeout")

    def test_garbage_playlist(self):
        self.assert_one_line(self.run_live("--url", self.nginx.url("garbage.m3u8")), 1,
                             "is not a usable HLS playlist: line 1: not an HLS playlist (no #EXTM3U header)")

    def test_missing_playlist(self):
        self.assert_one_line(self.run_live("--url", self.nginx.url("nothing.m3u8")), 1, "HTTP 404")

    def test_untrusted_certificate(self):
        tls = Server(TwitchStandIn, self.ctx, *make_test_ca(self.tmp.name)[1:])
        try:
            r = self.run_live("--url", tls.base + "/media/x/index.m3u8")
        finally:
            tls.stop()
        self.assert_one_line(r, 1, "certificate verify failed")

    def test_bad_arguments(self):
        self.assert_one_line(self.run_live(), 2, "give a Twitch CHANNEL, --url M3U8 or --top N")
        self.assert_one_line(self.run_live("--url", "index.m3u8"), 2, "not an http(s) URL")
        self.assert_one_line(self.run_live("no/such channel"), 2, "is not a Twitch channel name")


if __name__ == "__main__":
    unittest.main(verbosity=2)
