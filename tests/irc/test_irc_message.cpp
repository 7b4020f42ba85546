#include <doctest/doctest.h>

#include <string>

#include "irc/irc_message.hpp"
#include "irc/twitch_chat.hpp"

using namespace hyped;

namespace {
// Lines as Twitch sends them (dev.twitch.tv/docs/irc: tags, commands and their examples).
const std::string kPrivmsg =
    "@badge-info=;badges=turbo/1;color=#0D4200;display-name=ronni;emotes=25:0-4,12-16/1902:6-10;"
    "id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;room-id=1337;subscriber=0;tmi-sent-ts=1507246572675;turbo=1;"
    "user-id=1337;user-type=global_mod :ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #ronni :Kappa Keepo Kappa\r\n";
const std::string kResub =
    "@badge-info=;badges=staff/1,broadcaster/1,turbo/1;color=#008000;display-name=ronni;emotes=;"
    "id=db25007f-7a18-43eb-9379-80131e44d633;login=ronni;mod=0;msg-id=resub;msg-param-cumulative-months=6;"
    "msg-param-streak-months=2;msg-param-should-share-streak=1;msg-param-sub-plan=Prime;"
    "msg-param-sub-plan-name=Prime;room-id=12345678;subscriber=1;system-msg=ronni\\shas\\ssubscribed\\sfor\\s6\\smonths!;"
    "tmi-sent-ts=1507246572675;turbo=1;user-id=87654321;user-type=staff :tmi.twitch.tv USERNOTICE #dallas "
    ":Great stream -- keep it up!";
const std::string kRaid =
    "@badge-info=;badges=turbo/1;color=#9ACD32;display-name=TestChannel;emotes=;"
    "id=3d830f12-795c-447d-af3c-ea05e40fbddb;login=testchannel;mod=0;msg-id=raid;msg-param-displayName=TestChannel;"
    "msg-param-login=testchannel;msg-param-viewerCount=15;room-id=33332222;subscriber=0;"
    "system-msg=15\\sraiders\\sfrom\\sTestChannel\\shave\\sjoined\\n!;tmi-sent-ts=1507246572675;turbo=1;user-id=123456;"
    "user-type= :tmi.twitch.tv USERNOTICE #othertestchannel";
}  // namespace

TEST_CASE("a Twitch PRIVMSG: tags, prefix, command, params and the chat it carries") {
  const IrcParseResult r = parse_irc_line(kPrivmsg);
  REQUIRE(r.ok());
  const IrcMessage& m = r.message;
  CHECK(m.command == "PRIVMSG");
  CHECK(m.prefix == "ronni!ronni@ronni.tmi.twitch.tv");
  CHECK(m.nick() == "ronni");
  REQUIRE(m.param_count == 2);
  CHECK(m.param(0) == "#ronni");
  CHECK(m.last_param() == "Kappa Keepo Kappa");
  CHECK(m.has_trailing);
  CHECK(m.tag("tmi-sent-ts") == "1507246572675");
  CHECK(m.tag("badge-info") == "");
  CHECK(!m.tag("badge"));  // a prefix of a key is not the key
  CHECK(!m.tag("nonexistent"));

  const auto c = interpret_chat_line(m);
  REQUIRE(c);
  CHECK(c->kind == ChatLineKind::Message);
  CHECK(c->channel == "ronni");
  CHECK(c->user == "ronni");
  CHECK(c->text == "Kappa Keepo Kappa");
  CHECK(c->emotes == 3);
  CHECK(c->room_id == "1337");
  CHECK(c->id == "b34ccfc7-4977-403a-8a94-33c6bac34fb8");
  REQUIRE(c->sent_ms);
  CHECK(*c->sent_ms == 1507246572675);
}

TEST_CASE("USERNOTICE subs and raids are events with their kind, user and unescaped system message") {
  const auto r = parse_irc_line(kResub);
  REQUIRE(r.ok());
  const auto c = interpret_chat_line(r.message);
  REQUIRE(c);
  CHECK(c->kind == ChatLineKind::Event);
  CHECK(c->notice == "resub");
  CHECK(c->user == "ronni");
  CHECK(c->channel == "dallas");
  CHECK(c->text == "Great stream -- keep it up!");
  CHECK(c->emotes == 0);
  CHECK(unescape_tag_value(*r.message.tag("system-msg")) == "ronni has subscribed for 6 months!");
  const ChatLogEntry e = to_chat_log_entry(*c, 1.5);
  CHECK(e.event == "resub");
  CHECK(e.user == "ronni");

  const auto raid = parse_irc_line(kRaid);
  REQUIRE(raid.ok());
  const auto rc = interpret_chat_line(raid.message);
  REQUIRE(rc);
  CHECK(rc->notice == "raid");
  CHECK(rc->text.empty());
  CHECK(rc->user == "testchannel");
  CHECK(unescape_tag_value(*raid.message.tag("system-msg")) == "15 raiders from TestChannel have joined\n!");
}

