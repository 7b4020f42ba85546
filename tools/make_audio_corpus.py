#!/usr/bin/env python3
"""Builds a labelled corpus of synthetic Twitch streams from real recordings, to measure detection quality.

The demo VOD (tools/make_demo.py) is noise with bursts: every detector finds its highlights, so it says
nothing about quality. This script assembles streams from recordings shipped in Debian packages — a
shoot-'em-up's music and effect sounds (torus-trooper-data, gunroar-data, titanion-data), the crowd
cheer and chants of a football game (etw-data) — with a streamer's voice from espeak-ng, and writes a
chat log beside each, so that what a detector finds can be scored against known labels.

Each stream (`NAME.mkv`, Opus, 48 kHz stereo; `NAME.jsonl`, hyped's JSONL chat) holds:
  - moments viewers would clip: a crowd cheer or an excited shout (with a game effect) a few dB above
    the bed for 3-8 s, followed 2-10 s later by a chat surge of reactions from many distinct users,
    3-10 times the channel's background rate for 10-30 s; strong and moderate ones;
  - distractors that must not fire, each labelled with its kind: `talking` (dense speech over quiet
    music), `music_bed` (minutes of fuller music under sparse speech), `game_effects` (gameplay with
    isolated explosions at ordinary level), `silence_resume` (a 2-4 minute BRB pause, then the stream
    comes back at normal level, without a chat surge), `loud_section` (the level ramps up over a minute
    and stays 6-10 dB up for 2-3 minutes: a louder song), `raid` (one line pasted by ~100 new users
    within 5 s, no audio event) and `sub_train` (a minute of subscription notices, no audio event).
A naive detector is fooled by them: the loud section is louder on average than any cheer, the raid
has more messages per second than any surge, and the BRB resume is the largest relative jump in
loudness.

`DIR/manifest.json` lists every broadcast with its moments (`t`: where the audio event starts, the
time a clip centres on) and its distractor intervals. Audio distractor intervals never overlap a
moment's match window [t - 10 s, t + 30 s]; the chat-only ones (raid, sub_train) lie over audio ones.
Output is a pure function of --seed and the options (and of the package versions).

How: each stream is planned in Python (scenes, clips, chat), every source is converted once to 48 kHz
mono PCM in a temporary folder, and one ffmpeg filter graph per stream lays the clips end to end on
five layers (music, voice, effects, two crowd layers), each with its gain envelope, mixes them and
encodes Opus. Two 30-minute streams take about a minute on two cores. The normal bed is about -23 LUFS.
--short (and any stream under 20 minutes) uses shorter pauses, sections and gaps to fit them all in.

Needs the command-line programs ffmpeg, ffprobe and espeak-ng and the packages in
tools/corpus-packages.txt: `apt-get install $(cat tools/corpus-packages.txt)` (or run with --install).

    python3 tools/make_audio_corpus.py --out corpus            # 2 streams x 30 minutes
    python3 tools/make_audio_corpus.py --out corpus-ci --short # 1 stream of 6 minutes
    python3 tools/make_audio_corpus.py --out corpus --measure  # also print loudness per label
"""
import argparse
import array
import hashlib
import json
import math
import operator
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

RATE = 48000
PACKAGES_FILE = "tools/corpus-packages.txt"
REF_DB = -20.0  # every source is normalised to this gated RMS before its clip gain applies

GAMES = {
    "torus-trooper": {
        "package": "torus-trooper-data", "dir": "/usr/share/games/torus-trooper/sounds",
        "music": ["musics/tt1.ogg", "musics/tt2.ogg", "musics/tt3.ogg", "musics/tt4.ogg"],
        "effects": ["chunks/boss_dest.wav", "chunks/middle_dest.wav", "chunks/myship_dest.wav",
                    "chunks/small_dest.wav", "chunks/charge_shot.wav", "chunks/hit.wav"],
        "big": ["chunks/boss_dest.wav", "chunks/myship_dest.wav"],
    },
    "gunroar": {
        "package": "gunroar-data", "dir": "/usr/share/games/gunroar/sounds",
        "music": ["musics/gr0.ogg", "musics/gr1.ogg", "musics/gr2.ogg", "musics/gr3.ogg"],
        "effects": ["chunks/destroyed.wav", "chunks/explode.wav", "chunks/turret_destroyed.wav",
                    "chunks/ship_destroyed.wav", "chunks/small_destroyed.wav", "chunks/lance.wav"],
        "big": ["chunks/ship_destroyed.wav", "chunks/destroyed.wav"],
    },
    "titanion": {
        "package": "titanion-data", "dir": "/usr/share/games/titanion/sounds",
        "music": ["musics/ttn1.ogg", "musics/ttn2.ogg", "musics/ttn3.ogg"],
        "effects": ["chunks/explosion1.wav", "chunks/explosion2.wav", "chunks/explosion3.wav",
                    "chunks/player_explosion.wav", "chunks/flick.wav", "chunks/shot.wav"],
        "big": ["chunks/player_explosion.wav", "chunks/explosion3.wav"],
    },
}
# Eat The Whistle's goal cheer (a 3 s swell) and its stadium chants.
CROWD = {
    "package": "etw-data", "dir": "/usr/share/games/etw",
    "cheer": "snd/crowd.wav",
    "chants": ["crowd/crowd01.wav", "crowd/crowd02.wav", "crowd/crowd04.wav", "crowd/crowd05.wav",
               "crowd/crowd06.wav", "crowd/crowd08.wav", "crowd/crowd13.wav", "crowd/crowd14.wav"],
}
VOICES = [("en-us+m3", 45), ("en-us+f2", 55), ("en-gb-x-rp+m5", 40), ("en-us+f4", 60), ("en+m7", 48)]

