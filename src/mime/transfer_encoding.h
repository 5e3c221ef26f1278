// Content-Transfer-Encoding decoders (RFC 2045 §6.7 quoted-printable, §6.8 base64).
// Reusable by IMAP BINARY, SEARCH and anything that needs a part's decoded octets.
//
// Contract:
// - Incremental: feed() may be called with any split of the input; the concatenation of
//   every feed() result and finish() is identical for every split.
// - Lenient, never failing (RFC 2045 asks decoders to be robust): base64 ignores characters
//   outside its alphabet; quoted-printable keeps a malformed "=" sequence literally.
// - Memory: each decoder holds O(1) state, except quoted-printable's pending run of
//   whitespace, which is capped (see kMaxPendingWhitespace in the .cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postroom::mime {

class Base64Decoder {
 public:
  // Returns the bytes completed by `input`.
  std::string feed(std::string_view input);
  // Returns the bytes of a final unpadded group; call once at end of input.
  std::string finish();
  // True when input had characters outside the alphabet or a dangling single sextet.
  bool saw_garbage() const { return saw_garbage_; }

 private:
  std::uint32_t bits_ = 0;
  int sextets_ = 0;
  bool saw_garbage_ = false;
};

class QuotedPrintableDecoder {
 public:
  std::string feed(std::string_view input);
  std::string finish();

 private:
  enum class State { text, equals, equals_hex, equals_cr, equals_space };
  State state_ = State::text;
  char first_hex_ = 0;
  std::string pending_space_;  // whitespace not yet known to be trailing (RFC 2045 rule 3)
};

// One-shot forms.
std::string decode_base64(std::string_view input);
std::string decode_quoted_printable(std::string_view input);

// Decodes `body` according to a Content-Transfer-Encoding value (case-insensitive).
// 7bit, 8bit, binary, empty and unknown encodings return the body unchanged.
std::string decode_transfer_encoding(std::string_view encoding, std::string_view body);

}  // namespace postroom::mime