TEST_CASE("CLEARCHAT, CLEARMSG, PING and RECONNECT") {
  auto r = parse_irc_line("@ban-duration=350;room-id=12345678;target-user-id=87654321;tmi-sent-ts=1642719320727 "
                          ":tmi.twitch.tv CLEARCHAT #dallas :ronni");
  REQUIRE(r.ok());
  auto c = interpret_chat_line(r.message);
  REQUIRE(c);
  CHECK(c->kind == ChatLineKind::ClearChat);
  CHECK(c->notice == "ronni");
  r = parse_irc_line("@login=foo;room-id=;target-msg-id=94e6c7ff-bf98-4faa-af5d-7ad633a158a9;"
                     "tmi-sent-ts=1642720582342 :tmi.twitch.tv CLEARMSG #bar :what a great day");
  REQUIRE(r.ok());
  c = interpret_chat_line(r.message);
  REQUIRE(c);
  CHECK(c->kind == ChatLineKind::ClearMsg);
  CHECK(c->id == "94e6c7ff-bf98-4faa-af5d-7ad633a158a9");

  r = parse_irc_line("PING :tmi.twitch.tv");
  REQUIRE(r.ok());
  CHECK(r.message.command == "PING");
  CHECK(r.message.last_param() == "tmi.twitch.tv");
  CHECK(!interpret_chat_line(r.message));
  r = parse_irc_line(":tmi.twitch.tv RECONNECT\r\n");
  REQUIRE(r.ok());
  CHECK(r.message.command == "RECONNECT");
  CHECK(r.message.param_count == 0);
}

TEST_CASE("plain IRCv3 servers: server-time and msgid stand in for Twitch's tags") {
  const auto r = parse_irc_line("@time=2026-11-25T08:01:02.345Z;msgid=abc :bot!b@127.0.0.1 PRIVMSG #test :\x01" "ACTION waves\x01");
  REQUIRE(r.ok());
  const auto c = interpret_chat_line(r.message);
  REQUIRE(c);
  REQUIRE(c->sent_ms);
  CHECK(*c->sent_ms == 1795593662345LL);  // date -u -d 2026-11-25T08:01:02Z +%s = 1795593662
  CHECK(c->id == "abc");
  CHECK(c->text == "waves");
  CHECK(parse_server_time_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_server_time_ms("2000-02-29T12:00:00.5Z") == 951825600500LL);
  CHECK(!parse_server_time_ms("2000-13-01T00:00:00Z"));
  CHECK(!parse_server_time_ms("yesterday"));
}

TEST_CASE("tag values unescape every IRCv3 escape") {
  CHECK(unescape_tag_value("a\\:b\\sc\\\\d\\re\\nf") == "a;b c\\d\re\nf");
  CHECK(unescape_tag_value("\\x\\") == "x");  // unknown escape drops the backslash; a trailing one is dropped
  CHECK(unescape_tag_value("") == "");
}

TEST_CASE("emote ranges are counted; damaged ones are not") {
  CHECK(count_emotes("") == 0);
  CHECK(count_emotes("25:0-4") == 1);
  CHECK(count_emotes("25:0-4,12-16/1902:6-10") == 3);
  CHECK(count_emotes("emotesv2_abc:0-3,5-8") == 2);
  CHECK(count_emotes("25:0-,x-2/:1-2/3") == 0);
}

TEST_CASE("params, middle and trailing, and spacing") {
  auto r = parse_irc_line(":irc.example 005 me CHANTYPES=# NICKLEN=30 :are supported");
  REQUIRE(r.ok());
  CHECK(r.message.param_count == 4);
  CHECK(r.message.param(3) == "are supported");
  r = parse_irc_line("CAP * NAK :twitch.tv/tags twitch.tv/commands");
  REQUIRE(r.ok());
  CHECK(r.message.param(1) == "NAK");
  r = parse_irc_line("PRIVMSG #a :");  // empty trailing
  REQUIRE(r.ok());
  CHECK(r.message.param_count == 2);
  CHECK(r.message.last_param().empty());
  r = parse_irc_line("@a=b;c  :n!u@h  PRIVMSG   #x   hi");
  REQUIRE(r.ok());
  CHECK(r.message.tag("c") == "");
  CHECK(r.message.param(1) == "hi");
}

TEST_CASE("malformed lines give a reason and never throw") {
  CHECK(parse_irc_line("").error == IrcParseError::Empty);
  CHECK(parse_irc_line("\r\n").error == IrcParseError::Empty);
  CHECK(parse_irc_line("@ PRIVMSG").error == IrcParseError::BadTags);
  CHECK(parse_irc_line("@a=b").error == IrcParseError::BadTags);
  CHECK(parse_irc_line(": PRIVMSG #a :x").error == IrcParseError::BadPrefix);
  CHECK(parse_irc_line(":nick!u@h").error == IrcParseError::NoCommand);
  CHECK(parse_irc_line("PRIV-MSG #a").error == IrcParseError::BadCommand);
  CHECK(parse_irc_line("12 #a").error == IrcParseError::BadCommand);
  CHECK(parse_irc_line(std::string("PRIVMSG #a :x\0y", 16)).error == IrcParseError::NulByte);
  CHECK(parse_irc_line("A 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16").error == IrcParseError::TooManyParams);
  CHECK(parse_irc_line(std::string(kIrcMaxLineBytes + 1, 'A')).error == IrcParseError::TooLong);
  // Not chat: no channel, or a PRIVMSG to a user.
  CHECK(!interpret_chat_line(parse_irc_line("PRIVMSG someone :hi").message));
  CHECK(!interpret_chat_line(parse_irc_line("PRIVMSG #chan").message));
  CHECK(std::string(to_string(IrcParseError::BadTags)) == "malformed tags");
}
