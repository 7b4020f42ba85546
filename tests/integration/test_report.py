#!/usr/bin/env python3
"""`hyped replay --report`: the page opened in headless Chromium with no network. One band per highlight
of the same run's JSON export, a hover readout that shows the series' values, a click that seeks the
player; and a 10 h report (a synthetic series fed straight to the report writer by report_synth) under
5 MB that draws in under 2 s."""
import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
REPORT_SYNTH = os.environ.get("HYPED_REPORT_SYNTH", "build/tests/report/report_synth")
CHROMIUM = shutil.which("chromium")

try:
    import websockets
except ImportError:  # the pyenv interpreter lacks it; Debian's /usr/bin/python3 has python3-websockets
    websockets = None

SIGNALS = ("score", "z_audio", "z_chat", "chat_rate", "threshold")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hms_tenth(t):
    s = int(t)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}.{int(round(t * 10)) % 10}"


def bucket_at(data, t):
    """The bucket the page shows for time t (as its script computes it)."""
    i = int((t - data["first"] + data["hop"] / 2) // (data["fpb"] * data["hop"]))
    return min(len(data["pt"]) - 1, max(0, i))


def pixel_on(rect, data, i):
    """A whole pixel (mouse events land on whole pixels) whose time falls in bucket i, nearest its peak."""
    centre = rect["x"] + rect["w"] * data["pt"][i] / data["dur"]
    for x in sorted(range(int(centre) - 3, int(centre) + 4), key=lambda x: abs(x - centre)):
        if bucket_at(data, data["dur"] * (x - rect["x"]) / rect["w"]) == i:
            return x
    raise AssertionError(f"no pixel shows bucket {i}: frames are denser than pixels")


class Page:
    """One Chromium tab driven over the DevTools protocol; every request the page makes is recorded."""

    def __init__(self, ws):
        self.ws, self.seq, self.requests, self.events = ws, 0, [], []

    async def call(self, method, **params):
        self.seq += 1
        await self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(await self.ws.recv())
            if msg.get("id") == self.seq:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.note(msg)

    def note(self, msg):
        if msg.get("method") == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])
        elif msg.get("method"):
            self.events.append(msg["method"])

    async def js(self, expr):
        r = await self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    async def open(self, url, timeout=20):
        self.events.clear()
        started = time.monotonic()
        await self.call("Page.navigate", url=url)
        deadline = started + timeout
        while "Page.loadEventFired" not in self.events:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{url} did not load")
            self.note(json.loads(await asyncio.wait_for(self.ws.recv(), remaining)))
        # The page writes the time from navigation to its first drawn frame into body[data-render-ms].
        while await self.js("document.body.dataset.renderMs || ''") == "":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} never drew")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    async def mouse(self, kind, x, y):
        await self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


