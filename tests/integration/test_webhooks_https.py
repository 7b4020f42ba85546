#!/usr/bin/env python3
"""Webhooks of `hyped replay --serve` over HTTPS to loopback receivers trusting a throw-away CA, one per body
format (hyped, discord, slack); Discord's 429 with retry_after waited out; an http:// URL still served; a
certificate that fails verification reported as one clear error. Twitch actions (against the Helix
stand-in) add their results: Discord hears the clip URL once it is known."""
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helix_peers import HelixStandIn  # noqa: E402
from loopback import free_port, make_test_ca  # noqa: E402

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
TOKEN = "helixTok3nForWebhooks"
DISCORD_SECRET = "d1sc0rdWebhookSecret"


class Receiver:
    """Records every POST per path; the Discord path answers each key's first POST with 429 + retry_after."""

    def __init__(self, cert=None, key=None, retry_after=1.2):
        self.port, self.posts, self.lock = free_port(), [], threading.Lock()
        self.limited = {}
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                key = self.headers.get("X-Hyped-Highlight", "")
                with peer.lock:
                    first = self.path.startswith("/discord") and key not in peer.limited
                    if first:
                        peer.limited[key] = time.monotonic()
                    else:
                        peer.posts.append({"path": self.path, "key": key, "body": json.loads(body),
                                           "at": time.monotonic(), "content_type": self.headers.get("Content-Type")})
                status, answer = (429, {"message": "You are being rate limited.", "retry_after": retry_after,
                                        "global": False}) if first else (204 if "discord" in self.path else 200, None)
                data = json.dumps(answer).encode() if answer else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                if answer:
                    self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if cert else "http"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def on(self, prefix):
        with self.lock:
            return [p for p in self.posts if p["path"].startswith(prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class HttpsWebhooks(unittest.TestCase):
    def test_every_format_over_https_with_429_plain_http_and_a_bad_certificate(self):
        tmp = tempfile.TemporaryDirectory(prefix="hyped_hooks_")
        self.addCleanup(tmp.cleanup)
        good, bad = os.path.join(tmp.name, "good"), os.path.join(tmp.name, "bad")
        os.makedirs(good)
        os.makedirs(bad)
        ca, cert, key = make_test_ca(good)
        _, bad_cert, bad_key = make_test_ca(bad)  # signed by a CA hyped is not told of
        media = os.path.join(tmp.name, "stream.mp4")
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", media, "--chat",
                        media + ".jsonl", "--duration", "240", "--events", "70,120,170,220"],
                       check=True, capture_output=True)
        tls, plain, untrusted = Receiver(cert, key), Receiver(), Receiver(bad_cert, bad_key)
        for r in (tls, plain, untrusted):
            self.addCleanup(r.close)
        with HelixStandIn(TOKEN) as helix:
            config = os.path.join(tmp.name, "hooks.toml")
            with open(config, "w") as f:
                f.write(f"""[server]
webhook_ca_file = "{ca}"
webhooks = [
  "{tls.url('/hyped')}",
  {{url = "{tls.url('/discord/123/' + DISCORD_SECRET)}", format = "discord"}},
  {{url = "{tls.url('/slack')}", format = "slack"}},
  "{plain.url('/plain')}",
  {{url = "{untrusted.url('/untrusted')}", format = "discord"}},
]

[actions.twitch]
api_url = "{helix.url}"
id_url = "{helix.url}"
broadcaster = "streamer"
marker = false
""")
            env = dict(os.environ, HYPED_TWITCH_USER_TOKEN=TOKEN)
            proc = subprocess.run([HYPED, "replay", media, "--chat", media + ".jsonl", "--per-hour", "0",
                                   "--channel", "streamer", "--config", config, "--out", os.devnull,
                                   "--serve", f"127.0.0.1:{free_port()}", "--realtime=40"],
                                  env=env, capture_output=True, text=True, timeout=180)
        self.assertEqual(proc.returncode, 0, proc.stderr)

        hyped_posts = tls.on("/hyped")
        self.assertEqual(sorted(p["body"]["id"] for p in hyped_posts if p["body"]["type"] == "highlight"), [1, 2, 3, 4])
        self.assertEqual(sorted(p["body"]["highlight_id"] for p in hyped_posts if p["body"]["type"] == "action"),
                         [1, 2, 3, 4])
        self.assertTrue(all(p["content_type"] == "application/json" for p in hyped_posts))

        discord = tls.on("/discord")
        highlights = [p for p in discord if "/" not in p["key"][len("streamer/"):]]
        clips = [p for p in discord if p["key"].endswith("/twitch_clip")]
        self.assertEqual(len(highlights), 4, discord)
        for p in highlights:
            self.assertIn("content", p["body"])
            self.assertEqual(p["body"]["embeds"][0]["fields"][0]["name"], "Clip window")
        self.assertEqual(len(clips), 4, discord)
        self.assertTrue(all("https://clips.example/Clip" in p["body"]["content"] for p in clips), clips)
        # Every first POST got a 429 asking for 1.2 s: the retry came no sooner.
        for p in discord:
            self.assertGreaterEqual(p["at"] - tls.limited[p["key"]], 1.1, p)

        slack = tls.on("/slack")
        self.assertEqual(len([p for p in slack if p["body"]["blocks"][0]["type"] == "section"]), 8, slack)
        self.assertTrue(all("text" in p["body"] for p in slack))

        self.assertEqual(len(plain.on("/plain")), 8)
        self.assertEqual(untrusted.posts, [])
        cert_lines = [line for line in proc.stderr.splitlines() if "certificate" in line]
        self.assertEqual(len(cert_lines), 1, proc.stderr)
        self.assertIn(f"127.0.0.1:{untrusted.port}", cert_lines[0])
        self.assertIn("verify failed", cert_lines[0])
        self.assertNotIn(DISCORD_SECRET, proc.stderr + proc.stdout)
        self.assertNotIn(TOKEN, proc.stderr + proc.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
