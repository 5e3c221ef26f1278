#include "mailauth/dkim.h"

#include <ctime>
#include <map>

#include "mailauth/dkim_crypto.h"
#include "mailauth/util.h"

namespace postroom::mailauth {

const char* to_string(DkimStatus status) {
  switch (status) {
    case DkimStatus::none: return "none";
    case DkimStatus::pass: return "pass";
    case DkimStatus::fail: return "fail";
    case DkimStatus::neutral: return "neutral";
    case DkimStatus::temperror: return "temperror";
    case DkimStatus::permerror: return "permerror";
  }
  return "none";
}

namespace {

bool is_signature_field(const RawField& field) {
  return lower(field.name) == "dkim-signature";
}

// The signature field with the value of b= deleted (§3.7), whitespace around it included.
std::string without_b_value(std::string_view field_text) {
  std::string text(field_text);
  std::size_t pos = text.find(':');
  if (pos == std::string::npos) {
    return text;
  }
  ++pos;
  while (pos <= text.size()) {
    std::size_t end = text.find(';', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::size_t equals = text.find('=', pos);
    if (equals != std::string::npos && equals < end && trim(std::string_view(text).substr(pos, equals - pos)) == "b") {
      text.erase(equals + 1, end - equals - 1);
      return text;
    }
    pos = end + 1;
  }
  return text;
}

// Header data for h= (§5.4.2): for each name, the last not-yet-used field of that name,
// bottom up; a name with no unused field left contributes nothing (oversigning).
std::string signed_header_data(const SplitMessage& split, const std::vector<std::string>& names, Canon canon) {
  std::string data;
  std::map<std::string, std::size_t> used;
  for (const std::string& name : names) {
    std::string key = lower(name);
    std::size_t skip = used[key]++;
    for (std::size_t i = split.fields.size(); i-- > 0;) {
      if (lower(split.fields[i].name) != key) {
        continue;
      }
      if (skip == 0) {
        data.append(canon_header(split.fields[i].text, canon));
        break;
      }
      --skip;
    }
  }
  return data;
}

std::string without_final_crlf(std::string text) {
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  }
  return text;
}

std::uint64_t now_or(std::uint64_t now) {
  return now != 0 ? now : static_cast<std::uint64_t>(std::time(nullptr));
}

DkimResult result_with(DkimResult result, DkimStatus status, std::string reason) {
  result.status = status;
  result.reason = std::move(reason);
  return result;
}

// Everything but the key fetch. `key_records` are the TXT strings found in DNS.
DkimResult verify_one(const SplitMessage& split, const RawField& field, const std::vector<std::string>& key_records,
                      dns::DnsStatus key_status, const DkimVerifyOptions& options, bool have_key_status) {
  DkimResult result;
  auto sig = parse_dkim_signature(field.value());
  if (!sig) {
    return result_with(result, DkimStatus::permerror, sig.error().detail);
  }
  result.domain = sig->domain;
  result.selector = sig->selector;
  result.identity = sig->identity;
  result.b_prefix = sig->b_text.substr(0, 8);
  result.algorithm = sig->algorithm;
  result.weak = sig->algorithm == DkimAlgorithm::rsa_sha1;
  result.body_length = sig->body_length;
  if (result.weak && !options.accept_sha1) {
    return result_with(result, DkimStatus::permerror, "rsa-sha1 not accepted");
  }
  if (sig->expiration && now_or(options.now) > *sig->expiration) {
    return result_with(result, DkimStatus::fail, "signature expired");
  }
  if (have_key_status) {
    if (key_status == dns::DnsStatus::temporary) {
      return result_with(result, DkimStatus::temperror, "key lookup failed temporarily");
    }
    if (key_status != dns::DnsStatus::ok) {
      return result_with(result, DkimStatus::permerror, "no key for signature");
    }
  }
  std::optional<DkimKey> key;
  std::string key_error = "no key for signature";
  for (const std::string& record : key_records) {
    auto parsed = parse_dkim_key(record);
    if (parsed) {
      key = std::move(*parsed);
      break;
    }
    key_error = parsed.error().detail;
  }
  if (!key) {
    return result_with(result, DkimStatus::permerror, key_error);
  }
  result.testing = key->testing;
  if (key->revoked) {
    return result_with(result, DkimStatus::permerror, "key revoked");
  }
  bool sha1 = sig->algorithm == DkimAlgorithm::rsa_sha1;
  if ((sha1 && !key->allows_sha1) || (!sha1 && !key->allows_sha256)) {
    return result_with(result, DkimStatus::permerror, "hash algorithm not allowed by key");
  }
  if (key->strict) {
    std::string i_domain = lower(sig->identity.substr(sig->identity.rfind('@') + 1));
    if (i_domain != sig->domain) {
      return result_with(result, DkimStatus::permerror, "key t=s forbids i= subdomain");
    }
  }
  std::string body = canon_body(split.body, sig->body_canon);
  if (sig->body_length) {
    if (*sig->body_length > body.size()) {
      return result_with(result, DkimStatus::permerror, "l= longer than the body");
    }
    body.resize(static_cast<std::size_t>(*sig->body_length));
  }
  if (dkim_hash(sig->algorithm, body) != sig->body_hash) {
    return result_with(result, DkimStatus::fail, "body hash did not verify");
  }
  std::string data = signed_header_data(split, sig->signed_fields, sig->header_canon);
  data.append(without_final_crlf(canon_header(without_b_value(field.text), sig->header_canon)));
  Status verified = dkim_verify_signature(sig->algorithm, *key, data, sig->signature);
  if (!verified) {
    DkimStatus status = verified.error().kind == ErrorKind::denied ? DkimStatus::fail : DkimStatus::permerror;
    return result_with(result, status, verified.error().detail);
  }
  return result_with(result, DkimStatus::pass, result.weak ? "good signature (weak rsa-sha1)" : "good signature");
}

// Folds a header field at piece boundaries so lines stay within 78 characters (RFC 5322 §2.1.1).
class Folder {
 public:
  static constexpr std::size_t kMaxLine = 78;

