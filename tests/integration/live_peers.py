"""Real peers for the `hyped live` tests, started on 127.0.0.1 on free ports and stopped by the tests:
nginx (plain HTTP and HTTPS with a test CA made by openssl), an `ffmpeg -re` live HLS publisher, a
Twitch GQL/usher stand-in, a scripted HLS server for faults, and a runner that timestamps hyped's lines."""
import http.server
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, make_test_ca, wait_port  # noqa: E402,F401

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))

# Short warm-up and half-life so a 40 s stream is enough (defaults: 60 s and 300 s).
# Short streams with bursts of one strength: every crossing of the threshold fires (target_per_hour 0).
# The default rate would let a young channel fire only on bursts stronger than its typical one
# (core/peak_picker.hpp); these tests are about following streams, the rate has its own.
TEST_CONFIG = """[stats]
warmup_s = 8.0
halflife_s = 15.0
[fusion]
target_per_hour = 0.0
[peaks]
refractory_s = 8.0
"""


def no_chat_args():
    """Twitch channels also bring their chat when the build has it; these tests have no IRC peer."""
    try:
        out = subprocess.run([HYPED, "live", "--help"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return []
    return ["--no-chat"] if "--no-chat" in out else []


def make_source(path, duration, events, seed=7):
    """Speech-like bed with 3 s loud bursts at `events` (tools/make_demo.py)."""
    subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", path, "--duration", str(duration),
                    "--seed", str(seed), "--events", ",".join(str(e) for e in events), "--truth", path + ".truth.json"],
                   check=True, capture_output=True)


