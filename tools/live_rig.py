"""A loopback Twitch for `hyped live` at scale, shared by tools/soak and tools/bench_live_scale.

All on 127.0.0.1: nginx serving one looped source's 2 s AAC segments (Twitch's audio_only shape); a Python
server answering Twitch's GQL token and usher master playlists and making each channel's live sliding
playlist (6 segments, the media sequence advancing with wall time, each channel at its own offset in the
source, a discontinuity at each wrap); ngIRCd with bots posting a steady trickle to every channel and
bursts just after the source's loud events."""
import bisect
import collections
import json
import os
import random
import re
import select
import shutil
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from chat_peers import IrcBot, NgIRCd  # noqa: E402
from live_peers import Nginx, Server, _QuietHandler, ffmpeg_segments, make_source  # noqa: E402

SOURCE_S = 240                                 # the looped source
EVENTS = [25.0, 65.0, 105.0, 145.0, 185.0, 225.0]  # its loud bursts
LEAD_S = 12.0                                  # every stream has been live this long when the rig starts
WINDOW = 6                                     # segments per live playlist
BOTS = 12                                      # chatters (the detector counts each person once per 10 s)


def missing_peers():
    """One line naming what to install, or None when nginx, ffmpeg and ngIRCd are all there."""
    missing = [pkg for exe, pkg in (("nginx", "nginx"), ("ffmpeg", "ffmpeg"), ("ngircd", "ngircd"))
               if not shutil.which(exe) and not os.path.exists("/usr/sbin/" + exe)]
    if missing:
        return f"{', '.join(missing)} not found: apt-get install {' '.join(missing)}"
    return None


def make_media(work, log=lambda msg: None):
    """The source and its 2 s segments under work/media, encoded once and reused: (folder, [(file, duration)])."""
    media = os.path.join(work, "media")
    index = os.path.join(media, "index.m3u8")
    if os.path.exists(index):
        with open(index) as f:
            return media, [(n, float(d)) for d, n in re.findall(r"#EXTINF:([\d.]+),\n(\S+)", f.read())]
    log("encoding the source")
    src = os.path.join(work, "source.m4a")
    make_source(src, SOURCE_S, EVENTS)
    return media, ffmpeg_segments(src, media)


