#!/usr/bin/env python3
"""`hyped --version` against `git describe` of the checkout it was built from, and the version rule of
cmake/hyped_version.cmake on scratch repositories (tagged, untagged, edited) and outside git. Exits 77
(skipped) where the source tree is not a git checkout, e.g. a source tarball."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HYPED = os.environ.get("HYPED_BIN", "build/src/app/hyped")
SOURCE_DIR = os.environ.get("HYPED_SOURCE_DIR", ".")
CMAKE = os.environ.get("HYPED_CMAKE", "cmake")
FALLBACK = os.environ.get("HYPED_PROJECT_VERSION", "0.1.0")
SCRIPT = os.path.join(SOURCE_DIR, "cmake", "hyped_version.cmake")
TEMPLATE = os.path.join(SOURCE_DIR, "src", "app", "version.cpp.in")


def git(repo, *args):
    out = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def is_checkout(path):
    top = git(path, "rev-parse", "--show-toplevel")
    return top is not None and os.path.realpath(top) == os.path.realpath(path)


def expected_version(repo, fallback):
    """The rule, written out again: a v-tag's describe without the v, else FALLBACK-<commits>-g<hash>."""
    described = git(repo, "describe", "--tags", "--match", "v[0-9]*", "--dirty", "--abbrev=7")
    if described:
        return described[1:]
    commit = git(repo, "describe", "--always", "--dirty", "--abbrev=7")
    count = git(repo, "rev-list", "--count", "HEAD")
    return f"{fallback}-{count}-g{commit}"


def run_script(source_dir, out_dir):
    """Runs the build's version step on SOURCE_DIR; returns the version it wrote."""
    cpp = os.path.join(out_dir, "version.cpp")
    txt = os.path.join(out_dir, "version.txt")
    subprocess.run([CMAKE, f"-DSOURCE_DIR={source_dir}", f"-DFALLBACK_VERSION={FALLBACK}", f"-DINPUT={TEMPLATE}",
                    f"-DOUTPUT={cpp}", f"-DVERSION_FILE={txt}", "-P", SCRIPT], check=True, capture_output=True)
    with open(txt) as f:
        version = f.read().strip()
    with open(cpp) as f:
        assert f'return "{version}";' in f.read()
    return version


class VersionTest(unittest.TestCase):
    def test_binary_reports_git_describe_of_its_checkout(self):
        out = subprocess.run([HYPED, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        want = expected_version(SOURCE_DIR, FALLBACK)
        self.assertEqual(out.stdout, f"hyped {want}\n",
                         "the binary's version is not the checkout's (built before a commit or an edit? rebuild)")
        self.assertRegex(want, r"^\d+\.\d+\.\d+(-\d+-g[0-9a-f]{7,})?(-dirty)?$")

    def test_rule_on_scratch_repositories(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo, out = os.path.join(tmp, "src"), os.path.join(tmp, "out")
            os.makedirs(repo)
            os.makedirs(out)
            # Outside git: the project version.
            self.assertEqual(run_script(repo, out), FALLBACK)

            ident = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
            subprocess.run(["git", "-C", repo, "init", "-q"], check=True)
            with open(os.path.join(repo, "a.txt"), "w") as f:
                f.write("one\n")
            subprocess.run(["git", "-C", repo, *ident, "add", "a.txt"], check=True)
            subprocess.run(["git", "-C", repo, *ident, "commit", "-q", "-m", "one"], check=True)
            head = git(repo, "rev-parse", "--short=7", "HEAD")
            # No tag: project version, commit count, hash.
            self.assertEqual(run_script(repo, out), f"{FALLBACK}-1-g{head}")
            # An edit to a tracked file: -dirty.
            with open(os.path.join(repo, "a.txt"), "a") as f:
                f.write("two\n")
            self.assertEqual(run_script(repo, out), f"{FALLBACK}-1-g{head}-dirty")
            subprocess.run(["git", "-C", repo, *ident, "commit", "-q", "-am", "two"], check=True)
            # A v-tag: its name without the v; a commit after it adds the distance and hash.
            subprocess.run(["git", "-C", repo, "tag", "v2.3.4"], check=True)
            self.assertEqual(run_script(repo, out), "2.3.4")
            with open(os.path.join(repo, "a.txt"), "a") as f:
                f.write("three\n")
            subprocess.run(["git", "-C", repo, *ident, "commit", "-q", "-am", "three"], check=True)
            head = git(repo, "rev-parse", "--short=7", "HEAD")
            self.assertEqual(run_script(repo, out), f"2.3.4-1-g{head}")
            # A directory inside the repository is not its own checkout: the project version.
            os.makedirs(os.path.join(repo, "sub"))
            self.assertEqual(run_script(os.path.join(repo, "sub"), out), FALLBACK)
            self.assertTrue(re.match(r"^\d", FALLBACK))


if __name__ == "__main__":
    if shutil.which("git") is None:
        print("skipped: git is not installed")
        sys.exit(77)
    if not is_checkout(SOURCE_DIR):
        print(f"skipped: {SOURCE_DIR} is not a git checkout (a source tarball?): hyped --version is the project version")
        sys.exit(77)
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
