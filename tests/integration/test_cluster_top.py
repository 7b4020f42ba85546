#!/usr/bin/env python3
"""`hyped live --cluster --top N` on two workers against real peers on loopback: nats-server (JetStream), a
Helix stand-in whose live list changes (each worker with its own app, so every Get Streams call says which
worker made it), the GQL/usher stand-in with nginx serving an `ffmpeg -re` live HLS stream for every
channel, and ngIRCd carrying the channels' chat. Checked: a wrong client secret is one error line and exit
1; one worker at a time lists (the discovery leader `hyped cluster status` names) and only it asks Helix
for streams; the wanted set tracks the listing while a channel added with `hyped cluster add` stays, and
one taken out with `hyped cluster remove` is not added back while it stays listed; every wanted channel
is followed by exactly one worker, with its chat (a chat burst fires a highlight with a chat reason; an
HLS URL's entry may name a chat); the leader killed with SIGKILL, the other leads within lease_s and a
margin and the listing goes on."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chat_peers import IrcBot, NgIRCd  # noqa: E402
from helix_peers import HelixStandIn  # noqa: E402
from live_peers import HYPED, TEST_CONFIG, Nginx, Publisher, Server, TwitchStandIn, make_source  # noqa: E402
from loopback import free_port, wait_port  # noqa: E402

SECRET = "s3cret-app-secret"
GAME = ("Just Chatting", "509658")
LEASE_S = 4.0
INTERVAL_S = 2
BOTS = 12  # chatters: the detector counts each person once per 10 s
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def wait_for(cond, timeout, every=0.25):
    """cond()'s first truthy value within `timeout` s, else None."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(every)


def chat_members(bot, channel):
    """The nicks in #channel, by the IRC server's NAMES reply."""
    bot.buf = b""
    bot.send(f"NAMES #{channel}")
    end = f" 366 {bot.nick} #{channel} ".encode()
    deadline = time.time() + 10
    while end not in bot.buf and time.time() < deadline:
        bot.sock.settimeout(1)
        try:
            bot.buf += bot.sock.recv(65536)
        except socket.timeout:
            pass
    nicks = set()
    for line in bot.buf.split(b"\r\n"):
        head, _, tail = line.decode(errors="replace").partition(" :")
        if f" 353 {bot.nick} " in head:
            nicks.update(n.lstrip("@+") for n in tail.split())
    return nicks