class Streams:
    """Live sliding playlists over one looped list of segments, one offset per channel, on wall time.
    With `tag_segments`, each segment URL carries its channel and media sequence (?c=…&n=…) so the access
    log of the server that serves them tells which segment of which channel was fetched."""

    def __init__(self, segments, channels, segment_base, tag_segments=False):
        self.files = [name for name, _ in segments]
        self.durs = [d for _, d in segments]
        self.n = len(segments)
        self.loop_s = sum(self.durs)
        two = self.durs * 2
        self.prefix = [0.0]
        for d in two:
            self.prefix.append(self.prefix[-1] + d)
        self.offset = {c: (k * 7) % self.n for k, c in enumerate(channels)}
        self.base = segment_base
        self.tag = tag_segments
        self.t0 = time.monotonic() - LEAD_S
        self.wall0 = time.time() - LEAD_S
        self.lock = threading.Lock()
        self.not_found = {}   # channel → monotonic end of its 404 burst
        self.stalled = {}     # channel → (stream t frozen at, monotonic end)
        self.requests = 0

    def start_s(self, ch, n):
        """Stream time where segment n of channel ch starts."""
        off = self.offset[ch]
        q, r = divmod(n, self.n)
        return q * self.loop_s + self.prefix[off + r] - self.prefix[off]

    def duration_s(self, ch, n):
        return self.durs[(n + self.offset[ch]) % self.n]

    def published(self, ch, t):
        """How many segments of ch are complete at stream time t."""
        off = self.offset[ch]
        q, rem = divmod(t, self.loop_s)
        ends = [self.prefix[off + r + 1] - self.prefix[off] for r in range(self.n)]
        return int(q) * self.n + bisect.bisect_right(ends, rem)

    def segment_at(self, ch, t):
        """The media sequence of the segment of ch that holds stream time t."""
        return self.published(ch, t)

    def listed_wall(self, ch, n):
        """Wall time at which segment n of ch first appears in its playlist (when it is complete)."""
        return self.wall0 + self.start_s(ch, n + 1)

    def event_times(self, ch, until_s):
        """Stream times of the source's loud events in channel ch up to until_s."""
        first = self.prefix[self.offset[ch]]
        out = []
        for q in range(int(until_s // self.loop_s) + 2):
            for e in EVENTS:
                s = q * self.loop_s + (e - first if e >= first else e + self.loop_s - first)
                if s <= until_s:
                    out.append(s)
        return sorted(out)

    def playlist(self, ch):
        now = time.monotonic()
        with self.lock:
            self.requests += 1
            if self.not_found.get(ch, 0) > now:
                return None
            t = now - self.t0
            st = self.stalled.get(ch)
            if st and now < st[1]:
                t = min(t, st[0])
            elif st is None or now >= st[1]:
                self.stalled.pop(ch, None)
        total = self.published(ch, t)
        first = max(0, total - WINDOW)
        off = self.offset[ch]
        out = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2", f"#EXT-X-MEDIA-SEQUENCE:{first}",
               f"#EXT-X-DISCONTINUITY-SEQUENCE:{(first + off) // self.n}"]
        for n in range(first, total):
            i = (n + off) % self.n
            if i == 0 and n > first:
                out.append("#EXT-X-DISCONTINUITY")
            out.append("#EXT-X-PROGRAM-DATE-TIME:" + iso(self.wall0 + self.start_s(ch, n)))
            out.append(f"#EXTINF:{self.durs[i]:.6f},live")
            out.append(self.base + self.files[i] + (f"?c={ch}&n={n}" if self.tag else ""))
        return "\n".join(out) + "\n"


def iso(t):
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


class TwitchLoopback(_QuietHandler):
    """GQL PlaybackAccessToken, usher master playlists (audio_only rendition) and the live media
    playlists of ctx["streams"]."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        login = body.get("variables", {}).get("login", "")
        value = json.dumps({"channel": login, "expires": 0})
        self.send(200, json.dumps({"data": {"streamPlaybackAccessToken": {"value": value, "signature": "sig"}}}),
                  "application/json")

    def do_GET(self):
        streams = self.ctx["streams"]
        path = urllib.parse.urlsplit(self.path).path
        m = re.fullmatch(r"/api/channel/hls/(\w+)\.m3u8", path)
        if m and m.group(1) in streams.offset:
            media = f"{self.ctx['base']}/live/{m.group(1)}.m3u8"
            return self.send(200, "#EXTM3U\n#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"audio_only\",NAME=\"audio_only\"\n"
                                  f"#EXT-X-STREAM-INF:BANDWIDTH=160000,CODECS=\"mp4a.40.2\",VIDEO=\"audio_only\"\n{media}\n")
        m = re.fullmatch(r"/live/(\w+)\.m3u8", path)
        if m and m.group(1) in streams.offset:
            text = streams.playlist(m.group(1))
            if text is not None:
                return self.send(200, text)
        self.send(404, "not found", "text/plain")


class Chatters:
    """`bots` IRC connections in every channel: a steady trickle, and a burst from all of them just after
    each loud event of each channel. Reconnect by themselves when the server restarts."""

    def __init__(self, port, channels, streams, horizon_s, bots=BOTS):
        self.port, self.channels, self.streams, self.horizon_s = port, channels, streams, horizon_s
        self.bots = bots
        self.stop = threading.Event()
        self.sent = 0
        self.reconnects = 0
        self.joined = 0           # bots in every channel once
        self.tids = []            # their threads' ids, for what the chat costs the rig
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(b,), daemon=True) for b in range(bots)]

    def start(self):
        for t in self.threads:
            t.start()

    def wait_joined(self, timeout):
        """True once every bot has joined every channel."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.joined >= self.bots:
                    return True
            time.sleep(0.1)
        return False

    def _bursts(self, bot):
        """(wall time, channel) of this bot's burst messages, sorted."""
        until = time.time() - self.streams.wall0 + self.horizon_s
        out = []
        for ch in self.channels:
            for s in self.streams.event_times(ch, until):
                out.append((self.streams.wall0 + s + 1.0 + bot * 0.35, ch))
        return collections.deque(sorted(out))

    def _run(self, b):
        with self.lock:
            self.tids.append(threading.get_native_id())
        rng = random.Random(b)
        bursts = self._bursts(b)
        words = ["LUL", "Pog", "KEKW", "nice", "wow", "W", "what", "omg", "lol", "gg", "no way", "clip it"]
        first = True
        while not self.stop.is_set():
            try:
                bot = IrcBot(self.port, nick=f"chat{b:02d}")
                bot.join(*self.channels)
            except (OSError, RuntimeError):
                self.reconnects += 1
                self.stop.wait(1.0)
                continue
            if first:
                first = False
                with self.lock:
                    self.joined += 1
            try:
                next_trickle = time.time()
                while not self.stop.is_set():
                    now = time.time()
                    while bursts and bursts[0][0] <= now:
                        due, ch = bursts.popleft()
                        if now - due < 5:  # not those missed while the server was down
                            bot.say(ch, f"{rng.choice(words)} {rng.choice(words)}")
                            self.sent += 1
                    if now >= next_trickle:
                        # ~0.25 messages/s per channel from all bots together.
                        bot.say(rng.choice(self.channels), rng.choice(words))
                        self.sent += 1
                        next_trickle = now + rng.uniform(0.5, 1.5) * self.bots / (0.25 * len(self.channels))
                    r, _, _ = select.select([bot.sock], [], [], 0.1)
                    if r:
                        data = bot.sock.recv(65536)
                        if not data:
                            raise OSError("closed")
                        for line in data.split(b"\r\n"):
                            if line.startswith(b"PING "):
                                bot.send("PONG " + line[5:].decode())
            except OSError:
                self.reconnects += 1
                self.stop.wait(1.0)
            finally:
                try:
                    bot.sock.close()
                except OSError:
                    pass


class Rig:
    """nginx serving `media` (make_media's segments), the Twitch stand-in and ngIRCd with its bots for
    `channels`, their files under `work`; started in that order. `horizon_s`: how long from now the bots
    plan their bursts for. `tally`: nginx logs each segment fetched, by channel and sequence."""

    def __init__(self, work, media, segments, channels, horizon_s, bots=BOTS, tally=False):
        self.work, self.media, self.segments, self.channels = work, media, segments, channels
        self.horizon_s, self.bots = horizon_s, bots
        self.access_log = os.path.join(work, "nginx", "access.log") if tally else None
        self.nginx = self.streams = self.twitch = self.ircd = self.chatters = None

    def start(self):
        self.nginx = Nginx(self.media, os.path.join(self.work, "nginx"),
                           access_log=self.access_log)
        self.nginx.start()
        self.streams = Streams(self.segments, self.channels, self.nginx.url(""), tag_segments=bool(self.access_log))
        self.twitch = Server(TwitchLoopback, {"streams": self.streams})
        self.twitch.httpd.RequestHandlerClass.ctx["base"] = self.twitch.base
        os.makedirs(os.path.join(self.work, "ircd"), exist_ok=True)
        # Every bot and hyped's connections are in all channels (ngIRCd's default is 10), and post fast.
        self.ircd = NgIRCd(os.path.join(self.work, "ircd"), limits="\tMaxJoins = 0\n\tMaxPenaltyTime = 0")
        self.ircd.start()
        self.chatters = Chatters(self.ircd.port, self.channels, self.streams, self.horizon_s, self.bots)
        self.chatters.start()

    def hyped_args(self):
        """What `hyped live` needs to follow the channels here (the chat port goes in its config)."""
        return [*self.channels, "--gql-url", self.twitch.base + "/gql", "--usher-url", self.twitch.base]

    def stop(self):
        if self.chatters:
            self.chatters.stop.set()
        if self.nginx:
            self.nginx.stop()
        if self.ircd:
            self.ircd.stop()
        if self.twitch:
            self.twitch.stop()