# Music level per scene, dB relative to a normalised source; speech sits at SPEECH_DB.
SPEECH_DB = -4.0
MUSIC_DB = {"talk": -12.0, "gameplay": -8.0, "music": -4.0, "brb": -40.0, "loud": -8.0}
LOUD_RISE_DB = (11.0, 13.0)
SCENE_FADE_S = 4.0


# ---------------------------------------------------------------------------------------------- text

EMOTES = {"LUL", "KEKW", "Pog", "PogChamp", "POGGERS", "Kappa", "monkaS", "PepeHands", "OMEGALUL", "EZ",
          "Clap", "Sadge", "catJAM", "BibleThump", "<3", "HeyGuys", "o7", "Kreygasm", "PauseChamp"}
CHAT_TEXTS = [
    "hi chat", "hello", "lol", "gg", "what game is this", "nice", "true", "LUL", "Kappa", "so close",
    "how long have you been live?", "first time here", "that music tho", "o7", "monkaS", "catJAM",
    "is this the last stage?", "hi {streamer} <3", "what difficulty is this", "lets gooo", "ok",
    "bro", "clean", "that was a nice dodge", "why go left", "chat is slow today", "anyone here from yt",
    "HeyGuys", "wait what", "Sadge", "nice shot", "this boss is hard", "skill issue KEKW", "ez",
    "do the other route", "lurking", "back from dinner", "what time is it there", "music?",
    "{streamer} what's your pb?", "the colors in this game", "Kreygasm", "gl", "focus", "PauseChamp",
    "how many tries today", "i love this song", "same", "real", "no shot", "this game is so old",
    "you got this", "Clap", "is he going for the record", "that was smooth", "lol what", "hmm",
]
HYPE_TEXTS = ["POGGERS", "LUL", "omg", "W", "KEKW", "no way", "NO WAY", "Pog", "PogChamp", "LETS GO",
              "CLIP IT", "clip that", "HOLY", "insane", "wtf", "OMEGALUL", "EZ Clap", "W streamer",
              "WHAT", "no shot", "Kreygasm", "GG", "PogChamp PogChamp", "POGGERS POGGERS"]
WELCOME_BACK = ["wb", "welcome back", "wb {streamer}", "hi again", "o7", "back", "finally"]
TALK = [
    "okay chat, the plan is to clear this stage without getting hit",
    "I think the boss pattern changes after the second phase",
    "thanks for the follow {user}, welcome in",
    "let me check the settings real quick",
    "this run is actually looking pretty good so far",
    "chat, should I go left or right here",
    "I have been practising this part all week",
    "no no, that was my fault, I moved too early",
    "alright, one more try and then we take a short break",
    "the music in this game is honestly so good",
    "how is everyone doing today",
    "I had coffee way too late yesterday",
    "we are going to beat our personal best today, I can feel it",
    "that hitbox is so small, look at that",
    "wait, what did chat just say",
    "if I survive this part we are in good shape",
    "okay I need to focus, hold on",
    "remember to drink some water everyone",
    "this is the part where I always die",
    "hello {user}, good to see you again",
    "{user} asked what difficulty this is, it is the hard one",
    "so the trick here is to stay near the bottom of the screen",
    "I keep forgetting that this enemy shoots back",
    "yeah the second loop is way harder than the first",
    "let me read chat for a second",
    "somebody asked about my keyboard, it is nothing special",
    "I think we can do it this time",
    "oh that was close, that was really close",
    "okay, new strategy, we play it safe",
    "honestly this game deserves more players",
    "I will do a giveaway at the end of the stream",
    "the frame rate is fine on my end, chat",
    "{user}, thanks for hanging out",
    "we have about an hour left today",
    "I should really stretch my hands between runs",
    "this level looks amazing at night",
    "see, if you wait for the pattern it is easy",
    "I am not tilted, I am totally fine",
    "what were we talking about before the boss",
    "the scoring system rewards risky play",
]
SHOUTS = ["no way!", "let's go! let's go!", "oh my god!", "yes! yes! yes!", "are you kidding me!",
          "what! no way!", "clip that! clip that!", "we did it!", "oh my god, we did it!"]
NAME_A = ["sleepy", "pixel", "salty", "lucky", "tiny", "mega", "silent", "crispy", "turbo", "cozy",
          "frozen", "lazy", "rapid", "wild", "shiny", "dusty", "grumpy", "neon", "quiet", "spicy"]
NAME_B = ["otter", "fox", "panda", "wizard", "toast", "gamer", "bean", "raven", "moth", "pilot",
          "noodle", "ghost", "sprout", "badger", "comet", "knight", "pebble", "yeti", "lynx", "mango"]


def make_user_names(rng, count, taken):
    names = []
    while len(names) < count:
        name = rng.choice(NAME_A) + rng.choice(NAME_B) + str(rng.randint(1, 9999))
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def count_emotes(text):
    return sum(word in EMOTES for word in text.split())


def hype_text(rng):
    # Real reaction bursts mix emotes with stretched letters ("WWWW", "nooo", "omggg").
    roll = rng.random()
    if roll < 0.15:
        return "W" * rng.randint(1, 6)
    if roll < 0.25:
        return "o" + "m" * rng.randint(1, 3) + "g" * rng.randint(1, 5)
    if roll < 0.32:
        return "no" + "o" * rng.randint(1, 6) + " way"
    return " ".join(rng.choice(HYPE_TEXTS) for _ in range(rng.choice([1, 1, 1, 2, 3])))


# ------------------------------------------------------------------------------------------ planning

@dataclass
class Scene:
    kind: str  # talk, gameplay, music, brb, loud
    start: float
    end: float
    resume: float = 0.0  # brb: when the stream comes back
    plateau: tuple = ()  # loud: (top reached, top left)
    rise_db: float = 0.0  # loud: how far the music goes up


@dataclass
class Clip:
    layer: str
    start: float
    source: str  # key into the source table
    gain_db: float
    length: float  # seconds to play (at most the source's length)
    fade_in: float = 0.0
    fade_out: float = 0.0


