"""A loopback stand-in for Twitch's id (/oauth2/validate, /oauth2/token) and Helix (users, clips, stream
markers, games, streams) APIs, strict about what a real client must send: the token only in the
Authorization header (OAuth for id, Bearer for Helix), the token's Client-Id, and Twitch's rate limit (a
small bucket, 429 when empty with Ratelimit-Reset). With `client_secret`, the token is an app access token
issued by the client-credentials grant (form body: client_id, client_secret, grant_type), lasting
`app_token_ttl_s`; Get Streams then lists `live` (mutable: [(login, viewers, game_id, language)], most
viewers first) `page_size` at a time with a cursor. Several apps may hold tokens at once (`clients`:
client id → secret), each Helix call checked against its own token's app and expiry, and every Get Streams
call recorded with the app that made it. Scripted faults: 5xx, not live (404), clips disabled (403). Every
request is recorded."""
import http.server
import json
import threading
import time
import urllib.parse

from loopback import free_port

CLIENT_ID = "standinclientid"
USER_ID = "4242"


class HelixStandIn:
    def __init__(self, token, scopes=("clips:edit", "channel:manage:broadcast"), bucket=800, window_s=2.0,
                 fail_first=0, clip_status=202, marker_status=200, clip_ready_after=2, client_secret=None,
                 app_token_ttl_s=3600, page_size=100, games=None, clients=None):
        self.token, self.scopes = token, list(scopes)
        self.client_secret, self.app_token_ttl_s, self.page_size = client_secret, app_token_ttl_s, page_size
        # App credentials: client id → secret.
        self.clients = dict(clients or ({CLIENT_ID: client_secret} if client_secret is not None else {}))
        self.app_token_of = {}  # issued app token → (client id, expires at, time.time())
        self.stream_calls = []  # Get Streams requests: (time.time(), client id)
        self.games = dict(games or {})  # name → id
        self.live = []  # Get Streams: (login, viewers, game_id, language), most viewers first
        self.app_tokens = []  # issued, oldest first
        self.token_requests = 0
        self.listings = 0  # Get Streams first pages served
        self.bucket, self.window_s = bucket, window_s
        self.fail_first = {"/helix/clips": fail_first, "/helix/streams/markers": fail_first}
        self.clip_status, self.marker_status, self.clip_ready_after = clip_status, marker_status, clip_ready_after
        self.lock = threading.Lock()
        self.requests, self.problems = [], []
        self.clips, self.markers, self.polls = {}, [], {}
        self.sent_429 = self.sent_5xx = 0
        self.remaining, self.reset_at = bucket, time.time() + window_s
        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _take_token(self):
        """One request from the bucket: True when allowed; refills every window."""
        now = time.time()
        if now >= self.reset_at:
            self.remaining, self.reset_at = self.bucket, now + self.window_s
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def _handler(self):
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body, limited=False):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if limited:
                    self.send_header("Ratelimit-Limit", str(peer.bucket))
                    self.send_header("Ratelimit-Remaining", str(peer.remaining))
                    self.send_header("Ratelimit-Reset", str(int(peer.reset_at)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

            def handle_any(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(url.query)
                with peer.lock:
                    peer.requests.append({"method": method, "path": self.path, "headers": dict(self.headers),
                                          "body": body})
                    if peer.token in self.path or peer.token in body:
                        peer.problems.append(f"token outside the Authorization header: {method} {self.path}")
                    auth = self.headers.get("Authorization", "")
                    if url.path == "/oauth2/token" and peer.clients:
                        return self.app_token(method, body)
                    if url.path == "/oauth2/validate":
                        if auth != "OAuth " + peer.token:
                            return self.send(401, {"status": 401, "message": "invalid access token"})
                        return self.send(200, {"client_id": CLIENT_ID, "login": "streamer", "scopes": peer.scopes,
                                               "user_id": USER_ID, "expires_in": 14000})
                    if not url.path.startswith("/helix/"):
                        return self.send(404, {"message": "unknown path"})
                    client = self.headers.get("Client-Id")
                    if peer.clients:  # app tokens: any issued one, for its own app, until it expires
                        app = peer.app_token_of.get(auth[len("Bearer "):] if auth.startswith("Bearer ") else "")
                        valid = app is not None and app[0] == client and time.time() < app[1]
                    else:
                        valid = auth == "Bearer " + peer.token and client == CLIENT_ID
                    if not valid:
                        peer.problems.append(f"bad auth headers on {method} {url.path}")
                        return self.send(401, {"status": 401, "message": "OAuth token is missing"})
                    if not peer._take_token():
                        peer.sent_429 += 1
                        return self.send(429, {"status": 429, "message": "Too Many Requests"}, limited=True)
                    if method == "POST" and peer.fail_first.get(url.path, 0) > 0:
                        peer.fail_first[url.path] -= 1
                        peer.sent_5xx += 1
                        return self.send(503, {"status": 503, "message": "Service Unavailable"}, limited=True)
                    if url.path == "/helix/games" and method == "GET":
                        name = (q.get("name") or [""])[0]
                        found = [{"id": peer.games[name], "name": name}] if name in peer.games else []
                        return self.send(200, {"data": found}, limited=True)
                    if url.path == "/helix/streams" and method == "GET":
                        peer.stream_calls.append((time.time(), client))
                        return self.streams(q)
                    if url.path == "/helix/users":
                        if q.get("login") != ["streamer"]:
                            return self.send(200, {"data": []}, limited=True)
                        return self.send(200, {"data": [{"id": USER_ID, "login": "streamer"}]}, limited=True)
                    if url.path == "/helix/clips" and method == "POST":
                        if "clips:edit" not in peer.scopes:
                            return self.send(401, {"message": "Missing scope: clips:edit"}, limited=True)
                        if q.get("broadcaster_id") != [USER_ID]:
                            peer.problems.append(f"clip for broadcaster {q.get('broadcaster_id')}")
                        if peer.clip_status == 404:
                            return self.send(404, {"message": "Clipping is not possible for an offline channel."},
                                             limited=True)
                        if peer.clip_status == 403:
                            return self.send(403, {"message": "Clips are disabled"}, limited=True)
                        clip_id = f"Clip{len(peer.clips) + 1}"
                        peer.clips[clip_id] = {"created": time.time()}
                        peer.polls[clip_id] = 0
                        return self.send(202, {"data": [{"id": clip_id, "edit_url": f"https://clips.example/{clip_id}/edit"}]},
                                         limited=True)
                    if url.path == "/helix/clips" and method == "GET":
                        clip_id = (q.get("id") or [""])[0]
                        if clip_id not in peer.clips:
                            return self.send(200, {"data": []}, limited=True)
                        peer.polls[clip_id] += 1
                        if peer.polls[clip_id] < peer.clip_ready_after:  # still being made
                            return self.send(200, {"data": []}, limited=True)
                        return self.send(200, {"data": [{"id": clip_id, "url": f"https://clips.example/{clip_id}",
                                                         "broadcaster_id": USER_ID}]}, limited=True)
                    if url.path == "/helix/streams/markers" and method == "POST":
                        if peer.marker_status != 200:
                            return self.send(peer.marker_status, {"message": "not live"}, limited=True)
                        try:
                            req = json.loads(body)
                        except ValueError:
                            return self.send(400, {"message": "bad body"}, limited=True)
                        if req.get("user_id") != USER_ID or len(req.get("description", "")) > 140:
                            peer.problems.append(f"bad marker body {body}")
                        peer.markers.append(req)
                        pos = 100 + 30 * len(peer.markers)
                        return self.send(200, {"data": [{"id": str(len(peer.markers)), "position_seconds": pos,
                                                         "description": req.get("description", "")}]}, limited=True)
                    return self.send(404, {"message": "unknown path"}, limited=True)

            def app_token(self, method, body):
                """The client-credentials grant: a form POST naming the app and its secret."""
                peer.token_requests += 1
                form = urllib.parse.parse_qs(body)
                if method != "POST" or self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                    peer.problems.append(f"token request: {method} {self.headers.get('Content-Type')}")
                if form.get("grant_type") != ["client_credentials"]:
                    return self.send(400, {"status": 400, "message": "unsupported grant type"})
                client = (form.get("client_id") or [""])[0]
                if client not in peer.clients:
                    return self.send(400, {"status": 400, "message": "invalid client"})
                if form.get("client_secret") != [peer.clients[client]]:
                    return self.send(403, {"status": 403, "message": "invalid client secret"})
                peer.token = f"app{len(peer.app_tokens) + 1}x{int(time.time() * 1000)}"
                peer.app_tokens.append(peer.token)
                peer.app_token_of[peer.token] = (client, time.time() + peer.app_token_ttl_s, time.time())
                return self.send(200, {"access_token": peer.token, "expires_in": peer.app_token_ttl_s,
                                       "token_type": "bearer"})

            def streams(self, q):
                """Get Streams: the live list filtered by game and language, page_size at a time."""
                if (q.get("first") or ["20"])[0] != "100":
                    peer.problems.append(f"Get Streams asked for first={q.get('first')}")
                game, lang = (q.get("game_id") or [None])[0], (q.get("language") or [None])[0]
                rows = [r for r in peer.live if (game is None or r[2] == game) and (lang is None or r[3] == lang)]
                start = int((q.get("after") or ["0"])[0].lstrip("c") or 0)
                if start == 0:
                    peer.listings += 1
                page = rows[start:start + peer.page_size]
                nxt = start + len(page)
                data = [{"id": str(i), "user_id": str(1000 + i), "user_login": login, "user_name": login.title(),
                         "game_id": g, "type": "live", "viewer_count": v, "language": l}
                        for i, (login, v, g, l) in enumerate(page, start)]
                return self.send(200, {"data": data, "pagination": {"cursor": f"c{nxt}"} if nxt < len(rows) else {}},
                                 limited=True)

        return Handler
