// Fan-out benchmark: latency from publish (the detector's event) to receipt by each of N websocket
// clients, and the server's memory per client. The server runs in a child process so its RSS is its
// own; publish times travel in the highlight's time_s as steady-clock seconds (CLOCK_MONOTONIC is
// shared by both processes).
//   bench_fanout [--clients 1000] [--messages 100] [--interval-ms 20] [--stalled 1] [--threads 0]
//                [--client-threads 1] [--client-spin 0]
// --threads is the server's io_threads (0: its default for this machine); --client-threads spreads the
// receiving clients over that many threads; --client-spin 1 makes them poll instead of sleeping (on
// loopback the server otherwise pays for waking each sleeping client, which remote clients never cost).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "fanout_clients.hpp"
#include "server/alert_server.hpp"

namespace {

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double pct(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

[[noreturn]] void serve(int port_out, int go_in, int messages, int interval_ms, int threads) {
  hyped::ServerOptions opt;
  opt.port = 0;
  opt.io_threads = static_cast<unsigned>(threads);
  hyped::AlertServer server(opt);
  server.start();
  const unsigned short port = server.port();
  if (write(port_out, &port, sizeof port) != sizeof port) _exit(1);
  char go;
  if (read(go_in, &go, 1) != 1) _exit(1);
  for (int i = 1; i <= messages; ++i) {
    hyped::Highlight h;
    h.id = i;
    h.time_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    h.score = 4;
    h.reasons = {"audio", "chat"};
    server.publish_highlight("bench", h);
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  if (read(go_in, &go, 1) != 1) _exit(1);  // until the clients are done
  server.stop();
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 1000, messages = 100, interval_ms = 20, stalled = 1, threads = 0, client_threads = 1, client_spin = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (a == "--clients") clients = v;
    else if (a == "--messages") messages = v;
    else if (a == "--interval-ms") interval_ms = v;
    else if (a == "--stalled") stalled = v;
    else if (a == "--threads") threads = v;
    else if (a == "--client-threads") client_threads = v;
    else if (a == "--client-spin") client_spin = v;
    else {
      std::fprintf(stderr,
                   "usage: bench_fanout [--clients N] [--messages M] [--interval-ms T] [--stalled S] [--threads T]"
                   " [--client-threads C] [--client-spin 0|1]\n");
      return 2;
    }
  }
  rlimit lim{};  // the clients' end of every connection lives in this process
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  int port_pipe[2], go_pipe[2];
  if (pipe(port_pipe) != 0 || pipe(go_pipe) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) serve(port_pipe[1], go_pipe[0], messages, interval_ms, threads);
  unsigned short port = 0;
  if (read(port_pipe[0], &port, sizeof port) != sizeof port) return 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const long rss_before = rss_kib(child);
  std::vector<std::unique_ptr<test::StalledClient>> stuck;
  for (int i = 0; i < stalled; ++i) stuck.push_back(std::make_unique<test::StalledClient>(port));
  test::FanoutClients fan(port, clients, client_threads, client_spin != 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long rss_after = rss_kib(child);
  if (write(go_pipe[1], "g", 1) != 1) return 1;
  const bool all = fan.wait_for(static_cast<std::size_t>(messages), std::chrono::seconds(120));
  auto lat = fan.latencies_from_time_s_ms();
  const long rss_end = rss_kib(child);
  if (write(go_pipe[1], "d", 1) != 1) return 1;
  waitpid(child, nullptr, 0);
  hyped::ServerOptions asked;
  asked.io_threads = static_cast<unsigned>(threads);
  std::printf("clients %d (+%d never reading) on %d %s client thread%s, server io threads %u, %u cores, messages %d every %d ms, "
              "all delivered: %s\n",
              clients, stalled, client_threads, client_spin ? "polling" : "sleeping", client_threads == 1 ? "" : "s", hyped::io_thread_count(asked),
              std::thread::hardware_concurrency(), messages, interval_ms, all ? "yes" : "NO");
  std::printf("fan-out latency publish -> client receipt: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  (%zu samples)\n",
              pct(lat, 0.5), pct(lat, 0.9), pct(lat, 0.99), pct(lat, 1.0), lat.size());
  std::printf("server RSS: %ld KiB idle, %ld KiB with clients, %ld KiB after the run: %.1f KiB per client\n", rss_before,
              rss_after, rss_end, static_cast<double>(rss_after - rss_before) / (clients + stalled));
  return all ? 0 : 1;
}
