#!/usr/bin/env python3
"""End-to-end tests of `hyped replay --serve`: real websocket clients (python3-websockets) receive every
highlight of a paced replay in order with every contract field; the token guards the endpoints; and
headless Chromium renders the OBS overlay with its meter and a highlight toast."""
import asyncio
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_chromium import HeadlessChromium, watch_page  # noqa: E402
from loopback import free_port  # noqa: E402

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
WS_COLLECT = os.environ.get("HYPED_WS_COLLECT", "build/tests/server/ws_collect")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
CONTRACT = ("type", "channel", "id", "time_s", "wall_time", "score", "audio_z", "chat_z", "clip")


def make_media(d, name, duration, events):
    media, chat = os.path.join(d, name), os.path.join(d, name + ".jsonl")
    subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", media, "--chat", chat,
                    "--duration", str(duration), "--events", ",".join(map(str, events))],
                   check=True, capture_output=True)
    return media, chat


def last_told(highlights):
    """Each highlight as its last revision told it, in the order the highlights first came. Revisions
    (same id, "revision" 1, 2, ...) come in order; a resumed backlog tells a highlight as last revised."""
    last = {}
    for h in highlights:
        if h["id"] in last:
            assert h["revision"] == last[h["id"]]["revision"] + 1, (last[h["id"]], h)
        last[h["id"]] = h
    return list(last.values())


def wait_http(url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=2).read()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise TimeoutError(url)


async def collect(url, subscribe=None, on_message=None):
    """Connects (retrying until the server is up) and returns every message until the server closes;
    `on_message(msg)` is awaited for each before the next is read."""
    deadline = time.time() + 20
    while True:
        try:
            ws = await websockets.connect(url, open_timeout=2)
            break
        except (OSError, asyncio.TimeoutError):
            if time.time() > deadline:
                raise
            await asyncio.sleep(0.05)
    msgs = []
    try:
        if subscribe is not None:
            await ws.send(json.dumps(dict(subscribe, type="subscribe")))
        try:
            async for m in ws:
                msgs.append(json.loads(m))
                if on_message:
                    await on_message(msgs[-1])
        except websockets.ConnectionClosed:
            pass
        msgs.append({"type": "_closed", "code": ws.close_code, "reason": ws.close_reason})
    finally:
        await ws.close()
    return msgs


