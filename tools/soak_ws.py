#!/usr/bin/python3
"""Websocket clients of the soak (tools/soak), all in one asyncio process: normal ones, slow readers, stalled
ones that never read, and ones that drop their connection every few minutes and resume with `?since=`.
Each client keeps the highlights it got; on SIGTERM, or once every reading client has had `end`, all of
it is written as JSON for tools/soak to check. SIGUSR1: stop dropping connections (the end is near)."""
import argparse
import asyncio
import json
import random
import signal
import time
import urllib.parse

import websockets


class Client:
    def __init__(self, number, kind, channels, every):
        self.number, self.kind = number, kind
        self.channels = channels          # followed; None: every channel
        self.every = every                # all channel names, for `since`
        self.got = {}                     # "channel:id" → [revision, score]
        self.duplicates = []              # (channel, id, revision) heard twice
        self.connects = 0
        self.closed_by_server = 0
        self.resumed = 0
        self.unavailable = 0
        self.errors = []
        self.ended = False

    def follows(self, channel):
        return self.channels is None or channel in self.channels

    def since(self):
        newest = {}
        for key in self.got:
            ch, i = key.rsplit(":", 1)
            newest[ch] = max(newest.get(ch, 0), int(i))
        names = self.channels if self.channels is not None else self.every
        return ",".join(f"{c}:{newest.get(c, 0)}" for c in names)

    def take(self, m):
        t = m.get("type")
        if t == "highlight" and self.follows(m["channel"]):
            key = f"{m['channel']}:{m['id']}"
            have = self.got.get(key)
            if have is not None and have[0] == m["revision"]:
                self.duplicates.append([m["channel"], m["id"], m["revision"]])
            if have is None or m["revision"] >= have[0]:
                self.got[key] = [m["revision"], m["score"]]
        elif t == "resumed":
            self.resumed += 1
            self.unavailable += m.get("unavailable", 0)
        elif t == "end":
            self.ended = True

    def report(self):
        return {k: getattr(self, k) for k in ("number", "kind", "channels", "got", "duplicates", "connects",
                                              "closed_by_server", "resumed", "unavailable", "errors", "ended")}


async def reader(c, url, reconnect_s, stop, settle):
    """normal, slow and reconnecting clients: read until `end`; reconnect with since= after any close.
    Once `settle` is set, reconnecting clients stop dropping their connection (so all are there for `end`)."""
    first = True
    while not stop.is_set() and not c.ended:
        u = url if first else url + "?since=" + urllib.parse.quote(c.since(), safe=":,")
        try:
            async with websockets.connect(u, max_queue=4 if c.kind == "slow" else 64, open_timeout=10,
                                          close_timeout=2) as ws:
                c.connects += 1
                first = False
                sub = {"type": "subscribe", "channels": c.channels or ["*"], "scores": False}
                await ws.send(json.dumps(sub))
                drop_at = time.monotonic() + reconnect_s * random.uniform(0.7, 1.3) if c.kind == "reconnecting" else None
                while not c.ended:
                    timeout = None if drop_at is None else max(0.0, drop_at - time.monotonic())
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout)
                    except asyncio.TimeoutError:
                        if settle.is_set():
                            drop_at = None
                            continue
                        break  # our own drop: close and resume
                    c.take(json.loads(raw))
                    if c.kind == "slow":  # slower than most, still faster than highlights come on average
                        await asyncio.sleep(random.uniform(0.02, 0.3))
        except websockets.ConnectionClosed:
            c.closed_by_server += 1
        except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake) as e:
            if len(c.errors) < 20:
                c.errors.append(f"{time.strftime('%H:%M:%S')} {type(e).__name__}: {e}")
        if not c.ended and not stop.is_set():
            await asyncio.sleep(random.uniform(0.5, 2.0) if not settle.is_set() else 0.2)


async def stalled(c, host, port, path, stop):
    """Upgrades to a websocket by hand and never reads again (no pongs either); reopens every 90 s so
    the server keeps cleaning up after clients like it."""
    while not stop.is_set():
        try:
            r, w = await asyncio.open_connection(host, port)
            w.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: c29hay1zdGFsbGVkLTAwMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
            await w.drain()
            c.connects += 1
            try:
                await asyncio.wait_for(stop.wait(), 90)
            except asyncio.TimeoutError:
                pass
            w.close()
        except OSError as e:
            if len(c.errors) < 20:
                c.errors.append(f"{type(e).__name__}: {e}")
            await asyncio.sleep(2)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--channels", required=True, help="comma-separated channel names")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--reconnect-s", type=float, default=120.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    random.seed(a.seed)
    every = a.channels.split(",")
    n = a.clients
    kinds = (["stalled"] * max(1, n // 40) + ["slow"] * (n // 10) + ["reconnecting"] * (n // 5))[:n]
    kinds += ["normal"] * (n - len(kinds))
    clients = []
    for i, kind in enumerate(kinds):
        # Half follow every channel, half a handful of them.
        chans = None if i % 2 == 0 else sorted(random.sample(every, min(5, len(every))))
        clients.append(Client(i, kind, chans, every))
    stop, settle = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, settle.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    url = f"ws://127.0.0.1:{a.port}/ws"
    tasks = []
    for c in clients:
        if c.kind == "stalled":
            tasks.append(asyncio.create_task(stalled(c, "127.0.0.1", a.port, "/ws", stop)))
        else:
            tasks.append(asyncio.create_task(reader(c, url, a.reconnect_s, stop, settle)))
        await asyncio.sleep(0.01)  # no thundering herd at start
    readers = [t for t, c in zip(tasks, clients) if c.kind != "stalled"]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([asyncio.gather(*readers), stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await asyncio.wait(tasks, timeout=5)
    with open(a.out, "w") as f:
        json.dump([c.report() for c in clients], f)


if __name__ == "__main__":
    asyncio.run(main())
