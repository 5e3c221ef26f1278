#include "mime/structure.h"

#include <gtest/gtest.h>

#include "mime/bodystructure.h"
#include "mime/test_messages.h"

namespace postroom::mime {
namespace {

using testing::crlf;

// Everything a consumer can see of a tree, as one string, so that trees compare exactly.
void describe(std::string& out, const Part& part) {
  out += "[" + std::to_string(part.header_begin) + "," + std::to_string(part.body_begin) + "," +
         std::to_string(part.body_end) + " l" + std::to_string(part.lines) + " k" +
         std::to_string(static_cast<int>(part.kind)) + " " + part.content_type.type + "/" + part.content_type.subtype;
  for (const HeaderField& f : part.fields) {
    out += " {" + f.name + ":" + f.value + "}";
  }
  if (part.envelope) {
    out += " env=" + format_envelope(*part.envelope);
  }
  for (const Part& child : part.children) {
    describe(out, child);
  }
  out += "]";
}

// Every part lies inside its parent's body, in order.
void expect_nested(const Part& part, std::size_t begin, std::size_t end) {
  EXPECT_LE(begin, part.header_begin);
  EXPECT_LE(part.header_begin, part.body_begin);
  EXPECT_LE(part.body_begin, part.body_end);
  EXPECT_LE(part.body_end, end);
  std::size_t previous_end = part.body_begin;
  for (const Part& child : part.children) {
    EXPECT_LE(previous_end, child.header_begin);
    expect_nested(child, part.body_begin, part.body_end);
    previous_end = child.body_end;
  }
}

std::string describe(const PartTree& tree) {
  std::string out = tree.limits_hit ? "limits " : "";
  out += std::to_string(tree.part_count) + " ";
  describe(out, tree.root);
  return out;
}

// Feeds `chunks` to a PartParser one after the other.
PartTree parse_chunks(const std::vector<std::string_view>& chunks, const Limits& limits = {}) {
  PartParser parser(limits);
  StructureBuilder builder;
  for (std::string_view chunk : chunks) {
    parser.feed(chunk);
    for (;;) {
      PartEvent event = parser.next();
      if (event.kind == PartEvent::Kind::need_more) {
        break;
      }
      builder.on_event(event);
    }
  }
  parser.finish();
  while (!builder.on_event(parser.next())) {
  }
  return builder.take(parser.limits_hit());
}

std::string_view slice(std::string_view message, std::size_t begin, std::size_t end) {
  return message.substr(begin, end - begin);
}

std::string_view body_of(std::string_view message, const PartTree& tree, const std::vector<std::size_t>& path) {
  const Part* part = find_section(tree, path);
  EXPECT_NE(part, nullptr);
  if (part == nullptr) {
    return "<none>";
  }
  return slice(message, part->body_begin, part->body_end);
}

std::string_view mime_of(std::string_view message, const PartTree& tree, const std::vector<std::size_t>& path) {
  const Part* part = find_section(tree, path);
  EXPECT_NE(part, nullptr);
  if (part == nullptr) {
    return "<none>";
  }
  return slice(message, part->header_begin, part->body_begin);
}

TEST(StructureTest, EverySplitPointGivesTheSameTree) {
  Limits small;
  small.max_depth = 2;
  small.max_parts = 4;
  small.max_header_bytes = 64;
  small.max_header_fields = 3;
  for (const Limits& limits : {Limits{}, small}) {
    for (const std::string& message : testing::all_samples()) {
      PartTree tree = parse_structure(message, limits);
      expect_nested(tree.root, 0, message.size());
      EXPECT_EQ(tree.root.body_end, message.size());
      std::string expected = describe(tree);
      for (std::size_t split = 0; split <= message.size(); ++split) {
        std::string_view m = message;
        ASSERT_EQ(describe(parse_chunks({m.substr(0, split), m.substr(split)}, limits)), expected)
            << "split at " << split << " of:\n"
            << message;
      }
      std::vector<std::string_view> bytes;
      for (std::size_t i = 0; i < message.size(); ++i) {
        bytes.push_back(std::string_view(message).substr(i, 1));
      }
      ASSERT_EQ(describe(parse_chunks(bytes, limits)), expected) << "byte by byte:\n" << message;
    }
  }
}

TEST(StructureTest, SimpleMessagePositions) {
  const std::string& m = testing::kSimple;
  PartTree tree = parse_structure(m);
  EXPECT_FALSE(tree.limits_hit);
  EXPECT_EQ(tree.part_count, 1u);
  EXPECT_EQ(tree.root.header_begin, 0u);
  EXPECT_EQ(slice(m, tree.root.body_begin, tree.root.body_end),
            "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n");
  EXPECT_EQ(tree.root.lines, 1u);
  EXPECT_TRUE(mime_of(m, tree, {}).ends_with("US-ASCII\r\n\r\n"));
  // Section 1 of a non-multipart message is its body.
  EXPECT_EQ(find_section(tree, {1}), &tree.root);
  EXPECT_EQ(find_section(tree, {2}), nullptr);
  EXPECT_EQ(find_section(tree, {1, 1}), nullptr);
}

TEST(StructureTest, MultipartPositionsExcludeTheCrlfBeforeTheDelimiter) {
  const std::string& m = testing::kMixed;
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(body_of(m, tree, {1}), "line1\r\nline2");
  EXPECT_EQ(find_section(tree, {1})->lines, 2u);
  EXPECT_EQ(mime_of(m, tree, {1}), "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
  EXPECT_EQ(body_of(m, tree, {2}), "AAAA");
  EXPECT_EQ(find_section(tree, {2})->lines, 1u);
  EXPECT_EQ(find_section(tree, {3}), nullptr);
  // The multipart's own body runs to the end, preamble and epilogue included.
  EXPECT_TRUE(slice(m, tree.root.body_begin, tree.root.body_end).starts_with("preamble\r\n--XX"));
  EXPECT_EQ(tree.root.body_end, m.size());
  EXPECT_EQ(tree.root.lines, 19u - 3u);
}

TEST(StructureTest, NestedSections) {
  const std::string& m = testing::kNested;
  PartTree tree = parse_structure(m);
  EXPECT_FALSE(tree.limits_hit);
  EXPECT_EQ(tree.part_count, 9u);
  EXPECT_EQ(body_of(m, tree, {1, 1}), "Caf=C3=A9");
  EXPECT_EQ(body_of(m, tree, {1, 2}), "<p>Caf&eacute;</p>\r\n");
  EXPECT_EQ(find_section(tree, {1, 2})->lines, 1u);
  EXPECT_EQ(body_of(m, tree, {1}).substr(0, 7), "--alt\r\n");
  EXPECT_TRUE(body_of(m, tree, {1}).ends_with("--alt--\r\n"));
  // 2 is message/rfc822: 2.1 and 2.2 are the parts of the embedded multipart.
  const Part* rfc822 = find_section(tree, {2});
  ASSERT_NE(rfc822, nullptr);
  EXPECT_EQ(rfc822->kind, BodyKind::message);
  ASSERT_EQ(rfc822->children.size(), 1u);
  EXPECT_EQ(rfc822->children[0].header_begin, rfc822->body_begin);
  EXPECT_TRUE(body_of(m, tree, {2}).starts_with("From: Dave"));
  EXPECT_TRUE(body_of(m, tree, {2}).ends_with("--in--\r\n"));
  EXPECT_EQ(body_of(m, tree, {2, 1}), "inner text");
  EXPECT_EQ(mime_of(m, tree, {2, 1}), "\r\n");
  EXPECT_EQ(body_of(m, tree, {2, 2}), "AAECAw==");
  EXPECT_EQ(body_of(m, tree, {3}), "iVBO");
  ASSERT_TRUE(rfc822->children[0].envelope.has_value());
  EXPECT_EQ(rfc822->children[0].envelope->subject, "inner");
}

TEST(StructureTest, BareLfIsTolerated) {
  const std::string& m = testing::kBareLf;
  PartTree tree = parse_structure(m);
  EXPECT_EQ(body_of(m, tree, {1}), "one");
  EXPECT_EQ(mime_of(m, tree, {1}), "\n");
  EXPECT_EQ(body_of(m, tree, {2}), "two\nthree");
  EXPECT_EQ(find_section(tree, {2})->lines, 2u);
}

TEST(StructureTest, MissingCloseDelimiterEndsAtEndOfInput) {
  const std::string& m = testing::kMissingEnd;
  PartTree tree = parse_structure(m);
  EXPECT_EQ(body_of(m, tree, {1}), "unterminated\r\n");
  EXPECT_EQ(find_section(tree, {1})->lines, 1u);
}

TEST(StructureTest, HeaderOnlyMessageHasAnEmptyBody) {
  const std::string& m = testing::kNoBody;
  PartTree tree = parse_structure(m);
  EXPECT_EQ(tree.root.body_begin, m.size());
  EXPECT_EQ(tree.root.body_end, m.size());
  EXPECT_EQ(tree.root.lines, 0u);
  ASSERT_TRUE(tree.root.envelope.has_value());
  EXPECT_EQ(tree.root.envelope->subject, "header only");
}

TEST(StructureTest, EmptyMessage) {
  PartTree tree = parse_structure("");
  EXPECT_EQ(tree.part_count, 1u);
  EXPECT_EQ(tree.root.body_end, 0u);
  EXPECT_EQ(tree.root.content_type.type, "text");
}

TEST(StructureTest, DigestChildrenDefaultToMessage) {
  const std::string& m = testing::kDigest;
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(tree.root.children[0].content_type.type, "message");
  EXPECT_EQ(tree.root.children[0].kind, BodyKind::message);
  EXPECT_EQ(body_of(m, tree, {1, 1}), "one");
  EXPECT_EQ(tree.root.children[1].content_type.type, "text");
}

TEST(StructureTest, MultipartWithoutBoundaryIsText) {
  PartTree tree = parse_structure(testing::kNoBoundary);
  EXPECT_EQ(tree.root.kind, BodyKind::opaque);
  EXPECT_EQ(tree.root.content_type.type, "text");
  EXPECT_EQ(tree.root.content_type.subtype, "plain");
  EXPECT_EQ(tree.root.lines, 2u);
}

TEST(StructureTest, MissingInnerCloseIsClosedByOuterDelimiter) {
  std::string m = crlf(
      "Content-Type: multipart/mixed; boundary=o\n"
      "\n"
      "--o\n"
      "Content-Type: multipart/alternative; boundary=i\n"
      "\n"
      "--i\n"
      "\n"
      "a\n"
      "--o\n"
      "\n"
      "b\n"
      "--o--\n");
  PartTree tree = parse_structure(m);
  EXPECT_EQ(body_of(m, tree, {1, 1}), "a");
  EXPECT_EQ(body_of(m, tree, {2}), "b");
}

TEST(StructureTest, BoundaryPrefixOfAnotherIsNotConfused) {
  std::string m = crlf(
      "Content-Type: multipart/mixed; boundary=ab\n"
      "\n"
      "--ab\n"
      "\n"
      "--abc is text\n"
      "--ab  \n"
      "\n"
      "x\n"
      "--ab--trailing junk\n"
      "--ab\n");
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(body_of(m, tree, {1}), "--abc is text");
  // After the close delimiter the boundary is epilogue text.
  EXPECT_EQ(body_of(m, tree, {2}), "x");
}

TEST(StructureTest, HeaderCutByDelimiterGivesEmptyBody) {
  std::string m = crlf(
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "Content-Type: message/rfc822\n"
      "--b\n"
      "--b--\n");
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 2u);
  const Part& first = tree.root.children[0];
  EXPECT_EQ(first.kind, BodyKind::message);
  EXPECT_EQ(first.body_size(), 0u);
  EXPECT_EQ(first.lines, 0u);
  EXPECT_EQ(mime_of(m, tree, {1}), "Content-Type: message/rfc822");
  EXPECT_EQ(tree.root.children[1].body_size(), 0u);
}

TEST(StructureTest, EmptyAndBlankBodies) {
  std::string m = crlf(
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "\n"
      "--b\n"
      "\n"
      "\n"
      "--b\n"
      "\n"
      "\n"
      "\n"
      "--b--\n");
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 3u);
  EXPECT_EQ(body_of(m, tree, {1}), "");
  EXPECT_EQ(tree.root.children[0].lines, 0u);
  EXPECT_EQ(body_of(m, tree, {2}), "");
  EXPECT_EQ(tree.root.children[1].lines, 0u);
  EXPECT_EQ(body_of(m, tree, {3}), "\r\n");
  EXPECT_EQ(tree.root.children[2].lines, 1u);
}

TEST(StructureTest, DelimiterRightAfterTheBlankLineTakesItsCrlf) {
  const std::string& m = testing::kEmptyBodies;
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 3u);
  EXPECT_EQ(mime_of(m, tree, {1}), "Content-Type: text/plain\r\n");
  EXPECT_EQ(body_of(m, tree, {1}), "");
  EXPECT_EQ(mime_of(m, tree, {2}), "Content-Type: message/rfc822\r\n");
  EXPECT_EQ(body_of(m, tree, {2}), "");
  const Part& embedded = tree.root.children[1].children.at(0);
  EXPECT_EQ(embedded.header_begin, tree.root.children[1].body_end);
  EXPECT_EQ(embedded.body_end, tree.root.children[1].body_end);
  EXPECT_EQ(body_of(m, tree, {3, 1}), "");
  EXPECT_EQ(mime_of(m, tree, {3, 1}), "");
  EXPECT_EQ(body_of(m, tree, {3}), "--c\r\n");
}

