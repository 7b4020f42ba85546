"""What tools/bench_live_scale reads from what it collected, as pure functions of text and numbers: the
detector tick histogram of /metrics, nginx's tally of segments fetched, hyped's log, /proc stat lines,
a gdb thread dump, and percentiles. No I/O here, so tests/tools pins each of them."""
import math
import re


def percentile(xs, q):
    """The q-quantile (0..1) of xs by linear interpolation between closest ranks; None for no data."""
    xs = sorted(xs)
    if not xs:
        return None
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def parse_histogram(metrics_text, name):
    """[(upper bound, cumulative count)] of a Prometheus histogram, +Inf last; [] when it is not there."""
    out = []
    for le, n in re.findall(r"^" + re.escape(name) + r'_bucket\{le="([^"]+)"\} (\d+)', metrics_text, re.M):
        out.append((math.inf if le == "+Inf" else float(le), int(n)))
    return sorted(out)


def histogram_delta(before, after):
    """after − before bucket by bucket: the observations made between two scrapes."""
    old = dict(before)
    return [(le, n - old.get(le, 0)) for le, n in after]


def histogram_quantile(buckets, q):
    """The q-quantile of a cumulative histogram, interpolated linearly inside its bucket as Prometheus'
    histogram_quantile does (the lowest bucket from 0). Returns (value, exact): exact is False when the
    quantile lies in the +Inf bucket, and value is then the highest finite bound (a lower bound).
    None without observations."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    prev_le, prev_n = 0.0, 0
    for le, n in buckets:
        if n >= rank and n > prev_n:
            if math.isinf(le):
                return prev_le, False
            return prev_le + (le - prev_le) * (rank - prev_n) / (n - prev_n), True
        if not math.isinf(le):
            prev_le = le
        prev_n = n
    return prev_le, False


def parse_tally(lines):
    """nginx's `$msec $arg_c $arg_n $status` lines → {channel: {sequence: msec of its first 200}}; lines
    of other requests (no c= or n=) and failed ones are left out."""
    out = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or parts[3] != "200" or parts[1] == "-" or not parts[2].isdigit():
            continue
        got = out.setdefault(parts[1], {})
        n = int(parts[2])
        t = float(parts[0])
        if n not in got or t < got[n]:
            got[n] = t
    return out


def account_segments(fetched, listed_end):
    """The rig's view of one channel: `fetched` the sequences served to hyped, `listed_end` one past the
    newest sequence listed when hyped was stopped. Every segment from hyped's join (its first fetch) on was
    fetched, was skipped (a hole: listed, gone before it was fetched, later ones fetched), or is still
    waiting at the end (the tail behind the newest fetched)."""
    if not fetched:
        return {"join": None, "fetched": 0, "holes": 0, "tail": None}
    join, last = min(fetched), max(fetched)
    return {"join": join, "fetched": len(fetched), "holes": (last - join + 1) - len(fetched),
            "tail": max(0, listed_end - 1 - last)}


_REPORT = re.compile(r"\[(\S+)\] (\d+) s of audio in (\d+) segments, (\d+) highlights; (\d+) gaps \(([\d.]+) s\)")
_GAP_LEFT = re.compile(r"\[(\S+)\] gap: (\d+) segments \(~[\d.]+ s\) left the playlist")
_GAP_ONE = re.compile(r"\[(\S+)\] gap: segment #\d+ unavailable")
_DROPPED = re.compile(r"(\d+) audio chunks dropped")


def parse_hyped_log(text):
    """hyped live's stderr → {"channels": {name: {audio_s, segments, highlights, gaps, gap_s,
    missed_segments}}, "dropped_chunks": n}. Channel entries come from the final per-channel lines;
    missed_segments adds up the segments its `gap:` lines name."""
    chans = {}
    for m in _REPORT.finditer(text):
        chans[m.group(1)] = {"audio_s": float(m.group(2)), "segments": int(m.group(3)),
                             "highlights": int(m.group(4)), "gaps": int(m.group(5)), "gap_s": float(m.group(6)),
                             "missed_segments": 0}
    missed = {}
    for m in _GAP_LEFT.finditer(text):
        missed[m.group(1)] = missed.get(m.group(1), 0) + int(m.group(2))
    for m in _GAP_ONE.finditer(text):
        missed[m.group(1)] = missed.get(m.group(1), 0) + 1
    for ch, n in missed.items():
        chans.setdefault(ch, {"audio_s": 0.0, "segments": 0, "highlights": 0, "gaps": 0, "gap_s": 0.0,
                              "missed_segments": 0})["missed_segments"] = n
    dropped = _DROPPED.search(text)
    return {"channels": chans, "dropped_chunks": int(dropped.group(1)) if dropped else 0}


def stat_cpu_ticks(stat_text):
    """utime + stime (clock ticks) from a /proc/…/stat line; the command name may hold spaces and ')'."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


# Where a thread of `hyped live` spends its life, by a function on its stack (innermost match wins).
_ROLES = [("detect_loop", "detector"), ("AlertServer", "alert server io"), ("WebhookSender", "webhooks"),
          ("TwitchChatClient", "chat (IRC)"), ("ActionRunner", "actions"), ("ChannelDiscovery", "discovery"),
          ("resolve", "DNS resolver"), ("LiveSession::run", "ingest"), ("run_live", "ingest")]


def thread_roles(gdb_text, pid):
    """{tid: role} from `gdb -batch -ex 'thread apply all bt'`: the main thread runs the session's own
    context, which is also its first ingest thread; the others are named by the code on their stack."""
    roles = {}
    blocks = re.split(r"^Thread \d+ \(", gdb_text, flags=re.M)[1:]
    for b in blocks:
        m = re.search(r"LWP (\d+)", b.split("\n", 1)[0])
        if not m:
            continue
        tid = int(m.group(1))
        role = "other"
        for line in b.splitlines()[1:]:
            hit = next((r for key, r in _ROLES if key in line), None)
            if hit:
                role = hit
                break
        if tid == pid:
            role = "main (session, ingest 1)"
        roles[tid] = role
    return roles
