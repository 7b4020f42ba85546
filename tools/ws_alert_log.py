#!/usr/bin/python3
"""One websocket client of hyped's /ws that follows every channel and writes each highlight message it
gets as a JSON line with its receipt time (`recv`, Unix seconds), for tools/bench_live_scale's alert
latency. Its own process, so the rig's other work does not delay the receipt times. Ends on SIGTERM."""
import argparse
import asyncio
import json
import signal
import time

import websockets


async def listen(url, out, stop):
    with open(out, "w", buffering=1) as f:
        while not stop.is_set():
            try:
                async with websockets.connect(url, max_queue=None, open_timeout=10, close_timeout=2) as ws:
                    await ws.send(json.dumps({"type": "subscribe", "channels": ["*"], "scores": False}))
                    f.write(json.dumps({"type": "connected", "recv": time.time()}) + "\n")
                    while not stop.is_set():
                        receive = asyncio.ensure_future(ws.recv())
                        halt = asyncio.ensure_future(stop.wait())
                        done, _ = await asyncio.wait([receive, halt], return_when=asyncio.FIRST_COMPLETED)
                        if receive not in done:
                            receive.cancel()
                            return
                        halt.cancel()
                        now = time.time()
                        m = json.loads(receive.result())
                        if m.get("type") == "highlight":
                            m["recv"] = now
                            f.write(json.dumps(m) + "\n")
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
                # The server is not up yet, or went away at the end: say so and try again.
                f.write(json.dumps({"type": "error", "recv": time.time(), "error": f"{type(e).__name__}: {e}"}) + "\n")
                try:
                    await asyncio.wait_for(stop.wait(), 0.5)
                except asyncio.TimeoutError:
                    pass


async def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True, help="hyped's --serve port on 127.0.0.1")
    ap.add_argument("--out", required=True, help="JSON lines file to write")
    a = ap.parse_args()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await listen(f"ws://127.0.0.1:{a.port}/ws", a.out, stop)


if __name__ == "__main__":
    asyncio.run(main())
