#include "server/pop3/dot_stuffer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proto/pop3/response.h"

namespace postroom::server::pop3 {
namespace {

std::string reference(std::string_view message) {
  std::string out;
  postroom::pop3::append_dot_stuffed(out, message);
  return out;
}

std::string stuffed(std::string_view message, std::vector<std::size_t> splits) {
  DotStuffer stuffer;
  std::string out;
  std::size_t pos = 0;
  for (std::size_t split : splits) {
    stuffer.feed(message.substr(pos, split - pos), out);
    pos = split;
  }
  stuffer.feed(message.substr(pos), out);
  stuffer.finish(out);
  return out;
}

// Every input, whole and cut at every one and every two split points, matches the proto
// helper that RETR used before.
void expect_same_at_every_split(std::string_view message) {
  const std::string expected = reference(message);
  EXPECT_EQ(stuffed(message, {}), expected) << message;
  for (std::size_t i = 0; i <= message.size(); ++i) {
    EXPECT_EQ(stuffed(message, {i}), expected) << message << " split " << i;
    for (std::size_t j = i; j <= message.size(); ++j) {
      ASSERT_EQ(stuffed(message, {i, j}), expected) << message << " splits " << i << "," << j;
    }
  }
}

TEST(DotStuffer, MatchesProtoEncoding) {
  for (std::string_view message : {
           "",
           "a",
           "\r\n",
           "\n",
           "\r",
           ".",
           "..\r\n",
           "Subject: x\r\n\r\nbody\r\n",
           "Subject: x\r\n\r\n.\r\n.hidden\r\n..two\r\nend",
           "bare\nlf\n.dot\nend\n",
           "bare\rcr\r.dot\rend\r",
           "mixed\r\n\n\r\r\n.\r.\n.\r\n",
           "\r\r\n\n\r.",
           "no final newline.",
       }) {
    expect_same_at_every_split(message);
  }
}

TEST(DotStuffer, RandomInputs) {
  std::mt19937 random(1939);
  const char alphabet[] = {'a', '.', '\r', '\n'};
  for (int round = 0; round < 300; ++round) {
    std::string message(random() % 24, ' ');
    for (char& c : message) {
      c = alphabet[random() % 4];
    }
    expect_same_at_every_split(message);
  }
}

TEST(DotStuffer, ReusableAfterFinish) {
  DotStuffer stuffer;
  std::string out;
  stuffer.feed("one\r", out);
  stuffer.finish(out);
  stuffer.feed("\n.two", out);
  stuffer.finish(out);
  EXPECT_EQ(out, "one\r\n\r\n..two\r\n");
}

}  // namespace
}  // namespace postroom::server::pop3
