"""A loopback stand-in for Twitch's VOD endpoints, checking what a real client must send: GQL
PlaybackAccessToken (isVod) and VideoCommentsByOffsetOrCursor (first page by offset, then by the cursor of
the previous page's last comment; like Twitch, pages after the first fail the integrity check when asked
with the web player's Client-ID), and usher's /vod/ID.m3u8 pointing at an nginx-served HLS VOD."""
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_peers import _QuietHandler  # noqa: E402

WEB_PLAYER_ID = "kimne78kx3ncx6brgo4mv6wki5h1ko"
TOKEN_HASH = "0828119ded1c13477966434e15800ff57ddacf13ba1911c129dc2200705b0712"
COMMENTS_HASH = "b70a3591ff0f4e0313d126c6a1502d79a1c02baebb288227c582044aa76adf6a"
PAGE_SIZE = 40


def comment_node(i, c):
    """A comment as GQL gives it: its text in fragments, emotes as fragments with an emote."""
    frags = [{"emote": None, "text": c["text"]}]
    for k in range(c["emotes"]):
        frags.append({"emote": {"emoteID": str(25 + k), "id": f"e{i}-{k}", "from": 0}, "text": " Kappa"})
    return {"cursor": f"c{i + 1}",
            "node": {"id": f"m{i}", "commenter": {"id": str(1000 + i), "login": c["user"], "displayName": c["user"]},
                     "contentOffsetSeconds": c["t"], "createdAt": "2026-01-01T00:00:00Z",
                     "message": {"fragments": frags, "userBadges": [], "userColor": None}}}


def served_text(c):
    """The line a client reads back: the fragments' texts joined."""
    return c["text"] + " Kappa" * c["emotes"]


class TwitchVodStandIn(_QuietHandler):
    """ctx: {"vods": {id: {"playlist": url, "chat": [{"t","user","text","emotes"}]}}, "log": []}.
    Special ids: 1403 subscriber-only (usher 403), 1404 deleted (usher 404), 1500 chat refused from page 2."""

    def json_reply(self, obj, status=200):
        self.send(status, json.dumps(obj), "application/json")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self.json_reply({"error": "Bad Request", "status": 400, "message": "body is not JSON"}, 400)
        cid = self.headers.get("Client-ID")
        self.ctx["log"].append(("gql", cid, body))
        if self.path != "/gql" or not cid:
            return self.json_reply({"error": "Bad Request", "status": 400, "message": "The \"Client-ID\" header is missing"}, 400)
        op = body.get("operationName")
        ext = body.get("extensions", {}).get("persistedQuery", {})
        v = body.get("variables", {})
        if op == "PlaybackAccessToken":
            if ext.get("sha256Hash") != TOKEN_HASH or v.get("isVod") is not True or v.get("isLive") is not False:
                return self.json_reply({"errors": [{"message": "PersistedQueryNotFound"}]})
            vid = v.get("vodID", "")
            if vid not in self.ctx["vods"] and vid not in ("1403", "1404"):
                return self.json_reply({"data": {"videoPlaybackAccessToken": None}})
            value = json.dumps({"vod_id": int(vid), "expires": 0})
            return self.json_reply({"data": {"videoPlaybackAccessToken": {"value": value, "signature": "sig" + vid}}})
        if op == "VideoCommentsByOffsetOrCursor":
            if ext.get("sha256Hash") != COMMENTS_HASH:
                return self.json_reply({"errors": [{"message": "PersistedQueryNotFound"}]})
            vid = v.get("videoID", "")
            vod = self.ctx["vods"].get(vid)
            if vod is None:
                return self.json_reply({"data": {"video": None}})
            cursor = v.get("cursor")
            if cursor is not None and (cid == WEB_PLAYER_ID or vid == "1500"):
                return self.json_reply({"errors": [{"message": "failed integrity check", "path": ["video", "comments"]}],
                                        "data": {"video": None}})
            chat = vod["chat"]
            if cursor is None:
                if v.get("contentOffsetSeconds") != 0:
                    return self.json_reply({"errors": [{"message": "expected contentOffsetSeconds 0"}]})
                start = 0
            else:
                m = re.fullmatch(r"c(\d+)", cursor)
                if not m:
                    return self.json_reply({"errors": [{"message": "bad cursor"}]})
                start = int(m.group(1))
            page = chat[start:start + PAGE_SIZE]
            edges = [comment_node(start + i, c) for i, c in enumerate(page)]
            return self.json_reply({"data": {"video": {"id": vid, "creator": {"login": "standin"}, "comments": {
                "edges": edges, "pageInfo": {"hasNextPage": start + PAGE_SIZE < len(chat), "hasPreviousPage": start > 0}}}}})
        return self.json_reply({"errors": [{"message": f"unknown operation {op}"}]})

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        m = re.fullmatch(r"/vod/(\d+)\.m3u8", u.path)
        if not m:
            return self.send(404, "not found", "text/plain")
        vid = m.group(1)
        self.ctx["log"].append(("usher", vid, q))
        if vid == "1403":
            return self.json_reply([{"url": self.path, "error": "You do not have permission to view this video",
                                     "error_code": "vod_manifest_restricted", "type": "error"}], 403)
        if vid == "1404" or vid not in self.ctx["vods"]:
            return self.json_reply([{"url": self.path, "error": "vod not found", "error_code": "vod_not_found",
                                     "type": "error"}], 404)
        if q.get("sig", [""])[0] != "sig" + vid or not q.get("allow_audio_only") or not q.get("token"):
            return self.json_reply([{"error": "bad signature", "error_code": "unauthorized_entitlements"}], 403)
        media = self.ctx["vods"][vid]["playlist"]
        master = ("#EXTM3U\n"
                  "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"chunked\",NAME=\"1080p60\",AUTOSELECT=YES,DEFAULT=YES\n"
                  "#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS=\"avc1.64002A,mp4a.40.2\",VIDEO=\"chunked\"\n"
                  f"{media.rsplit('/', 1)[0]}/video-does-not-exist.m3u8\n"
                  "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"audio_only\",NAME=\"Audio Only\",AUTOSELECT=NO,DEFAULT=NO\n"
                  "#EXT-X-STREAM-INF:BANDWIDTH=160000,CODECS=\"mp4a.40.2\",VIDEO=\"audio_only\"\n"
                  f"{media}\n")
        return self.send(200, master)