TEST(StructureTest, DepthLimitTreatsDeepContainersAsText) {
  std::string m;
  for (int i = 0; i < 40; ++i) {
    m += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" + std::to_string(i) + "\r\n";
  }
  m += "\r\ndeep\r\n";
  Limits limits;
  limits.max_depth = 5;
  PartTree tree = parse_structure(m, limits);
  EXPECT_TRUE(tree.limits_hit);
  EXPECT_EQ(tree.part_count, 6u);
  const Part* part = &tree.root;
  int depth = 0;
  while (!part->children.empty()) {
    part = &part->children[0];
    ++depth;
  }
  EXPECT_EQ(depth, 5);
  EXPECT_EQ(part->kind, BodyKind::opaque);
  EXPECT_EQ(part->body_end, m.size());
}

TEST(StructureTest, NestedMessagesStopAtDepthLimit) {
  std::string m;
  for (int i = 0; i < 100; ++i) {
    m += "Content-Type: message/rfc822\r\n\r\n";
  }
  PartTree tree = parse_structure(m);
  EXPECT_TRUE(tree.limits_hit);
  EXPECT_EQ(tree.part_count, 33u);
  std::string structure = format_body_structure(tree.root, true);
  EXPECT_NE(structure.find("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"), std::string::npos);
}

