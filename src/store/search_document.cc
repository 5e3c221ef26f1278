#include "store/search_document.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "mime/charset.h"
#include "mime/content_type.h"
#include "mime/encoded_word.h"
#include "mime/header.h"
#include "mime/structure.h"
#include "mime/text.h"
#include "mime/transfer_encoding.h"

namespace postroom::store {
namespace {

void append_capped(std::string& out, std::string_view text, std::size_t cap) {
  if (out.size() >= cap) {
    return;
  }
  std::size_t room = cap - out.size();
  if (text.size() <= room) {
    out.append(text);
    return;
  }
  // Cut on a UTF-8 boundary so the output stays valid.
  std::size_t cut = room;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  out.append(text.substr(0, cut));
}

void append_line(std::string& field, std::string_view value) {
  if (!field.empty()) {
    field += '\n';
  }
  append_capped(field, value, kMaxSearchHeaderBytes);
}

// "name: value\n" for every field, values decoded.
void add_header_block(std::string& out, const std::vector<mime::HeaderField>& fields, std::size_t cap,
                      SearchDocument* top) {
  for (const mime::HeaderField& field : fields) {
    std::string value = mime::decode_encoded_words(mime::unfold(field.value));
    std::string line = field.name + ": " + value + "\n";
    append_capped(out, line, cap);
    if (top == nullptr) {
      continue;
    }
    if (mime::iequals(field.name, "From")) {
      append_line(top->from, value);
    } else if (mime::iequals(field.name, "To")) {
      append_line(top->to, value);
    } else if (mime::iequals(field.name, "Cc")) {
      append_line(top->cc, value);
    } else if (mime::iequals(field.name, "Bcc")) {
      append_line(top->bcc, value);
    } else if (mime::iequals(field.name, "Subject")) {
      append_line(top->subject, value);
    }
  }
}

void add_part_text(std::string_view message, const mime::Part& part, std::string& body) {
  if (body.size() >= kMaxSearchBodyBytes) {
    return;
  }
  if (part.kind == mime::BodyKind::multipart) {
    for (const mime::Part& child : part.children) {
      add_part_text(message, child, body);
    }
    return;
  }
  if (part.kind == mime::BodyKind::message) {
    for (const mime::Part& child : part.children) {
      // The attached message's header is text of the outer body (RFC 9051 BODY searches
      // the whole body of the message).
      std::string_view header = message.substr(child.header_begin, child.header_size());
      add_header_block(body, mime::parse_header_fields(header), kMaxSearchBodyBytes, nullptr);
      add_part_text(message, child, body);
    }
    return;
  }
  if (part.content_type.type != "text") {
    return;
  }
  std::string_view raw = message.substr(part.body_begin, part.body_size());
  std::string decoded = mime::decode_transfer_encoding(part.encoding, raw);
  std::string charset = "us-ascii";
  if (const mime::Param* param = mime::find_param(part.content_type.params, "charset"); param != nullptr) {
    charset = param->value;
  }
  std::optional<std::string> utf8 = mime::charset_to_utf8(charset, decoded);
  std::string text = utf8 ? std::move(*utf8) : mime::sanitize_utf8(decoded);
  if (!body.empty() && body.back() != '\n') {
    append_capped(body, "\n", kMaxSearchBodyBytes);
  }
  append_capped(body, text, kMaxSearchBodyBytes);
}

// Decodes one UTF-8 sequence at `i`; returns the code point or nullopt (invalid), and the
// length consumed in `length`.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t i, std::size_t& length) {
  auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) {
    length = 1;
    return byte;
  }
  std::size_t need = 0;
  char32_t cp = 0;
  if ((byte & 0xE0) == 0xC0) {
    need = 1;
    cp = byte & 0x1F;
  } else if ((byte & 0xF0) == 0xE0) {
    need = 2;
    cp = byte & 0x0F;
  } else if ((byte & 0xF8) == 0xF0) {
    need = 3;
    cp = byte & 0x07;
  } else {
    length = 1;
    return std::nullopt;
  }
  if (i + need >= text.size()) {
    length = 1;
    return std::nullopt;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) {
      length = 1;
      return std::nullopt;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  length = need + 1;
  return cp;
}

void encode_utf8(char32_t cp, std::string& out) {
  mime::append_utf8(out, static_cast<std::uint32_t>(cp));
}

char32_t fold(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') {
    return cp + 0x20;
  }
  if (cp < 0xC0) {
    return cp;
  }
  if (cp <= 0xDE && cp != 0xD7) {
    return cp + 0x20;  // Latin-1 À..Þ
  }
  if (cp >= 0x100 && cp <= 0x17F) {  // Latin Extended-A: alternating upper/lower pairs
    if (cp == 0x178) {
      return 0xFF;
    }
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) {
      return (cp % 2 == 0) ? cp + 1 : cp;
    }
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
      return (cp % 2 == 1) ? cp + 1 : cp;
    }
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {
    return cp + 0x20;  // Greek capitals
  }
  if (cp >= 0x410 && cp <= 0x42F) {
    return cp + 0x20;  // Cyrillic А..Я
  }
  if (cp >= 0x400 && cp <= 0x40F) {
    return cp + 0x50;  // Cyrillic Ѐ..Џ
  }
  return cp;
}

}  // namespace

SearchDocument extract_search_document(std::string_view message) {
  SearchDocument document;
  mime::PartTree tree = mime::parse_structure(message);
  std::string_view header = message.substr(tree.root.header_begin, tree.root.header_size());
  add_header_block(document.headers, mime::parse_header_fields(header), kMaxSearchHeaderBytes, &document);
  add_part_text(message, tree.root, document.body);
  return document;
}

std::string fold_case(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t length = 1;
    std::optional<char32_t> cp = decode_utf8(utf8, i, length);
    if (!cp) {
      out += utf8[i];
    } else {
      encode_utf8(fold(*cp), out);
    }
    i += length;
  }
  return out;
}

std::size_t utf8_length(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

HeaderLookup header_values(std::string_view headers, std::string_view name) {
  HeaderLookup lookup;
  while (!headers.empty()) {
    std::size_t end = headers.find('\n');
    std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 1);
    std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos) {
      continue;
    }
    if (mime::iequals(line.substr(0, colon), name)) {
      if (lookup.found) {
        lookup.values += '\n';
      }
      lookup.found = true;
      lookup.values.append(line.substr(colon + 2));
    }
  }
  return lookup;
}

}  // namespace postroom::store