@dataclass
class Utterance:
    key: str
    text: str
    voice: str
    pitch: int
    speed: int
    amplitude: int


@dataclass
class Stream:
    name: str
    profile: str  # quiet or busy
    game: str
    duration: float
    compact: bool
    rng: random.Random
    voice: tuple
    streamer: str
    talk: list = field(default_factory=list)  # Utterance pool for ordinary speech
    shouts: list = field(default_factory=list)
    lines: dict = field(default_factory=dict)  # fixed announcements (brb, back, raid thanks)
    scenes: list = field(default_factory=list)
    moments: list = field(default_factory=list)
    chat_events: list = field(default_factory=list)  # raid / sub_train dicts
    clips: list = field(default_factory=list)
    envelopes: dict = field(default_factory=dict)  # layer -> (base dB, [(t0, t1, delta dB)])
    chat: list = field(default_factory=list)
    distractors: list = field(default_factory=list)
    background_rate: float = 0.0  # msg/s before the slow swells


def utterance(stream, text, pitch_add=0, speed=None, amplitude=100):
    voice, pitch = stream.voice
    speed = speed or stream.rng.randint(160, 180)
    pitch = min(99, pitch + pitch_add)
    digest = hashlib.sha1(f"{voice}|{pitch}|{speed}|{amplitude}|{text}".encode()).hexdigest()[:16]
    return Utterance(f"say-{digest}", text, voice, pitch, speed, amplitude)


def new_stream(seed, index, minutes, short):
    rng = random.Random(f"{seed}:{index}")
    game = list(GAMES)[index % len(GAMES)]
    stream = Stream(name=f"short{index + 1:02d}" if short else f"stream{index + 1:02d}",
                    profile="quiet" if index % 2 == 0 else "busy", game=game,
                    duration=round(minutes * 60.0), compact=minutes < 20, rng=rng,
                    voice=VOICES[index % len(VOICES)], streamer=rng.choice(NAME_A) + rng.choice(NAME_B))
    users = make_user_names(rng, 40, set())
    talk_texts = {t.format(user=rng.choice(users)) for t in TALK for _ in range(2)}
    stream.talk = [utterance(stream, text) for text in sorted(talk_texts)]
    stream.shouts = [utterance(stream, text, pitch_add=rng.randint(30, 45), speed=rng.randint(210, 250),
                               amplitude=200) for text in SHOUTS]
    stream.lines = {
        "brb": utterance(stream, "okay chat, I will be right back, give me a couple of minutes"),
        "back": utterance(stream, "and we are back, sorry about that, let's keep going"),
        "raid": utterance(stream, "oh, thank you so much for the raid, welcome in everyone"),
        "subs": utterance(stream, "thank you so much for the subs, you are all amazing"),
    }
    return stream


def all_utterances(stream):
    return stream.talk + stream.shouts + list(stream.lines.values())


def plan_scenes(stream):
    """Talk to open, then normal blocks (talk, gameplay, music) with the BRB pause and the loud section
    between them: never first or last, never side by side, and the BRB always followed by talk."""
    rng, duration = stream.rng, stream.duration
    if stream.compact:
        intro, pause = rng.uniform(50, 60), rng.uniform(45, 55)
        ramp, top, fall, block = 25.0, rng.uniform(40, 50), 8.0, 60.0
    else:
        intro, pause = rng.uniform(80, 110), rng.uniform(120, 240)
        ramp, top, fall, block = 60.0, rng.uniform(120, 180), 20.0, 160.0
    normal_total = duration - intro - pause - (ramp + top + fall)
    count = max(3, round(normal_total / block))
    shares = [rng.uniform(0.8, 1.2) for _ in range(count)]
    kinds = []
    for _ in range(count):
        kinds.append(rng.choice([k for k in ("music", "gameplay", "talk") if not kinds or k != kinds[-1]]))
    blocks = [[kind, normal_total * share / sum(shares)] for kind, share in zip(kinds, shares)]
    first, second = sorted(rng.sample(range(1, count), 2))
    specials = rng.sample([("brb", pause), ("loud", ramp + top + fall)], 2)
    order = [["talk", intro]]
    for i, b in enumerate(blocks):
        if i in (first, second):
            order.append(list(specials[0 if i == first else 1]))
            if order[-1][0] == "brb":
                b[0] = "talk"
        order.append(b)
    t = 0.0
    for kind, length in order:
        scene = Scene(kind, t, t + length)
        if kind == "brb":
            scene.resume = scene.end
        if kind == "loud":
            scene.plateau = (t + ramp, t + ramp + top)
        stream.scenes.append(scene)
        t += length
    stream.scenes[-1].end = duration


def special_windows(stream):
    """Where no moment may be: the warm-up, and the specials with their lead-in and aftermath."""
    before, after = (15.0, 45.0) if stream.compact else (40.0, 60.0)
    out = [(0.0, 55.0 if stream.compact else 80.0)]
    out += [(s.start - before, s.end + after) for s in stream.scenes if s.kind in ("brb", "loud")]
    return out


def pick_time(rng, stream, avoid, length=0.0, kinds=("talk", "gameplay", "music"), tries=500):
    """A time in a scene of one of these kinds whose span [t, t + length] touches no avoided interval."""
    ok_scenes = [s for s in stream.scenes if s.kind in kinds]
    for _ in range(tries):
        s = rng.choice(ok_scenes)
        lo, hi = s.start + 10.0, s.end - max(20.0, length)
        if hi <= lo:
            continue
        t = round(rng.uniform(lo, hi), 1)
        if all(t + length <= a or t >= b for a, b in avoid):
            return t
    return None