TEST(StructureTest, PartLimitStopsStructure) {
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 5000; ++i) {
    m += "--b\r\n\r\nx\r\n";
  }
  Limits limits;
  limits.max_parts = 100;
  PartTree tree = parse_structure(m, limits);
  EXPECT_TRUE(tree.limits_hit);
  EXPECT_EQ(tree.part_count, 100u);
  EXPECT_EQ(tree.root.children.size(), 99u);
  // Parts before the limit are intact; the rest is text of the multipart itself.
  EXPECT_EQ(body_of(m, tree, {99}), "x");
  EXPECT_EQ(tree.root.body_end, m.size());
}

TEST(StructureTest, HeaderLimitsDropFieldsButKeepPositions) {
  std::string m = "Subject: kept\r\n";
  for (int i = 0; i < 50; ++i) {
    m += "X-Filler: " + std::string(100, 'a') + "\r\n";
  }
  m += "From: late@example.com\r\n\r\nbody\r\n";
  Limits limits;
  limits.max_header_bytes = 1024;
  PartTree tree = parse_structure(m, limits);
  EXPECT_TRUE(tree.limits_hit);
  EXPECT_EQ(slice(m, tree.root.body_begin, tree.root.body_end), "body\r\n");
  EXPECT_EQ(tree.root.envelope->subject, "kept");
  EXPECT_TRUE(tree.root.envelope->from.empty());

  Limits few;
  few.max_header_fields = 3;
  tree = parse_structure(m, few);
  EXPECT_TRUE(tree.limits_hit);
  EXPECT_EQ(slice(m, tree.root.body_begin, tree.root.body_end), "body\r\n");
  EXPECT_TRUE(tree.root.envelope->from.empty());
}

