"""Headless Chromium for the tests that look at hyped's pages: started on a free DevTools port with a
throw-away profile, driven over the DevTools protocol, and killed with every helper process it started."""
import asyncio
import base64
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import websockets

from loopback import free_port


class HeadlessChromium:
    def __init__(self, profile_dir, window="800,450"):
        self.port = free_port()
        self.proc = subprocess.Popen(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                      "--no-first-run", "--disable-background-networking", "--disable-component-update",
                                      "--disable-sync", f"--user-data-dir={profile_dir}", f"--window-size={window}",
                                      f"--remote-debugging-port={self.port}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def page_ws(self, timeout=30):
        """The DevTools websocket of its first page (the target shows up a while after start-up)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=2).read())
                page = next((t for t in targets if t["type"] == "page"), None)
                if page:
                    return page["webSocketDebuggerUrl"]
            except (urllib.error.URLError, ConnectionError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError("chromium exposed no page target")

    def close(self):
        os.killpg(self.proc.pid, signal.SIGKILL)  # the browser and every helper process it started
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


async def watch_page(page_ws, url, probe, ready, timeout_s):
    """Opens `url`, evaluates `probe` (JavaScript giving a JSON string) until ready(state) or the timeout,
    lets the page settle, and takes a screenshot. Returns (last state, PNG bytes)."""
    async with websockets.connect(page_ws, max_size=None) as cdp:
        seq = 0

        async def call(method, **params):
            nonlocal seq
            seq += 1
            await cdp.send(json.dumps({"id": seq, "method": method, "params": params}))
            while True:
                msg = json.loads(await cdp.recv())
                if msg.get("id") == seq:
                    return msg.get("result", {})

        await call("Page.navigate", url=url)
        state, deadline = {}, time.time() + timeout_s
        while time.time() < deadline:
            r = await call("Runtime.evaluate", expression=probe, returnByValue=True)
            state = json.loads(r.get("result", {}).get("value", "{}"))
            if ready(state):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.6)  # let a toast finish sliding in
        shot = await call("Page.captureScreenshot", format="png")
        return state, base64.b64decode(shot.get("data", ""))