def plan_moments(stream):
    rng = stream.rng
    wanted = max(2, round(stream.duration / 1800.0 * rng.choice([3, 4])))
    strengths = ["strong", "moderate"] + [rng.choice(["strong", "moderate"]) for _ in range(wanted - 2)]
    kinds = ["cheer", "shout"] + [rng.choice(["cheer", "cheer", "shout"]) for _ in range(wanted - 2)]
    rng.shuffle(strengths)
    rng.shuffle(kinds)
    avoid = special_windows(stream)
    spacing = 60.0 if stream.compact else 120.0
    for strength, kind in zip(strengths, kinds):
        t = pick_time(rng, stream, avoid)
        if t is None:
            sys.exit(f"make_audio_corpus: no room for {wanted} moments in {stream.duration:.0f} s")
        stream.moments.append({"t": t, "kind": kind, "strength": strength})
        avoid.append((t - spacing, t + spacing))
    stream.moments.sort(key=lambda m: m["t"])


def plan_chat_events(stream):
    """A raid and a sub train, away from the moments' surges and from the BRB lull; over any other scene,
    the loud section included (a raid can land in the middle of a song)."""
    rng = stream.rng
    kinds = ("talk", "gameplay", "music", "loud")
    margin = 15.0 if stream.compact else 60.0
    avoid = [(m["t"] - margin, m["t"] + 40.0 + margin) for m in stream.moments]
    avoid += [(s.start - 20.0, s.end + 60.0) for s in stream.scenes if s.kind == "brb"]
    avoid.append((0.0, 40.0))
    # The sub train first: it is longer, so harder to fit.
    length = round(rng.uniform(30, 40) if stream.compact else rng.uniform(60, 90), 1)
    t = pick_time(rng, stream, avoid, length, kinds)
    if t is not None:
        stream.chat_events.append({"kind": "sub_train", "start_s": t, "end_s": round(t + length, 1),
                                   "mode": rng.choice(["bot", "self"])})
        avoid.append((t - margin, t + length + margin))
    t = pick_time(rng, stream, avoid, 5.0, kinds)
    if t is not None:
        stream.chat_events.append({"kind": "raid", "start_s": t, "end_s": t + 5.0,
                                   "raider": rng.choice(NAME_A) + rng.choice(NAME_B), "size": rng.randint(90, 140)})
    stream.chat_events.sort(key=lambda e: e["start_s"])


def music_pool(game):
    spec = GAMES[game]
    return [f"{game}:{path}" for path in spec["music"]]


def plan_music(stream, lengths):
    """Back-to-back game tracks; the loud section plays another game's song, as if the music changed."""
    rng = stream.rng
    loud = next((s for s in stream.scenes if s.kind == "loud"), None)
    other = rng.choice([g for g in GAMES if g != stream.game])
    spans = [(0.0, stream.duration, music_pool(stream.game))]
    if loud:
        spans = [(0.0, loud.start, music_pool(stream.game)), (loud.start, loud.end, music_pool(other)),
                 (loud.end, stream.duration, music_pool(stream.game))]
    last = None
    for start, end, pool in spans:
        t = start
        while t < end - 0.5:
            source = rng.choice([p for p in pool if p != last] or pool)
            length = min(lengths[source], end - t)
            stream.clips.append(Clip("music", t, source, 0.0, length, fade_in=1.0 if t == start else 0.3,
                                     fade_out=min(2.0, length / 4)))
            t += length
            last = source
    base = MUSIC_DB[stream.scenes[0].kind]
    ramps = []
    for prev, scene in zip(stream.scenes, stream.scenes[1:]):
        change = MUSIC_DB[scene.kind] - MUSIC_DB[prev.kind]
        if scene.kind == "brb":
            ramps.append((scene.start, scene.start + 3.0, change))
        elif prev.kind == "brb":
            ramps.append((prev.resume - 1.0, prev.resume, change))  # the BRB screen just ends
        elif change:
            ramps.append((scene.start - SCENE_FADE_S / 2, scene.start + SCENE_FADE_S / 2, change))
        if scene.kind == "loud":
            rise = rng.uniform(*LOUD_RISE_DB)
            scene.rise_db = rise
            ramps.append((scene.start, scene.plateau[0], rise))
            ramps.append((scene.plateau[1], scene.end, -rise))
    stream.envelopes["music"] = (base, ramps)
    # The streamer talks over the louder song a little louder.
    stream.envelopes["voice"] = (0.0, [(s.start, s.plateau[0], 4.0) for s in stream.scenes if s.kind == "loud"]
                                 + [(s.plateau[1], s.end, -4.0) for s in stream.scenes if s.kind == "loud"])


def reserved_for_voice(stream):
    out = []
    for m in stream.moments:
        out.append((m["t"] - 1.5, m["t"] + 9.0))
    for s in stream.scenes:
        if s.kind == "brb":
            out.append((s.start - 1.0, s.resume + 6.0))
    return out


def plan_speech(stream, lengths):
    rng = stream.rng
    gaps = {"talk": (0.3, 2.0), "gameplay": (2.0, 8.0), "music": (8.0, 25.0), "loud": (1.0, 5.0)}
    fixed = []
    for s in stream.scenes:
        if s.kind == "brb":
            fixed.append((s.start + 0.5, stream.lines["brb"].key))
            fixed.append((s.resume + 0.5, stream.lines["back"].key))
    for event in stream.chat_events:
        line = stream.lines["raid" if event["kind"] == "raid" else "subs"]
        fixed.append((event["start_s"] + rng.uniform(6.0, 10.0), line.key))
    blocked = reserved_for_voice(stream) + [(t - 0.5, t + lengths[k] + 0.5) for t, k in fixed]
    placed = list(fixed)
    for s in stream.scenes:
        if s.kind not in gaps:
            continue
        t = s.start + rng.uniform(*gaps[s.kind]) / 2
        while t < s.end - 1.0:
            key = rng.choice(stream.talk).key
            end = t + lengths[key]
            if end < s.end and not any(a < end and t < b for a, b in blocked):
                placed.append((t, key))
            t = end + rng.uniform(*gaps[s.kind])
    for t, key in placed:
        stream.clips.append(Clip("voice", round(t, 3), key, SPEECH_DB, lengths[key]))


