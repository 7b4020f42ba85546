#!/usr/bin/env python3
"""`hyped live --top N` against loopback peers: a Helix stand-in (app access token by client credentials,
Get Games, Get Streams in pages of two) whose live list changes between listings, the GQL/usher stand-in,
and nginx serving an `ffmpeg -re` live HLS stream for every channel. The followed set tracks the listing
(status API, metrics), a channel that vanishes is left with its highlights out on the websocket and its
state gone, the app token is renewed before it expires, and a wrong client secret is one error line and
exit 1 without asking again."""
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helix_peers import CLIENT_ID, HelixStandIn  # noqa: E402
from live_peers import HYPED, TEST_CONFIG, Hyped, Nginx, Publisher, Server, TwitchStandIn, make_source  # noqa: E402
from loopback import free_port  # noqa: E402

SECRET = "s3cret-app-secret"
GAME = ("Just Chatting", "509658")


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


class WsCollector:
    """A websocket client of hyped's /ws on its own thread, keeping every message."""

    def __init__(self, url):
        self.url, self.msgs = url, []
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self):
        deadline = time.time() + 60
        while True:
            try:
                ws = await websockets.connect(self.url, open_timeout=2)
                break
            except (OSError, asyncio.TimeoutError):
                if time.time() > deadline:
                    return
                await asyncio.sleep(0.2)
        try:
            async for m in ws:
                self.msgs.append(json.loads(m))
        except websockets.ConnectionClosed:
            pass