@unittest.skipUnless(CHROMIUM, "chromium is not installed (Debian package chromium)")
@unittest.skipUnless(websockets, "python3-websockets is missing: run with /usr/bin/python3")
class ReportInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Chromium's helper processes may still write to the profile as it goes: let cleanup tolerate that.
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_report_", ignore_cleanup_errors=True)
        d = cls.tmp.name
        cls.cdp_port = free_port()
        cls.chrome = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--autoplay-policy=no-user-gesture-required",
             f"--user-data-dir={d}/profile", "--window-size=1400,900", f"--remote-debugging-port={cls.cdp_port}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        cls.page_ws = None
        deadline = time.time() + 30
        while cls.page_ws is None and time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{cls.cdp_port}/json/list", timeout=5) as r:
                    targets = json.load(r)
                cls.page_ws = next((t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page"), None)
            except OSError:
                pass
            time.sleep(0.2)
        if cls.page_ws is None:
            cls.tearDownClass()
            raise RuntimeError("chromium exposed no page target")

    @classmethod
    def tearDownClass(cls):
        os.killpg(cls.chrome.pid, signal.SIGKILL)  # the browser and every helper process it started
        cls.chrome.wait()
        cls.tmp.cleanup()

    def drive(self, steps):
        async def go():
            async with websockets.connect(self.page_ws, max_size=None) as ws:
                page = Page(ws)
                for domain in ("Page", "Network", "Runtime"):
                    await page.call(f"{domain}.enable")
                await page.call("Emulation.setDeviceMetricsOverride", width=1400, height=900, deviceScaleFactor=1,
                                mobile=False)
                return await steps(page)
        return asyncio.run(go())

    def assert_offline(self, page):
        fetched = [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))]
        self.assertEqual(fetched, [], "the report fetched from the network")

    def test_replay_report_shows_the_exported_highlights_and_series(self):
        d = self.tmp.name
        media, chat = os.path.join(d, "media", "demo vod.mp4"), os.path.join(d, "demo.jsonl")
        os.makedirs(os.path.dirname(media))
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", media, "--chat", chat,
                        "--duration", "420", "--seed", "5", "--truth", os.path.join(d, "truth.json")],
                       check=True, capture_output=True)
        report, export = os.path.join(d, "out", "report.html"), os.path.join(d, "out", "hl.json")
        os.makedirs(os.path.dirname(report))
        r = subprocess.run([HYPED, "replay", media, "--chat", chat, "--backend", "cpu", "--per-hour", "36",
                            "--channel", "demo <&> chan", "--out", export, "--report", report, "--quiet"],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(export) as f:
            highlights = json.load(f)["highlights"]
        self.assertGreaterEqual(len(highlights), 2)
        top = max(highlights, key=lambda h: h["score"])

        async def steps(page):
            out = {"load_s": await page.open("file://" + report)}
            out["title"] = await page.js("document.querySelector('h1').textContent")
            out["bands"] = await page.js("[...document.querySelectorAll('.band')].map(b => ({id: +b.dataset.id, "
                                         "start: +b.dataset.start, end: +b.dataset.end, title: b.title}))")
            out["rows"] = await page.js("[...document.querySelectorAll('#highlights tbody tr')].map(r => "
                                        "[r.querySelector('.hms').textContent, r.querySelector('button.copy').dataset.copy])")
            out["data"] = await page.js("JSON.parse(document.getElementById('timeline-data').textContent)")
            rect = await page.js("(r => ({x: r.left, y: r.top, w: r.width, h: r.height}))"
                                 "(document.getElementById('plot').getBoundingClientRect())")
            # The top highlight's peak frame: the score the export reports sits in its window.
            data = out["data"]
            peak = next(i for i, t in enumerate(data["pt"])
                        if top["time_s"] - 0.01 <= t <= top["time_s"] + 30 and abs(data["v"]["score"][i] - top["score"]) < 0.006)
            out["peak"] = peak
            await page.mouse("mouseMoved", pixel_on(rect, data, peak), rect["y"] + 60)
            out["readout"] = await page.js("Object.fromEntries([...document.querySelectorAll('#readout [data-k]')]"
                                           ".map(e => [e.dataset.k, e.textContent]))")
            out["readout_hidden"] = await page.js("document.getElementById('readout').hidden")
            # A second point, a third of the way in: whatever bucket is under the mouse.
            x = int(rect["x"] + rect["w"] / 3)
            await page.mouse("mouseMoved", x, rect["y"] + 200)
            out["third"] = (await page.js("Object.fromEntries([...document.querySelectorAll('#readout [data-k]')]"
                                          ".map(e => [e.dataset.k, e.textContent]))"),
                            bucket_at(data, data["dur"] * (x - rect["x"]) / rect["w"]))
            # Click the top highlight's band: the player seeks to its clip.
            band = next(b for b in out["bands"] if b["id"] == top["id"])
            bx = rect["x"] + rect["w"] * (band["start"] + band["end"]) / 2 / data["dur"]
            await page.mouse("mousePressed", bx, rect["y"] + 100)
            await page.mouse("mouseReleased", bx, rect["y"] + 100)
            await asyncio.sleep(0.3)
            out["audio"] = await page.js("(a => ({src: a.getAttribute('src'), t: a.currentTime}))"
                                         "(document.getElementById('player'))")
            out["selected"] = await page.js("[...document.querySelectorAll('.band.sel')].map(b => +b.dataset.id)")
            # The first row's copy button puts its H:MM:SS on the clipboard.
            await page.call("Browser.grantPermissions", permissions=["clipboardReadWrite", "clipboardSanitizedWrite"])
            button = await page.js("(r => ({x: r.left + r.width / 2, y: r.top + r.height / 2}))"
                                   "(document.querySelector('button.copy').getBoundingClientRect())")
            await page.mouse("mousePressed", button["x"], button["y"])
            await page.mouse("mouseReleased", button["x"], button["y"])
            await asyncio.sleep(0.2)
            out["copied"] = await page.js("document.querySelector('button.copy').textContent")
            out["clipboard"] = await page.js("navigator.clipboard.readText()")
            if os.environ.get("HYPED_SCREENSHOT_DIR"):
                await page.call("Input.dispatchMouseEvent", type="mouseMoved", x=rect["x"] + rect["w"] * 0.55,
                                y=rect["y"] + 60)
                shot = await page.call("Page.captureScreenshot", format="png")
                with open(os.path.join(os.environ["HYPED_SCREENSHOT_DIR"], "report.png"), "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
            self.assert_offline(page)
            return out

        out = self.drive(steps)
        self.assertEqual(out["title"], "demo <&> chan")  # escaped in the source, shown as given
        # One band per exported highlight, over its clip window.
        self.assertEqual(len(out["bands"]), len(highlights))
        for band, h in zip(out["bands"], highlights):
            self.assertEqual(band["id"], h["id"])
            self.assertAlmostEqual(band["start"], h["start_s"], places=2)
            self.assertAlmostEqual(band["end"], h["end_s"], places=2)
            self.assertIn("+".join(h["reasons"]), band["title"])
        # The table's times copy as H:MM:SS.
        self.assertEqual(len(out["rows"]), len(highlights))
        for (text, copy), h in zip(out["rows"], highlights):
            t = int(h["time_s"])
            self.assertEqual(text, f"{t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}")
            self.assertEqual(copy, text)
        # The page's series is the detector's: each highlight's exported (peak) score is one of its frames,
        # at or after the highlight's time, within a refractory period.
        data = out["data"]
        for h in highlights:
            window = [v for t, v in zip(data["pt"], data["v"]["score"]) if h["time_s"] - 0.01 <= t <= h["time_s"] + 30]
            self.assertTrue(any(abs(v - h["score"]) < 0.006 for v in window), (h, window))
        # Hovering the top highlight's peak reads the exported score, at the frame's time, and the same
        # frame's other values.
        data, i, shown = out["data"], out["peak"], out["readout"]
        self.assertFalse(out["readout_hidden"])
        self.assertEqual(data["fpb"], 1)  # 7 minutes: every frame its own point
        self.assertEqual(shown["time"], hms_tenth(data["pt"][i]))
        self.assertAlmostEqual(float(shown["score"]), top["score"], delta=0.011)
        for k in SIGNALS:
            self.assertAlmostEqual(float(shown[k]), data["v"][k][i], delta=0.006, msg=k)
        self.assertGreaterEqual(float(shown["score"]), float(shown["threshold"]))  # it fired over the threshold
        third, j = out["third"]
        self.assertEqual(third["time"], hms_tenth(data["pt"][j]))
        for k in SIGNALS:
            self.assertAlmostEqual(float(third[k]), data["v"][k][j], delta=0.006, msg=k)
        self.assertEqual(out["copied"], "copied")
        self.assertEqual(out["clipboard"], out["rows"][0][0])
        # The player plays the media by a relative URL, from the clicked clip's start.
        self.assertEqual(out["audio"]["src"], "../media/demo%20vod.mp4")
        self.assertAlmostEqual(out["audio"]["t"], top["start_s"], delta=1.0)
        self.assertEqual(out["selected"], [top["id"]])

    def test_ten_hour_report_is_small_and_draws_fast(self):
        report = os.path.join(self.tmp.name, "ten_hours.html")
        r = subprocess.run([REPORT_SYNTH, report, "10"], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        made = json.loads(r.stdout)
        self.assertEqual(made["frames"], 72000)
        size = os.path.getsize(report)
        self.assertLess(size, 5 * 1024 * 1024)

        async def steps(page):
            load_s = await page.open("file://" + report)
            render_ms = float(await page.js("document.body.dataset.renderMs"))
            bands = await page.js("document.querySelectorAll('.band').length")
            points = await page.js("JSON.parse(document.getElementById('timeline-data').textContent).pt.length")
            self.assert_offline(page)
            return load_s, render_ms, bands, points

        load_s, render_ms, bands, points = self.drive(steps)
        print(f"10 h report: {size / 1e6:.2f} MB, {points} points, drawn in {render_ms:.0f} ms "
              f"(load {load_s * 1000:.0f} ms)", file=sys.stderr)
        self.assertEqual(bands, made["highlights"])
        self.assertEqual(points, made["buckets"])
        self.assertLessEqual(points, 2048)
        self.assertLess(render_ms, 2000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