def plan_effects(stream, lengths):
    rng = stream.rng
    spec = GAMES[stream.game]
    blocked = [(m["t"] - 3.0, m["t"] + 10.0) for m in stream.moments]
    for s in stream.scenes:
        if s.kind != "gameplay":
            continue
        t = s.start + rng.uniform(3, 8)
        while t < s.end - 3.0:
            source = f"{stream.game}:{rng.choice(spec['effects'])}"
            if not any(a < t < b for a, b in blocked):
                stream.clips.append(Clip("effects", round(t, 3), source, rng.uniform(-9.0, -5.0), lengths[source]))
            t += lengths[source] + rng.uniform(3.0, 12.0)


def plan_moment_audio(stream, lengths):
    """A cheer: the crowd's goal cheer over a chant, the streamer shouting; a shout: a big explosion and
    the streamer shouting twice. Short-term loudness peaks 6-10 dB above the bed for strong ones, 3-7 dB
    for moderate ones; the loud section stays above their average."""
    rng = stream.rng
    spec = GAMES[stream.game]
    for m in stream.moments:
        t = m["t"]
        lift = 0.0 if m["strength"] == "strong" else -3.0
        shout_a, shout_b = rng.sample(stream.shouts, 2)
        if m["kind"] == "cheer":
            cheer = f"etw:{CROWD['cheer']}"
            chant = f"etw:{rng.choice(CROWD['chants'])}"
            span = rng.uniform(4.5, 7.5)
            stream.clips.append(Clip("crowd_a", t, cheer, 0.0 + lift, lengths[cheer], fade_out=0.5))
            stream.clips.append(Clip("crowd_b", t + 0.3, chant, -1.0 + lift, min(span, lengths[chant]),
                                     fade_in=0.4, fade_out=1.5))
            stream.clips.append(Clip("voice", t + 0.4, shout_a.key, SPEECH_DB + 4.0 + lift, lengths[shout_a.key]))
            end = t + 0.3 + min(span, lengths[chant])
        else:
            boom = f"{stream.game}:{rng.choice(spec['big'])}"
            stream.clips.append(Clip("effects", t, boom, 0.0 + lift, lengths[boom]))
            first = t + 0.3
            second = first + lengths[shout_a.key] + 0.15
            stream.clips.append(Clip("voice", first, shout_a.key, SPEECH_DB + 6.0 + lift, lengths[shout_a.key]))
            stream.clips.append(Clip("voice", second, shout_b.key, SPEECH_DB + 6.0 + lift, lengths[shout_b.key]))
            end = max(t + lengths[boom], second + lengths[shout_b.key])
        m["audio_end_s"] = round(end, 2)


# -------------------------------------------------------------------------------------------- chat

def background_rate(stream):
    """Messages per second as a function of time: the channel's level, slow swells, the BRB lull."""
    rng = stream.rng
    base = rng.uniform(0.45, 0.6) if stream.profile == "quiet" else rng.uniform(1.8, 2.2)
    waves = [(rng.uniform(0.12, 0.22), rng.uniform(300, 900), rng.uniform(0, 2 * math.pi)) for _ in range(3)]
    brbs = [s for s in stream.scenes if s.kind == "brb"]

    def rate(t):
        level = base * math.exp(sum(a * math.sin(2 * math.pi * t / p + ph) for a, p, ph in waves))
        for s in brbs:
            if s.start <= t < s.resume + 40.0:
                down = min(1.0, (t - s.start) / 30.0)
                up = min(1.0, max(0.0, (t - s.resume) / 40.0))
                level *= 1.0 - 0.8 * down * (1.0 - up)
        return level
    return rate, base


def poisson_times(rng, start, end, rate, peak):
    # Thinning: candidates at the peak rate, each kept with probability rate(t) / peak.
    t, out = start, []
    while True:
        t += rng.expovariate(peak)
        if t >= end:
            return out
        if rng.random() * peak < rate(t):
            out.append(t)


def plan_chat(stream):
    rng = stream.rng
    rate, base = background_rate(stream)
    pool_size = 250 if stream.profile == "quiet" else 1500
    taken = set()
    users = make_user_names(rng, pool_size, taken)
    # A few regulars write most lines, as in real channels.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(users))]
    chat = stream.chat
    brb = [s for s in stream.scenes if s.kind == "brb"]
    for t in poisson_times(rng, 1.0, stream.duration - 0.5, rate, base * 2.5):
        text = rng.choice(CHAT_TEXTS).format(streamer=stream.streamer)
        if any(s.resume < t < s.resume + 40.0 for s in brb) and rng.random() < 0.5:
            text = rng.choice(WELCOME_BACK).format(streamer=stream.streamer)
        chat.append((t, rng.choices(users, weights)[0], text))
    for m in stream.moments:
        add_surge(stream, m, rate, users)
    for event in stream.chat_events:
        if event["kind"] == "raid":
            add_raid(stream, event, taken)
        else:
            add_sub_train(stream, event, users)
    chat.sort(key=lambda line: line[0])
    stream.background_rate = base


