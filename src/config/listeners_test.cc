#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace postroom::config {
namespace {

std::string error_of(std::string_view text) {
  Result<Config> result = load_string(text, "postroom.toml");
  return result.ok() ? std::string("<ok>") : result.error().detail;
}

std::vector<Listener> listeners_of(std::string_view text) {
  Result<Config> result = load_string(text, "postroom.toml");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().detail);
  return result.ok() ? result->listeners : std::vector<Listener>{};
}

TEST(Listeners, ReadsEntriesInOrder) {
  std::vector<Listener> listeners = listeners_of(R"(
[[listener]]
service = "pop3"
address = "127.0.0.1"
port = 1110
mode = "plain"

[[listener]]
service = "pop3"
address = "::1"
port = 1995
mode = "tls"
)");
  ASSERT_EQ(listeners.size(), 2u);
  EXPECT_EQ(listeners[0], (Listener{"pop3", "127.0.0.1", 1110, ListenerMode::plain}));
  EXPECT_EQ(listeners[1], (Listener{"pop3", "::1", 1995, ListenerMode::tls}));
}

TEST(Listeners, DefaultsFromTheService) {
  std::vector<Listener> listeners = listeners_of(R"(
[[listener]]
service = "pop3"
[[listener]]
service = "pop3"
mode = "tls"
[[listener]]
service = "imap"
[[listener]]
service = "submissions"
[[listener]]
service = "lmtp"
address = "127.0.0.1"
[[listener]]
service = "http"
mode = "tls"
)");
  ASSERT_EQ(listeners.size(), 6u);
  EXPECT_EQ(listeners[0], (Listener{"pop3", "0.0.0.0", 110, ListenerMode::starttls}));
  EXPECT_EQ(listeners[1], (Listener{"pop3", "0.0.0.0", 995, ListenerMode::tls}));
  EXPECT_EQ(listeners[2], (Listener{"imap", "0.0.0.0", 143, ListenerMode::starttls}));
  EXPECT_EQ(listeners[3], (Listener{"submissions", "0.0.0.0", 465, ListenerMode::tls}));
  EXPECT_EQ(listeners[4], (Listener{"lmtp", "127.0.0.1", 24, ListenerMode::plain}));
  EXPECT_EQ(listeners[5], (Listener{"http", "0.0.0.0", 443, ListenerMode::tls}));
}

TEST(Listeners, EmptyArrayMeansNone) {
  EXPECT_TRUE(listeners_of("listener = []\n").empty());
}

TEST(Listeners, PortRange) {
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\nport = 0\n"),
            "postroom.toml:3: listener[0].port: expected an integer from 1 to 65535, got 0");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\nport = 65536\n"),
            "postroom.toml:3: listener[0].port: expected an integer from 1 to 65535, got 65536");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\nport = \"110\"\n"),
            "postroom.toml:3: listener[0].port: expected an integer from 1 to 65535, got \"110\"");
  EXPECT_EQ(listeners_of("[[listener]]\nservice = \"pop3\"\nport = 65535\n")[0].port, 65535);
  EXPECT_EQ(listeners_of("[[listener]]\nservice = \"pop3\"\nport = 1\n")[0].port, 1);
}

TEST(Listeners, ServiceMustBeKnownAndPresent) {
  EXPECT_EQ(error_of("[[listener]]\nservice = \"gopher\"\n"),
            "postroom.toml:2: listener[0].service: expected one of \"pop3\", \"imap\", \"smtp\", \"submission\", "
            "\"submissions\", \"lmtp\", \"http\", got \"gopher\"");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\n\n[[listener]]\nport = 1110\n"),
            "postroom.toml:4: listener[1].service: missing; every listener names its service, one of \"pop3\", "
            "\"imap\", \"smtp\", \"submission\", \"submissions\", \"lmtp\", \"http\"");
}

TEST(Listeners, ModeEnum) {
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\nmode = \"ssl\"\n"),
            "postroom.toml:3: listener[0].mode: expected one of \"plain\", \"starttls\", \"tls\", got \"ssl\"");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\nmode = true\n"),
            "postroom.toml:3: listener[0].mode: expected one of \"plain\", \"starttls\", \"tls\", got true");
}

