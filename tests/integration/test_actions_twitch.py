#!/usr/bin/env python3
"""`hyped replay` acting on its highlights through Twitch Helix, against a loopback stand-in that checks
the headers, the token's scopes and the rate limit: one clip and one marker per highlight, a 429 waited
out, 5xx retried, 404/403 reported as results, a token lacking a scope refused at start by name, and the
token never outside the Authorization header or in any log. A websocket client sees the action results;
/metrics counts them and /api/highlights carries them."""
import asyncio
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_chromium import HeadlessChromium, watch_page  # noqa: E402
from helix_peers import HelixStandIn  # noqa: E402
from loopback import free_port  # noqa: E402
import test_serve  # noqa: E402  (its media maker and HTTP wait, not its tests)

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
TOKEN = "tok3nSecretValue42"
EVENTS = [70, 120, 170, 220]


class TwitchActions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_actions_")
        cls.media = os.path.join(cls.tmp.name, "stream.mp4")
        cls.chat = cls.media + ".jsonl"
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", cls.media, "--chat", cls.chat,
                        "--duration", "240", "--events", ",".join(map(str, EVENTS))], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def config(self, peer, extra=""):
        path = os.path.join(self.tmp.name, f"actions_{peer.port}.toml")
        with open(path, "w") as f:
            f.write(f'[actions.twitch]\napi_url = "{peer.url}"\nid_url = "{peer.url}"\nbroadcaster = "streamer"\n{extra}')
        return path

    def replay(self, peer, *extra, token=TOKEN, timeout=120):
        env = dict(os.environ, HYPED_TWITCH_USER_TOKEN=token)
        out = os.path.join(self.tmp.name, "export.json")
        return subprocess.run([HYPED, "replay", self.media, "--chat", self.chat, "--per-hour", "0", "--quiet",
                               "--channel", "streamer", "--config", self.config(peer), "--out", out, *extra],
                              env=env, capture_output=True, text=True, timeout=timeout)

    def actions_of(self, proc):
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return [m for m in lines if m.get("type") == "action"]

    def check_clean(self, peer, proc):
        self.assertEqual(peer.problems, [])
        self.assertNotIn(TOKEN, proc.stdout + proc.stderr)
        for r in peer.requests:
            self.assertNotIn(TOKEN, r["path"])

    def test_one_clip_and_one_marker_per_highlight(self):
        with HelixStandIn(TOKEN) as peer:
            proc = self.replay(peer)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        acts = self.actions_of(proc)
        clips = [a for a in acts if a["kind"] == "twitch_clip"]
        markers = [a for a in acts if a["kind"] == "twitch_marker"]
        self.assertEqual(sorted(a["highlight_id"] for a in clips), [1, 2, 3, 4], acts)
        self.assertEqual(sorted(a["highlight_id"] for a in markers), [1, 2, 3, 4], acts)
        for a in clips:
            self.assertTrue(a["ok"], a)
            self.assertTrue(a["clip_url"].startswith("https://clips.example/Clip"), a)
        for a in markers:
            self.assertTrue(a["ok"], a)
            self.assertGreater(a["position_s"], 0)
        self.assertEqual(len(peer.clips), 4)
        self.assertEqual(len(peer.markers), 4)
        self.assertTrue(all(m["description"].startswith("hyped #") for m in peer.markers))
        # Logins are looked up once; the token is validated once at start.
        self.assertEqual(sum(r["path"].startswith("/helix/users") for r in peer.requests), 1)
        self.assertEqual(sum(r["path"] == "/oauth2/validate" for r in peer.requests), 1)
        self.check_clean(peer, proc)

    def test_rate_limit_429_waits_for_the_reset_and_succeeds(self):
        # Four requests per 2 s window: creating and confirming four clips and four markers must wait.
        with HelixStandIn(TOKEN, bucket=4, window_s=2.0) as peer:
            proc = self.replay(peer)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        acts = self.actions_of(proc)
        self.assertEqual(len(acts), 8, acts)
        self.assertTrue(all(a["ok"] for a in acts), acts)
        self.assertGreater(peer.sent_429, 0)
        self.check_clean(peer, proc)

    def test_5xx_is_retried(self):
        with HelixStandIn(TOKEN, fail_first=2) as peer:
            proc = self.replay(peer)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        acts = self.actions_of(proc)
        self.assertEqual(len(acts), 8, acts)
        self.assertTrue(all(a["ok"] for a in acts), acts)
        self.assertEqual(peer.sent_5xx, 4)
        self.check_clean(peer, proc)

    def test_not_live_and_clips_disabled_are_results(self):
        with HelixStandIn(TOKEN, clip_status=404, marker_status=404) as peer:
            proc = self.replay(peer)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        acts = self.actions_of(proc)
        self.assertEqual(len(acts), 8, acts)
        self.assertTrue(all(not a["ok"] and a["error"] == "not live" for a in acts), acts)
        with HelixStandIn(TOKEN, clip_status=403) as peer:
            proc = self.replay(peer)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        clips = [a for a in self.actions_of(proc) if a["kind"] == "twitch_clip"]
        self.assertEqual(len(clips), 4)
        self.assertTrue(all(a["error"] == "clips disabled" for a in clips), clips)
        self.check_clean(peer, proc)

    def test_a_token_lacking_a_scope_fails_at_start_naming_it(self):
        with HelixStandIn(TOKEN, scopes=["clips:edit"]) as peer:
            proc = self.replay(peer)
        self.assertEqual(proc.returncode, 1)
        err = [line for line in proc.stderr.splitlines() if line.strip()]
        self.assertEqual(len(err), 1, proc.stderr)
        self.assertIn("channel:manage:broadcast", err[0])
        self.assertFalse(any(r["path"].startswith("/helix/") for r in peer.requests))
        self.check_clean(peer, proc)

    def test_dry_run_sends_nothing(self):
        with HelixStandIn(TOKEN) as peer:
            proc = self.replay(peer, "--dry-run-actions", token="")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        acts = self.actions_of(proc)
        self.assertEqual(len(acts), 8)
        self.assertTrue(all(a["dry_run"] for a in acts))
        self.assertEqual(peer.requests, [])

    def test_hyped_live_prints_action_lines_beside_its_highlights(self):
        hls = os.path.join(self.tmp.name, "hls")
        os.makedirs(hls, exist_ok=True)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", self.media, "-c:a", "aac", "-f", "hls", "-hls_time",
                        "6", "-hls_playlist_type", "vod", os.path.join(hls, "index.m3u8")], check=True)

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=hls))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        with HelixStandIn(TOKEN) as peer:
            proc = subprocess.run([HYPED, "live", "--url", f"http://127.0.0.1:{httpd.server_port}/index.m3u8",
                                   "--no-chat", "--quiet", "--per-hour", "0", "--config", self.config(peer)],
                                  env=dict(os.environ, HYPED_TWITCH_USER_TOKEN=TOKEN), capture_output=True, text=True,
                                  timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        firsts = {m["id"] for m in lines if m["type"] == "highlight" and m["revision"] == 0}
        self.assertGreaterEqual(len(firsts), 1, proc.stdout)
        acts = [m for m in lines if m["type"] == "action"]
        self.assertEqual(sorted((a["kind"], a["highlight_id"]) for a in acts),
                         sorted((k, i) for k in ("twitch_clip", "twitch_marker") for i in firsts), acts)
        self.assertTrue(all(a["ok"] for a in acts), acts)
        self.check_clean(peer, proc)

    def test_websocket_metrics_and_api_carry_the_actions(self):
        with HelixStandIn(TOKEN) as peer:
            port = free_port()
            env = dict(os.environ, HYPED_TWITCH_USER_TOKEN=TOKEN)
            proc = subprocess.Popen([HYPED, "replay", self.media, "--chat", self.chat, "--per-hour", "0", "--quiet",
                                     "--channel", "streamer", "--config", self.config(peer), "--out", os.devnull,
                                     "--serve", f"127.0.0.1:{port}", "--realtime=20"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda: proc.poll() is None and proc.kill())
            seen = {}

            async def client():
                deadline = asyncio.get_event_loop().time() + 20
                while True:
                    try:
                        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=2)
                        break
                    except (OSError, asyncio.TimeoutError):
                        if asyncio.get_event_loop().time() > deadline:
                            raise
                        await asyncio.sleep(0.05)
                actions = []
                try:
                    async for m in ws:
                        msg = json.loads(m)
                        if msg["type"] == "action":
                            actions.append(msg)
                            if len(actions) == 8:
                                base = f"http://127.0.0.1:{port}"
                                seen["metrics"] = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
                                seen["api"] = json.loads(urllib.request.urlopen(base + "/api/highlights",
                                                                                timeout=5).read())
                                break
                finally:
                    await ws.close()
                return actions

            actions = asyncio.run(asyncio.wait_for(client(), 90))
            proc.wait(timeout=60)
        self.assertEqual(len(actions), 8)
        self.assertEqual({(a["kind"], a["highlight_id"]) for a in actions},
                         {(k, i) for k in ("twitch_clip", "twitch_marker") for i in (1, 2, 3, 4)})
        self.assertIn('hyped_actions_total{kind="twitch_clip",result="ok"} 4', seen["metrics"])
        self.assertIn('hyped_actions_total{kind="twitch_marker",result="ok"} 4', seen["metrics"])
        for h in seen["api"]["highlights"]:
            kinds = sorted(a["kind"] for a in h["actions"])
            self.assertEqual(kinds, ["twitch_clip", "twitch_marker"], h)
        self.assertNotIn(TOKEN, proc.stderr.read())


class ClipSavedOverlay(unittest.TestCase):
    def test_overlay_shows_clip_saved_in_chromium(self):
        self.assertTrue(shutil.which("chromium"), "chromium is required (Debian package chromium)")
        with tempfile.TemporaryDirectory(prefix="hyped_clip_overlay_", ignore_cleanup_errors=True) as d, \
                HelixStandIn(TOKEN) as peer:
            media, chat = test_serve.make_media(d, "overlay.mp4", 150, [70])
            config = os.path.join(d, "actions.toml")
            with open(config, "w") as f:
                f.write(f'[actions.twitch]\napi_url = "{peer.url}"\nid_url = "{peer.url}"\nbroadcaster = "streamer"\n'
                        'marker = false\n')
            port = free_port()
            replay = subprocess.Popen([HYPED, "replay", media, "--chat", chat, "--serve", f"127.0.0.1:{port}",
                                       "--realtime=8", "--channel", "demo", "--quiet", "--out", os.devnull,
                                       "--per-hour", "0", "--config", config],
                                      env=dict(os.environ, HYPED_TWITCH_USER_TOKEN=TOKEN))
            probe = "JSON.stringify({saved_text: (document.querySelector('.toast.saved') || {}).textContent || ''})"
            try:
                with HeadlessChromium(f"{d}/profile") as chrome:
                    test_serve.wait_http(f"http://127.0.0.1:{port}/healthz")
                    state, png = asyncio.run(watch_page(chrome.page_ws(),
                                                        f"http://127.0.0.1:{port}/overlay?channel=demo&toast_s=60",
                                                        probe, lambda st: bool(st.get("saved_text")), 60))
                with open(os.path.join(os.environ.get("HYPED_SCREENSHOT_DIR", d), "overlay_clip_saved.png"), "wb") as f:
                    f.write(png)
            finally:
                replay.kill()
                replay.wait()
        self.assertIn("clip saved", state["saved_text"], state)
        self.assertIn("https://clips.example/Clip1", state["saved_text"])
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
