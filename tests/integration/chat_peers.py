"""Peers for the chat integration tests and the IRC benchmark: a real IRC server (InspIRCd with its IRCv3
modules and GnuTLS, on 127.0.0.1 with a test CA made here), a stock RFC 2812 server (ngIRCd: 9-character
nicks, an optional server password), a bot that sends PRIVMSG bursts through them, and a small loopback
stand-in that speaks Twitch's IRC dialect (tags, USERNOTICE, RECONNECT)."""
import os
import sys
import shutil
import socket
import subprocess
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback import free_port, make_test_ca, wait_port  # noqa: E402,F401


INSPIRCD_CONF = """
<server name="irc.hyped.test" description="hyped test server" network="HypedTest">
<admin name="test" nick="test" email="test@hyped.test">
<bind address="127.0.0.1" port="{port}" type="clients">
<bind address="127.0.0.1" port="{tls_port}" type="clients" sslprofile="Clients">
<sslprofile name="Clients" provider="gnutls" certfile="{cert}" keyfile="{key}" hash="sha256" requestclientcert="no">
<connect name="main" allow="*" timeout="60" pingfreq="120" hardsendq="50M" softsendq="50M" recvq="1M"
         threshold="100000" commandrate="10000000" fakelag="no" localmax="10000" globalmax="10000"
         maxchans="5000" limit="10000" modes="" useident="no" usednsbl="no" resolvehostnames="no">
<channels users="5000" opers="5000">
<limits maxnick="31" maxchan="64" maxtopic="307" maxquit="255" maxkick="255" maxreal="128" maxaway="200">
<options prefixquit="Quit: " allowzerolimit="no" exemptchanops="" syntaxhints="no" announcets="no"
         hostintopic="no" defaultmodes="nt" xlinemessage="banned" nosnoticestack="no">
<performance netbuffersize="10240" somaxconn="128" softlimit="12800" clonesondns="yes" timeskipwarn="2s" quietbursts="yes">
<security announceinvites="dynamic" hidemodes="" hideulines="no" flatlinks="no" hidewhois="" hidebans="no"
          hidekills="" hidesplits="no" maxtargets="1000" customversion="" operspywhois="no" restrictbannedusers="yes"
          genericoper="no" userstats="Pu">
<pid file="{dir}/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{dir}/ircd.log">
<module name="cap">
<module name="ircv3">
<module name="ircv3_servertime">
<module name="ircv3_msgid">
<module name="ircv3_ctctags">
<module name="ssl_gnutls">
"""


