#!/usr/bin/python3
"""tools/live_scale_stats.py and the rig's playlist arithmetic (tools/live_rig.py): what
tools/bench_live_scale reads from /metrics, nginx's tally, hyped's log, /proc and gdb, and how it maps a
highlight's moment to the segment that holds it."""
import math
import os
import sys
import unittest

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
from live_rig import WINDOW, Streams  # noqa: E402
from live_scale_stats import (account_segments, histogram_delta, histogram_quantile, parse_histogram,  # noqa: E402
                              parse_hyped_log, parse_tally, percentile, stat_cpu_ticks, thread_roles)

METRICS = """# TYPE hyped_detector_tick_seconds histogram
hyped_detector_tick_seconds_bucket{le="0.001"} 50
hyped_detector_tick_seconds_bucket{le="0.01"} 90
hyped_detector_tick_seconds_bucket{le="0.1"} 100
hyped_detector_tick_seconds_bucket{le="+Inf"} 100
hyped_detector_tick_seconds_sum 0.3
hyped_detector_tick_seconds_count 100
hyped_other_bucket{le="1"} 7
"""


class Percentiles(unittest.TestCase):
    def test_interpolates_between_ranks(self):
        self.assertEqual(percentile([3, 1, 2], 0.5), 2)
        self.assertAlmostEqual(percentile([0, 10], 0.99), 9.9)
        self.assertEqual(percentile([5], 0.99), 5)
        self.assertIsNone(percentile([], 0.5))


class Histogram(unittest.TestCase):
    def test_reads_only_the_named_histogram_in_bound_order(self):
        h = parse_histogram(METRICS, "hyped_detector_tick_seconds")
        self.assertEqual(h, [(0.001, 50), (0.01, 90), (0.1, 100), (math.inf, 100)])
        self.assertEqual(parse_histogram(METRICS, "hyped_missing"), [])

    def test_quantile_interpolates_inside_the_bucket(self):
        h = parse_histogram(METRICS, "hyped_detector_tick_seconds")
        value, exact = histogram_quantile(h, 0.5)
        self.assertTrue(exact)
        self.assertAlmostEqual(value, 0.001)  # the 50th of 100 is the lowest bucket's top
        value, _ = histogram_quantile(h, 0.7)  # 20 of the 40 in (0.001, 0.01]
        self.assertAlmostEqual(value, 0.001 + 0.009 * 0.5)
        value, _ = histogram_quantile(h, 0.25)  # the lowest bucket starts at 0
        self.assertAlmostEqual(value, 0.0005)

    def test_quantile_past_the_top_bucket_is_a_lower_bound(self):
        h = [(0.1, 90), (math.inf, 100)]
        self.assertEqual(histogram_quantile(h, 0.99), (0.1, False))
        self.assertIsNone(histogram_quantile([(0.1, 0), (math.inf, 0)], 0.5))

    def test_delta_keeps_what_was_observed_between_scrapes(self):
        before = [(0.001, 40), (math.inf, 45)]
        after = [(0.001, 50), (math.inf, 100)]
        self.assertEqual(histogram_delta(before, after), [(0.001, 10), (math.inf, 55)])
        self.assertEqual(histogram_delta([], after), after)


class Tally(unittest.TestCase):
    def test_keeps_first_successful_fetch_per_channel_and_sequence(self):
        lines = ["1.5 a 7 200", "1.2 a 7 200", "1.3 a 8 404", "1.4 - - 200", "2.0 b 3 200", "bad line"]
        self.assertEqual(parse_tally(lines), {"a": {7: 1.2}, "b": {3: 2.0}})

    def test_accounting_from_the_join_on(self):
        self.assertEqual(account_segments({10, 11, 12, 13}, 15), {"join": 10, "fetched": 4, "holes": 0, "tail": 1})
        self.assertEqual(account_segments({10, 13, 14}, 15), {"join": 10, "fetched": 3, "holes": 2, "tail": 0})
        self.assertEqual(account_segments(set(), 15)["join"], None)


LOG = """info: [scale0000] following http://127.0.0.1:1/live/scale0000.m3u8 (target duration 2 s, 6 segments listed)
warning: [scale0001] gap: 3 segments (~6.0 s) left the playlist before they could be fetched; stream time 40.0 s
warning: [scale0001] gap: segment #31 unavailable (HTTP 404); 2.0 s lost at stream time 52.0 s
warning: [scale0002] gap: 2 segments (~4.0 s) left the playlist before they could be fetched; stream time 8.0 s
warning: 12 audio chunks dropped: the detector fell behind
info: [scale0000] 74 s of audio in 37 segments, 2 highlights; 0 gaps (0.0 s), 0 ad segments (0.0 s), 0 retries, 0 stalls; 70 requests over 2 connections
info: [scale0001] 66 s of audio in 33 segments, 1 highlights; 2 gaps (8.0 s), 0 ad segments (0.0 s), 1 retries, 0 stalls; 70 requests over 2 connections
"""