class LiveTop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_live_top_")
        d = cls.tmp.name
        www = os.path.join(d, "www")
        src = os.path.join(d, "source.wav")
        # Bursts every 10 s, so every channel fires whenever it joined.
        make_source(src, 100, [14, 24, 34, 44, 54, 64, 74, 84])
        cls.nginx = Nginx(www, os.path.join(d, "nginx"))
        cls.nginx.start()
        cls.twitch_ctx = {"media_dir": os.path.join(www, "live"), "segment_base": cls.nginx.url("live/"),
                          "tokens": {}, "log": []}
        cls.twitch = Server(TwitchStandIn, cls.twitch_ctx)
        cls.twitch_ctx["self_base"] = cls.twitch.base
        cls.pub = Publisher(src, os.path.join(www, "live"))
        cls.pub.start()
        cls.pub.wait_first_segment()

    @classmethod
    def tearDownClass(cls):
        cls.pub.stop()
        cls.twitch.stop()
        cls.nginx.stop()
        cls.tmp.cleanup()

    def config(self, helix):
        path = os.path.join(self.tmp.name, f"top-{helix.port}.toml")
        with open(path, "w") as f:
            f.write(TEST_CONFIG + f'[discovery]\nclient_id = "{CLIENT_ID}"\napi_url = "{helix.url}"\n'
                                  f'id_url = "{helix.url}"\n')
        return path

    def hyped_args(self, helix, *extra):
        return ["--top", "3", "--game", GAME[0], "--language", "en", "--min-viewers", "500", "--config",
                self.config(helix), "--gql-url", self.twitch.base + "/gql", "--usher-url", self.twitch.base,
                "--no-chat", *extra]

    def wait_for(self, what, cond, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = cond()
            if v:
                return v
            time.sleep(0.25)
        self.fail(f"timed out waiting for {what}")

    def test_followed_set_tracks_the_listing(self):
        helix = HelixStandIn("unused", client_secret=SECRET, app_token_ttl_s=16, page_size=2)
        helix.games = {GAME[0]: GAME[1]}
        g = GAME[1]
        helix.live = [("alpha", 900, g, "en"), ("otherlang", 880, g, "de"), ("othergame", 870, "1", "en"),
                      ("bravo", 800, g, "en"), ("charlie", 700, g, "en"), ("delta", 300, g, "en")]
        port = free_port()
        os.environ["HYPED_TWITCH_CLIENT_SECRET"] = SECRET
        with helix:
            h = Hyped(*self.hyped_args(helix, "--discovery-interval", "2", "--serve", f"127.0.0.1:{port}"))
            try:
                base = f"http://127.0.0.1:{port}"
                ws = WsCollector(f"ws://127.0.0.1:{port}/ws")

                def status():
                    try:
                        return json.loads(get(base + "/api/status"))
                    except OSError:
                        return None

                def followed_with_audio(names):
                    st = status()
                    if not st or st.get("followed") != names:
                        return None
                    playing = {c["name"] for c in st["channels"] if c["media_time_s"] > 0}
                    return st if set(names) <= playing else None

                # The top 3 of Just Chatting in English with 500 viewers or more, from two pages.
                st = self.wait_for("alpha, bravo and charlie with audio",
                                   lambda: followed_with_audio(["alpha", "bravo", "charlie"]), 45)
                self.assertEqual(st["discovery"]["joined"], 3)
                self.wait_for("a highlight of charlie",
                              lambda: any(x["channel"] == "charlie" for _, _, x in h.highlights()), 60)
                # charlie goes offline, foxtrot goes live: the next listing follows suit.
                helix.live = [r for r in helix.live if r[0] != "charlie"] + [("foxtrot", 750, g, "en")]
                helix.live.sort(key=lambda r: -r[1])
                left_at = time.monotonic()
                st = self.wait_for("alpha, bravo and foxtrot with audio",
                                   lambda: followed_with_audio(["alpha", "bravo", "foxtrot"]), 30)
                self.assertNotIn("charlie", [c["name"] for c in st["channels"]])
                self.assertEqual(st["discovery"]["joined"], 4)
                self.assertEqual(st["discovery"]["left"], 1)
                self.assertGreaterEqual(st["discovery"]["listings"], 2)
                metrics = get(base + "/metrics")
                self.assertIn("hyped_followed_channels 3\n", metrics)
                self.assertNotIn('hyped_ingest_lag_seconds{channel="charlie"}', metrics)
                self.assertIn('hyped_ingest_lag_seconds{channel="foxtrot"}', metrics)
                self.assertRegex(metrics, r'hyped_discovery_changes_total\{change="left"\} 1\n')
                # The app token lasts 16 s: renewed before it ran out, every Helix call with a valid one.
                self.wait_for("a renewed app token", lambda: len(helix.app_tokens) >= 2, 20)
            finally:
                h.interrupt()
                rc = h.wait(30)
        self.assertEqual(rc, 0, h.stderr[-3000:])
        self.assertEqual(helix.problems, [])
        self.assertIn("[charlie] leaving", h.stderr)
        # Every highlight of charlie reached websocket clients too, the last one before it left; none came after.
        ws.thread.join(10)
        stdout_charlie = [(x["id"], x.get("revision", 0)) for _, _, x in h.highlights() if x["channel"] == "charlie"]
        ws_charlie = [(x["id"], x.get("revision", 0)) for x in ws.msgs if x.get("type") == "highlight"
                      and x["channel"] == "charlie"]
        self.assertTrue(stdout_charlie)
        self.assertEqual(ws_charlie, stdout_charlie)
        gone = [m for m, _, x in h.highlights() if x["channel"] == "charlie" and m > left_at + 8]
        self.assertEqual(gone, [], "charlie fired after it left")
        # The stand-ins saw what a real client sends: one usher playlist per followed channel.
        ushered = {entry[1] for entry in self.twitch_ctx["log"] if entry[0] == "usher"}
        self.assertTrue({"alpha", "bravo", "charlie", "foxtrot"} <= ushered, ushered)
        self.assertFalse({"delta", "otherlang", "othergame"} & ushered, ushered)

    def test_wrong_client_secret_is_one_line_and_exit_1(self):
        helix = HelixStandIn("unused", client_secret=SECRET)
        helix.games = {GAME[0]: GAME[1]}
        os.environ["HYPED_TWITCH_CLIENT_SECRET"] = "not-the-secret"
        try:
            with helix:
                started = time.monotonic()
                r = subprocess.run([HYPED, "live", *self.hyped_args(helix), "--quiet"], capture_output=True,
                                   text=True, timeout=60)
                took = time.monotonic() - started
        finally:
            os.environ["HYPED_TWITCH_CLIENT_SECRET"] = SECRET
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertRegex(lines[0], r"^hyped: Twitch refused the app credentials: invalid client secret")
        self.assertEqual(helix.token_requests, 1)  # not asked again
        self.assertLess(took, 10)
        self.assertNotIn("not-the-secret", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