def add_surge(stream, moment, rate, users):
    rng = stream.rng
    strong = moment["strength"] == "strong"
    if stream.profile == "quiet":
        factor = rng.uniform(6.0, 10.0) if strong else rng.uniform(3.0, 5.0)
    else:
        factor = rng.uniform(4.0, 5.5) if strong else rng.uniform(3.0, 4.0)
    start = moment["t"] + rng.uniform(2.0, 10.0)
    length = rng.uniform(18.0, 30.0) if strong else rng.uniform(10.0, 20.0)
    end = start + length
    level = rate(start)

    def extra(t):  # on top of the background: a 2 s rise, a hold, a decay over the last 40 %
        x = (t - start) / length
        shape = min(1.0, (t - start) / 2.0) * (1.0 if x < 0.6 else max(0.0, (1.0 - x) / 0.4))
        return level * (factor - 1.0) * shape
    times = poisson_times(rng, start, end, extra, level * factor)
    # Mostly people who had not written for a while: sample without replacement, a few write twice.
    writers = rng.sample(users, min(len(users), len(times)))
    for i, t in enumerate(times):
        user = writers[i] if i < len(writers) and rng.random() < 0.9 else rng.choice(users)
        stream.chat.append((t, user, hype_text(rng)))
    moment["chat_surge"] = {"start_s": round(start, 2), "end_s": round(end, 2), "factor": round(factor, 1),
                            "messages": len(times)}


def add_raid(stream, event, taken):
    rng = stream.rng
    line = f"{event['raider']}_raid_party PogChamp PogChamp"
    raiders = make_user_names(rng, event["size"], taken)
    for user in raiders:
        # Most paste within the first seconds after the raid lands.
        t = event["start_s"] + min(5.0, rng.expovariate(1 / 1.4))
        stream.chat.append((t, user, line))
    event["line"] = line


def add_sub_train(stream, event, users):
    rng = stream.rng
    t = event["start_s"]
    count = 0
    while True:
        t += rng.uniform(0.8, 3.0)
        if t >= event["end_s"]:
            break
        subscriber = rng.choice(users)
        months = rng.randint(1, 30)
        if event["mode"] == "bot":
            text = f"{subscriber} just subscribed for {months} months in a row! Welcome to the squad <3"
            stream.chat.append((t, "streamelements", text))
        else:
            tier = rng.choice(["at Tier 1", "with Prime", "at Tier 1", "at Tier 2"])
            stream.chat.append((t, subscriber, f"subscribed {tier}. They've subscribed for {months} months!"))
        count += 1
    event["messages"] = count


# ------------------------------------------------------------------------------------------ labels

def subtract(intervals, holes):
    out = []
    for a, b, kind in intervals:
        pieces = [(a, b)]
        for h0, h1 in holes:
            pieces = [p for x, y in pieces for p in ((x, min(y, h0)), (max(x, h1), y)) if p[1] - p[0] > 0]
        out.extend((x, y, kind) for x, y in pieces if y - x >= 5.0)
    return out


def label_distractors(stream):
    names = {"talk": "talking", "music": "music_bed", "gameplay": "game_effects"}
    audio = []
    after_resume = 0.0
    for s in stream.scenes:
        if s.kind == "brb":
            after_resume = s.resume + 30.0
            audio.append((s.start, after_resume, "silence_resume"))
        elif s.kind == "loud":
            audio.append((s.start, s.end, "loud_section"))
        else:
            audio.append((max(s.start, after_resume), s.end, names[s.kind]))
    merged = []
    for a, b, kind in audio:  # two talk scenes in a row are one stretch of talking
        if merged and merged[-1][2] == kind and abs(merged[-1][1] - a) < 1e-6:
            merged[-1] = (merged[-1][0], b, kind)
        else:
            merged.append((a, b, kind))
    holes = [(m["t"] - 10.0, m["t"] + 30.0) for m in stream.moments]
    labels = subtract(merged, holes) + [(e["start_s"], e["end_s"], e["kind"]) for e in stream.chat_events]
    stream.distractors = [{"start_s": round(a, 1), "end_s": round(b, 1), "kind": k}
                          for a, b, k in sorted(labels)]


# ------------------------------------------------------------------------------------------ sources

def source_paths():
    paths = {f"etw:{p}": os.path.join(CROWD["dir"], p) for p in [CROWD["cheer"], *CROWD["chants"]]}
    for game, spec in GAMES.items():
        for p in spec["music"] + spec["effects"]:
            paths[f"{game}:{p}"] = os.path.join(spec["dir"], p)
    return paths


def package_of(key):
    prefix = key.split(":", 1)[0]
    return CROWD["package"] if prefix == "etw" else GAMES[prefix]["package"]


def check_requirements():
    problems = [f"program '{tool}' not found (Debian package {package})"
                for tool, package in (("ffmpeg", "ffmpeg"), ("ffprobe", "ffmpeg"), ("espeak-ng", "espeak-ng"))
                if shutil.which(tool) is None]
    missing = {}
    for key, path in source_paths().items():
        if not os.path.isfile(path):
            missing.setdefault(package_of(key), []).append(path)
    for package, paths in sorted(missing.items()):
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        problems.append(f"Debian package {package} is missing: no {paths[0]}{more}")
    if problems:
        lines = "\n  ".join(problems)
        sys.exit(f"make_audio_corpus: cannot build the corpus:\n  {lines}\n"
                 f"install what it needs with: apt-get install $(cat {PACKAGES_FILE})   (or rerun with --install)")


def install_packages(repo_root):
    names = open(os.path.join(repo_root, PACKAGES_FILE), encoding="utf-8").read().split()
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *names], check=True, env=env)


def synthesise(utterances, workdir, jobs):
    def say(u):
        path = os.path.join(workdir, u.key + ".raw.wav")
        subprocess.run(["espeak-ng", "-v", u.voice, "-p", str(u.pitch), "-s", str(u.speed), "-a", str(u.amplitude),
                        "-w", path, "--", u.text], check=True, stdout=subprocess.DEVNULL)
        return u.key, path
    unique = {u.key: u for u in utterances}.values()
    with ThreadPoolExecutor(jobs) as pool:
        return dict(pool.map(say, unique))


