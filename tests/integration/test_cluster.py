"""A hyped cluster against real peers on loopback: nats-server (JetStream), nginx serving 30 live HLS
streams that `ffmpeg -re` publishes (1 s segments), three `hyped live --cluster` workers, `hyped serve
--cluster` with a websocket client, and a single `hyped live` process following the same 30 streams at
the same time as the reference. During the run one worker is killed with SIGKILL, the NATS server is
restarted, and a fourth worker joins. Checked: every channel followed by exactly one worker; the killed
worker's channels followed again within 15 s; no channel ever published by two workers at once (from
the workers' logs: each worker stamps every start and stop of its publishing a channel as it happens);
the websocket client gets every highlight the reference found exactly once (but those the killed
worker's channels had while nobody could yet detect on them; clip placement compared once both runs
have warmed up); what workers found while NATS was down arrives after it is back, none dropped; the
joiner takes a share by hand-over, warmed up, with no gap in publishing longer than a segment."""
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_peers import HYPED, Hyped, Nginx, Publisher, make_source, no_chat_args  # noqa: E402
from loopback import free_port, wait_port  # noqa: E402

STREAMS = int(os.environ.get("HYPED_CLUSTER_STREAMS", "30"))
DURATION = 150
EVENTS = [22, 56, 68, 84, 98, 116, 140]  # burst times in each stream (s)
# The NATS server is away around the burst at 56 s, longer than a lease (6 s): the workers keep detecting,
# hold back what they find once their leases may have run out, and re-assert the leases when it is back.
# The joiner warms up HANDOVER_WARMUP s, four half-lives of the running statistics (halflife_s), so that
# its detector alerts like the holder's, and takes over before the burst at 140 s. (Warmed up for less, a
# detector whose short history holds the bursts at 68 and 84 s misses the next one the holder catches.)
KILL_AT, NATS_DOWN_AT, NATS_UP_AT, JOIN_AT = 30, 50, 62, 63
HALFLIFE = 15.0
HANDOVER_WARMUP = 4 * HALFLIFE
# Detectors placed a young stream's first burst differently (running statistics from different starts):
# clip placement is compared with the reference from here on, when both runs have warmed up.
COMPARE_FROM = 40
WARMUP = 8.0
CONFIG = f"""[stats]
warmup_s = {WARMUP}
halflife_s = {HALFLIFE}
[fusion]
target_per_hour = 0.0
[peaks]
refractory_s = 8.0
[cluster]
lease_s = 6.0
min_cpu_headroom = 0.0
handover_warmup_s = {HANDOVER_WARMUP}
"""
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Worker:
    """`hyped live --cluster` with its log lines timestamped as they arrive."""

    def __init__(self, wid, url, config, log_path):
        self.id = wid
        self.log_file = open(log_path, "w")
        self.proc = subprocess.Popen([HYPED, "live", "--cluster", url, "--worker-id", wid, "--config", config],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.log = []  # (unix, line)
        self.highlights = []
        threading.Thread(target=self._err, daemon=True).start()
        threading.Thread(target=self._out, daemon=True).start()
        self.killed_at = None

    def _err(self):
        for line in self.proc.stderr:
            self.log.append((time.time(), line.rstrip()))
            self.log_file.write(f"{time.time():.3f} {line}")
            self.log_file.flush()

    def _out(self):
        for line in self.proc.stdout:
            self.highlights.append(json.loads(line))

    def kill(self):
        self.killed_at = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def intervals(self, end_time):
        """Per channel, the (start, end) spans in which this worker published it, as the worker stamped
        them: it logs each start and stop with the Unix time it happened."""
        open_, spans = {}, {}
        for _, line in self.log:
            m = re.search(r"cluster: publishing '([\w-]+)' from ([\d.]+)", line)
            if m:
                open_.setdefault(m.group(1), float(m.group(2)))
            m = re.search(r"cluster: stopped publishing '([\w-]+)' at ([\d.]+)", line)
            if m and m.group(1) in open_:
                spans.setdefault(m.group(1), []).append((open_.pop(m.group(1)), float(m.group(2))))
        for ch, t in open_.items():
            spans.setdefault(ch, []).append((t, self.killed_at or end_time))
        return spans


def status(url, config):
    out = subprocess.run([HYPED, "cluster", "status", "--json", "--cluster", url, "--config", config],
                         capture_output=True, text=True, timeout=20)
    return json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else None


def collect_ws(port, sink, stop):
    import websockets

    async def run():
        while not stop.is_set():
            try:
                async with websockets.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
                    while not stop.is_set():
                        try:
                            msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
                        except asyncio.TimeoutError:
                            continue
                        if msg.get("type") == "highlight":
                            sink.append((time.time(), msg))
            except Exception as e:  # the server going away ends the test, not the client
                if not stop.is_set():
                    print("ws client:", e, flush=True)
                    await asyncio.sleep(0.5)
    asyncio.run(run())


def start_nats(port, store):
    p = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return p


def start_s(mono):
    """Wall-clock start of a highlight's clip, from its message."""
    from datetime import datetime
    wall = datetime.fromisoformat(mono["wall_time"].replace("Z", "+00:00")).timestamp()
    return wall - (mono["time_s"] - mono["clip"]["start_s"])


def main():
    if not shutil.which("nats-server") or not shutil.which("nginx") or not shutil.which("ffmpeg"):
        print("SKIP: needs nats-server, nginx and ffmpeg")
        return 77
    d = tempfile.mkdtemp(prefix="hyped-cluster-")
    config = os.path.join(d, "hyped.toml")
    with open(config, "w") as f:
        f.write(CONFIG)
    sources = []
    for seed in range(3):
        src = os.path.join(d, f"src{seed}.wav")
        make_source(src, DURATION, EVENTS, seed=11 + seed)
        sources.append(src)
    www = os.path.join(d, "www")
    nginx = Nginx(www, os.path.join(d, "nginx"))
    nginx.start()
    nats_port = free_port()
    store = os.path.join(d, "js")
    nats = start_nats(nats_port, store)
    url = f"nats://127.0.0.1:{nats_port}"
    procs = []
    try:
        pubs = [Publisher(sources[i % 3], os.path.join(www, f"s{i:02d}"), extra=["-hls_time", "1"]) for i in range(STREAMS)]
        for p in pubs:
            p.start()
        for p in pubs:
            p.wait_first_segment()
        t0 = time.time()
        urls = {f"s{i:02d}": nginx.url(f"s{i:02d}/index.m3u8") for i in range(STREAMS)}
        subprocess.run([HYPED, "cluster", "add", "--cluster", url, "--config", config] +
                       [f"{n}={u}" for n, u in urls.items()], check=True, capture_output=True, timeout=20)
        serve_port = free_port()
        serve = subprocess.Popen([HYPED, "serve", "--cluster", url, "--serve", f"127.0.0.1:{serve_port}", "--config", config],
                                 stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "serve.err"), "w"))
        procs.append(serve)
        wait_port(serve_port)
        got, stop = [], threading.Event()
        ws_thread = threading.Thread(target=collect_ws, args=(serve_port, got, stop), daemon=True)
        ws_thread.start()
        reference = Hyped(*sum((["--url", u] for u in urls.values()), []), "--config", config, *no_chat_args())
        workers = [Worker(f"w{i}", url, config, os.path.join(d, f"w{i}.log")) for i in (1, 2, 3)]

        def at(s):
            time.sleep(max(0.0, t0 + s - time.time()))

        at(KILL_AT - 3)
        st = status(url, config)
        owners = {c["channel"]: c.get("worker") for c in st["channels"]}
        check(all(owners.get(n) for n in urls), f"all {STREAMS} channels followed before the kill ({sum(1 for v in owners.values() if v)})")
        per = {w.id: sum(1 for v in owners.values() if v == w.id) for w in workers}
        check(max(per.values()) - min(per.values()) <= 1, f"spread evenly over 3 workers: {per}")
        at(KILL_AT)
        victim = workers[2]
        victim_channels = {c for c, w in owners.items() if w == victim.id}
        victim.kill()
        recovered_at = None
        while time.time() < victim.killed_at + 25:
            st = status(url, config)
            if st and all(c.get("worker") not in (None, victim.id) for c in st["channels"]):
                recovered_at = time.time()
                break
            time.sleep(0.5)
        check(recovered_at is not None and recovered_at - victim.killed_at <= 15,
              f"the killed worker's {len(victim_channels)} channels followed again within 15 s "
              f"({(recovered_at or 0) - victim.killed_at:.1f} s)")
        at(NATS_DOWN_AT)
        nats.send_signal(signal.SIGTERM)
        nats.wait(timeout=20)
        at(NATS_UP_AT)
        nats = start_nats(nats_port, store)
        at(JOIN_AT)
        joiner = Worker("w4", url, config, os.path.join(d, "w4.log"))
        workers.append(joiner)
        # The joiner's share, seen while the streams still run (they end about DURATION s after t0).
        share, deadline = 0, t0 + DURATION - 6
        while time.time() < deadline and share < STREAMS // 3 - 1:
            st = status(url, config)
            held = {w["worker"]: w["channels"] for w in st["workers"]} if st else {}
            share = len(held.get("w4", []))
            time.sleep(1)
        check(share >= STREAMS // 3 - 1, f"the joiner holds a share: {share} channels")
        at(DURATION + 4)
        st = status(url, config)
        check(all(w["dropped"] == 0 and w["buffered"] == 0 for w in st["workers"]),
              "nothing dropped or left buffered across the NATS restart: " +
              str({w["worker"]: (w["published"], w["dropped"], w["buffered"]) for w in st["workers"]}))
        time.sleep(2)
        end = time.time()
        for w in workers:
            if w is not victim:
                w.stop()
        reference.interrupt()
        reference.wait(60)
        stop.set()
        ws_thread.join(10)

        # Never two publishers at once.
        spans = {}
        for w in workers:
            for ch, ss in w.intervals(end).items():
                spans.setdefault(ch, []).extend((a, b, w.id) for a, b in ss)
        overlaps = []
        for ch, ss in spans.items():
            ss.sort()
            for (a1, b1, w1), (a2, b2, w2) in zip(ss, ss[1:]):
                if w1 != w2 and a2 < b1 - 0.05:
                    overlaps.append((ch, w1, w2, round(b1 - a2, 2)))
        check(not overlaps, f"no channel published by two workers at once {overlaps[:5]}")
        # Hand-overs: the joiner warmed up, and took over right as the holder let go.
        took = [re.search(r"took '([\w-]+)' over from its holder \(([\d.]+) s", l) for _, l in joiner.log]
        took = [(m.group(1), float(m.group(2))) for m in took if m]
        started = {}
        for _, l in joiner.log:
            m = re.search(r"publishing '([\w-]+)' from ([\d.]+) \(taken over\)", l)
            if m:
                started[m.group(1)] = float(m.group(2))
        handed = {}
        for w in workers:
            for _, l in w.log:
                m = re.search(r"stopped publishing '([\w-]+)' at ([\d.]+) \(handed over to w4\)", l)
                if m:
                    handed[m.group(1)] = float(m.group(2))
        gaps = [round(started[ch] - handed[ch], 2) for ch, _ in took if ch in handed and ch in started]
        check(took and all(warm >= HANDOVER_WARMUP for _, warm in took), f"the joiner warmed up on {len(took)} channels first")
        check(gaps and len(gaps) == len(took) and max(gaps) <= 1.0, f"publishing moved within one segment (1 s) of the holder letting go: {gaps}")

        # Every highlight once, against the single-process run.
        # Each highlight as last revised (a revision may move its clip to the strongest burst).
        name_of = {u: n for n, u in urls.items()}
        last = {}
        for _, _, h in reference.highlights():
            last[(h["channel"], h["id"])] = h
        ref = [(name_of[h["channel"]], start_s(h)) for h in last.values()]
        # The killed worker's channels from just before the kill until their new holders' cold detectors have
        # statistics as old as the reference's (four half-lives, as for a hand-over's warm-up): moments in
        # it are not compared by placement (clip starts are 20 s before the moment).
        young_end = (recovered_at or victim.killed_at + 15) + 4 * HALFLIFE

        def young(c, s):
            return c in victim_channels and victim.killed_at - 5 <= s + 20 <= young_end
        excused = [(c, s) for c, s in ref if young(c, s)]
        expected = [(c, s) for c, s in ref if (c, s) not in excused]
        warm_from = t0 + COMPARE_FROM - 20  # clip starts are 20 s before the moment
        early_ref = {c for c, s in expected if s < warm_from}
        keys = [(m["channel"], m["id"], m.get("revision", 0)) for _, m in got]
        check(len(keys) == len(set(keys)), f"no message twice ({len(keys)} highlight messages)")
        latest = {}
        for _, m in got:
            latest[(m["channel"], m["id"])] = m
        clients = [(m["channel"], start_s(m)) for m in latest.values()]
        publisher = {}  # (channel, start) → the worker that printed it (held-back ones print nowhere)
        for w in workers:
            for h in w.highlights:
                publisher[(h["channel"], h["id"])] = w.id
        by = {(m["channel"], start_s(m)): publisher.get((m["channel"], m["id"])) for m in latest.values()}
        missing = [(c, round(s - t0, 1)) for c, s in expected
                   if s >= warm_from and not any(c == c2 and abs(s - s2) <= 5 for c2, s2 in clients)]
        extra = [(c, round(s - t0, 1)) for c, s in clients
                 if s >= warm_from and not young(c, s) and not any(c == c2 and abs(s - s2) <= 5 for c2, s2 in ref)]
        resumed = [c for c in victim_channels
                   if not any(c == c2 and (recovered_at or victim.killed_at) < s2 + 20 <= young_end for c2, s2 in clients)]
        early_missing = sorted(c for c in early_ref if not any(c == c2 and s2 < warm_from for c2, s2 in clients))
        # Twice: two highlights of a channel within the refractory period published by two workers (or by
        # one unknown), or by one where the reference has no such pair (a detector may fire again soon
        # after a revision moved a clip; the reference shows it), a young taker's channel excepted.
        def ref_pair(c, a, b):
            near_a = [r for c2, r in ref if c2 == c and abs(r - a) <= 5]
            near_b = [r for c2, r in ref if c2 == c and abs(r - b) <= 5]
            return any(ra != rb for ra in near_a for rb in near_b)
        doubled = [(c, round(s - t0, 1)) for i, (c, s) in enumerate(clients)
                   if any(c == c2 and abs(s - s2) < 8 and
                          (by[(c, s)] is None or by[(c, s)] != by[(c2, s2)] or
                           (not ref_pair(c, s, s2) and not young(c, s) and not young(c2, s2)))
                          for c2, s2 in clients[:i])]
        with open(os.path.join(d, "highlights.json"), "w") as f:
            json.dump({"t0": t0, "reference": ref, "client": clients}, f)
        print(f"reference: {len(ref)} highlights ({len(excused)} on the killed worker's channels before their "
              f"takers' statistics were {4 * HALFLIFE:.0f} s old); client: {len(clients)}")
        check(not resumed, f"the killed worker's channels had highlights again from their new holders: {resumed}")
        check(len(expected) >= STREAMS * 3, f"the reference found the bursts ({len(expected)})")
        check(not early_missing, f"every channel's first burst reached the client: {early_missing[:8]}")
        check(not missing, f"every reference highlight from {COMPARE_FROM} s on reached the client: "
                           f"{len(missing)} missing {missing[:8]}")
        check(not doubled, f"no highlight twice across take-overs: {doubled[:8]}")
        check(not extra, f"nothing from {COMPARE_FROM} s on the reference did not find: {len(extra)} more {extra[:8]}")
        during = [(c, s) for c, s in expected if t0 + NATS_DOWN_AT <= s + 20 <= t0 + NATS_UP_AT]
        lost = [(c, round(s - t0, 1)) for c, s in during if not any(c == c2 and abs(s - s2) <= 5 for c2, s2 in clients)]
        check(len(during) >= STREAMS // 2 and not lost,
              f"the {len(during)} highlights found while NATS was down reached the client: {len(lost)} lost {lost[:8]}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        for w in locals().get("workers", []):
            if w.proc.poll() is None:
                w.proc.kill()
        for p in locals().get("pubs", []):
            if p.proc.poll() is None:
                p.proc.kill()
        nats.terminate()
        nats.wait()
        nginx.stop()
    if failures:
        for w in locals().get("workers", []):
            print(f"--- {w.id} log (last 30 lines)")
            for _, l in w.log[-30:]:
                print(l)
        print(f"{len(failures)} check(s) failed; files in {d}")
        return 1
    shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