class Nginx:
    """nginx in the foreground with a generated config under its own prefix, serving `root`."""

    def __init__(self, root, prefix, cert=None, key=None, access_log=None):
        """access_log: a file for one line per request, `$msec $arg_c $arg_n $status` (a benchmark's tally of
        what was fetched: its segment URLs carry their channel and sequence in c= and n=)."""
        self.root, self.prefix, self.cert, self.key = root, prefix, cert, key
        self.port = free_port()
        self.tls_port = free_port() if cert else None
        self.proc = None
        os.makedirs(prefix, exist_ok=True)
        tls = ""
        if cert:
            tls = f"""server {{ listen 127.0.0.1:{self.tls_port} ssl; ssl_certificate {cert}; ssl_certificate_key {key};
                        root {root}; location / {{ add_header Cache-Control no-cache; }} }}"""
        user = "user root;" if os.geteuid() == 0 else ""
        p = prefix
        logging = "access_log off;"
        if access_log:
            logging = (f"log_format tally '$msec $arg_c $arg_n $status';\n"
                       f"  access_log {access_log} tally buffer=64k flush=1s;")
        self.conf = os.path.join(prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(f"""{user} daemon off; master_process on; worker_processes 1; pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  {logging} keepalive_requests 100000; keepalive_timeout 65s;
  client_body_temp_path {p}/body; proxy_temp_path {p}/proxy; fastcgi_temp_path {p}/fastcgi;
  uwsgi_temp_path {p}/uwsgi; scgi_temp_path {p}/scgi;
  types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/iso.segment m4s; video/mp4 mp4; }}
  server {{ listen 127.0.0.1:{self.port}; root {root}; location / {{ add_header Cache-Control no-cache; }} }}
  {tls}
}}
""")

    def start(self):
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", self.conf, "-e", self.prefix + "/error.log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(self.port)
        if self.tls_port:
            wait_port(self.tls_port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def url(self, path, tls=False):
        return f"https://127.0.0.1:{self.tls_port}/{path}" if tls else f"http://127.0.0.1:{self.port}/{path}"


class Publisher:
    """`ffmpeg -re` publishing `source` as a live HLS stream (2 s segments, 6 listed, old ones deleted), and
    a watcher that records when each segment first appears in the playlist."""

    def __init__(self, source, out_dir, extra=()):
        os.makedirs(out_dir, exist_ok=True)
        self.dir = out_dir
        self.playlist = os.path.join(out_dir, "index.m3u8")
        self.cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", source, "-c:a", "aac", "-b:a", "96k",
                    "-f", "hls", "-hls_time", "2", "-hls_list_size", "6",
                    "-hls_flags", "delete_segments+program_date_time", *extra, self.playlist]
        self.segments = {}  # sequence → (start_s, duration_s, first seen monotonic)
        self._stop = threading.Event()

    def start(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def wait_first_segment(self, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.segments:
                return
            time.sleep(0.02)
        raise RuntimeError("the publisher wrote no playlist")

    def _watch(self):
        while not self._stop.is_set():
            try:
                with open(self.playlist) as f:
                    text = f.read()
            except OSError:
                text = ""
            now = time.monotonic()
            m = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
            seq = int(m.group(1)) if m else 0
            for d in re.findall(r"#EXTINF:([\d.]+),", text):
                if seq not in self.segments:
                    prev = self.segments.get(seq - 1)
                    start = prev[0] + prev[1] if prev else 0.0
                    self.segments[seq] = (start, float(d), now)
                seq += 1
            if "#EXT-X-ENDLIST" in text:
                return
            time.sleep(0.03)

    def published_at(self, t):
        """When the segment holding stream time t was first listed."""
        for start, dur, seen in self.segments.values():
            if start <= t < start + dur:
                return seen
        return None

    def wait(self, timeout=120):
        self.proc.wait(timeout=timeout)
        self._stop.set()

    def stop(self):
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Hyped:
    """A `hyped live` process whose stdout lines are timestamped as they arrive."""

    def __init__(self, *args):
        self.args = [HYPED, "live", *args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []  # (monotonic, unix, dict)
        self.stderr = ""
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def _read_out(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), time.time(), json.loads(line)))

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def wait(self, timeout=120):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._out.join(5)
        self._err.join(5)
        return rc

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)

    def highlights(self):
        return [(mono, unix, h) for mono, unix, h in self.lines if h.get("type") == "highlight"]


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/vnd.apple.mpegurl"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Listener(http.server.ThreadingHTTPServer):
    # Many streams connect at once (the soak starts 50): the default backlog of 5 drops SYNs.
    request_queue_size = 128


class Server:
    """A threading HTTP(S) server on a free port running `handler_cls`; `context` is given to handlers."""

    def __init__(self, handler_cls, context, cert=None, key=None):
        self.port = free_port()
        handler = type("H", (handler_cls,), {"ctx": context})
        self.httpd = _Listener(("127.0.0.1", self.port), handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if cert:
            sc = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            sc.load_cert_chain(cert, key)
            self.httpd.socket = sc.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TwitchStandIn(_QuietHandler):
    """GQL PlaybackAccessToken and usher for a few channels. ctx: {"media_dir": …, "segment_base": …,
    "token_ttl_s": …, "tokens": {}, "log": []}. Channels: "offlinechan" (usher 404), "tokenfail" (GQL
    error), "nobody" (no such user), "endingchan" (live for 10 s from its first token, then its playlist
    404s and usher says offline), "latechan" (offline for 6 s from the first time usher is asked, then
    live for 12 s, then offline), "flaky…" (its first two token requests answer 503, then offline); any other
    login is live and served from media_dir."""

    def ended(self, login):
        if login == "latechan":
            return self.late_phase() == "after"
        t0 = self.ctx.setdefault("first_token", {}).get(login)
        return login == "endingchan" and t0 is not None and time.monotonic() - t0 > 10.0

    def late_phase(self):
        t0 = self.ctx.setdefault("first_usher", {}).setdefault("latechan", time.monotonic())
        dt = time.monotonic() - t0
        return "before" if dt < 6.0 else ("live" if dt < 18.0 else "after")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        ctx = self.ctx
        ctx["log"].append(("gql", self.headers.get("Client-ID"), body))
        if self.path != "/gql" or body.get("operationName") != "PlaybackAccessToken":
            return self.send(400, '{"error":"bad request"}', "application/json")
        login = body["variables"]["login"]
        asked = ctx.setdefault("gql_asks", {})
        asked[login] = asked.get(login, 0) + 1
        if login.startswith("flaky") and asked[login] <= 2:
            return self.send(503, '{"error":"upstream unavailable"}', "application/json")
        if login == "tokenfail":
            return self.send(200, json.dumps({"errors": [{"message": "service timeout"}]}), "application/json")
        if login == "nobody":
            return self.send(200, json.dumps({"data": {"streamPlaybackAccessToken": None}}), "application/json")
        token = f"tok{len(ctx['tokens'])}"
        ctx["tokens"][token] = time.monotonic()
        ctx.setdefault("logins", {})[token] = login
        ctx.setdefault("first_token", {}).setdefault(login, time.monotonic())
        ctx.setdefault("first_token_id", {}).setdefault(login, token)
        value = json.dumps({"channel": login, "expires": 0, "token_id": token})
        self.send(200, json.dumps({"data": {"streamPlaybackAccessToken": {"value": value, "signature": "sig" + token}}}),
                  "application/json")

    def token_ok(self, token):
        issued = self.ctx["tokens"].get(token)
        ttl = self.ctx.get("token_ttl_s")
        # Only a channel's first token expires: the renewed one lasts.
        login = self.ctx.get("logins", {}).get(token)
        first = self.ctx.get("first_token_id", {}).get(login) == token
        return issued is not None and (ttl is None or not first or time.monotonic() - issued < ttl)

    def do_GET(self):
        ctx = self.ctx
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        m = re.fullmatch(r"/api/channel/hls/(\w+)\.m3u8", u.path)
        if m:
            login = m.group(1)
            ctx["log"].append(("usher", login, q))
            if login == "offlinechan" or login.startswith("flaky") or self.ended(login) or (login == "latechan" and self.late_phase() == "before"):
                return self.send(404, json.dumps([{"url": self.path, "error": "twirp error not_found: transcode does not exist",
                                                    "error_code": "transcode_does_not_exist", "type": "error"}]),
                                 "application/json")
            value = json.loads(q["token"][0])
            token = value["token_id"]
            if q.get("sig", [""])[0] != "sig" + token or not q.get("allow_audio_only"):
                return self.send(403, json.dumps([{"error": "bad signature", "error_code": "unauthorized_entitlements"}]),
                                 "application/json")
            media = f"{self.ctx['self_base']}/media/{token}/index.m3u8"
            master = ("#EXTM3U\n#EXT-X-TWITCH-INFO:NODE=\"stand-in\"\n"
                      "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"chunked\",NAME=\"1080p60 (source)\",AUTOSELECT=YES,DEFAULT=YES\n"
                      "#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS=\"avc1.64002A,mp4a.40.2\",VIDEO=\"chunked\"\n"
                      f"{self.ctx['self_base']}/media/{token}/video.m3u8\n"
                      "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"audio_only\",NAME=\"audio_only\",AUTOSELECT=NO,DEFAULT=NO\n"
                      "#EXT-X-STREAM-INF:BANDWIDTH=160000,CODECS=\"mp4a.40.2\",VIDEO=\"audio_only\"\n"
                      f"{media}\n")
            return self.send(200, master)
        m = re.fullmatch(r"/media/(\w+)/(\w+)\.m3u8", u.path)
        if m:
            token, name = m.groups()
            ctx["log"].append(("media", token, name))
            if name != "index":
                return self.send(500, "video rendition chosen")
            if self.ended(ctx.get("logins", {}).get(token, "")):
                return self.send(404, "gone", "text/plain")
            if not self.token_ok(token):
                return self.send(403, json.dumps([{"error": "token expired"}]), "application/json")
            with open(os.path.join(ctx["media_dir"], "index.m3u8")) as f:
                text = f.read()
            # Segments come from nginx (over HTTPS), as Twitch's come from its CDN.
            text = re.sub(r"^(?!#)(\S+)$", lambda mm: ctx["segment_base"] + mm.group(1), text, flags=re.M)
            return self.send(200, text)
        self.send(404, "not found", "text/plain")


def ffmpeg_segments(source, out_dir, extra=(), rate=48000, fmp4=False):
    """Encodes `source` into a finished HLS (2 s segments); returns [(file, duration)]."""
    os.makedirs(out_dir, exist_ok=True)
    ext = "m4s" if fmp4 else "ts"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", source, "-c:a", "aac", "-b:a", "96k",
           "-ar", str(rate), "-f", "hls", "-hls_time", "2", "-hls_list_size", "0", "-hls_playlist_type", "vod",
           "-hls_segment_filename", os.path.join(out_dir, f"s%03d.{ext}"), *extra]
    if fmp4:
        cmd += ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"]
    subprocess.run(cmd + [os.path.join(out_dir, "index.m3u8")], check=True)
    with open(os.path.join(out_dir, "index.m3u8")) as f:
        text = f.read()
    return [(name, float(d)) for d, name in re.findall(r"#EXTINF:([\d.]+),\n(\S+)", text)]
