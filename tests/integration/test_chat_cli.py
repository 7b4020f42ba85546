#!/usr/bin/env python3
"""End-to-end tests of `hyped chat`: a real IRC server (InspIRCd over TLS with a test CA, IRCv3 server-time)
and a bot sending PRIVMSG bursts at known times; a loopback stand-in for Twitch's dialect (tmi-sent-ts,
emotes, USERNOTICE, CLEARCHAT, RECONNECT, malformed lines, a silent connection); and a recorded session
replayed by `hyped replay` to the same detections."""
import concurrent.futures
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import chat_peers  # noqa: E402

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
HOP_S = 0.5

# Short warm-up, memory and chat box so a 30 s session can show detections (its bursts are 13 s apart);
# chat closes hops 0.5 s after they end.
# Every crossing of the threshold fires (target_per_hour 0): a 30 s session is a young channel, whose
# rate would fire only on bursts stronger than its typical one.
CONFIG = """
[stats]
warmup_s = 4.0
halflife_s = 3.0
[fusion]
target_per_hour = 0.0
[peaks]
refractory_s = 5.0
[chat]
window_s = 5.0
close_delay_s = 0.5
emote_weight = 0.5
event_weight = 2.0
keywords = { LUL = 1.0 }
"""


class HypedChat:
    """`hyped chat` as a child process; its JSON lines collected with their arrival time."""

    def __init__(self, *args, env=None):
        self.proc = subprocess.Popen([HYPED, "chat", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.lines = queue.Queue()
        self.all = []
        self.stderr = ""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        self.start = self.wait(lambda j: j["type"] == "start")

    def _read(self):
        for line in self.proc.stdout:
            j = json.loads(line)
            j["_at"] = time.time()
            self.all.append(j)
            self.lines.put(j)

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def wait(self, pred, timeout=10.0):
        deadline = time.time() + timeout
        while True:
            try:
                j = self.lines.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                raise AssertionError(f"timed out; output so far: {self.all[-20:]}\nstderr: {self.stderr}")
            if pred(j):
                return j

    def session_time(self):
        return time.time() - self.start["epoch_ms"] / 1000.0

    def sleep_until(self, t_s):
        time.sleep(max(0.0, t_s - self.session_time()))

    def finish(self, timeout=30):
        self.proc.wait(timeout=timeout)
        time.sleep(0.1)
        return [j for j in self.all]


def of_type(lines, kind, channel=None):
    return [j for j in lines if j["type"] == kind and (channel is None or j.get("channel") == channel)]


def bin_of(t_s):
    return int((t_s - 0.25) // HOP_S)


def as_last_told(highlights):
    """Each highlight as its last revision told it (revisions share the id), in order of id."""
    last = {}
    for h in highlights:
        if h["id"] not in last or h.get("revision", 0) >= last[h["id"]].get("revision", 0):
            last[h["id"]] = h
    return [last[i] for i in sorted(last)]


@unittest.skipUnless(chat_peers.InspIRCd.available(), "inspircd is not installed (Debian package inspircd)")
class RealIrcServer(unittest.TestCase):
    """InspIRCd refuses twitch.tv/* capabilities; time comes from the server-time tag."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_chat_")
        cls.d = cls.tmp.name
        cls.server = chat_peers.InspIRCd(cls.d)
        cls.server.start()
        cls.config = os.path.join(cls.d, "chat.toml")
        with open(cls.config, "w") as f:
            f.write(CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def test_bursts_counted_detected_survive_a_restart_and_replay(self):
        server, d = self.server, self.d
        record = os.path.join(d, "rec")
        duration = 30.0
        bot = chat_peers.IrcBot(server.port, "bot")
        bot.join("hype", "calm")
        # A burst is 25 people saying one line each: one person's 25 lines count once (core/chat_reaction.hpp).
        def join_fans():  # side by side: the server takes a second to register each
            def fan(i):
                bot = chat_peers.IrcBot(server.port, f"fan{i:02d}")
                bot.join("hype")
                return bot
            with concurrent.futures.ThreadPoolExecutor(25) as pool:
                return list(pool.map(fan, range(25)))
        fans = join_fans()
        chat = HypedChat("hype", "#Calm", "--host", "127.0.0.1", "--port", str(server.tls_port), "--ca-file", server.ca,
                         "--config", self.config, "--record", record, "--duration", str(duration))
        joined = set()
        while joined != {"hype", "calm"}:
            joined.add(chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")["detail"])
        self.assertTrue(any(j["type"] == "irc" and j["event"] == "caps_refused" for j in chat.all))

        sent = {"hype": {}, "calm": {}}  # bin → messages sent

        def say(channel, n, text="hi"):
            phase = (chat.session_time() - 0.25) % HOP_S
            if not 0.1 <= phase <= 0.4:  # too near a hop's edge to know which hop the server stamps: wait
                time.sleep((0.25 - phase) % HOP_S)
            b = bin_of(chat.session_time())
            if n == 1:
                bot.say(channel, f"{text} 0")
            else:  # one line from each of n fans
                for fan in fans[:n]:
                    fan.say(channel, text)
            sent[channel][b] = sent[channel].get(b, 0) + n

        # Steady chat once a second in both channels, at hop centres (far from bin edges); bursts of 25 in
        # #hype at 10.5 s and 23.5 s; the server is killed at 15 s and restarted half a second later.
        t = 2.5
        restarted_at = None
        bursts = (10.5, 23.5)
        while t < duration - 2:
            chat.sleep_until(t)
            if t in bursts:
                say("hype", 25, "LUL")
            elif 15.0 <= t < 17.5:
                pass  # the server is down and coming back
            else:
                say("hype", 1)
                say("calm", 1)
            if t == 14.5:
                time.sleep(0.3)
                server.stop()
                time.sleep(0.5)
                server.start()
                restarted_at = chat.session_time()
                bot = chat_peers.IrcBot(server.port, "bot")
                bot.join("hype", "calm")
                rejoined = set()
                while rejoined != {"hype", "calm"}:
                    rejoined.add(chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")["detail"])
                rejoin_s = chat.session_time() - restarted_at
                fans = join_fans()
            t += 1.0
        lines = chat.finish()
        bot.close()
        for fan in fans:
            fan.close()
        self.assertEqual(chat.proc.returncode, 0, chat.stderr)

        # Reconnected and re-joined both channels within 5 s of the restart.
        self.assertIsNotNone(restarted_at)
        self.assertLess(rejoin_s, 5.0, "re-join took too long")
        print(f"\nre-joined both channels {rejoin_s:.2f} s after the server restart")
        summary = of_type(lines, "summary")[0]
        self.assertGreaterEqual(summary["reconnects"], 1)
        self.assertEqual(summary["connects"], 2)
        self.assertEqual(summary["malformed"], 0)
        self.assertEqual(summary["late"], 0)

        # Per-hop counts match what was sent, hop for hop.
        for channel in ("hype", "calm"):
            got = {h["hop"]: h["messages"] for h in of_type(lines, "hop", channel)}
            self.assertEqual(got, sent[channel], channel)
        burst_hops = [h for h in of_type(lines, "hop", "hype") if h["messages"] == 25]
        self.assertEqual(len(burst_hops), 2)
        for h in burst_hops:
            self.assertEqual(h["keywords"], 25)
            self.assertEqual(h["weight"], 50.0)  # 25 people · (a reaction's 1 + LUL 1.0)
            self.assertEqual(h["chatters"], 25)
        # The steady line is one person's sentence-like "hi 0": other_weight 0.25, once per 10 s.
        steady = [h["weight"] for h in of_type(lines, "hop", "calm") if h["messages"] == 1]
        self.assertGreater(len(steady), 10)
        self.assertEqual(sorted(set(steady)), [0.0, 0.25])
        self.assertLessEqual(steady.count(0.25), 3)  # the server restart leaves ~26 s: at most 3 windows of 10 s

        # The detector flags both bursts in #hype and nothing in the steady #calm.
        hype = as_last_told(of_type(lines, "highlight", "hype"))
        self.assertEqual(len(hype), 2, hype)
        for hl, burst in zip(hype, bursts):
            self.assertLessEqual(abs(hl["time_s"] - burst), 1.0, hype)
            self.assertIn("chat", hl["reasons"])
        self.assertEqual(of_type(lines, "highlight", "calm"), [])

        # The recording replays, over silence of the same length, to the same detections.
        rec = os.path.join(record, "hype.jsonl")
        with open(rec) as f:
            self.assertEqual(sum(1 for _ in f), sum(sent["hype"].values()))
        wav = os.path.join(d, "silence.wav")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "anullsrc=r=16000:cl=mono", "-t", str(summary["hops"] * HOP_S + 1.0), "-c:a", "pcm_s16le", wav],
                       check=True)
        r = subprocess.run([HYPED, "replay", wav, "--chat", rec, "--config", self.config, "--chat-box", "trailing",
                            "--quiet"], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        replayed = json.loads(r.stdout)["highlights"]
        self.assertEqual([(h["time_s"], round(h["score"], 4), round(h["chat_z"], 4)) for h in replayed],
                         [(h["time_s"], round(h["score"], 4), round(h["chat_z"], 4)) for h in hype])
        print("live highlights:", [(h["time_s"], round(h["score"], 3)) for h in hype])
        print("replayed:       ", [(h["time_s"], round(h["score"], 3)) for h in replayed])
        # The seed's centred box sees the bursts too, a little earlier.
        r = subprocess.run([HYPED, "replay", wav, "--chat", rec, "--config", self.config, "--quiet"], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["highlights"]), 2)


def tags(**kv):
    return "@" + ";".join(f"{k.replace('_', '-')}={v}" for k, v in kv.items())


class TwitchDialect(unittest.TestCase):
    """The loopback stand-in speaks Twitch: tmi-sent-ts, emotes, USERNOTICE, CLEARCHAT, RECONNECT."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="hyped_twitch_")
        self.twitch = chat_peers.TwitchStandIn()
        self.config = os.path.join(self.tmp.name, "chat.toml")

    def tearDown(self):
        self.twitch.close()
        self.tmp.cleanup()

    def write_config(self, extra=""):
        with open(self.config, "w") as f:
            f.write(CONFIG + extra)

    def test_tags_events_malformed_lines_and_reconnect(self):
        self.write_config("[irc]\nping_interval_s = 1.0\nping_timeout_s = 1.0\nbackoff_min_s = 0.1\n")
        tw = self.twitch
        env = dict(os.environ, HYPED_TWITCH_TOKEN="")
        chat = HypedChat("streamer", "--host", "127.0.0.1", "--port", str(tw.port), "--plain", "--config", self.config,
                         "--duration", "9", "--messages", env=env)
        chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")
        start_ms = chat.start["epoch_ms"]
        ts = lambda t: start_ms + int(t * 1000)

        # Time from tmi-sent-ts, not arrival: sent for 2.5 s although pushed earlier.
        chat.sleep_until(1.2)
        tw.broadcast(
            tags(badge_info="", emotes="25:0-4,6-10/1902:12-16", id="m1", room_id="1", tmi_sent_ts=ts(2.5)) +
            " :alice!alice@alice.tmi.twitch.tv PRIVMSG #streamer :Kappa Kappa Keepo",
            tags(emotes="", id="m2", room_id="1", tmi_sent_ts=ts(2.5)) + " :bob!bob@bob.tmi.twitch.tv PRIVMSG #streamer :LUL",
            # No tmi-sent-ts: the IRCv3 server-time tag gives the time.
            "@time=" + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts(2.55) // 1000)) + f".{ts(2.55) % 1000:03d}Z"
            + " :carl!carl@carl.tmi.twitch.tv PRIVMSG #streamer :hello",
            "@tags-without-a-command",
            ":",
            "PRIV-MSG #streamer :nope",
            tags(login="carol", msg_id="subgift", system_msg="carol\\sgifted\\sa\\sTier\\s1\\ssub!", tmi_sent_ts=ts(2.6),
                 emotes="", room_id="1", id="e1") + " :tmi.twitch.tv USERNOTICE #streamer",
            tags(room_id="1", target_user_id="9", tmi_sent_ts=ts(2.6)) + " :tmi.twitch.tv CLEARCHAT #streamer :dave",
            tags(tmi_sent_ts=ts(2.7)) + " :eve!eve@eve.tmi.twitch.tv PRIVMSG #otherchannel :not followed",
        )
        hop = chat.wait(lambda j: j["type"] == "hop")
        self.assertEqual(hop["hop"], bin_of(2.5))
        self.assertEqual((hop["messages"], hop["events"], hop["emotes"], hop["chatters"], hop["cleared"], hop["keywords"]),
                         (3, 1, 3, 4, 1, 1))
        # alice's line is emotes alone, a reaction (1), as is bob's LUL (1); carl's sentence counts
        # other_weight (0.25); alice's 3 emotes (0.5 each), the LUL keyword (1.0) and the gift
        # (event_weight 2.0) add theirs.
        self.assertEqual(hop["weight"], 1 + 3 * 0.5 + (1 + 1.0) + 0.25 + 2.0)
        event = [j for j in chat.all if j["type"] == "event"][0]
        self.assertEqual((event["user"], event["event"]), ("carol", "subgift"))

        # RECONNECT: the client reconnects and joins again at once.
        tw.broadcast(":tmi.twitch.tv RECONNECT")
        chat.wait(lambda j: j["type"] == "irc" and j["event"] == "disconnected")
        t0 = time.time()
        chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")
        self.assertLess(time.time() - t0, 2.0)

        # A connection that goes silent (no reply to PING) is dropped and replaced.
        muted_at = time.time()
        tw.mute_clients()
        dis = chat.wait(lambda j: j["type"] == "irc" and j["event"] == "disconnected", timeout=6)
        self.assertIn("PING", dis["detail"])
        self.assertLess(time.time() - muted_at, 4.0)
        chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")
        lines = chat.finish()
        self.assertEqual(chat.proc.returncode, 0, chat.stderr)

        summary = of_type(lines, "summary")[0]
        self.assertEqual(summary["malformed"], 3)
        self.assertEqual(len(of_type(lines, "malformed")), 3)
        self.assertEqual(summary["messages"], 3)
        self.assertEqual(summary["events"], 1)
        self.assertGreaterEqual(summary["reconnects"], 2)

        # What the client said: Twitch's capabilities, an anonymous login, no PASS.
        sent = [l for _, l in tw.received]
        self.assertIn("CAP REQ :twitch.tv/tags twitch.tv/commands", sent)
        self.assertTrue(any(re.fullmatch(r"NICK justinfan\d+", l) for l in sent), sent)
        self.assertFalse(any(l.startswith("PASS") for l in sent))
        self.assertIn("PING :hyped", sent)

    def test_oauth_token_is_sent_never_printed(self):
        self.write_config("[irc]\nnick = \"hypedbot\"\n")
        secret = "oauth:s3cr3tt0k3n"
        env = dict(os.environ, HYPED_TWITCH_TOKEN=secret)
        chat = HypedChat("streamer", "--host", "127.0.0.1", "--port", str(self.twitch.port), "--plain", "--config",
                         self.config, "--duration", "1.5", env=env)
        chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")
        lines = chat.finish()
        self.assertEqual(chat.proc.returncode, 0, chat.stderr)
        sent = [l for _, l in self.twitch.received]
        self.assertIn("PASS " + secret, sent)
        self.assertIn("NICK hypedbot", sent)
        self.assertNotIn("s3cr3t", json.dumps(lines) + chat.stderr)

    def test_joins_many_channels_within_the_rate_limit(self):
        self.write_config("[irc]\njoin_limit = 4\njoin_window_s = 1.0\n")
        names = [f"chan{i:02d}" for i in range(10)]
        chat = HypedChat(*names, "--host", "127.0.0.1", "--port", str(self.twitch.port), "--plain", "--config",
                         self.config, "--duration", "4")
        joined = set()
        while joined != set(names):
            joined.add(chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined", timeout=5)["detail"])
        chat.finish()
        times = sorted(t for t, _ in self.twitch.joins)
        self.assertEqual(sorted(c for _, c in self.twitch.joins), names)
        for i, t in enumerate(times):  # never more than 4 in any 1 s window
            self.assertLessEqual(sum(1 for u in times[i:] if u - t < 0.99), 4)
        self.assertGreaterEqual(times[-1] - times[0], 1.9)  # 10 channels at 4/s: three windows

    def test_many_channels_spread_over_connections_that_share_the_join_limit(self):
        self.write_config("[irc]\njoin_limit = 40\njoin_window_s = 1.0\nchannels_per_connection = 100\n"
                          "backoff_min_s = 0.1\n")
        names = [f"ch{i:03d}" for i in range(250)]
        chat = HypedChat(*names, "--host", "127.0.0.1", "--port", str(self.twitch.port), "--plain", "--config",
                         self.config, "--duration", "14", "--messages")
        joined = set()
        while joined != set(names):
            joined.add(chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined", timeout=10)["detail"])
        with self.twitch.lock:
            by_conn = {}
            for number, ch in self.twitch.join_conns:
                by_conn.setdefault(number, []).append(ch)
            times = sorted(t for t, _ in self.twitch.joins)
        self.assertEqual(self.twitch.connections, 3)
        self.assertEqual(sorted(len(v) for v in by_conn.values()), [50, 100, 100])
        self.assertEqual(sorted(c for v in by_conn.values() for c in v), names)  # each once
        # The account's limit holds over all connections together: 250 at 40/s take seven windows, where
        # a budget per connection would take three. These are the times the stand-in read the JOINs: on
        # a starved machine it reads two windows' worth at once, so the burst bound is below the 120 a
        # second of three separate budgets rather than at 40.
        for i, t in enumerate(times):
            self.assertLessEqual(sum(1 for u in times[i:] if u - t < 0.99), 100)
        self.assertGreaterEqual(times[-1] - times[0], 5.0)
        # One connection dropped: it alone reconnects and re-joins its own channels.
        second = sorted(by_conn)[1]
        before = len(self.twitch.join_conns)
        self.twitch.drop_connection(second)
        chat.wait(lambda j: j["type"] == "irc" and j["event"] == "disconnected", timeout=10)
        deadline = time.time() + 10
        while time.time() < deadline and len(self.twitch.join_conns) < before + len(by_conn[second]):
            time.sleep(0.05)
        with self.twitch.lock:
            rejoined = self.twitch.join_conns[before:]
        self.assertEqual(sorted(c for _, c in rejoined), sorted(by_conn[second]))
        self.assertEqual({n for n, _ in rejoined}, {4})
        # Chat reaches hyped over every connection.
        self.twitch.wait_clients(3)
        for ch in ("ch000", "ch150", "ch249"):
            self.twitch.broadcast(f"@tmi-sent-ts={int(time.time() * 1000)} :viewer!viewer@viewer.tmi.twitch.tv "
                                  f"PRIVMSG #{ch} :hello {ch}")
        got = set()
        while len(got) < 3:
            got.add(chat.wait(lambda j: j["type"] == "message", timeout=10)["channel"])
        self.assertEqual(got, {"ch000", "ch150", "ch249"})
        lines = chat.finish()
        summary = of_type(lines, "summary")[0]
        self.assertEqual((summary["connections"], summary["joined"], summary["reconnects"]), (3, 250, 1))

    def test_bad_arguments(self):
        r = subprocess.run([HYPED, "chat"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([HYPED, "chat", "a,b", "--duration", "1"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"^hyped: bad channel name 'a,b'")
        bad = os.path.join(self.tmp.name, "bad.toml")
        with open(bad, "w") as f:
            f.write("[chat]\nbox = \"sideways\"\n")
        r = subprocess.run([HYPED, "chat", "x", "--config", bad], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("chat.box", r.stderr)

@unittest.skipUnless(chat_peers.NgIRCd.available(), "ngircd is not installed (Debian package ngircd)")
class StockIrcServer(unittest.TestCase):
    """ngIRCd: RFC 2812's 9-character nicks, error numerics for a refused nick or password."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="hyped_ngircd_")
        self.servers = []
        self.env = dict(os.environ, HYPED_TWITCH_TOKEN="")

    def tearDown(self):
        for s in self.servers:
            s.stop()
        self.tmp.cleanup()

    def server(self, password=None):
        d = os.path.join(self.tmp.name, f"ircd{len(self.servers)}")
        os.mkdir(d)
        s = chat_peers.NgIRCd(d, password)
        self.servers.append(s)
        s.start()
        return s

    def config(self, irc=""):
        path = os.path.join(self.tmp.name, "chat.toml")
        with open(path, "w") as f:
            f.write(CONFIG + "[irc]\nbackoff_min_s = 0.1\n" + irc)
        return path

    def test_anonymous_nick_too_long_for_the_server_is_replaced_by_one_that_fits(self):
        server = self.server()
        bot = chat_peers.IrcBot(server.port, "bot")
        bot.join("hype")
        chat = HypedChat("hype", "--host", "127.0.0.1", "--port", str(server.port), "--plain", "--config", self.config(),
                         "--duration", "6", "--messages", env=self.env)
        self.assertEqual(len(chat.start["nick"]), 17)  # Twitch's justinfan<8 digits>: too long here
        registered = chat.wait(lambda j: j["type"] == "irc" and j["event"] in ("registered", "failed", "disconnected"))
        self.assertEqual(registered["event"], "registered", registered)
        self.assertLessEqual(len(registered["detail"]), 9)
        self.assertRegex(registered["detail"], r"^justi\d{4}$")
        self.assertEqual(chat.wait(lambda j: j["type"] == "irc" and j["event"] == "joined")["detail"], "hype")
        bot.wait_for(f":{registered['detail']}!")  # ngIRCd tells the channel who joined
        bot.say("hype", "hello from a stock server")
        message = chat.wait(lambda j: j["type"] == "message")
        self.assertEqual((message["user"], message["text"]), ("bot", "hello from a stock server"))
        lines = chat.finish()
        bot.close()
        self.assertEqual(chat.proc.returncode, 0, chat.stderr)
        summary = of_type(lines, "summary")[0]
        self.assertEqual((summary["connects"], summary["reconnects"], summary["joined"]), (1, 0, 1))
        self.assertFalse([j for j in lines if j["type"] == "irc" and j["event"] in ("disconnected", "failed")])

    def fails_once(self, server, config, reason, password=None):
        """`hyped chat` makes one connection and ends within seconds: one `failed` status, one error line
        naming the server's reason, exit status 1. Returns the error line."""
        # A bot registers first: the server has logged every earlier connection (the start-up probe's).
        chat_peers.IrcBot(server.port, "bot", password=password).close()
        connections = server.log().count("Accepted connection")
        chat = HypedChat("hype", "--host", "127.0.0.1", "--port", str(server.port), "--plain", "--config", config,
                         "--duration", "30", env=self.env)
        chat.proc.wait(timeout=5)
        lines = chat.finish()
        self.assertEqual(chat.proc.returncode, 1, chat.stderr)
        err = [l for l in chat.stderr.splitlines() if not l.startswith("info: ")]  # progress logs aside
        self.assertEqual(len(err), 1, chat.stderr)
        self.assertIn(reason, err[0])
        events = [j["event"] for j in lines if j["type"] == "irc" and j["event"] != "caps_refused"]
        self.assertEqual(events, ["connecting", "failed"])
        self.assertEqual(of_type(lines, "summary")[0]["reconnects"], 0)
        self.assertEqual(server.log().count("Accepted connection"), connections + 1, server.log())
        return err[0]

    def test_a_configured_nick_the_server_refuses_is_one_error_not_a_reconnect_loop(self):
        err = self.fails_once(self.server(), self.config('nick = "bad*nick"\n'), "Erroneous nickname")
        self.assertIn("bad*nick", err)
        self.assertIn("432", err)

    def test_a_wrong_server_password_is_one_error_not_a_reconnect_loop(self):
        # The bot's right password works; ngIRCd answers a wrong one with no 464, only, 2 s later,
        # "ERROR :Access denied: Bad password?".
        err = self.fails_once(self.server(password="letmein"), self.config('nick = "hyped"\ntoken = "wrong"\n'),
                              "Bad password", password="letmein")
        self.assertNotIn("wrong", err)  # the token is never printed


class ChatInHypedLive(unittest.TestCase):
    """`hyped live --url … --chat-channel NAME`: chat from the Twitch stand-in drives a highlight in a stream
    whose audio stays calm (ffmpeg publishing HLS, nginx serving it)."""

    def test_chat_burst_fires_a_live_highlight(self):
        import shutil
        if not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
            self.skipTest("nginx is not installed")
        from live_peers import Hyped, Nginx, Publisher, make_source
        with tempfile.TemporaryDirectory(prefix="hyped_livechat_") as d:
            src = os.path.join(d, "calm.m4a")
            make_source(src, 30, [500])  # the burst lies beyond the end: calm audio throughout
            www = os.path.join(d, "www")
            os.makedirs(os.path.join(www, "live"))
            nginx = Nginx(www, os.path.join(d, "nginx"))
            nginx.start()
            tw = chat_peers.TwitchStandIn()
            cfg = os.path.join(d, "live.toml")
            with open(cfg, "w") as f:
                # Audio weight 0: only chat can fire, whatever the calm bed does.
                f.write("[stats]\nwarmup_s = 8.0\nhalflife_s = 15.0\n[peaks]\nrefractory_s = 8.0\n"
                        "[fusion]\nw_audio = 0.0\n"
                        f"[irc]\nhost = \"127.0.0.1\"\nport = {tw.port}\ntls = false\n")
            pub = Publisher(src, os.path.join(www, "live"))
            try:
                pub.start()
                pub.wait_first_segment()
                rec = os.path.join(d, "rec")
                live = Hyped("--url", nginx.url("live/index.m3u8"), "--chat-channel", "Streamer", "--config", cfg,
                             "--record", rec)
                tw.wait_clients(timeout=20)
                t0 = time.time()
                burst_at = None
                while time.time() - t0 < 24:
                    now_ms = int(time.time() * 1000)
                    if burst_at is None and time.time() - t0 > 14:
                        burst_at = time.time()
                        tw.broadcast(*(tags(tmi_sent_ts=now_ms, emotes="", id=f"b{i}") +
                                       f" :fan{i}!fan{i}@fan{i}.tmi.twitch.tv PRIVMSG #streamer :Pog" for i in range(40)))
                    else:
                        tw.broadcast(tags(tmi_sent_ts=now_ms, emotes="") + " :viewer!v@v.tmi.twitch.tv PRIVMSG #streamer :hi")
                    time.sleep(0.5)
                pub.wait(60)
                rc = live.wait(60)
            finally:
                pub.stop()
                nginx.stop()
                tw.close()
            self.assertEqual(rc, 0, live.stderr)
            self.assertIn("chat: joined #streamer", live.stderr)
            found = [h for _, _, h in live.highlights()]
            chat_hl = [h for h in found if "chat" in h["reasons"]]
            self.assertEqual(len(chat_hl), 1, found)
            # Its wall time is when chat burst (PROGRAM-DATE-TIME maps chat time into stream time).
            from datetime import datetime
            wall = datetime.fromisoformat(chat_hl[0]["wall_time"].replace("Z", "+00:00")).timestamp()
            self.assertLess(abs(wall - burst_at), 2.0, chat_hl)
            # The recording (audio WAV + chat JSONL in the WAV's time base) replays to the same detections.
            wav = [f for f in os.listdir(rec) if f.endswith(".wav")]
            self.assertEqual(len(wav), 1, os.listdir(rec))
            jsonl = os.path.join(rec, wav[0][:-4] + ".jsonl")
            with open(jsonl) as f:
                self.assertGreater(sum(1 for _ in f), 40)
            replay = subprocess.run([HYPED, "replay", os.path.join(rec, wav[0]), "--chat", jsonl, "--chat-box",
                                     "trailing", "--config", cfg, "--quiet"], capture_output=True, text=True)
            self.assertEqual(replay.returncode, 0, replay.stderr)
            replayed = json.loads(replay.stdout)["highlights"]
            self.assertEqual([(round(h["time_s"], 2), round(h["score"], 3)) for h in replayed],
                             [(round(h["time_s"], 2), round(h["score"], 3)) for h in found])


if __name__ == "__main__":
    unittest.main(verbosity=2)