class ServeReplay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_serve_")
        cls.media, cls.chat = make_media(cls.tmp.name, "stream.mp4", 240, [70, 120, 170, 220])
        # Every crossing fires (--per-hour 0): four bursts of one strength in 4 minutes, which the default
        # rate would not all fire on a young channel; the replay keeps them all.
        ref = subprocess.run([HYPED, "replay", cls.media, "--chat", cls.chat, "--quiet", "--per-hour", "0"],
                             capture_output=True, text=True, check=True)
        cls.reference = json.loads(ref.stdout)["highlights"]
        assert len(cls.reference) == 4, cls.reference

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def start(self, *extra, env=None, speed="20"):
        port = free_port()
        proc = subprocess.Popen([HYPED, "replay", self.media, "--chat", self.chat, "--serve", f"127.0.0.1:{port}",
                                 f"--realtime={speed}", "--quiet", "--out", os.devnull, "--per-hour", "0", *extra],
                                env=env, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc, port

    def test_websocket_clients_get_every_highlight_in_order(self):
        proc, port = self.start("--channel", "chan")
        url = f"ws://127.0.0.1:{port}/ws"
        # A Beast client beside the python3-websockets ones, subscribed to the channel by name.
        beast = subprocess.Popen([WS_COLLECT, str(port), "--subscribe", json.dumps({"channels": ["chan"]})],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: beast.poll() is None and beast.kill())

        async def clients():
            return await asyncio.gather(collect(url), collect(url, {"channels": ["chan"], "min_score": 0, "scores": True}),
                                        collect(url, {"channels": ["other"]}))
        everything, with_scores, other = asyncio.run(clients())
        self.assertEqual(proc.wait(timeout=60), 0, proc.stderr.read())
        beast_out, beast_err = beast.communicate(timeout=30)
        self.assertEqual(beast.returncode, 0, beast_err)
        by_beast = [json.loads(line) for line in beast_out.splitlines()]
        self.assertEqual(by_beast[0]["type"], "hello")
        for msgs in (everything, with_scores, by_beast):
            # Each highlight as it fired, then its revisions: as last told, the replay's result.
            sent = [m for m in msgs if m["type"] == "highlight"]
            hl = last_told(sent)
            self.assertEqual([h["id"] for h in hl], [r["id"] for r in self.reference])
            self.assertEqual(len([h for h in sent if h["revision"] == 0]), len(self.reference))
            for h, r in zip(hl, self.reference):
                for key in CONTRACT:
                    self.assertIn(key, h)
                self.assertEqual(h["channel"], "chan")
                self.assertAlmostEqual(h["time_s"], r["time_s"], places=3)
                self.assertAlmostEqual(h["score"], r["score"], places=3)
                self.assertAlmostEqual(h["clip"]["start_s"], r["start_s"], places=3)
                self.assertRegex(h["wall_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(msgs[-2]["type"], "end")
            self.assertEqual(msgs[-1]["code"], 1000)
        scores = [m for m in with_scores if m["type"] == "score"]
        self.assertGreater(len(scores), 5)  # 12 s of pacing at most 2/s
        self.assertLessEqual(len(scores), 2 * 14 + 2)
        self.assertFalse([m for m in everything if m["type"] == "score"])  # not asked for
        self.assertFalse([m for m in other if m["type"] == "highlight"])

    def test_a_dropped_client_resumes_with_since_and_loses_nothing(self):
        proc, port = self.start("--channel", "chan")
        url = f"ws://127.0.0.1:{port}/ws"
        ids = [r["id"] for r in self.reference]

        class Dropped(Exception):
            pass

        received = []

        def final(msg, ref):  # the message tells the highlight as the replay's result does
            return msg["id"] == ref["id"] and abs(msg["score"] - ref["score"]) < 1e-3

        async def drop_after_second(msg):
            received.append(msg)
            if msg["type"] == "highlight" and final(msg, self.reference[1]):
                raise Dropped  # the connection goes away with two highlights in hand, as last told

        with self.assertRaises(Dropped):
            asyncio.run(collect(url, on_message=drop_after_second))
        first = last_told([m for m in received if m["type"] == "highlight"])
        self.assertEqual([h["id"] for h in first], ids[:2])
        # Offline while the third fires and is revised; back before the fourth.
        deadline = time.time() + 20
        while True:
            kept = json.loads(wait_http(f"http://127.0.0.1:{port}/api/highlights?channel=chan"))["highlights"]
            if len(kept) >= 3 and final(kept[2], self.reference[2]):
                break
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        second = asyncio.run(collect(f"{url}?since=chan:{first[-1]['id']}"))
        self.assertEqual(proc.wait(timeout=60), 0, proc.stderr.read())
        types = [m["type"] for m in second]
        self.assertEqual(types[:3], ["hello", "highlight", "resumed"])  # the missed one, then live
        self.assertEqual(second[2]["highlights"], 1)
        self.assertEqual(second[2]["unavailable"], 0)
        resumed = last_told([h for h in second if h["type"] == "highlight"])
        self.assertEqual([h["id"] for h in first + resumed], ids)
        for h, r in zip(first + resumed, self.reference):
            self.assertAlmostEqual(h["time_s"], r["time_s"], places=3)

    def test_token_guards_websocket_and_api(self):
        env = dict(os.environ, HYPED_TOKEN="t0ken")
        proc, port = self.start(env=env, speed="10")
        wait_http(f"http://127.0.0.1:{port}/healthz")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5)
        self.assertEqual(e.exception.code, 401)

        async def denied():
            with self.assertRaises(websockets.InvalidStatusCode) as e:
                await websockets.connect(f"ws://127.0.0.1:{port}/ws?token=wrong", open_timeout=5)
            return e.exception.status_code
        self.assertEqual(asyncio.run(denied()), 401)
        status = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t0ken", timeout=5).read())
        self.assertEqual(status["backend"], "cpu")
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer t0ken"})
        self.assertIn("hyped_clients", urllib.request.urlopen(req, timeout=5).read().decode())
        proc.kill()
        proc.wait()


class ServeLive(unittest.TestCase):
    def test_live_hls_highlights_reach_websocket_clients(self):
        with tempfile.TemporaryDirectory(prefix="hyped_live_serve_") as d:
            src = os.path.join(d, "src.m4a")
            subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", src, "--duration", "150",
                            "--events", "70,120"], check=True, capture_output=True)
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", src, "-c:a", "aac", "-f", "hls", "-hls_time", "4",
                            "-hls_playlist_type", "vod", os.path.join(d, "index.m3u8")], check=True)
            ready = threading.Event()

            class Handler(http.server.SimpleHTTPRequestHandler):
                def do_GET(self):
                    if self.path.endswith(".m3u8"):
                        ready.wait(20)  # the stream starts once the test's client listens
                    super().do_GET()

                def log_message(self, *args):
                    pass

            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=d))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            port = free_port()
            metrics = []

            async def on_message(m):
                # The server is still up while this client holds its messages unread.
                if m["type"] == "highlight" and not metrics:
                    fetch = lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                    metrics.append(await asyncio.to_thread(fetch))
            # Every crossing fires (--per-hour 0): the two bursts are of one strength.
            live = subprocess.Popen([HYPED, "live", "--url", f"http://127.0.0.1:{httpd.server_port}/index.m3u8",
                                     "--no-chat", "--serve", f"127.0.0.1:{port}", "--quiet", "--per-hour", "0"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                async def client():
                    task = asyncio.ensure_future(collect(f"ws://127.0.0.1:{port}/ws", on_message=on_message))
                    while not task.done():
                        try:
                            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=1)
                            break
                        except (urllib.error.URLError, ConnectionError):
                            await asyncio.sleep(0.05)
                    await asyncio.sleep(0.5)  # the client's handshake completes
                    ready.set()
                    return await task
                msgs = asyncio.run(client())
                out, err = live.communicate(timeout=60)
            finally:
                ready.set()
                live.kill()
                httpd.shutdown()
                httpd.server_close()
        self.assertEqual(live.returncode, 0, err)
        hl = [m for m in msgs if m["type"] == "highlight"]
        self.assertEqual([round(h["time_s"]) for h in last_told(hl)], [70, 120])
        printed = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual(printed, hl)  # stdout and the websocket carry the same messages
        self.assertEqual(msgs[-2]["type"], "end")
        # By the first highlight the detector has ticked, and every tick is in the histogram.
        ticks = re.search(r"^hyped_detector_tick_seconds_count (\d+)$", metrics[0], re.M)
        self.assertIsNotNone(ticks, metrics[0])
        self.assertGreater(int(ticks.group(1)), 0)
        self.assertIn('hyped_alerts_total{channel="', metrics[0])


class OverlayInChromium(unittest.TestCase):
    def test_overlay_shows_meter_and_highlight_toast(self):
        self.assertTrue(shutil.which("chromium"), "chromium is required (Debian package chromium)")
        # Chromium's helper processes may still write to the profile as it goes: let cleanup tolerate that.
        with tempfile.TemporaryDirectory(prefix="hyped_overlay_", ignore_cleanup_errors=True) as d:
            media, chat = make_media(d, "overlay.mp4", 150, [70])
            port = free_port()
            replay = subprocess.Popen([HYPED, "replay", media, "--chat", chat, "--serve", f"127.0.0.1:{port}",
                                       "--realtime=8", "--channel", "demo", "--quiet", "--out", os.devnull])
            probe = ("JSON.stringify({toasts: document.querySelectorAll('.toast').length,"
                     "toast_text: (document.querySelector('.toast') || {}).textContent || '',"
                     "meter: document.getElementById('meter-fill').style.width,"
                     "status: document.getElementById('status').textContent,"
                     "background: getComputedStyle(document.body).backgroundColor})")
            try:
                with HeadlessChromium(f"{d}/profile") as chrome:
                    wait_http(f"http://127.0.0.1:{port}/healthz")
                    state, png = asyncio.run(watch_page(chrome.page_ws(), f"http://127.0.0.1:{port}/overlay?channel=demo",
                                                        probe, lambda st: st.get("toasts", 0) >= 1, 40))
                with open(os.path.join(os.environ.get("HYPED_SCREENSHOT_DIR", d), "overlay.png"), "wb") as f:
                    f.write(png)
            finally:
                replay.kill()
                replay.wait()
        self.assertGreaterEqual(state["toasts"], 1, state)
        self.assertIn("Highlight 1", state["toast_text"])
        self.assertRegex(state["toast_text"], r"(audio|chat).* score \d")
        self.assertNotEqual(state["meter"], "0%")
        self.assertEqual(state["background"], "rgba(0, 0, 0, 0)")  # transparent for OBS
        self.assertEqual(state["status"], "live")
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 1000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
