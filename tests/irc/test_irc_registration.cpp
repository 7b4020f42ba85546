#include <doctest/doctest.h>

#include <string>

#include "irc/irc_registration.hpp"

using namespace hyped;

namespace {
IrcMessage parsed(const std::string& line) {
  static std::string keep;  // the message's views point into it
  keep = line;
  const IrcParseResult r = parse_irc_line(keep);
  REQUIRE(r.ok());
  return r.message;
}
}  // namespace

TEST_CASE("refused nicks are told apart from refusals that no retry fixes") {
  // As ngIRCd and InspIRCd word them.
  CHECK(
      classify_registration_reply(parsed(":irc.test 432 * justinfan12345678 :Nickname too long, max. 9 characters")) ==
      RegistrationReply::NickRefused);
  CHECK(classify_registration_reply(parsed(":irc.test 433 * justinfan1 :Nickname already in use")) ==
        RegistrationReply::NickRefused);
  CHECK(classify_registration_reply(parsed(":irc.test 436 * justinfan1 :Nickname collision KILL")) ==
        RegistrationReply::NickRefused);
  CHECK(classify_registration_reply(parsed(":irc.test 464 * :Password incorrect")) == RegistrationReply::Refused);
  CHECK(classify_registration_reply(parsed(":irc.test 465 * :You are banned from this server")) ==
        RegistrationReply::Refused);
  CHECK(classify_registration_reply(parsed(":irc.test 451 * JOIN :You have not registered")) ==
        RegistrationReply::Refused);
  CHECK(classify_registration_reply(parsed(":irc.test 502 * :Cannot change mode for other users")) ==
        RegistrationReply::Refused);
}

TEST_CASE("a server without capabilities answering CAP does not stop registration") {
  CHECK(classify_registration_reply(parsed(":irc.test 421 * CAP :Unknown command")) == RegistrationReply::Other);
  CHECK(classify_registration_reply(parsed(":irc.test 451 * CAP :You have not registered")) ==
        RegistrationReply::Other);
  CHECK(classify_registration_reply(parsed(":irc.test 410 * FOO :Invalid CAP command")) == RegistrationReply::Other);
}

TEST_CASE("replies that are not errors are left alone") {
  CHECK(classify_registration_reply(parsed(":irc.test 001 me :Welcome")) == RegistrationReply::Other);
  CHECK(classify_registration_reply(parsed(":irc.test 375 me :- message of the day")) == RegistrationReply::Other);
  CHECK(classify_registration_reply(parsed(":irc.test NOTICE * :*** Looking up your hostname")) ==
        RegistrationReply::Other);
  CHECK(classify_registration_reply(parsed(":irc.test CAP * NAK :twitch.tv/tags")) == RegistrationReply::Other);
  CHECK(classify_registration_reply(parsed(":irc.test 900 me me!u@h me :You are now logged in")) ==
        RegistrationReply::Other);
}

TEST_CASE("an ERROR that names the password is told from other closing reasons") {
  CHECK(names_refused_password("Access denied: Bad password?"));  // ngIRCd
  CHECK(names_refused_password("Closing link: (hyped@127.0.0.1) [Invalid PASSWORD]"));
  CHECK_FALSE(names_refused_password("Closing link: (hyped@127.0.0.1) [Throttled: Reconnecting too fast]"));
  CHECK_FALSE(names_refused_password("Server going down"));
  CHECK_FALSE(names_refused_password(""));
  CHECK_FALSE(names_refused_password("passwor"));
}

TEST_CASE("NICKLEN is read from ISUPPORT, wherever it sits on the line") {
  CHECK(isupport_nicklen(
            parsed(":irc.test 005 me RFC2812 IRCD=ngIRCd CHARSET=UTF-8 CASEMAPPING=ascii PREFIX=(qaohv)~&@%+ "
                   "CHANTYPES=#&+ CHANMODES=beI,k,l,imMnOPQRstVz CHANLIMIT=#&+:10 :are supported on this server")) ==
        std::nullopt);
  CHECK(isupport_nicklen(parsed(":irc.test 005 me EXCEPTS=e INVEX=I PENALTY NICKLEN=9 TOPICLEN=490 :are supported")) ==
        9);
  CHECK(isupport_nicklen(parsed(":irc.test 005 me NICKLEN=31")) == 31);  // no trailing text
  CHECK(isupport_nicklen(parsed(":irc.test 005 me NICKLEN= :are supported")) == std::nullopt);
  CHECK(isupport_nicklen(parsed(":irc.test 005 me NICKLEN=x9 :are supported")) == std::nullopt);
  CHECK(isupport_nicklen(parsed(":irc.test 004 me NICKLEN=9 :not ISUPPORT")) == std::nullopt);
  CHECK(isupport_nicklen(parsed(":irc.test 005 me TOPICLEN=3 :NICKLEN=9 in the text does not count")) == std::nullopt);
}

TEST_CASE("anonymous nicks fit the server's nick length") {
  for (std::uint32_t r : {0u, 1u, 7u, 12345u, 99999999u, 4294967295u}) {
    const std::string twitch = anonymous_nick(17, r);
    CHECK(twitch.size() == 17);
    CHECK(twitch.starts_with("justinfan"));
    const std::string rfc = anonymous_nick(9, r);  // RFC 2812's 9: "justinfan" alone is 9, so it gives way
    CHECK(rfc.size() == 9);
    CHECK(rfc.starts_with("justi"));
    CHECK(rfc.find_first_not_of("0123456789", 5) == std::string::npos);
    CHECK(anonymous_nick(12, r).size() == 12);
    CHECK(anonymous_nick(12, r).starts_with("justinfan"));
    CHECK(anonymous_nick(30, r).size() == 17);  // 8 digits at most, as Twitch hands out
    CHECK(anonymous_nick(1, r).size() == 5);    // a server that says less than that gets what is possible
  }
  CHECK(anonymous_nick(17, 1) != anonymous_nick(17, 2));
  CHECK(anonymous_nick(10, 0) == "justinfan1");
}