  explicit Folder(std::string_view start) : out_(start), line_(start.size()) {}

  void add(std::string_view piece, bool space_before) {
    std::size_t needed = piece.size() + (space_before ? 1 : 0);
    if (line_ + needed > kMaxLine && line_ > 1) {
      out_.append("\r\n ");
      line_ = 1;
    } else if (space_before) {
      out_.push_back(' ');
      ++line_;
    }
    out_.append(piece);
    line_ += piece.size();
  }
  // Adds a long unbreakable-by-syntax value (base64) in chunks that fill each line.
  void add_chunked(std::string_view value) {
    while (!value.empty()) {
      if (line_ >= kMaxLine) {
        out_.append("\r\n ");
        line_ = 1;
      }
      std::size_t room = kMaxLine - line_;
      std::string_view chunk = value.substr(0, room);
      out_.append(chunk);
      line_ += chunk.size();
      value.remove_prefix(chunk.size());
    }
  }
  const std::string& text() const { return out_; }

 private:
  std::string out_;
  std::size_t line_;
};

}  // namespace

std::vector<DkimResult> dkim_verify(dns::Resolver& resolver, std::string_view message,
                                    const DkimVerifyOptions& options) {
  std::string crlf = to_crlf(message);
  SplitMessage split = split_message(crlf);
  std::vector<DkimResult> results;
  for (const RawField& field : split.fields) {
    if (!is_signature_field(field)) {
      continue;
    }
    if (results.size() >= options.max_signatures) {
      break;
    }
    // Parse first so that no DNS query is made for a signature that is broken anyway.
    auto sig = parse_dkim_signature(field.value());
    if (!sig) {
      results.push_back(verify_one(split, field, {}, dns::DnsStatus::ok, options, false));
      continue;
    }
    dns::Answer<std::string> answer = resolver.txt(sig->selector + "._domainkey." + sig->domain);
    results.push_back(verify_one(split, field, answer.records, answer.status, options, true));
  }
  return results;
}

DkimResult dkim_verify_with_key(std::string_view message, std::size_t signature_index, std::string_view key_record,
                                const DkimVerifyOptions& options) {
  std::string crlf = to_crlf(message);
  SplitMessage split = split_message(crlf);
  std::size_t index = 0;
  for (const RawField& field : split.fields) {
    if (is_signature_field(field) && index++ == signature_index) {
      return verify_one(split, field, {std::string(key_record)}, dns::DnsStatus::ok, options, false);
    }
  }
  return DkimResult{};
}

Result<std::string> dkim_sign(std::string_view message, const DkimSignOptions& options) {
  if (options.domain.empty() || options.selector.empty()) {
    return make_error(ErrorKind::bad_syntax, "DKIM signing needs a domain and a selector");
  }
  auto algorithm = dkim_key_algorithm(options.private_key_pem);
  if (!algorithm) {
    return algorithm.error();
  }
  std::string crlf = to_crlf(message);
  SplitMessage split = split_message(crlf);

  std::vector<std::string> names;
  for (const std::string& name : options.headers) {
    std::string key = lower(name);
    for (const RawField& field : split.fields) {
      if (lower(field.name) == key) {
        names.push_back(name);
      }
    }
  }
  for (const std::string& name : options.oversign) {
    names.push_back(name);
  }

  std::string body_hash = base64_encode(dkim_hash(*algorithm, canon_body(split.body, options.body_canon)));
  std::uint64_t timestamp = options.timestamp.value_or(static_cast<std::uint64_t>(std::time(nullptr)));
  auto canon_name = [](Canon canon) { return canon == Canon::simple ? "simple" : "relaxed"; };

  Folder folder("DKIM-Signature: v=1;");
  folder.add(std::string("a=") + to_string(*algorithm) + ";", true);
  folder.add(std::string("c=") + canon_name(options.header_canon) + "/" + canon_name(options.body_canon) + ";", true);
  folder.add("d=" + lower(options.domain) + ";", true);
  folder.add("s=" + options.selector + ";", true);
  if (!options.identity.empty()) {
    folder.add("i=" + options.identity + ";", true);
  }
  folder.add("t=" + std::to_string(timestamp) + ";", true);
  if (options.expires_after) {
    folder.add("x=" + std::to_string(timestamp + *options.expires_after) + ";", true);
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string piece = (i == 0 ? "h=" : ":") + names[i] + (i + 1 == names.size() ? ";" : "");
    folder.add(piece, i == 0);
  }
  folder.add("bh=" + body_hash + ";", true);
  folder.add("b=", true);
  std::string unsigned_field = folder.text() + "\r\n";

  std::string data = signed_header_data(split, names, options.header_canon);
  data.append(without_final_crlf(canon_header(unsigned_field, options.header_canon)));
  auto signed_data = dkim_sign_data(options.private_key_pem, data);
  if (!signed_data) {
    return signed_data.error();
  }
  folder.add_chunked(base64_encode(signed_data->signature));
  return folder.text() + "\r\n";
}

}  // namespace postroom::mailauth
