#!/usr/bin/env python3
"""IRC client benchmark on loopback.
1. `hyped chat` follows N channels (default 500) on InspIRCd over TLS; a bot joins them all and sends
   chat round-robin at a fixed rate. Reports join time, CPU and memory of hyped, and whether every
   message was counted in its hop.
2. Firehose: the Twitch stand-in pushes tagged PRIVMSG lines as fast as loopback carries them; reports the
   lines per second the client takes in (read, parse, count).
Usage: tools/bench_irc/bench_irc_client.py [--hyped build/src/app/hyped] [--channels 500] [--rate 2000] [--seconds 20]"""
import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
import chat_peers  # noqa: E402


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def proc_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Reader:
    def __init__(self, proc):
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._run, args=(proc,), daemon=True).start()

    def _run(self, proc):
        for line in proc.stdout:
            with self.cond:
                self.lines.append(json.loads(line))
                self.cond.notify_all()

    def wait(self, pred, timeout):
        deadline = time.time() + timeout
        with self.cond:
            while not pred(self.lines):
                if not self.cond.wait(timeout=max(0.01, deadline - time.time())) and time.time() > deadline:
                    raise RuntimeError("timed out")


def many_channels(args, d):
    server = chat_peers.InspIRCd(d)
    server.start()
    names = [f"bench{i:04d}" for i in range(args.channels)]
    cfg = os.path.join(d, "bench.toml")
    with open(cfg, "w") as f:
        f.write("[irc]\njoin_limit = 2000\njoin_window_s = 10.0\n[chat]\nclose_delay_s = 1.0\n")
    bot = chat_peers.IrcBot(server.port, "benchbot")
    for i in range(0, len(names), 20):
        bot.send("JOIN " + ",".join("#" + n for n in names[i:i + 20]))
        bot.wait_for(f"#{names[min(i + 20, len(names)) - 1]} :End of /NAMES", timeout=60)
    t0 = time.time()
    proc = subprocess.Popen([args.hyped, "chat", *names, "--host", "127.0.0.1", "--port", str(server.tls_port),
                             "--ca-file", server.ca, "--config", cfg, "--quiet"], stdout=subprocess.PIPE, text=True)
    rd = Reader(proc)
    rd.wait(lambda ls: sum(1 for j in ls if j["type"] == "irc" and j["event"] == "joined") >= len(names), 120)
    join_s = time.time() - t0
    cpu0, w0 = proc_cpu_s(proc.pid), time.time()
    sent = 0
    period = 0.05
    per_tick = max(1, int(args.rate * period))
    next_t = time.time()
    end = time.time() + args.seconds
    while time.time() < end:
        lines = []
        for _ in range(per_tick):
            lines.append(f"PRIVMSG #{names[sent % len(names)]} :message {sent} LUL KEKW")
            sent += 1
        bot.send(*lines)
        next_t += period
        time.sleep(max(0.0, next_t - time.time()))
    time.sleep(2.5)  # the last hops close (close_delay_s + a hop)
    cpu_s, wall_s = proc_cpu_s(proc.pid) - cpu0, time.time() - w0
    hwm = proc_hwm_mib(proc.pid)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    rd.wait(lambda ls: any(j["type"] == "summary" for j in ls), 10)
    summary = [j for j in rd.lines if j["type"] == "summary"][0]
    counted = sum(j["messages"] for j in rd.lines if j["type"] == "hop")
    bot.close()
    server.stop()
    print(f"{args.channels} channels on InspIRCd 3 over TLS (loopback), join limit 2000 / 10 s:")
    print(f"  all joined after {join_s:.2f} s (at Twitch's 20 / 10 s for normal accounts it would take "
          f"{(args.channels - 1) // 20 * 10} s)")
    print(f"  sent {sent} messages at {args.rate}/s for {args.seconds} s: counted in hops {counted}, summary "
          f"{summary['messages']}, late {summary['late']}, dropped {summary['dropped']}, malformed {summary['malformed']}")
    print(f"  hyped CPU {cpu_s:.2f} s over {wall_s:.1f} s wall = {100 * cpu_s / wall_s:.1f}% of one core;"
          f" peak RSS {hwm:.1f} MiB")
    return counted == sent


