#!/usr/bin/env python3
"""`hyped replay --realtime` saving OBS's replay buffer on each highlight, against a real OBS Studio under Xvfb
(obs_peer.py): one replay file per highlight with its path in the `action` message, no save lost when OBS
is killed and restarted mid-run, and a wrong password as one clear error without a reconnect loop.
Exits 77 (SKIPPED, with the reason) where OBS cannot run."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from obs_peer import ObsPeer, ObsUnavailable  # noqa: E402

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
TOOLS = os.environ.get("HYPED_TOOLS", os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
EVENTS = [70, 120, 170, 220]
SPEED = "20"  # media seconds per second: highlights 2.5 s apart


class ObsActions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hyped_obs_")
        cls.obs = OBS
        cls.media = os.path.join(cls.tmp.name, "stream.mp4")
        cls.chat = cls.media + ".jsonl"
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_demo.py"), "--media", cls.media, "--chat", cls.chat,
                        "--duration", "240", "--events", ",".join(map(str, EVENTS))], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def config(self, password):
        path = os.path.join(self.tmp.name, "obs.toml")
        with open(path, "w") as f:
            f.write(f'[actions.obs]\nurl = "ws://127.0.0.1:{self.obs.port}"\npassword = "{password}"\n')
        return path

    def replay(self, password, on_action=None):
        """Runs the replay; `on_action(msg)` is called for each action line as it comes. Returns
        (returncode, action messages, stderr, seconds)."""
        start = time.monotonic()
        proc = subprocess.Popen([HYPED, "replay", self.media, "--chat", self.chat, "--per-hour", "0", "--quiet",
                                 "--channel", "chan", f"--realtime={SPEED}", "--config", self.config(password),
                                 "--out", os.path.join(self.tmp.name, "export.json")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        err = []
        t = threading.Thread(target=lambda: err.append(proc.stderr.read()))
        t.start()
        actions = []
        for line in proc.stdout:
            msg = json.loads(line)
            if msg.get("type") == "action":
                actions.append(msg)
                print("   ", line.strip(), flush=True)
                if on_action:
                    on_action(msg)
        proc.wait(timeout=120)
        t.join()
        proc.stdout.close()
        proc.stderr.close()
        return proc.returncode, actions, err[0], time.monotonic() - start

    def check_saved(self, actions):
        self.assertEqual(sorted(a["highlight_id"] for a in actions), [1, 2, 3, 4], actions)
        for a in actions:
            self.assertEqual(a["kind"], "obs_replay")
            self.assertTrue(a["ok"], a)
            self.assertTrue(a["path"].startswith(self.obs.rec), a)
            self.assertTrue(os.path.getsize(a["path"]) > 0, a)
        self.assertEqual(len({a["path"] for a in actions}), 4, "one file per highlight")

    def test_1_one_replay_file_per_highlight(self):
        rc, actions, err, _ = self.replay(self.obs.password)
        self.assertEqual(rc, 0, err)
        self.check_saved(actions)

    def test_2_killing_and_restarting_obs_loses_no_later_save(self):
        restarted = threading.Event()

        def crash_after_first(msg):
            if msg["highlight_id"] == 1 and not restarted.is_set():
                self.obs.kill()
                print("    OBS killed; restarting", flush=True)
                self.obs.start()
                print("    OBS is back", flush=True)
                restarted.set()

        rc, actions, err, _ = self.replay(self.obs.password, on_action=crash_after_first)
        self.assertEqual(rc, 0, err)
        self.assertTrue(restarted.is_set())
        self.check_saved(actions)
        self.assertIn("reconnecting", err)

    def test_3_a_wrong_password_is_one_clear_error(self):
        rc, actions, err, seconds = self.replay("not-the-password")
        self.assertEqual(rc, 0, err)
        lines = [line for line in err.splitlines() if "4009" in line]
        self.assertEqual(len(lines), 1, err)
        self.assertIn("refused the password", lines[0])
        self.assertEqual(err.count("reconnecting"), 0, err)
        self.assertEqual(len(actions), 4)
        self.assertTrue(all(not a["ok"] and "4009" in a["error"] for a in actions), actions)
        self.assertLess(seconds, 30)  # no save waits for a reconnection that cannot come


OBS = None

if __name__ == "__main__":
    root = tempfile.TemporaryDirectory(prefix="hyped_obs_peer_")
    try:
        OBS = ObsPeer(root.name)
        OBS.start()
    except ObsUnavailable as e:
        print(f"SKIPPED: OBS cannot run here: {e}")
        if OBS:
            OBS.stop()
        sys.exit(77)
    try:
        result = unittest.main(verbosity=2, exit=False).result
    finally:
        OBS.stop()
        root.cleanup()
    sys.exit(0 if result.wasSuccessful() else 1)
