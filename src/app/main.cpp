// hyped command line: subcommands, logging set-up, and the mapping of errors to one line and an exit code.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <string>

#include "app/chat_command.hpp"
#include "app/cluster_command.hpp"
#include "app/config.hpp"
#include "app/live_command.hpp"
#include "app/profile_command.hpp"
#include "app/replay_command.hpp"
#include "app/version.hpp"

namespace {

constexpr const char* kReplayHelp =
    "Run the detector over saved media (any container/codec FFmpeg opens; WAV or raw f32le mono 16 kHz\n"
    "without FFmpeg) and, optionally, its chat log. Prints or writes the highlights.\n"
    "Chat logs: TwitchDownloader JSON, chat-downloader JSON, '[HH:MM:SS] <nick> text' lines, or JSONL\n"
    "({\"t\":12.5,\"user\":\"a\",\"text\":\"..\",\"emotes\":0} per line); the format is detected.\n"
    "\n"
    "Twitch VODs: give the link (https://www.twitch.tv/videos/123, or v123). hyped fetches the VOD's audio\n"
    "(audio_only rendition, several segments at a time) and its chat while it analyses them, in constant\n"
    "memory; --save-audio and --save-chat keep them for offline runs. A finished HLS playlist URL works too.\n"
    "Subscriber-only or deleted VODs cannot be fetched: download them with your account and pass the file.\n"
    "\n"
    "Several inputs (paths, links, or a directory of media): one summary line each on stdout, and each\n"
    "input's export in --out DIR (default: here) named after it; a file's chat log is found beside it as\n"
    "NAME.chat.json, NAME.chat.jsonl, NAME.chat.txt or NAME.jsonl.";

constexpr const char* kPerHourHelp =
    "About how many highlights an hour to fire (fusion.target_per_hour, default 4): the threshold follows "
    "the channel so a quiet and a busy one both fire about this often, never below fusion.threshold. "
    "Clip bots that post everything: 2-4; editors who pick by hand: 10-20; 0: every crossing of the threshold";

void setup_logging() {
  auto logger = spdlog::stderr_color_mt("hyped");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  setup_logging();
  CLI::App app{"hyped: finds the moments worth clipping in Twitch streams and VODs, from audio and chat", "hyped"};
  app.set_version_flag("--version", "hyped " + std::string(hyped::version()));
  app.require_subcommand(1);

  hyped::ReplayOptions replay;
  std::string format, z_mode;
  auto* rp = app.add_subcommand("replay", "Detect highlights in saved media or a Twitch VOD (by its link), with its chat");
  rp->footer(kReplayHelp);
  rp->add_option("INPUT", replay.inputs, "Media file, directory of media, Twitch VOD link or HLS playlist URL")
      ->required();
  rp->add_option("--chat", replay.chat, "Chat log of the same broadcast (a VOD: instead of fetching its chat)");
  rp->add_option("--config", replay.config, "TOML config (see config/hyped.toml)");
  rp->add_option("--out,-o", replay.out,
                 "Write the highlights here instead of stdout (format from the extension); with several inputs, "
                 "the directory for their exports");
  rp->add_option("--format,-f", format, "Output format")->check(CLI::IsMember({"json", "csv", "chapters", "edl"}));
  rp->add_option("--backend", replay.backend, "Compute backend")->check(CLI::IsMember({"auto", "cpu", "cuda"}))->capture_default_str();
  rp->add_option("--z-mode", z_mode, "z statistics: global (seed, whole file) or running (as live)")
      ->check(CLI::IsMember({"global", "running"}));
  rp->add_flag("--quiet,-q", replay.quiet, "Only warnings and errors on stderr, no progress");
  rp->add_option("--serve", replay.serve,
                 "Serve alerts while replaying: websocket /ws, /api/highlights, /api/status, /metrics, /overlay "
                 "(e.g. 127.0.0.1:8787)");
  rp->add_option("--realtime", replay.realtime, "Pace the replay like a live stream, optionally SPEED times faster")
      ->expected(0, 1)
      ->default_str("1")
      ->check(CLI::PositiveNumber);
  rp->add_option("--channel", replay.channel, "Channel name in alerts (default: the media's file name)");
  rp->add_flag("--dry-run-actions", replay.dry_run_actions,
               "Log the [actions] (OBS replay, Twitch clip and marker) each highlight would take; take none");

  rp->add_option("--per-hour", replay.per_hour, kPerHourHelp)->check(CLI::NonNegativeNumber);
  rp->add_flag("--all", replay.keep_all,
               "Keep every highlight the detector fires at the live rate (default: the strongest per-hour x hours "
               "of three times as many candidates, since a replay sees the whole broadcast)");
  rp->add_option("--report", replay.report,
                 "Also write the whole broadcast's timeline as one offline HTML page: score and threshold, audio z, "
                 "chat z and chat rate, every highlight over its clip, a hover readout, a highlight table, and a "
                 "player of the media that seeks to a clicked highlight (e.g. --report vod.html)");
  rp->add_option("--chat-box", replay.chat_box,
                 "Chat box: centred (seed, whole logs) or trailing (as live: for sessions recorded with --record)")
      ->check(CLI::IsMember({"centred", "trailing"}));

  rp->add_flag("--no-chat", replay.no_chat, "VOD: do not fetch its chat (audio only)");
  rp->add_option("--save-chat", replay.save_chat, "VOD: keep its chat here as hyped JSONL (replay it with --chat)");
  rp->add_option("--save-audio", replay.save_audio, "Keep the decoded audio here (16 kHz float WAV, replayable)");
  rp->add_option("--parallel", replay.parallel_fetches, "VOD: segments downloaded at once (default 6)")
      ->check(CLI::Range(1, 64));
  rp->add_option("--gql-url", replay.gql_url, "Twitch GQL endpoint (default https://gql.twitch.tv/gql)");
  rp->add_option("--usher-url", replay.usher_url, "Twitch usher base URL (default https://usher.ttvnw.net)");
  rp->add_option("--client-id", replay.client_id, "Client-ID for the VOD's playback token (default: the web player's)");
  rp->add_option("--chat-client-id", replay.chat_client_id,
                 "Client-ID for the VOD's comment pages (default: one Twitch does not hold to its integrity check)");
  rp->add_option("--ca-file", replay.ca_file, "Extra CA certificates (PEM) to trust for HTTPS");

  hyped::ChatCommandOptions chat;
  auto* ch = app.add_subcommand("chat", "Follow Twitch chat channels: per-hop chat features and chat-only highlights as JSON lines");
  ch->footer("Connects to Twitch IRC (TLS, anonymous unless irc.token / $HYPED_TWITCH_TOKEN is set), prints one JSON\n"
             "object per line: start, irc status, hop (per channel and 0.5 s hop with chat), highlight, summary.\n"
             "--record DIR writes DIR/<channel>.jsonl; `hyped replay MEDIA --chat DIR/<channel>.jsonl --chat-box trailing`\n"
             "replays it to the same detections.");
  ch->add_option("CHANNEL", chat.channels, "Channels to follow (with or without '#')")->required();
  ch->add_option("--config", chat.config, "TOML config (see config/hyped.toml: [chat], [irc])");
  ch->add_option("--host", chat.host, "IRC server (default irc.host: irc.chat.twitch.tv)");
  ch->add_option("--port", chat.port, "IRC port (default irc.port: 6697)")->check(CLI::Range(1, 65535));
  ch->add_flag("--plain", chat.plain, "Plain TCP instead of TLS");
  ch->add_option("--ca-file", chat.ca_file, "Extra CA bundle (PEM) to trust");
  ch->add_option("--record", chat.record, "Record chat as JSONL, one file per channel, into this directory");
  ch->add_option("--duration", chat.duration_s, "Stop after this many seconds (default: until interrupted)")->check(CLI::NonNegativeNumber);
  ch->add_flag("--messages", chat.messages, "Print every message and event too");
  ch->add_flag("--quiet,-q", chat.quiet, "Only warnings and errors on stderr");

  hyped::LiveOptions live;
  auto* lv = app.add_subcommand("live", "Follow live streams (Twitch channels or HLS URLs) and print highlights as they happen");
  lv->footer("One JSON object per line on stdout per highlight, logs on stderr; Ctrl-C ends it. Stream times count from\n"
             "when following began (a Twitch channel's: from the start of its broadcast), gaps included; wall_time comes\n"
             "from the stream's PROGRAM-DATE-TIME. A Twitch channel that is offline is waited for, and each of its\n"
             "broadcasts followed, with a {\"type\":\"broadcast\",\"state\":\"live\"|\"offline\"} line as it starts and ends;\n"
             "--exit-when-offline ends instead.\n"
             "--top N follows the N most watched live channels instead (or besides), listed with Twitch Helix Get Streams\n"
             "using an app access token ([discovery] client_id in the config, the secret in $HYPED_TWITCH_CLIENT_SECRET),\n"
             "listed again every --discovery-interval seconds: a channel that went offline or dropped out of the top is\n"
             "left (its last highlight sent first), a new one joined, chat included; --serve's /api/status shows the set.\n"
             "With --cluster, --top N on any number of workers: one of them at a time (the discovery leader, elected\n"
             "through NATS) lists and writes the listing into the cluster's wanted set, which all workers share; the others\n"
             "stand by and take over lease_s after the leader is gone. Channels added with `hyped cluster add` stay.");
  lv->add_option("CHANNEL", live.channels, "Twitch channels to follow");
  lv->add_option("--top", live.top, "Follow the N most watched live channels (Helix Get Streams), re-listed as they change")
      ->check(CLI::Range(1, 1000));
  lv->add_option("--game", live.game, "--top: only this game or category (its name as Twitch spells it, or its id)");
  lv->add_option("--language", live.language, "--top: only streams in this language (ISO 639-1, e.g. en)");
  lv->add_option("--min-viewers", live.min_viewers, "--top: only channels with at least this many viewers")
      ->check(CLI::NonNegativeNumber);
  lv->add_option("--discovery-interval", live.discovery_interval_s,
                 "--top: seconds between listings (default: [discovery] interval_s, 60)")
      ->check(CLI::Range(1.0, 86400.0));
  lv->add_option("--url", live.urls, "HLS master or media playlist to follow (repeatable)");
  lv->add_option("--per-hour", live.per_hour, std::string(kPerHourHelp) + "; [channel.NAME] target_per_hour sets one channel's")
      ->check(CLI::NonNegativeNumber);
  lv->add_option("--config", live.config, "TOML config (see config/hyped.toml)");
  lv->add_option("--record", live.record_dir, "Keep the decoded audio here (float WAV per channel; hyped replay reads it)");
  lv->add_option("--chat-channel", live.chat_channel, "Twitch chat to follow for the one stream (default: each channel's own)");
  lv->add_flag("--no-chat", live.no_chat, "Audio only: do not follow chat");
  lv->add_option("--serve", live.serve,
                 "Serve alerts: websocket /ws, /api/highlights, /api/status, /metrics, /overlay (e.g. 127.0.0.1:8787)");
  lv->add_flag("--dry-run-actions", live.dry_run_actions,
               "Log the [actions] (OBS replay, Twitch clip and marker) each highlight would take; take none");
  lv->add_option("--backend", live.backend, "Compute backend for every channel at once (auto: CUDA when a GPU is usable)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  lv->add_option("--ca-file", live.ca_file, "Extra CA certificates (PEM) to trust for HTTPS");
  lv->add_option("--gql-url", live.gql_url, "Twitch GQL endpoint (default https://gql.twitch.tv/gql)");
  lv->add_option("--usher-url", live.usher_url, "Twitch usher base URL (default https://usher.ttvnw.net)");
  lv->add_option("--client-id", live.client_id, "Client-ID sent to Twitch GQL (default: the web player's)");
  lv->add_flag("--exit-when-offline", live.exit_when_offline,
              "End a Twitch channel's following when it is offline (at start: an error) instead of waiting for its "
              "next broadcast");
  lv->add_option("--offline-poll", live.offline_poll_s,
                 "Seconds between asking Twitch whether an offline channel went live (4x that after 10 min offline)")
      ->check(CLI::Range(1.0, 3600.0))
      ->capture_default_str();
  lv->add_option("--ingest-threads", live.ingest_threads,
                 "Threads fetching and decoding the streams (default 0: the cores less two, at least one)")
      ->check(CLI::Range(0, 1024));
  lv->add_option("--cluster", live.cluster,
                 "Run as a worker of a hyped cluster (nats://HOST:PORT): follow the channels it leases from the cluster's "
                 "wanted set (`hyped cluster add`, or --top on a worker), each Twitch channel with its chat, publish their "
                 "highlights to its stream for `hyped serve`; no CHANNEL or --url then");
  lv->add_option("--worker-id", live.worker_id, "This worker's name in the cluster (default: HOSTNAME-PID)");
  lv->add_flag("--quiet,-q", live.quiet, "Only warnings and errors on stderr");

  hyped::ServeOptions serve;
  auto* sv = app.add_subcommand("serve", "Serve the alerts of a hyped cluster: websocket, API, overlay and webhooks fed from its stream");
  sv->footer("Reads the highlights and action results that `hyped live --cluster` workers publish to NATS JetStream and\n"
             "serves them as `hyped live --serve` would: /ws (with ?since= resumption), /api/highlights, /api/status,\n"
             "/metrics, /overlay, webhooks. At start it reads everything the stream keeps (cluster.retention_h), so clients\n"
             "resume across a restart of the server; several instances may run behind one load balancer (they hand out the\n"
             "same ids). Ctrl-C or SIGTERM ends it.");
  sv->add_option("--cluster", serve.cluster, "NATS server of the cluster, nats://HOST:PORT (default: cluster.url in the config)");
  sv->add_option("--serve", serve.serve, "Where to serve, ADDR:PORT (e.g. 127.0.0.1:8787)")->required();
  sv->add_option("--config", serve.config, "TOML config (see config/hyped.toml: [server], [cluster])");

  hyped::ClusterAdminOptions cluster;
  auto* cl = app.add_subcommand("cluster", "Manage a hyped cluster: the channels it follows, and what its workers do");
  cl->footer("hyped cluster add CHANNEL...      Twitch logins, or NAME=URL for an HLS playlist (NAME: 1-64 of A-Z a-z 0-9 _ -);\n"
             "                                  a Twitch channel brings its chat; NAME=URL --chat-channel LOGIN: that chat\n"
             "hyped cluster remove CHANNEL...   the worker following it lets go within lease_s / 3; while a worker lists\n"
             "                                  the top (--top), a channel removed is not added back as long as it stays\n"
             "                                  listed (`hyped cluster add` brings it back)\n"
             "hyped cluster status [--json]     the discovery leader (which worker lists the top), workers (streams, idle\n"
             "                                  CPU, events published/buffered/dropped), channels (worker, lease age and\n"
             "                                  expiry, hand-overs, detection lag, listed or added by hand)");
  cl->add_option("COMMAND", cluster.command, "add, remove or status")->required()->check(CLI::IsMember({"add", "remove", "status"}));
  cl->add_option("CHANNEL", cluster.channels, "Channels to add (LOGIN or NAME=URL) or remove (NAME)");
  cl->add_option("--cluster", cluster.cluster, "NATS server of the cluster, nats://HOST:PORT (default: cluster.url in the config)");
  cl->add_option("--config", cluster.config, "TOML config (see config/hyped.toml: [cluster])");
  cl->add_flag("--json", cluster.json, "status: one JSON object");
  cl->add_option("--chat-channel", cluster.chat_channel, "add, one channel: the Twitch chat to follow for it");

  hyped::ProfileOptions profile;
  auto* pf = app.add_subcommand("profile", "Time the detector's operations: GPU time vs wall time (the seed's table)");
  pf->add_flag("--comprehensive", profile.comprehensive, "Add host-to-device transfer rows");
  pf->add_option("--device", profile.device, "Backend to profile")->check(CLI::IsMember({"auto", "cpu", "cuda"}))->capture_default_str();
  pf->add_option("--hours", profile.hours, "Audio length of the whole-file rows")->check(CLI::Range(0.01, 24.0))->capture_default_str();
  pf->add_option("--channels", profile.channels, "Channels in the streaming-tick row")->check(CLI::Range(1, 100000))->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "hyped: %s (see hyped --help)\n", e.what());
    return 2;
  }

  try {
    if (rp->parsed()) {
      if (!format.empty()) replay.format = format;
      if (!z_mode.empty()) replay.z_mode = z_mode;
      if (replay.quiet) spdlog::set_level(spdlog::level::warn);
      return hyped::run_replay(replay);
    }
    if (pf->parsed()) return hyped::run_profile(profile);
    if (lv->parsed()) {
      if (live.quiet) spdlog::set_level(spdlog::level::warn);
      return hyped::run_live(live);
    }
    if (sv->parsed()) return hyped::run_serve(serve);
    if (cl->parsed()) return hyped::run_cluster_admin(cluster);
    if (ch->parsed()) {
      if (chat.quiet) spdlog::set_level(spdlog::level::warn);
      return hyped::run_chat(chat);
    }
  } catch (const hyped::ConfigError& e) {
    std::fprintf(stderr, "hyped: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hyped: %s\n", e.what());
    return 1;
  }
  return 0;
}