TEST(StructureTest, VeryLongBodyLinesAreNotBuffered) {
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + std::string(1 << 20, 'x') +
                  "\r\n--b" + std::string(1000, ' ') + "\r\n\r\ny\r\n--b--";
  PartTree tree = parse_structure(m);
  ASSERT_EQ(tree.root.children.size(), 2u);
  EXPECT_EQ(tree.root.children[0].body_size(), 1u << 20);
  EXPECT_EQ(body_of(m, tree, {2}), "y");
}

TEST(HeaderTest, FieldsAreUnfoldedOnRequest) {
  std::vector<HeaderField> fields =
      parse_header_fields("Subject: a\r\n b\r\n\tc\r\nX-Empty:\r\nto: x@y\r\n\r\nFrom: body@not.header\r\n");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].value, " a\r\n b\r\n\tc");
  EXPECT_EQ(field_value(fields, "SUBJECT"), "a b\tc");
  EXPECT_EQ(field_value(fields, "x-empty"), "");
  EXPECT_EQ(field_value(fields, "To"), "x@y");
  EXPECT_EQ(field_value(fields, "From"), std::nullopt);
}

TEST(HeaderTest, GarbageLinesAreSkipped) {
  std::vector<HeaderField> fields = parse_header_fields(testing::kGarbageHeaders);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].name, "Subject");
  EXPECT_EQ(field_value(fields, "subject"), "obsolete space before colon");
}

}  // namespace
}  // namespace postroom::mime