def convert(paths, workdir, jobs):
    """Decodes every source once to 48 kHz mono 16-bit WAV, so the mixing graph only copies samples."""
    items = sorted(paths.items())
    batches = [items[i:i + 48] for i in range(0, len(items), 48)]

    def run(batch):
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
        for _, src in batch:
            cmd += ["-i", src]
        for i, (key, _) in enumerate(batch):
            cmd += ["-map", f"{i}:a:0", "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le", "-bitexact",
                    os.path.join(workdir, cache_name(key))]
        subprocess.run(cmd, check=True)
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(run, batches))
    return {key: os.path.join(workdir, cache_name(key)) for key, _ in items}


def cache_name(key):
    return hashlib.sha1(key.encode()).hexdigest()[:16] + ".wav"


def measure(path):
    """Length in seconds and gated RMS in dBFS (50 ms blocks within 30 dB of the loudest), so a short bang
    and a dense chant normalise to the same perceived level."""
    with wave.open(path, "rb") as w:
        frames = w.getnframes()
        samples = array.array("h", w.readframes(frames))
    if sys.byteorder == "big":
        samples.byteswap()
    step, block = 4, RATE // 20 // 4
    thin = samples[::step]
    powers = []
    for i in range(0, len(thin) - block + 1, block):
        chunk = thin[i:i + block]
        powers.append(sum(map(operator.mul, chunk, chunk)) / block)
    loudest = max(powers, default=0.0)
    kept = [p for p in powers if p >= loudest * 1e-3] or [1.0]
    mean = sum(kept) / len(kept) / 32768.0 ** 2
    return frames / RATE, 10 * math.log10(max(mean, 1e-12))


# ------------------------------------------------------------------------------------------ render

LAYERS = ["music", "voice", "effects", "crowd_a", "crowd_b"]


def envelope_expr(base_db, ramps):
    terms = [f"{base_db:.3f}"]
    for t0, t1, delta in ramps:
        terms.append(f"{delta:+.3f}*clip((t-{t0:.3f})/{max(t1 - t0, 0.05):.3f},0,1)")
    return "pow(10,(" + "".join(terms) + ")/20)"


def layer_graph(name, clips, total, files, norm):
    """One layer as a concat of clips, each padded with silence up to the next one's start: sample-exact
    placement without a separate silence source per gap."""
    clips = sorted(clips, key=lambda c: c.start)
    lines, labels = [], []
    first = round(clips[0].start * RATE) if clips else total
    if first > 0:
        lines.append(f"anullsrc=r={RATE}:cl=mono:nb_samples=4096,atrim=end_sample={first}[{name}0]")
        labels.append(f"[{name}0]")
    for i, clip in enumerate(clips):
        start = round(clip.start * RATE)
        nxt = round(clips[i + 1].start * RATE) if i + 1 < len(clips) else total
        slot = min(nxt, total) - start
        if slot <= 0:
            continue
        play = min(slot, round(clip.length * RATE))
        chain = [f"amovie={os.path.basename(files[clip.source])}", "aformat=sample_fmts=flt:channel_layouts=mono",
                 f"atrim=end_sample={play}"]
        if clip.fade_in:
            chain.append(f"afade=t=in:d={clip.fade_in:.3f}")
        if clip.fade_out:
            chain.append(f"afade=t=out:st={max(0.0, play / RATE - clip.fade_out):.3f}:d={clip.fade_out:.3f}")
        chain += [f"volume={clip.gain_db + norm[clip.source]:.2f}dB", f"apad=whole_len={slot}",
                  f"atrim=end_sample={slot}"]
        label = f"[{name}{i + 1}]"
        lines.append(",".join(chain) + label)
        labels.append(label)
    if not labels:
        lines.append(f"anullsrc=r={RATE}:cl=mono:nb_samples=4096,atrim=end_sample={total}[{name}0]")
        labels.append(f"[{name}0]")
    out = f"[{name}]"
    lines.append("".join(labels) + f"concat=n={len(labels)}:v=0:a=1" + out)
    return lines, out


def render(stream, files, norm, out_dir, workdir):
    total = round(stream.duration * RATE)
    lines, outs = [], []
    for name in LAYERS:
        layer_lines, out = layer_graph(name, [c for c in stream.clips if c.layer == name], total, files, norm)
        lines += layer_lines
        if name in stream.envelopes:
            base, ramps = stream.envelopes[name]
            lines.append(f"{out}volume='{envelope_expr(base, ramps)}':eval=frame[{name}_env]")
            out = f"[{name}_env]"
        outs.append(out)
    # A faint room tone, so the BRB pause is quiet rather than digitally silent.
    seed = stream.rng.randint(1, 2**31 - 1)
    lines.append(f"anoisesrc=r={RATE}:color=pink:amplitude=0.0006:seed={seed},atrim=end_sample={total}[room]")
    # The limiter only catches the loud song's peaks (as a streamer's output limiter would); its
    # look-ahead delay is compensated, so clips stay where they were planned.
    lines.append("".join(outs) + f"[room]amix=inputs={len(outs) + 1}:normalize=0:duration=longest,"
                 "alimiter=limit=0.8:attack=5:release=80:level=false:latency=true,pan=stereo|c0=c0|c1=c0[mix]")
    script = os.path.join(workdir, f"{stream.name}.graph")
    with open(script, "w", encoding="utf-8") as f:
        f.write(";\n".join(lines))
    media = os.path.join(out_dir, f"{stream.name}.mkv")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-filter_complex_script", script,
                    "-map", "[mix]", "-ar", str(RATE), "-c:a", "libopus", "-b:a", "96k", "-compression_level", "5",
                    "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", media],
                   check=True, cwd=workdir)
    return media


