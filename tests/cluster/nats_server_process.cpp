#include "nats_server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hyped::test {

namespace {

// A socket on 127.0.0.1, closed with its owner.
struct Socket {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int free_port() {
  Socket s;
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (s.fd < 0 || bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("cannot find a free loopback port");
  return ntohs(a.sin_port);
}

bool accepts(int port) {
  Socket s;
  const sockaddr_in a = loopback(port);
  return s.fd >= 0 && connect(s.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace

std::optional<std::string> NatsServerProcess::find_binary() {
  const char* path = std::getenv("PATH");
  // Debian installs it in /usr/sbin, which a user's PATH may lack.
  std::istringstream dirs(std::string(path ? path : "") + ":/usr/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / "nats-server";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

NatsServerProcess::NatsServerProcess(std::string store_dir, int port)
    : store_dir_(std::move(store_dir)), port_(port ? port : free_port()) {
  start();
}

NatsServerProcess::~NatsServerProcess() { stop(); }

std::string NatsServerProcess::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

void NatsServerProcess::start() {
  const auto binary = find_binary();
  if (!binary) throw std::runtime_error("nats-server is not installed");
  const std::string port = std::to_string(port_);
  std::vector<std::string> args{*binary, "-js", "-a", "127.0.0.1", "-p", port, "-sd", store_dir_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork for nats-server");
  if (pid_ == 0) {
    // Its log would interleave with the test's report: only a failure to start is of interest, and
    // that shows as the port never opening.
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts(port_)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nats-server exited at start (port " + port + ")");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("nats-server did not listen on port " + port + " within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void NatsServerProcess::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void NatsServerProcess::restart() {
  stop();
  start();
}

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "hyped-nats-XXXXXX").string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("cannot make a temporary directory");
  path = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace hyped::test