namespace postroom::mime {
namespace {

std::string kind_name(PartEvent::Kind kind) {
  switch (kind) {
    case PartEvent::Kind::need_more: return "more";
    case PartEvent::Kind::part_begin: return "begin";
    case PartEvent::Kind::header_field: return "field";
    case PartEvent::Kind::header_end: return "hend";
    case PartEvent::Kind::part_end: return "end";
    case PartEvent::Kind::end: return "eof";
  }
  return "?";
}

TEST(PartParserTest, EventStream) {
  std::string m = testing::crlf(
      "Subject: s\n"
      " folded\n"
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "X: 1\n"
      "\n"
      "body\n"
      "--b--\n");
  PartParser parser;
  std::string_view view = m;
  std::string log;
  parser.feed(view.substr(0, 20));
  for (;;) {
    PartEvent e = parser.next();
    log += kind_name(e.kind) + "@" + std::to_string(e.depth) + ":" + std::to_string(e.offset);
    if (e.kind == PartEvent::Kind::header_field) {
      log += "{" + std::string(e.name) + "=" + std::string(e.value) + "}";
    }
    if (e.kind == PartEvent::Kind::part_end) {
      log += "/" + std::to_string(e.lines);
    }
    log += " ";
    if (e.kind == PartEvent::Kind::need_more) {
      if (view.size() > 20) {
        view = view.substr(20);
        parser.feed(view.substr(0, 20));
      } else {
        parser.finish();
      }
    }
    if (e.kind == PartEvent::Kind::end) {
      break;
    }
  }
  // Offsets: header 0..66 (blank line included), part 1 header at 71, its body "body" at
  // 79..83 (the CRLF before "--b--" excluded), the multipart body 66..92 has 5 lines. The
  // folded Subject is only emitted once the next line shows it is not continued.
  EXPECT_EQ(log,
            "begin@0:0 more@0:0 more@0:0 more@0:0 field@0:0{Subject= s\r\n folded} "
            "field@0:0{Content-Type= multipart/mixed; boundary=b} hend@0:66 begin@1:71 "
            "field@1:0{X= 1} hend@1:79 more@0:0 end@1:83/1 more@0:0 end@0:92/5 eof@0:92 ");
  EXPECT_EQ(parser.next().kind, PartEvent::Kind::end);  // and forever after
  EXPECT_FALSE(parser.limits_hit());
  EXPECT_EQ(parser.part_count(), 2u);
}

}  // namespace
}  // namespace postroom::mime