def write_chat(stream, out_dir):
    path = os.path.join(out_dir, f"{stream.name}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for t, user, text in stream.chat:
            f.write(json.dumps({"t": round(t, 2), "user": user, "text": text, "emotes": count_emotes(text)}) + "\n")
    return path


def manifest_entry(stream):
    return {
        "id": stream.name, "media": f"{stream.name}.mkv", "chat": f"{stream.name}.jsonl",
        "duration_s": stream.duration, "profile": stream.profile, "game": stream.game,
        "chat_background_rate": round(stream.background_rate, 2), "chat_messages": len(stream.chat),
        "moments": stream.moments, "distractors": stream.distractors,
        "scenes": [{"start_s": round(s.start, 1), "end_s": round(s.end, 1), "kind": s.kind} for s in stream.scenes],
    }


def probe_duration(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip())


# ------------------------------------------------------------------------------------------ measure

def short_term_loudness(media, workdir):
    """EBU R128 short-term loudness (3 s window) every 100 ms, as (t, LUFS) pairs."""
    log = os.path.join(workdir, os.path.basename(media) + ".r128")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", media, "-af",
                    f"ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.S:file={os.path.basename(log)}",
                    "-f", "null", "-"], check=True, cwd=workdir)
    points, t = [], None
    for line in open(log, encoding="utf-8"):
        if line.startswith("frame:"):
            t = float(line.rsplit("pts_time:", 1)[1])
        elif line.startswith("lavfi.r128.S="):
            points.append((t, float(line.split("=", 1)[1])))
    return points


def report_levels(stream, media, workdir):
    points = short_term_loudness(media, workdir)

    def stat(a, b, fn):
        vals = sorted(v for t, v in points if a <= t < b and v > -70)
        return fn(vals) if vals else float("nan")
    median = lambda v: v[len(v) // 2]  # noqa: E731
    peak = lambda v: v[-1]  # noqa: E731
    print(f"  {stream.name}: median short-term loudness {stat(0, stream.duration, median):.1f} LUFS")
    for m in stream.moments:
        before = stat(m["t"] - 60, m["t"] - 5, median)
        mean = stat(m["t"] + 2.5, m["audio_end_s"] + 1.5, lambda v: sum(v) / len(v))
        top = stat(m["t"] + 2.5, m["audio_end_s"] + 1.5, peak)
        print(f"    moment {m['t']:7.1f} {m['kind']:5s} {m['strength']:8s} before {before:6.1f}  "
              f"mean {mean:6.1f}  peak {top:6.1f}  (+{top - before:.1f} dB)")
    for d in stream.distractors:
        before = stat(d["start_s"] - 60, d["start_s"] - 5, median)
        inside = stat(d["start_s"], d["end_s"], median)
        top = stat(d["start_s"], d["end_s"], peak)
        print(f"    {d['kind']:15s} {d['start_s']:7.1f}-{d['end_s']:7.1f} before {before:6.1f}  "
              f"median {inside:6.1f}  peak {top:6.1f}")


# ------------------------------------------------------------------------------------------ main

def plan_stream(stream, lengths):
    plan_scenes(stream)
    plan_moments(stream)
    plan_chat_events(stream)
    plan_music(stream, lengths)
    plan_speech(stream, lengths)
    plan_effects(stream, lengths)
    plan_moment_audio(stream, lengths)
    plan_chat(stream)
    label_distractors(stream)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", help="folder for the media, chat logs and manifest.json")
    p.add_argument("--check-packages", action="store_true",
                   help="only check that the recordings and programs it needs are installed (exit 1 if not)")
    p.add_argument("--seed", type=int, default=20240611)
    p.add_argument("--streams", type=int, default=2)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--short", action="store_true", help="one ~6-minute stream, for CI tests")
    p.add_argument("--jobs", type=int, default=2, help="parallel ffmpeg / espeak-ng processes")
    p.add_argument("--measure", action="store_true", help="print loudness around every label afterwards")
    p.add_argument("--install", action="store_true", help=f"apt-get install {PACKAGES_FILE} first")
    args = p.parse_args()
    if not args.out and not args.check_packages:
        p.error("--out is required")
    if args.short:
        args.streams, args.minutes = 1, 6.0
    if args.minutes < 5 or args.streams < 1:
        p.error("need --minutes >= 5 and --streams >= 1")
    return args


def main():
    args = parse_args()
    began = time.monotonic()
    if args.install:
        install_packages(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    check_requirements()
    if args.check_packages:
        return
    os.makedirs(args.out, exist_ok=True)
    streams = [new_stream(args.seed, i, args.minutes, args.short) for i in range(args.streams)]
    workdir = tempfile.mkdtemp(prefix="hyped-corpus-")
    try:
        spoken = synthesise([u for s in streams for u in all_utterances(s)], workdir, args.jobs)
        files = convert({**source_paths(), **spoken}, workdir, args.jobs)
        lengths, norm = {}, {}
        for key, path in files.items():
            lengths[key], level = measure(path)
            norm[key] = REF_DB - level
        for stream in streams:
            plan_stream(stream, lengths)
        with ThreadPoolExecutor(args.jobs) as pool:
            media = list(pool.map(lambda s: render(s, files, norm, args.out, workdir), streams))
        manifest = {"generator": "tools/make_audio_corpus.py", "seed": args.seed,
                    "broadcasts": [manifest_entry(s) for s in streams]}
        with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        for stream, path in zip(streams, media):
            chat = write_chat(stream, args.out)
            got = probe_duration(path)
            if abs(got - stream.duration) > 1.0 or not os.path.getsize(chat):
                sys.exit(f"make_audio_corpus: {path} lasts {got:.1f} s, expected {stream.duration:.0f} s")
            kinds = sorted({d["kind"] for d in stream.distractors})
            print(f"{stream.name}: {got:.1f} s {stream.profile} {stream.game}, {len(stream.moments)} moments, "
                  f"{len(stream.distractors)} distractors ({', '.join(kinds)}), {len(stream.chat)} chat lines, "
                  f"{os.path.getsize(path) / 1e6:.1f} MB")
            if args.measure:
                report_levels(stream, path, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {os.path.join(args.out, 'manifest.json')} in {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    main()
