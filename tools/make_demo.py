#!/usr/bin/env python3
"""Generates a demo VOD and its chat log with highlights at known times.

The audio is a speech-like bed (pink noise with a syllable-rate tremolo and slow loudness drift) with
loud 3 s bursts at the event times, made and encoded by ffmpeg (the container and codec follow the
output's extension: .mp4 → AAC, .mkv → Opus, .wav → PCM). The chat is a steady trickle of messages
with a spike of reactions just after each event. A truth file lists the event times.
"""
import argparse
import json
import random
import subprocess
import sys


def default_events(duration_s):
    # First event after the running statistics' 60 s warm-up, then one every ~85 s.
    events, t = [], 75.0
    while t + 15 < duration_s:
        events.append(round(t, 1))
        t += 85.0
    return events


def make_audio(path, duration_s, events, burst_s, seed, rate, channels):
    gate = "+".join(f"between(t,{t:.3f},{t + burst_s:.3f})" for t in events) or "0"
    graph = (
        f"anoisesrc=color=pink:amplitude=0.08:seed={seed}:sample_rate={rate}:duration={duration_s},"
        "tremolo=f=4:d=0.6,volume='0.75+0.25*sin(2*PI*t/37)':eval=frame[bed];"
        f"anoisesrc=color=white:amplitude=0.6:seed={seed + 1}:sample_rate={rate}:duration={duration_s},"
        f"volume='{gate}':eval=frame[burst];"
        "[bed][burst]amix=inputs=2:normalize=0:duration=first[out]"
    )
    codec = []
    if path.endswith((".mp4", ".m4a")):
        codec = ["-c:a", "aac", "-b:a", "128k"]
    elif path.endswith((".mkv", ".webm", ".opus", ".ogg")):
        codec = ["-c:a", "libopus", "-b:a", "96k"]
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-filter_complex", graph, "-map", "[out]",
           "-ac", str(channels), "-ar", str(rate), *codec, path]
    subprocess.run(cmd, check=True)


def make_chat(duration_s, events, seed, base_rate, spike_rate, spike_delay_s, spike_s):
    rng = random.Random(seed)
    users = [f"viewer{i}" for i in range(200)]
    words = ["hello", "gg", "nice", "lol", "what", "ok", "true", "hi chat", "so good", "lets go"]
    hype = ["LUL", "KEKW", "Pog", "POGGERS", "W", "clip it", "OMEGALUL", "no way"]
    msgs = []
    t = 0.0
    while True:  # Poisson trickle
        t += rng.expovariate(base_rate)
        if t >= duration_s:
            break
        msgs.append((t, rng.choice(users), rng.choice(words), 0))
    for ev in events:
        t = ev + spike_delay_s
        while True:
            t += rng.expovariate(spike_rate)
            if t >= min(ev + spike_delay_s + spike_s, duration_s):
                break
            text = " ".join(rng.choice(hype) for _ in range(rng.randint(1, 3)))
            msgs.append((t, rng.choice(users), text, sum(w[0].isupper() for w in text.split())))
    msgs.sort()
    return msgs


def write_chat(path, fmt, msgs):
    with open(path, "w", encoding="utf-8") as f:
        if fmt == "jsonl":
            for t, u, text, em in msgs:
                f.write(json.dumps({"t": round(t, 3), "user": u, "text": text, "emotes": em}) + "\n")
        elif fmt == "text":
            for t, u, text, _ in msgs:
                s = int(t)
                f.write(f"[{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}] <{u}> {text}\n")
        elif fmt == "twitchdownloader":
            comments = [{"_id": str(i), "content_offset_seconds": round(t, 3),
                         "commenter": {"display_name": u, "name": u},
                         "message": {"body": text, "emoticons": [{"_id": "1"}] * em}}
                        for i, (t, u, text, em) in enumerate(msgs)]
            json.dump({"streamer": {"name": "demo"}, "comments": comments}, f)
        elif fmt == "chatdownloader":
            json.dump([{"time_in_seconds": round(t, 3), "message": text, "author": {"name": u},
                        "emotes": [{"id": "1"}] * em} for t, u, text, em in msgs], f)
        else:
            sys.exit(f"unknown chat format {fmt}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--media", required=True, help="output media file (.mp4 AAC, .mkv Opus, .wav PCM)")
    ap.add_argument("--chat", help="output chat log")
    ap.add_argument("--chat-format", default="jsonl", choices=["jsonl", "text", "twitchdownloader", "chatdownloader"])
    ap.add_argument("--truth", help="output JSON with the event times")
    ap.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    ap.add_argument("--events", help="comma-separated event times in seconds (default: every 85 s from 75 s)")
    ap.add_argument("--burst", type=float, default=3.0, help="burst length in seconds")
    ap.add_argument("--rate", type=int, default=48000, help="sample rate of the media")
    ap.add_argument("--channels", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--chat-rate", type=float, default=1.5, help="background messages per second")
    ap.add_argument("--spike-rate", type=float, default=15.0, help="messages per second in a spike")
    args = ap.parse_args()

    events = [float(x) for x in args.events.split(",")] if args.events else default_events(args.duration)
    make_audio(args.media, args.duration, events, args.burst, args.seed, args.rate, args.channels)
    if args.chat:
        msgs = make_chat(args.duration, events, args.seed, args.chat_rate, args.spike_rate, 1.0, 8.0)
        write_chat(args.chat, args.chat_format, msgs)
    if args.truth:
        with open(args.truth, "w") as f:
            json.dump({"duration_s": args.duration, "events": events}, f)
    print(f"{args.media}: {args.duration:.0f} s, events at {', '.join(f'{t:g}' for t in events)} s")


if __name__ == "__main__":
    main()