class HypedLog(unittest.TestCase):
    def test_final_lines_and_gap_segments_per_channel(self):
        got = parse_hyped_log(LOG)
        c = got["channels"]
        self.assertEqual(c["scale0000"]["segments"], 37)
        self.assertEqual(c["scale0000"]["missed_segments"], 0)
        self.assertEqual((c["scale0001"]["gaps"], c["scale0001"]["gap_s"]), (2, 8.0))
        self.assertEqual(c["scale0001"]["missed_segments"], 4)
        # A channel with gaps but no final line still shows its gaps.
        self.assertEqual(c["scale0002"]["missed_segments"], 2)
        self.assertEqual(got["dropped_chunks"], 12)
        self.assertEqual(parse_hyped_log("")["dropped_chunks"], 0)


class Proc(unittest.TestCase):
    def test_cpu_ticks_with_an_awkward_command_name(self):
        fields = ["S", "1", "1", "1", "0", "-1", "4194560", "100", "0", "0", "0", "250", "30", "5", "6"]
        self.assertEqual(stat_cpu_ticks("123 (a) b (c)) " + " ".join(fields)), 280)


GDB = """[New LWP 101]
Thread 4 (Thread 0x7f (LWP 104) "hyped"):
#0  0x1 in syscall () from /lib/x86_64-linux-gnu/libc.so.6
#1  0x2 in moodycamel::details::Semaphore::timed_wait (this=0x1)
#2  0x3 in hyped::LiveSession::Impl::detect_loop (this=0x2) at live_session.cpp:600
#3  0x4 in std::thread::_State_impl<...hyped::LiveSession::run()::{lambda()#1}...>::_M_run ()
Thread 3 (Thread 0x7e (LWP 103) "hyped"):
#0  0x1 in epoll_wait () from /lib/x86_64-linux-gnu/libc.so.6
#1  0x2 in boost::asio::detail::scheduler::run ()
#2  0x3 in hyped::AlertServer::start()::{lambda()#1}::operator() ()
Thread 2 (Thread 0x7d (LWP 102) "hyped"):
#0  0x1 in epoll_wait () from /lib/x86_64-linux-gnu/libc.so.6
#1  0x3 in hyped::LiveSession::run() ()
Thread 1 (Thread 0x7c (LWP 101) "hyped"):
#0  0x1 in epoll_wait () from /lib/x86_64-linux-gnu/libc.so.6
#1  0x2 in hyped::LiveSession::run() ()
#2  0x3 in hyped::run_live(hyped::LiveOptions const&) ()
"""


class GdbRoles(unittest.TestCase):
    def test_threads_named_by_the_code_on_their_stack(self):
        roles = thread_roles(GDB, 101)
        self.assertEqual(roles[104], "detector")
        self.assertEqual(roles[103], "alert server io")
        self.assertEqual(roles[102], "ingest")
        self.assertEqual(roles[101], "main (session, ingest 1)")


class RigPlaylists(unittest.TestCase):
    def setUp(self):
        self.segs = [(f"s{i:03d}.ts", d) for i, d in enumerate([2.0, 2.0, 1.5, 2.0])]
        self.streams = Streams(self.segs, ["a", "b"], "http://127.0.0.1:1/", tag_segments=True)

    def test_a_moment_maps_to_the_segment_that_holds_it(self):
        s = self.streams
        for ch in ("a", "b"):
            for n in range(12):
                mid = (s.start_s(ch, n) + s.start_s(ch, n + 1)) / 2
                self.assertEqual(s.segment_at(ch, mid), n)
                # Listed once complete: the wall time of its end.
                self.assertAlmostEqual(s.listed_wall(ch, n) - s.wall0, s.start_s(ch, n + 1))
                self.assertAlmostEqual(s.start_s(ch, n + 1) - s.start_s(ch, n), s.duration_s(ch, n))

    def test_tagged_segment_urls_carry_channel_and_sequence(self):
        text = self.streams.playlist("b")
        uris = [l for l in text.splitlines() if l.startswith("http")]
        self.assertLessEqual(len(uris), WINDOW)
        first = int(text.split("#EXT-X-MEDIA-SEQUENCE:")[1].split()[0])
        for k, u in enumerate(uris):
            self.assertTrue(u.endswith(f"?c=b&n={first + k}"), u)
        plain = Streams(self.segs, ["a"], "http://127.0.0.1:1/").playlist("a")
        self.assertNotIn("?c=", plain)


if __name__ == "__main__":
    unittest.main()
