// What the server's replies mean while a client registers (before 001): the nick length it allows
// (ISUPPORT NICKLEN), a refused nick that a fresh anonymous one may fix, or a refusal that no retry fixes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "irc/irc_message.hpp"

namespace hyped {

// RFC 2812 §1.2.1: nicknames have at most 9 characters unless the server says otherwise.
inline constexpr int kIrcDefaultNickLen = 9;

enum class RegistrationReply {
  Other,        // not an error, or an error that does not stop registration
  NickRefused,  // 432 erroneous, 433 in use, 436 collision: another nick may work
  Refused,      // any other 4xx/5xx (464 bad password, 465 banned, 451 …): registration failed
};

// Classifies a numeric received before 001. A server without IRCv3 capabilities answers CAP with 421
// (unknown command) or 451 (not registered) and registers the client anyway: those are Other.
RegistrationReply classify_registration_reply(const IrcMessage& m);

// Whether the text of an ERROR that closes a connection before 001 says the password was refused.
// Servers differ: some answer 464 first, ngIRCd only closes with "ERROR :Access denied: Bad password?".
bool names_refused_password(std::string_view error_text);

// NICKLEN=n from an RPL_ISUPPORT (005) line; nullopt when the line is not 005 or does not say.
std::optional<int> isupport_nicklen(const IrcMessage& m);

// "justinfan<digits>" (Twitch's anonymous read-only login) taken from `random`, at most `max_len`
// characters (up to 8 digits). Under 10 characters "justinfan" itself is shortened so that four digits fit.
std::string anonymous_nick(int max_len, std::uint32_t random);

}  // namespace hyped