class InspIRCd:
    """InspIRCd on 127.0.0.1: a plain port and a TLS port (certificate from the test CA)."""

    def __init__(self, d):
        self.dir = d
        self.port, self.tls_port = free_port(), free_port()
        self.ca, cert, key = make_test_ca(d)
        self.conf = os.path.join(d, "inspircd.conf")
        with open(self.conf, "w") as f:
            f.write(INSPIRCD_CONF.format(port=self.port, tls_port=self.tls_port, cert=cert, key=key, dir=d))
        self.proc = None

    @staticmethod
    def available():
        return shutil.which("inspircd") is not None or os.path.exists("/usr/sbin/inspircd")

    def start(self):
        exe = shutil.which("inspircd") or "/usr/sbin/inspircd"
        self.proc = subprocess.Popen([exe, "--config", self.conf, "--nofork", "--nopid", "--runasroot"],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "ircd.stderr"), "ab"))
        try:
            wait_port(self.port)
            wait_port(self.tls_port)
        except RuntimeError:
            self.stop()
            with open(os.path.join(self.dir, "ircd.stderr")) as f:
                raise RuntimeError("inspircd did not start: " + f.read()[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


NGIRCD_CONF = """
[Global]
	Name = irc.hyped.test
	Info = hyped test server
	Listen = 127.0.0.1
	Ports = {port}
	PidFile = {dir}/ngircd.pid
	MotdPhrase = hyped test server
{password}
[Limits]
	MaxConnectionsIP = 0
	MaxNickLength = 9
{limits}
[Options]
	DNS = no
	Ident = no
	PAM = no
"""


class NgIRCd:
    """ngIRCd on 127.0.0.1, plain: RFC 2812's 9-character nicks, no IRCv3 tags, a server password if given.
    `limits`: extra [Limits] lines, e.g. "MaxJoins = 0" for a client in more than 10 channels."""

    EXE = "/usr/sbin/ngircd"

    def __init__(self, d, password=None, limits=""):
        self.dir = d
        self.port = free_port()
        self.conf = os.path.join(d, "ngircd.conf")
        with open(self.conf, "w") as f:
            f.write(NGIRCD_CONF.format(port=self.port, dir=d, password=f"\tPassword = {password}" if password else "",
                                      limits=limits))
        self.proc = None

    @staticmethod
    def available():
        return shutil.which("ngircd") is not None or os.path.exists(NgIRCd.EXE)

    def start(self):
        exe = shutil.which("ngircd") or self.EXE
        log = os.path.join(self.dir, "ngircd.log")
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([exe, "--config", self.conf, "--nodaemon"], stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_port(self.port)
        except RuntimeError:
            self.stop()
            with open(log) as f:
                raise RuntimeError("ngircd did not start: " + f.read()[-2000:])

    def log(self):
        with open(os.path.join(self.dir, "ngircd.log"), errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class IrcBot:
    """A plain IRC client that joins channels and sends PRIVMSGs (the chat the detector watches)."""

    def __init__(self, port, nick="bot", password=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.nick = nick
        if password:
            self.send(f"PASS {password}")
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        self.wait_for(" 001 ")

    def send(self, *lines):
        self.sock.sendall("".join(l + "\r\n" for l in lines).encode())

    def wait_for(self, needle, timeout=10):
        deadline = time.time() + timeout
        while needle.encode() not in self.buf:
            if time.time() > deadline:
                raise RuntimeError(f"bot: no {needle!r} from the server")
            self.sock.settimeout(max(0.01, deadline - time.time()))
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("bot: server closed the connection")
            self.buf += data
            for line in self.buf.split(b"\r\n"):
                if line.startswith(b"PING "):
                    self.send("PONG " + line[5:].decode())
        i = self.buf.index(needle.encode())
        self.buf = self.buf[i + len(needle):]

    def join(self, *channels):
        for c in channels:
            self.send(f"JOIN #{c}")
            self.wait_for(f" 366 {self.nick} #{c} ")  # RPL_ENDOFNAMES: the join is complete

    def say(self, channel, text):
        self.send(f"PRIVMSG #{channel} :{text}")

    def close(self):
        try:
            self.send("QUIT :bye")
        except OSError:
            pass
        self.sock.close()


class TwitchStandIn:
    """A loopback server that speaks Twitch's dialect: CAP twitch.tv/* ACKed, 001, JOIN echoed, tagged
    PRIVMSG/USERNOTICE/CLEARCHAT pushed by the test, RECONNECT on demand. Records what clients send."""

    def __init__(self):
        self.port = free_port()
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", self.port))
        self.srv.listen(16)
        self.lock = threading.Lock()
        self.clients = []       # sockets registered (after NICK)
        self.received = []      # (time, line) from clients
        self.joins = []         # (time, channel)
        self.join_conns = []    # (connection number, channel), in the order of self.joins
        self.sockets = {}       # connection number → socket
        self.connections = 0
        self.muted = set()      # connections that get no answer any more (a silent server)
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                number = self.connections
                self.sockets[number] = c
            threading.Thread(target=self._serve, args=(c, number), daemon=True).start()

    def _serve(self, c, number=0):
        buf = b""
        nick = "justinfan0"
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                buf += data
                while b"\r\n" in buf:
                    raw, buf = buf.split(b"\r\n", 1)
                    line = raw.decode(errors="replace")
                    now = time.time()
                    with self.lock:
                        self.received.append((now, line))
                        if c in self.muted:
                            continue
                    if line.startswith("CAP REQ :"):
                        caps = line[len("CAP REQ :"):]
                        verdict = "ACK" if caps.startswith("twitch.tv/") else "NAK"
                        c.sendall(f":tmi.twitch.tv CAP * {verdict} :{caps}\r\n".encode())
                    elif line.startswith("NICK "):
                        nick = line[5:]
                        c.sendall((f":tmi.twitch.tv 001 {nick} :Welcome, GLHF!\r\n"
                                   f":tmi.twitch.tv 376 {nick} :>\r\n").encode())
                        with self.lock:
                            self.clients.append(c)
                    elif line.startswith("JOIN "):
                        for ch in line[5:].split(","):
                            with self.lock:
                                self.joins.append((now, ch.lstrip("#")))
                                self.join_conns.append((number, ch.lstrip("#")))
                            c.sendall(f":{nick}!{nick}@{nick}.tmi.twitch.tv JOIN {ch}\r\n".encode())
                    elif line.startswith("PING"):
                        c.sendall(f":tmi.twitch.tv PONG tmi.twitch.tv {line[5:]}\r\n".encode())
        except OSError:
            pass
        finally:
            with self.lock:
                if c in self.clients:
                    self.clients.remove(c)
            c.close()

    def broadcast(self, *lines):
        data = "".join(l + "\r\n" for l in lines).encode()
        with self.lock:
            for c in list(self.clients):
                try:
                    c.sendall(data)
                except OSError:
                    pass

    def mute_clients(self):
        """The connections open now stay open but get nothing more, not even PONG."""
        with self.lock:
            self.muted.update(self.clients)
            self.clients.clear()

    def drop_clients(self):
        with self.lock:
            for c in self.clients:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.clients.clear()

    def drop_connection(self, number):
        """Closes one connection, as a server restarting one of its front ends would."""
        with self.lock:
            c = self.sockets.get(number)
            if c in self.clients:
                self.clients.remove(c)
        if c is not None:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def wait_clients(self, n=1, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.clients) >= n:
                    return
            time.sleep(0.02)
        raise RuntimeError("no client registered with the Twitch stand-in")

    def close(self):
        self.stopped = True
        self.srv.close()
        self.drop_clients()