TEST(Listeners, StarttlsOnlyWhereTheProtocolHasIt) {
  for (const char* service : {"pop3", "imap", "smtp", "submission"}) {
    std::string text = std::string("[[listener]]\nservice = \"") + service + "\"\nport = 2000\nmode = \"starttls\"\n";
    EXPECT_EQ(error_of(text), "<ok>") << service;
  }
  EXPECT_EQ(error_of("[[listener]]\nservice = \"submissions\"\nmode = \"starttls\"\n"),
            "postroom.toml:3: listener[0].mode: starttls is not available for service \"submissions\" (only for "
            "pop3, imap, smtp, submission)");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"lmtp\"\nmode = \"starttls\"\n"),
            "postroom.toml:3: listener[0].mode: starttls is not available for service \"lmtp\" (only for "
            "pop3, imap, smtp, submission)");
}

TEST(Listeners, PortRequiredWithoutWellKnownOne) {
  EXPECT_EQ(error_of("\n[[listener]]\nservice = \"smtp\"\nmode = \"tls\"\n"),
            "postroom.toml:2: listener[0].port: missing; service \"smtp\" has no well-known port in mode \"tls\"");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"smtp\"\nmode = \"tls\"\nport = 2465\n"), "<ok>");
}

TEST(Listeners, AddressMustBeALiteral) {
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\naddress = \"localhost\"\n"),
            "postroom.toml:3: listener[0].address: must be an IPv4 or IPv6 address such as \"0.0.0.0\", "
            "\"127.0.0.1\", \"::\" or \"::1\", got \"localhost\"");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\naddress = 127\n"),
            "postroom.toml:3: listener[0].address: expected a string, got 127");
}

TEST(Listeners, UnknownKey) {
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\ntls = true\n"),
            "postroom.toml:3: listener[0].tls: unknown key (a listener has service, address, port and mode)");
}

TEST(Listeners, DuplicateAddressAndPort) {
  EXPECT_EQ(error_of(R"([[listener]]
service = "pop3"
address = "127.0.0.1"
port = 1110

[[listener]]
service = "imap"
address = "127.0.0.1"
port = 1110
)"),
            "postroom.toml:6: listener[1]: duplicate address and port 127.0.0.1:1110, already used by "
            "listener[0] on line 1");
  // Different spellings of one IPv6 address are the same socket.
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\naddress = \"::1\"\n"
                     "[[listener]]\nservice = \"pop3\"\naddress = \"0:0::1\"\n"),
            "postroom.toml:4: listener[1]: duplicate address and port [0:0::1]:110, already used by "
            "listener[0] on line 1");
  // Same address, different ports; or same port, different addresses: fine.
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\n[[listener]]\nservice = \"pop3\"\nmode = \"tls\"\n"), "<ok>");
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\naddress = \"127.0.0.1\"\n"
                     "[[listener]]\nservice = \"pop3\"\naddress = \"127.0.0.2\"\n"),
            "<ok>");
}

TEST(Listeners, WildcardOverlapsSpecificAddress) {
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\n"
                     "[[listener]]\nservice = \"pop3\"\naddress = \"127.0.0.1\"\n"),
            "postroom.toml:3: listener[1]: 127.0.0.1:110 overlaps 0.0.0.0:110 of listener[0] on line 1 "
            "(a wildcard address already covers every address of its family)");
  // IPv4 and IPv6 are separate families here (the I/O layer must set IPV6_V6ONLY).
  EXPECT_EQ(error_of("[[listener]]\nservice = \"pop3\"\n"
                     "[[listener]]\nservice = \"pop3\"\naddress = \"::\"\n"),
            "<ok>");
}

TEST(Listeners, WrongShape) {
  EXPECT_EQ(error_of("[listener]\nservice = \"pop3\"\n"),
            "postroom.toml:1: listener: expected an array of tables, written [[listener]], got a table");
  EXPECT_EQ(error_of("listener = [1, 2]\n"),
            "postroom.toml:1: listener: expected an array of tables, written [[listener]], got an array");
}

}  // namespace
}  // namespace postroom::config
