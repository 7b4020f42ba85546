#!/usr/bin/env python3
"""Detection quality end to end. On a short labelled stream built from real recordings
(tools/make_audio_corpus.py --short): a crowd cheer followed by a chat surge is a highlight, while the
stream resuming after a silent pause, a steadily louder section and a raid are not. On the labelled real
chat in ../shared/eval (skipped, with the reason, where it is absent): tools/eval's figures beside the
chat-counting baseline computed in the same run."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
EVAL_DIR = os.environ.get("HYPED_EVAL_DIR", os.path.join(TOOLS, "..", "..", "shared", "eval"))
MATCH_BEFORE_S, MATCH_AFTER_S = 10.0, 30.0  # tools/eval's matching window


def corpus_packages_missing():
    probe = subprocess.run([sys.executable, os.path.join(TOOLS, "make_audio_corpus.py"), "--check-packages"],
                           capture_output=True, text=True)
    return probe.stdout.strip() + probe.stderr.strip() if probe.returncode != 0 else ""


class ShortCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = corpus_packages_missing()
        if missing:
            raise unittest.SkipTest(f"corpus recordings not installed: {missing}")
        cls.tmp = tempfile.TemporaryDirectory()
        out = os.path.join(cls.tmp.name, "corpus")
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_audio_corpus.py"), "--out", out, "--short"],
                       check=True, capture_output=True, timeout=600)
        with open(os.path.join(out, "manifest.json")) as f:
            cls.stream = json.load(f)["broadcasts"][0]
        media = os.path.join(out, cls.stream["media"])
        chat = os.path.join(out, cls.stream["chat"])
        proc = subprocess.run([HYPED, "replay", media, "--chat", chat, "--quiet"], capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr
        cls.highlights = json.loads(proc.stdout)["highlights"]
        # Every candidate the detector fired, not only those the replay kept: none may sit in a distractor.
        proc = subprocess.run([HYPED, "replay", media, "--chat", chat, "--quiet", "--all"], capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        cls.fired = json.loads(proc.stdout)["highlights"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def distractor(self, kind):
        spans = [(d["start_s"], d["end_s"]) for d in self.stream["distractors"] if d["kind"] == kind]
        self.assertTrue(spans, f"the corpus stream has no {kind}")
        return spans

    def fired_in(self, start, end):
        return [h for h in self.fired if start <= h["time_s"] <= end]

    def test_cheer_with_chat_surge_is_a_highlight(self):
        cheers = [m for m in self.stream["moments"] if m["strength"] == "strong"]
        self.assertTrue(cheers)
        for m in cheers:
            near = [h for h in self.highlights if m["t"] - MATCH_BEFORE_S <= h["time_s"] <= m["t"] + MATCH_AFTER_S]
            self.assertTrue(near, f"{m} not found in {self.highlights}")
            self.assertIn("chat", near[0]["reasons"])
            self.assertGreater(near[0]["chat_z"], near[0]["score"] / 3)

    def test_stream_resuming_after_silence_is_not_a_highlight(self):
        for start, end in self.distractor("silence_resume"):
            self.assertEqual(self.fired_in(start, end + 20.0), [], f"pause {start:.0f}-{end:.0f} s and its resume")

    def test_steadily_louder_section_is_not_a_highlight(self):
        for start, end in self.distractor("loud_section"):
            self.assertEqual(self.fired_in(start, end), [], f"loud section {start:.0f}-{end:.0f} s")

    def test_raid_is_not_a_highlight(self):
        for start, end in self.distractor("raid"):
            self.assertEqual(self.fired_in(start, end + 15.0), [], f"raid at {start:.0f} s")


class LabelledChat(unittest.TestCase):
    """Real chat with people's labels, graded on silence (chat only)."""

    @classmethod
    def setUpClass(cls):
        sets = [os.path.join(EVAL_DIR, s) for s in ("taiwan", "kimdoe") if os.path.isdir(os.path.join(EVAL_DIR, s))]
        if not sets:
            raise unittest.SkipTest(f"no labelled chat at {os.path.abspath(EVAL_DIR)} (measurement data, not shipped)")
        cls.tmp = tempfile.TemporaryDirectory()
        out = os.path.join(cls.tmp.name, "eval.json")
        proc = subprocess.run([sys.executable, os.path.join(TOOLS, "eval"), *sets, "--hyped", HYPED, "--json", out,
                               "--work", cls.tmp.name], capture_output=True, text=True, timeout=1800)
        print(proc.stdout)
        assert proc.returncode == 0, proc.stderr
        with open(out) as f:
            cls.sets = json.load(f)["sets"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def each_set(self):
        self.assertTrue(self.sets)
        return self.sets.items()

    def test_at_most_8_detections_an_hour(self):
        for name, s in self.each_set():
            self.assertLessEqual(s["figures"]["hyped"]["det/h"], 8.0, name)
            self.assertGreater(s["figures"]["hyped"]["det/h"], 1.0, name)

    def test_recall_at_least_the_busiest_windows_at_the_same_count(self):
        for name, s in self.each_set():
            f = s["figures"]
            self.assertGreaterEqual(f["hyped"]["recall"], f["busiest"]["recall"], name)
            self.assertGreater(f["hyped"]["recall"], f["random"]["recall"], name)

    def test_top_ranked_beat_the_busiest_windows(self):
        # Interval labels mark every highlight, so precision means something there (point labels mark
        # only a month's best clips).
        for name, s in self.each_set():
            if s["kind"] != "intervals":
                continue
            f = s["figures"]
            for k in ("P@10", "P@20"):  # 1e-9: 0.8 + 0.1 is a hair over 0.9 in floating point
                self.assertGreaterEqual(f["hyped"][k], f["busiest"][k] + 0.10 - 1e-9, f"{name} {k}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
