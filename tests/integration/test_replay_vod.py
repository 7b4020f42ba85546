#!/usr/bin/env python3
"""`hyped replay` of a Twitch VOD by its link, against a loopback stand-in of GQL and usher and nginx serving
the VOD's HLS (ffmpeg-made, 2 s segments, 300 of them): the same highlights as replaying the same audio and
chat from files, every comment page fetched once and in order, Twitch's refusals as one clear error, a
missing segment retried then reported as a gap; and several inputs in one run."""
import glob
import json
import re
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_peers import HYPED, TOOLS, Nginx, Server, ffmpeg_segments, make_source  # noqa: E402
from vod_peers import PAGE_SIZE, WEB_PLAYER_ID, TwitchVodStandIn, served_text  # noqa: E402

DURATION_S = 600
EVENTS = [150, 330, 480]


def highlights(path):
    with open(path) as f:
        return json.load(f)["highlights"]


class ReplayVodTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hyped-vod-")
        d = cls.tmp
        source = os.path.join(d, "source.wav")
        make_source(source, DURATION_S, EVENTS)
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"),
                        "--media", os.path.join(d, "unused.wav"), "--chat", os.path.join(d, "raw.jsonl"),
                        "--duration", str(DURATION_S), "--seed", "7", "--events", ",".join(map(str, EVENTS))],
                       check=True, capture_output=True)
        # Twitch gives whole-second offsets; the reference log holds the lines as a client reads them back.
        cls.chat = []
        with open(os.path.join(d, "raw.jsonl")) as f:
            for line in f:
                c = json.loads(line)
                cls.chat.append({"t": int(c["t"]), "user": c["user"], "text": c["text"], "emotes": int(c.get("emotes", 0))})
        cls.ref_chat = os.path.join(d, "ref.jsonl")
        with open(cls.ref_chat, "w") as f:
            for c in cls.chat:
                f.write(json.dumps({"t": c["t"], "user": c["user"], "text": served_text(c), "emotes": c["emotes"]}) + "\n")
        root = os.path.join(d, "www")
        segs = ffmpeg_segments(source, os.path.join(root, "vod1000"))
        cls.segments = len(segs)
        # The same AAC packets as one file: the segments joined.
        cls.ref_media = os.path.join(d, "ref.ts")
        with open(cls.ref_media, "wb") as out:
            for name, _ in segs:
                with open(os.path.join(root, "vod1000", name), "rb") as f:
                    out.write(f.read())
        shutil.copytree(os.path.join(root, "vod1000"), os.path.join(root, "vod1405"))
        os.remove(os.path.join(root, "vod1405", segs[50][0]))
        cls.nginx = Nginx(root, os.path.join(d, "nginx"))
        cls.nginx.start()
        cls.ctx = {"log": [], "vods": {
            "1000": {"playlist": cls.nginx.url("vod1000/index.m3u8"), "chat": cls.chat},
            "1500": {"playlist": cls.nginx.url("vod1000/index.m3u8"), "chat": cls.chat},
            "1405": {"playlist": cls.nginx.url("vod1405/index.m3u8"), "chat": []}}}
        cls.twitch = Server(TwitchVodStandIn, cls.ctx)

    @classmethod
    def tearDownClass(cls):
        cls.twitch.stop()
        cls.nginx.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def replay(self, *args, timeout=600):
        cmd = [HYPED, "replay", *args, "--gql-url", self.twitch.base + "/gql", "--usher-url", self.twitch.base, "-q"]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_vod_link_gives_the_highlights_of_its_audio_and_chat_replayed_from_files(self):
        self.ctx["log"].clear()
        # Every crossing of the threshold, so a difference anywhere shows.
        r = self.replay("https://www.twitch.tv/videos/1000", "--per-hour", "0", "-o", self.path("vod.json"),
                        "--save-chat", self.path("saved.jsonl"), "--save-audio", self.path("saved.wav"))
        self.assertEqual(r.returncode, 0, r.stderr)
        vod = highlights(self.path("vod.json"))
        self.assertGreaterEqual(len(vod), len(EVENTS), vod)
        for t in EVENTS:
            self.assertTrue(any(-10 <= h["time_s"] - t <= 30 for h in vod), (t, [h["time_s"] for h in vod]))
        # The same AAC packets and chat lines from files: identical highlights.
        r = subprocess.run([HYPED, "replay", self.ref_media, "--chat", self.ref_chat, "--per-hour", "0", "-o", self.path("file.json"),
                            "-q"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(highlights(self.path("file.json")), vod)
        # What --save-audio and --save-chat kept replays to the same highlights offline.
        r = subprocess.run([HYPED, "replay", self.path("saved.wav"), "--chat", self.path("saved.jsonl"),
                            "--per-hour", "0", "-o", self.path("saved.json"), "-q"], capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(highlights(self.path("saved.json")), vod)
        # Every comment once, in order.
        with open(self.path("saved.jsonl")) as f:
            saved = [json.loads(line) for line in f]
        self.assertEqual([(c["t"], c["user"], c["text"], c["emotes"]) for c in saved],
                         [(c["t"], c["user"], served_text(c), c["emotes"]) for c in self.chat])
        pages = [(cid, body["variables"]) for kind, cid, body in self.ctx["log"]
                 if kind == "gql" and body.get("operationName") == "VideoCommentsByOffsetOrCursor"]
        self.assertEqual(len(pages), (len(self.chat) + PAGE_SIZE - 1) // PAGE_SIZE)
        self.assertEqual(pages[0][1], {"videoID": "1000", "contentOffsetSeconds": 0})
        self.assertEqual([v.get("cursor") for _, v in pages[1:]],
                         [f"c{PAGE_SIZE * k}" for k in range(1, len(pages))])
        self.assertTrue(all(cid != WEB_PLAYER_ID for cid, _ in pages), "comment pages asked with the web player's ID")
        tokens = [cid for kind, cid, body in self.ctx["log"]
                  if kind == "gql" and body.get("operationName") == "PlaybackAccessToken"]
        self.assertEqual(tokens, [WEB_PLAYER_ID])

    def test_short_forms_of_the_link(self):
        r = subprocess.run([HYPED, "replay", self.ref_media, "-o", self.path("audio.json"), "-q"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        for i, link in enumerate(["v1000", "twitch.tv/videos/1000?t=1h2m3s"]):
            out = self.path(f"short{i}.json")
            r = self.replay(link, "--no-chat", "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(highlights(out), highlights(self.path("audio.json")), link)

    def assert_one_error(self, r, *words):
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        for w in words:
            self.assertIn(w, lines[0])

    def test_refusals_are_one_clear_error(self):
        self.assert_one_error(self.replay("https://www.twitch.tv/videos/1500", "-o", self.path("x.json")),
                              "integrity check", "--chat-client-id", "--chat FILE")
        self.assert_one_error(self.replay("https://www.twitch.tv/videos/1403"), "subscribers only", "--chat LOG")
        self.assert_one_error(self.replay("https://www.twitch.tv/videos/1404"), "does not exist or was deleted")
        self.assert_one_error(self.replay("v999"), "does not exist or was deleted")
        # The web player's ID for the chat: Twitch's integrity check refuses the second page.
        self.assert_one_error(self.replay("v1000", "--chat-client-id", WEB_PLAYER_ID), "integrity check")

    def test_a_segment_missing_mid_vod_is_retried_then_a_gap(self):
        r = subprocess.run([HYPED, "replay", "v1405", "--gql-url", self.twitch.base + "/gql",
                            "--usher-url", self.twitch.base, "--no-chat", "-o", self.path("gap.json")],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        gaps = [line for line in r.stderr.splitlines() if "gap: segment 51 of" in line]
        self.assertEqual(len(gaps), 1, r.stderr)
        self.assertIn("HTTP 404", gaps[0])
        self.assertGreaterEqual(int(re.search(r"after (\d+) attempts", gaps[0]).group(1)), 2, gaps[0])
        with open(self.path("gap.json")) as f:
            doc = json.load(f)
        self.assertAlmostEqual(doc["duration_s"], DURATION_S, delta=2.0)  # the gap kept its time

    def test_several_inputs_get_a_summary_line_and_an_export_each(self):
        media = os.path.join(self.tmp, "many")
        os.makedirs(media, exist_ok=True)
        for name in ("alpha", "beta"):
            shutil.copy(self.ref_media, os.path.join(media, name + ".ts"))
        shutil.copy(self.ref_chat, os.path.join(media, "alpha.chat.jsonl"))
        out = self.path("many-out")
        r = self.replay(media, "v1000", "--no-chat", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.strip().splitlines()
        self.assertEqual(len(lines), 3, r.stdout)
        self.assertTrue(lines[0].startswith(os.path.join(media, "alpha.ts") + ": "), lines[0])
        self.assertIn(f"chat messages -> {os.path.join(out, 'alpha.json')}", lines[0])
        self.assertNotIn("chat messages", lines[1])
        self.assertTrue(lines[2].startswith("v1000: "), lines[2])
        self.assertEqual(sorted(os.path.basename(p) for p in glob.glob(os.path.join(out, "*"))),
                         ["alpha.json", "beta.json", "v1000.json"])
        r = subprocess.run([HYPED, "replay", self.ref_media, "--chat", self.ref_chat, "-q"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(highlights(os.path.join(out, "alpha.json")), json.loads(r.stdout)["highlights"])
        self.assertEqual(highlights(os.path.join(out, "beta.json")), highlights(os.path.join(out, "v1000.json")))
        # One input failing does not stop the others; the run says so in its exit code.
        r = self.replay(os.path.join(media, "alpha.ts"), "v1404", "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("v1404: failed: ", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