def firehose(args, d):
    tw = chat_peers.TwitchStandIn()
    proc = subprocess.Popen([args.hyped, "chat", "firehose", "--host", "127.0.0.1", "--port", str(tw.port), "--plain",
                             "--quiet"], stdout=subprocess.PIPE, text=True)
    rd = Reader(proc)
    rd.wait(lambda ls: any(j["type"] == "irc" and j["event"] == "joined" for j in ls), 10)
    start_ms = [j for j in rd.lines if j["type"] == "start"][0]["epoch_ms"]
    n = args.firehose_lines
    users = ["ronni", "xqc_fan_2024", "justsomeviewer", "pog_champion", "lurker123"]
    lines = []
    for i in range(n):
        u = users[i % 5]
        ts = start_ms + 1000 + (i * 3000) // n  # spread over 3 s of message time
        lines.append(f"@badge-info=subscriber/14;badges=subscriber/12,bits/1000;color=#1E90FF;display-name={u};"
                     f"emotes={'25:0-4' if i % 3 == 0 else ''};first-msg=0;flags=;id=b34ccfc7-4977-403a-8a94-{i:012d};"
                     f"mod=0;returning-chatter=0;room-id=71092938;subscriber=1;tmi-sent-ts={ts};turbo=0;user-id=1234;"
                     f"user-type= :{u}!{u}@{u}.tmi.twitch.tv PRIVMSG #firehose :Kappa that was insane KEKW\r\n")
    data = "".join(lines).encode()
    with tw.lock:
        c = tw.clients[0]
    # The client answers PING in the order lines arrive: its PONG says every line before was read,
    # parsed and handed on.
    t0, cpu0 = time.time(), proc_cpu_s(proc.pid)
    c.sendall(data + b"PING :firehose-done\r\n")
    deadline = time.time() + 120
    while time.time() < deadline:
        with tw.lock:
            if any(l == "PONG :firehose-done" for _, l in tw.received[-5:]):
                break
        time.sleep(0.001)
    read_s, cpu_s = time.time() - t0, proc_cpu_s(proc.pid) - cpu0
    time.sleep(5.5)  # the hops of the 3 s of message time close
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    rd.wait(lambda ls: any(j["type"] == "summary" for j in ls), 10)
    summary = [j for j in rd.lines if j["type"] == "summary"][0]
    tw.close()
    mb = len(data) / 1e6
    print(f"firehose: {n} tagged PRIVMSG lines ({mb:.0f} MB) from the Twitch stand-in over loopback TCP:")
    print(f"  client counted {summary['chat_lines']} chat lines, malformed {summary['malformed']}, dropped "
          f"{summary['dropped']}; all read and parsed in {read_s:.2f} s = {n / read_s / 1e6:.2f} M lines/s "
          f"({mb / read_s:.0f} MB/s)")
    counted = sum(j["messages"] for j in rd.lines if j["type"] == "hop")
    print(f"  counted in hops: {counted}; hyped CPU while reading {cpu_s:.2f} s (both its threads)")
    return summary["chat_lines"] == n and counted == n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hyped", default="build/src/app/hyped")
    ap.add_argument("--channels", type=int, default=500)
    ap.add_argument("--rate", type=int, default=2000, help="messages per second, all channels together")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--firehose-lines", type=int, default=300000)
    args = ap.parse_args()
    print(f"date: {time.strftime('%Y-%m-%d')}  machine: {platform.node()} {os.cpu_count()} cores {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench_irc_") as d:
        ok = many_channels(args, d)
        ok = firehose(args, d) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
