"""A real OBS Studio (Debian's obs-studio, obs-websocket 5.1.0 built in) for integration tests: started under
Xvfb with a throw-away config (one scene with a colour source, the replay buffer enabled with its files in
a temporary directory, the websocket server on a free port with a password), killed and restarted at will."""
import os
import shutil
import signal
import subprocess
import time

from loopback import free_port

PROFILE = """[General]
Name=hyped

[Output]
Mode=Simple

[SimpleOutput]
FilePath={rec}
RecFormat=mkv
RecQuality=Stream
RecEncoder=x264
StreamEncoder=x264
VBitrate=300
ABitrate=64
Preset=ultrafast
RecRB=true
RecRBTime=10
RecRBSize=256
RecRBPrefix=Replay

[Video]
BaseCX=320
BaseCY=180
OutputCX=320
OutputCY=180
FPSType=0
FPSCommon=10

[Audio]
SampleRate=48000
ChannelSetup=Stereo
"""

GLOBAL = """[General]
FirstRun=true
LastVersion=486539266
EnableAutoUpdates=false
ConfirmOnExit=false

[Basic]
Profile=hyped
ProfileDir=hyped
SceneCollection=hyped
SceneCollectionFile=hyped

[OBSWebSocket]
FirstLoad=false
ServerEnabled=true
ServerPort={port}
AlertsEnabled=false
AuthRequired=true
ServerPassword={password}
"""

SCENES = """{"name":"hyped","current_scene":"Scene","current_program_scene":"Scene","scene_order":[{"name":"Scene"}],
 "sources":[
  {"id":"scene","versioned_id":"scene","name":"Scene","uuid":"5d0c7a55-0c1e-4d5b-9c1a-8c3b4a1d0001",
   "settings":{"id_counter":1,"custom_size":false,"items":[{"name":"Color","source_uuid":"5d0c7a55-0c1e-4d5b-9c1a-8c3b4a1d0002",
     "visible":true,"locked":false,"id":1,"pos":{"x":0,"y":0},"scale":{"x":1,"y":1},"rot":0,"align":5,"bounds_type":0,
     "bounds_align":0,"bounds":{"x":0,"y":0},"crop_left":0,"crop_top":0,"crop_right":0,"crop_bottom":0}]}},
  {"id":"color_source","versioned_id":"color_source_v3","name":"Color","uuid":"5d0c7a55-0c1e-4d5b-9c1a-8c3b4a1d0002",
   "settings":{"color":4278255360,"width":320,"height":180}}
 ]}
"""


class ObsUnavailable(Exception):
    """OBS cannot run here; the message says why."""


class ObsPeer:
    def __init__(self, root, password="hyped-obs-pass"):
        if not shutil.which("obs") or not shutil.which("Xvfb"):
            raise ObsUnavailable("obs-studio and xvfb are not installed (apt-get install obs-studio xvfb)")
        self.root, self.password, self.port = root, password, free_port()
        self.rec = os.path.join(root, "replays")
        self.cfg = os.path.join(root, "config")
        base = os.path.join(self.cfg, "obs-studio")
        for d in (self.rec, os.path.join(base, "basic", "profiles", "hyped"), os.path.join(base, "basic", "scenes"),
                  os.path.join(base, "plugin_config", "obs-websocket")):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(base, "global.ini"), "w") as f:
            f.write(GLOBAL.format(port=self.port, password=password))
        with open(os.path.join(base, "basic", "profiles", "hyped", "basic.ini"), "w") as f:
            f.write(PROFILE.format(rec=self.rec))
        with open(os.path.join(base, "basic", "scenes", "hyped.json"), "w") as f:
            f.write(SCENES)
        self.xvfb = self.obs = None
        self.log_path = os.path.join(root, "obs.log")

    def start_display(self):
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-nolisten", "tcp", "-screen", "0", "1280x720x24"],
                                     pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            line = f.readline().strip()
        if not line:
            raise ObsUnavailable("Xvfb did not start")
        self.display = ":" + line

    def start(self, timeout=60):
        if self.xvfb is None:
            self.start_display()
        env = dict(os.environ, HOME=self.root, XDG_CONFIG_HOME=self.cfg, DISPLAY=self.display,
                   LIBGL_ALWAYS_SOFTWARE="1", QT_QPA_PLATFORM="xcb")
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0  # this run's lines only
        log = open(self.log_path, "a")
        self.obs = subprocess.Popen(["obs", "--minimize-to-tray", "--disable-shutdown-check", "--multi",
                                     "--disable-updater"], env=env, cwd=self.root, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.obs.poll() is not None:
                raise ObsUnavailable(f"OBS exited with {self.obs.returncode}: {self.log_tail()}")
            with open(self.log_path) as f:
                f.seek(offset)
                text = f.read()
            if f"Server started successfully on port {self.port}" in text:
                return
            time.sleep(0.2)
        raise ObsUnavailable(f"OBS's websocket server did not start within {timeout} s: {self.log_tail()}")

    def kill(self):
        if self.obs and self.obs.poll() is None:
            os.killpg(self.obs.pid, signal.SIGKILL)
            self.obs.wait()

    def stop(self):
        self.kill()
        if self.xvfb and self.xvfb.poll() is None:
            self.xvfb.terminate()
            self.xvfb.wait()

    def log_tail(self, n=15):
        try:
            with open(self.log_path) as f:
                return " | ".join(f.read().splitlines()[-n:])
        except OSError:
            return "(no log)"
