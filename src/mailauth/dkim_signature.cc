#include "mailauth/dkim_signature.h"

#include <charconv>

#include "mailauth/tag_list.h"
#include "mailauth/util.h"

namespace postroom::mailauth {

namespace {

// Entries in h=. Each costs one pass over the header fields when verifying; real
// signatures name about 10-20 (with oversigning). Stops a 64 KB "h=a:a:a:..." from
// costing 30k header scans.
constexpr std::size_t kMaxSignedFields = 128;

Error bad(std::string detail) {
  return make_error(ErrorKind::bad_syntax, std::move(detail));
}

std::string strip_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!is_wsp(c)) {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  // RFC 6376 allows up to 76 digits for l=; anything beyond 64 bits is absurd, so refuse
  // it instead of overflowing.
  text = trim(text);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<Canon> parse_canon(std::string_view text) {
  if (text == "simple") {
    return Canon::simple;
  }
  if (text == "relaxed") {
    return Canon::relaxed;
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(DkimAlgorithm algorithm) {
  switch (algorithm) {
    case DkimAlgorithm::rsa_sha256: return "rsa-sha256";
    case DkimAlgorithm::rsa_sha1: return "rsa-sha1";
    case DkimAlgorithm::ed25519_sha256: return "ed25519-sha256";
  }
  return "rsa-sha256";
}

Result<DkimSignature> parse_dkim_signature(std::string_view value) {
  auto tags = TagList::parse(value);
  if (!tags) {
    return bad("DKIM-Signature: " + tags.error().detail);
  }
  for (const char* required : {"v", "a", "b", "bh", "d", "h", "s"}) {
    if (!tags->find(required)) {
      return bad(std::string("missing ") + required + "= tag");
    }
  }
  DkimSignature sig;
  if (*tags->find("v") != "1") {
    return bad("unsupported version");
  }
  std::string algorithm = lower(*tags->find("a"));
  if (algorithm == "rsa-sha256") {
    sig.algorithm = DkimAlgorithm::rsa_sha256;
  } else if (algorithm == "rsa-sha1") {
    sig.algorithm = DkimAlgorithm::rsa_sha1;
  } else if (algorithm == "ed25519-sha256") {
    sig.algorithm = DkimAlgorithm::ed25519_sha256;
  } else {
    return bad("unknown algorithm " + algorithm);
  }
  sig.b_text = strip_spaces(*tags->find("b"));
  auto b = base64_decode(sig.b_text);
  auto bh = base64_decode(*tags->find("bh"));
  if (!b || !bh || b->empty() || bh->empty()) {
    return bad("b= or bh= is not base64");
  }
  sig.signature = std::move(*b);
  sig.body_hash = std::move(*bh);
  if (const std::string* c = tags->find("c")) {
    std::string_view text = *c;
    std::size_t slash = text.find('/');
    auto header = parse_canon(lower(text.substr(0, slash)));
    auto body = slash == std::string_view::npos ? std::optional<Canon>(Canon::simple)
                                                : parse_canon(lower(text.substr(slash + 1)));
    if (!header || !body) {
      return bad("unknown canonicalization");
    }
    sig.header_canon = *header;
    sig.body_canon = *body;
  }
  sig.domain = lower(*tags->find("d"));
  if (sig.domain.ends_with('.')) {
    sig.domain.pop_back();
  }
  sig.selector = lower(*tags->find("s"));
  if (sig.domain.empty() || sig.selector.empty()) {
    return bad("empty d= or s=");
  }
  std::string_view list = *tags->find("h");
  bool has_from = false;
  while (!list.empty()) {
    std::size_t colon = list.find(':');
    std::string name = lower(trim(list.substr(0, colon)));
    list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
    if (name.empty()) {
      return bad("empty name in h=");
    }
    if (sig.signed_fields.size() >= kMaxSignedFields) {
      return make_error(ErrorKind::limit, "too many h= entries");
    }
    has_from = has_from || name == "from";
    sig.signed_fields.push_back(std::move(name));
  }
  if (!has_from) {
    return bad("h= does not include From");  // §5.4 MUST
  }
  if (const std::string* q = tags->find("q"); q && lower(*q).find("dns/txt") == std::string::npos) {
    return bad("unsupported q=");
  }
  if (const std::string* i = tags->find("i")) {
    sig.identity = *i;
    std::size_t at = i->rfind('@');
    if (at == std::string::npos) {
      return bad("i= without @");
    }
    std::string i_domain = lower(i->substr(at + 1));
    if (!(i_domain == sig.domain || i_domain.ends_with("." + sig.domain))) {
      return bad("i= domain not within d=");  // §3.5 MUST
    }
  } else {
    sig.identity = "@" + sig.domain;
  }
  if (const std::string* l = tags->find("l")) {
    sig.body_length = parse_decimal(*l);
    if (!sig.body_length) {
      return bad("bad l=");
    }
  }
  if (const std::string* t = tags->find("t")) {
    sig.timestamp = parse_decimal(*t);
    if (!sig.timestamp) {
      return bad("bad t=");
    }
  }
  if (const std::string* x = tags->find("x")) {
    sig.expiration = parse_decimal(*x);
    if (!sig.expiration) {
      return bad("bad x=");
    }
    if (sig.timestamp && *sig.expiration < *sig.timestamp) {
      return bad("x= before t=");  // §3.5 MUST
    }
  }
  return sig;
}

Result<DkimKey> parse_dkim_key(std::string_view record) {
  auto tags = TagList::parse(record);
  if (!tags) {
    return bad("key record: " + tags.error().detail);
  }
  DkimKey key;
  if (const std::string* v = tags->find("v")) {
    if (*v != "DKIM1" || tags->tags().front().name != "v") {
      return bad("key record: bad v=");
    }
  }
  if (const std::string* k = tags->find("k")) {
    std::string type = lower(*k);
    if (type == "rsa") {
      key.type = DkimKeyType::rsa;
    } else if (type == "ed25519") {
      key.type = DkimKeyType::ed25519;
    } else {
      return bad("key record: unknown k=" + type);
    }
  }
  if (const std::string* h = tags->find("h")) {
    key.allows_sha1 = false;
    key.allows_sha256 = false;
    std::string_view list = *h;
    while (!list.empty()) {
      std::size_t colon = list.find(':');
      std::string name = lower(trim(list.substr(0, colon)));
      list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
      key.allows_sha1 = key.allows_sha1 || name == "sha1";
      key.allows_sha256 = key.allows_sha256 || name == "sha256";
    }
  }
  if (const std::string* s = tags->find("s")) {
    bool email = false;
    std::string_view list = *s;
    while (!list.empty()) {
      std::size_t colon = list.find(':');
      std::string name = lower(trim(list.substr(0, colon)));
      list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
      email = email || name == "*" || name == "email";
    }
    if (!email) {
      return bad("key record: not for email (s=)");
    }
  }
  if (const std::string* t = tags->find("t")) {
    std::string_view list = *t;
    while (!list.empty()) {
      std::size_t colon = list.find(':');
      std::string flag = lower(trim(list.substr(0, colon)));
      list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
      key.testing = key.testing || flag == "y";
      key.strict = key.strict || flag == "s";
    }
  }
  const std::string* p = tags->find("p");
  if (!p) {
    return bad("key record: missing p=");
  }
  std::string p_text = strip_spaces(*p);
  if (p_text.empty()) {
    key.revoked = true;
    return key;
  }
  auto decoded = base64_decode(p_text);
  if (!decoded) {
    return bad("key record: p= is not base64");
  }
  key.public_key = std::move(*decoded);
  return key;
}

}  // namespace postroom::mailauth