class Worker:
    """`hyped live --cluster --top` with its log lines and highlights timestamped as they arrive."""

    def __init__(self, wid, args, log_path, env):
        self.id = wid
        self.log_file = open(log_path, "w")
        self.proc = subprocess.Popen([HYPED, "live", "--worker-id", wid, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.log, self.highlights = [], []  # (unix, line), (unix, message)
        self.killed_at = None
        threading.Thread(target=self._err, daemon=True).start()
        threading.Thread(target=self._out, daemon=True).start()

    def _err(self):
        for line in self.proc.stderr:
            self.log.append((time.time(), line.rstrip()))
            self.log_file.write(f"{time.time():.3f} {line}")
            self.log_file.flush()

    def _out(self):
        for line in self.proc.stdout:
            msg = json.loads(line)
            if msg.get("type") == "highlight":
                self.highlights.append((time.time(), msg))

    def logged(self, pattern):
        return any(re.search(pattern, line) for _, line in self.log)

    def kill(self):
        self.killed_at = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def main():
    nats_server = shutil.which("nats-server") or next((p for p in ("/usr/sbin/nats-server",) if os.path.exists(p)), None)
    missing = [p for p, found in (("nats-server", nats_server), ("nginx", shutil.which("nginx")),
                                  ("ffmpeg", shutil.which("ffmpeg"))) if not found]
    if missing or not NgIRCd.available():
        print(f"SKIP: needs nats-server, nginx, ffmpeg and ngircd (missing: {missing or ['ngircd']})")
        return 77
    began = time.monotonic()
    d = tempfile.mkdtemp(prefix="hyped-cluster-top-")
    src = os.path.join(d, "source.wav")
    make_source(src, 110, [500])  # a speech-like bed without loud bursts: chat alone makes the highlight
    www = os.path.join(d, "www")
    nginx = Nginx(www, os.path.join(d, "nginx"))
    nginx.start()
    twitch_ctx = {"media_dir": os.path.join(www, "live"), "segment_base": nginx.url("live/"), "tokens": {}, "log": []}
    twitch = Server(TwitchStandIn, twitch_ctx)
    twitch_ctx["self_base"] = twitch.base
    pub = Publisher(src, os.path.join(www, "live"))
    pub.start()
    os.makedirs(os.path.join(d, "ircd"))
    ircd = NgIRCd(os.path.join(d, "ircd"), limits="\tMaxJoins = 0\n\tMaxPenaltyTime = 0")
    ircd.start()
    nats_port = free_port()
    nats = subprocess.Popen([nats_server, "-js", "-a", "127.0.0.1", "-p", str(nats_port), "-sd", os.path.join(d, "js")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(nats_port)
    url = f"nats://127.0.0.1:{nats_port}"
    g = GAME[1]
    helix = HelixStandIn("unused", page_size=2, games={GAME[0]: g}, clients={"appw1": SECRET, "appw2": SECRET})
    helix.live = [("alpha", 900, g, "en"), ("otherlang", 880, g, "de"), ("bravo", 800, g, "en"),
                  ("charlie", 700, g, "en"), ("delta", 300, g, "en")]
    helix.__enter__()
    workers, bots = [], []
    try:
        configs = {}
        for wid in ("w1", "w2"):
            configs[wid] = os.path.join(d, f"{wid}.toml")
            with open(configs[wid], "w") as f:
                f.write(TEST_CONFIG + f"[cluster]\nlease_s = {LEASE_S}\nmin_cpu_headroom = 0.0\n"
                        f'[irc]\nhost = "127.0.0.1"\nport = {ircd.port}\ntls = false\njoin_limit = 50\njoin_window_s = 5.0\n'
                        f'[discovery]\nclient_id = "app{wid}"\napi_url = "{helix.url}"\nid_url = "{helix.url}"\n')
        admin = ["--cluster", url, "--config", configs["w1"]]

        def cluster(*args):
            return subprocess.run([HYPED, "cluster", *args, *admin], capture_output=True, text=True, timeout=20)

        def status():
            r = cluster("status", "--json")
            return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None

        def wanted(st):
            return {c["channel"]: c["discovered"] for c in st["channels"]} if st else None

        top_args = ["--top", "3", "--game", GAME[0], "--language", "en", "--min-viewers", "500",
                    "--discovery-interval", str(INTERVAL_S), "--gql-url", twitch.base + "/gql", "--usher-url", twitch.base]
        env = dict(os.environ, HYPED_TWITCH_CLIENT_SECRET=SECRET)
        pub.wait_first_segment()
        for b in range(BOTS):
            bot = IrcBot(ircd.port, nick=f"chat{b:02d}")
            bot.join("alpha")
            bots.append(bot)

        # A wrong secret: one line and exit 1 before the worker joins the cluster, Get Streams never asked.
        started = time.monotonic()
        r = subprocess.run([HYPED, "live", "--cluster", url, "--config", configs["w1"], *top_args, "--quiet"],
                           capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, HYPED_TWITCH_CLIENT_SECRET="not-the-secret"))
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 1 and len(lines) == 1 and
              re.match(r"^hyped: Twitch refused the app credentials: invalid client secret", lines[0]) is not None
              and "not-the-secret" not in r.stderr and time.monotonic() - started < 10,
              f"a wrong client secret is one error line and exit 1: rc {r.returncode}, {lines}")
        check(helix.token_requests == 1 and not helix.stream_calls, "asked for a token once, for no streams")

        # bravo is the operator's: listed at first, it stays wanted after it leaves the listing. lobby is an
        # HLS URL whose entry names a chat.
        check(cluster("add", "bravo").returncode == 0, "hyped cluster add bravo")
        check(cluster("add", f"lobby={nginx.url('live/index.m3u8')}", "--chat-channel", "LobbyChat").returncode == 0,
              "hyped cluster add lobby=URL --chat-channel LobbyChat")
        for wid in ("w1", "w2"):
            workers.append(Worker(wid, ["--cluster", url, "--config", configs[wid], *top_args],
                                  os.path.join(d, f"{wid}.log"), env))
        t0 = time.time()
        by_id = {w.id: w for w in workers}

        def followed_once(names):
            """The status when each of `names` is published by exactly one worker, the lease holder, with audio."""
            st = status()
            if not st or not st["discovery"]:
                return None
            holders = {c["channel"]: c.get("worker") for c in st["channels"]}
            for n in names:
                on = [w for w in st["workers"] if n in w["channels"]]
                if len(on) != 1 or on[0]["worker"] != holders.get(n) or on[0]["channels"][n]["media_s"] <= 0:
                    return None
            return st

        want = {"alpha": True, "bravo": False, "charlie": True, "lobby": False}
        st = wait_for(lambda: (lambda s: s if wanted(s) == want and s["discovery"] else None)(status()), 30)
        check(st is not None, f"the wanted set is the top 3 listed and the operator's: {wanted(status())}")
        st = wait_for(lambda: followed_once(list(want)), 40)
        check(st is not None, f"{sorted(want)} each followed by exactly one worker, with audio")
        st = st or status()
        leader = by_id[st["discovery"]["worker"]]
        standby = next(w for w in workers if w is not leader)
        app = {"w1": "appw1", "w2": "appw2"}
        check(st["discovery"]["request"] == "top 3, game Just Chatting, language en, at least 500 viewers",
              f"the status names the leader and what it lists: {st['discovery']}")
        calls = list(helix.stream_calls)
        check(calls and all(c == app[leader.id] for _, c in calls),
              f"only the leader {leader.id} asked Helix for streams: {sorted(set(c for _, c in calls))}")
        check(standby.logged(r"discovery leader") is False, f"{standby.id} stood by")

        # Chat: each channel's holder joined its chat (lobby's: the one its entry names); a burst of reactions
        # fires a highlight with chat in it.
        holder = next(w["worker"] for w in st["workers"] if "alpha" in w["channels"])
        check(wait_for(lambda: by_id[holder].logged(r"chat: joined #alpha"), 15), f"{holder} joined #alpha's chat")
        lobby_holder = next(w["worker"] for w in st["workers"] if "lobby" in w["channels"])
        check(wait_for(lambda: by_id[lobby_holder].logged(r"chat: joined #lobbychat"), 15),
              f"{lobby_holder} joined #lobbychat for the URL channel lobby")
        wait_for(lambda: (lambda s: s and any(w["channels"].get("alpha", {}).get("media_s", 0) >= 12
                                              for w in s["workers"]))(status()), 30)
        burst = time.time()
        for bot in bots:
            bot.say("alpha", "LUL")

        def chat_highlight():
            for w in workers:
                for _, h in w.highlights:
                    if h["channel"] == "alpha" and "chat" in h["reasons"]:
                        return h
            return None
        h = wait_for(chat_highlight, 30)
        if check(h is not None, "the chat burst in #alpha fired a highlight of alpha with a chat reason"):
            from datetime import datetime
            wall = datetime.fromisoformat(h["wall_time"].replace("Z", "+00:00")).timestamp()
            check(burst - 5 <= wall <= burst + 15 and h["chat_z"] >= 1.5,
                  f"at the burst: {wall - burst:+.1f} s, chat_z {h['chat_z']:.1f}, reasons {h['reasons']}")

        # charlie taken out by hand while still listed: not added back by the listings that follow, and its
        # holder parts its chat.
        observer = IrcBot(ircd.port, nick="observer")
        bots.append(observer)
        members = chat_members(observer, "charlie")  # its holder (and a worker warming up for a hand-over)
        check(1 <= len(members) <= 2 and all(n.startswith("justi") for n in members), f"a worker in #charlie: {members}")
        listings = status()["discovery"]["listings"]
        check(cluster("remove", "charlie").returncode == 0, "hyped cluster remove charlie")
        st = wait_for(lambda: (lambda s: s if s and s["discovery"]["listings"] >= listings + 3 else None)(status()), 20)
        check(st is not None and "charlie" not in wanted(st) and st["skipped"] == ["charlie"]
              and not any("charlie" in w["channels"] for w in st["workers"]),
              f"charlie stays out while listed: {wanted(st)}, skipped {st and st['skipped']}")
        check(wait_for(lambda: not chat_members(observer, "charlie"), 10), "#charlie's chat parted")

        # The listing changes: bravo and charlie go offline, delta and echo climb into the top 3.
        helix.live = [("alpha", 900, g, "en"), ("otherlang", 880, g, "de"), ("delta", 750, g, "en"),
                      ("echo", 720, g, "en")]
        want = {"alpha": True, "bravo": False, "delta": True, "echo": True, "lobby": False}
        st = wait_for(lambda: (lambda s: s if wanted(s) == want and s["skipped"] == [] else None)(status()), 15)
        check(st is not None, f"the wanted set follows the listing, bravo kept, charlie's mark gone: {wanted(status())}")
        st = wait_for(lambda: followed_once(list(want)), 40)
        check(st is not None, f"{sorted(want)} each followed by exactly one worker")

        # The leader dies: the other leads within lease_s (and a margin), and the listing goes on.
        calls_before = len(helix.stream_calls)
        leader.kill()
        st = wait_for(lambda: (lambda s: s if s and s["discovery"] and s["discovery"]["worker"] == standby.id
                               else None)(status()), LEASE_S + 15, every=0.1)
        took = time.time() - leader.killed_at
        check(st is not None and took <= LEASE_S + 3,
              f"{standby.id} leads {took:.1f} s after {leader.id} was killed (lease_s {LEASE_S})")
        helix.live.insert(1, ("foxtrot", 850, g, "en"))  # echo drops out of the top 3
        want = {"alpha": True, "bravo": False, "delta": True, "foxtrot": True, "lobby": False}
        st = wait_for(lambda: (lambda s: s if wanted(s) == want else None)(status()), 15)
        check(st is not None, f"foxtrot, live after the kill, is wanted and echo is not: {wanted(status())}")
        st = wait_for(lambda: followed_once(list(want)), 40)
        check(st is not None and all(c["worker"] == standby.id for c in st["channels"]),
              f"the survivor {standby.id} follows every wanted channel")
        calls = list(helix.stream_calls)
        by_leader = [t for t, c in calls if c == app[leader.id]]
        by_standby = [t for t, c in calls if c == app[standby.id]]
        check(len(by_leader) >= 3 and max(by_leader) < leader.killed_at and by_standby
              and min(by_standby) > leader.killed_at and len(calls) > calls_before,
              f"Get Streams from {leader.id} ({len(by_leader)}) before the kill, from {standby.id} "
              f"({len(by_standby)}) only after it")
        check(helix.problems == [], f"the Helix stand-in saw what a real client sends: {helix.problems[:3]}")

        rc = standby.stop()
        check(rc == 0, f"{standby.id} stopped cleanly on SIGINT (rc {rc})")
        st = status()
        check(st is not None and st["discovery"] is None, "the stopped leader handed its key back")
        print(f"wall {time.monotonic() - began:.0f} s (workers ran {time.time() - t0:.0f} s)")
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait()
        for bot in bots:
            bot.close()
        helix.__exit__(None, None, None)
        pub.stop()
        twitch.stop()
        nats.terminate()
        nats.wait()
        ircd.stop()
        nginx.stop()
    if failures:
        for w in workers:
            print(f"--- {w.id} log (last 40 lines)")
            for _, line in w.log[-40:]:
                print(line)
        print(f"{len(failures)} check(s) failed; files in {d}")
        return 1
    shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
