#include "mailauth/auth_results.h"

#include "mailauth/util.h"

namespace postroom::mailauth {

namespace {

bool is_token_char(char c) {
  // RFC 2045 token: any CHAR except SPACE, CTLs and tspecials. "@" is a tspecial but
  // RFC 8601 §2.3 lets a pvalue be an addr-spec, so a "local@domain" is written bare.
  static constexpr std::string_view kSpecials = "()<>,;:\\\"/[]?=";
  return c > 0x20 && c < 0x7f && kSpecials.find(c) == std::string_view::npos;
}

// A pvalue: bare when it is a token (or token@token), else a quoted-string.
std::string pvalue(std::string_view value) {
  bool bare = !value.empty();
  for (char c : value) {
    bare = bare && is_token_char(c);
  }
  if (bare) {
    return std::string(value);
  }
  std::string out = "\"";
  for (char c : value) {
    if (c == '\r' || c == '\n') {
      continue;  // never let a value break the field
    }
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string reason(std::string_view detail) {
  return " reason=" + pvalue(detail);
}

}  // namespace

std::string format_authentication_results(const AuthResultsInput& input) {
  std::vector<std::string> results;
  if (input.spf) {
    std::string spf = std::string("spf=") + to_string(input.spf->result);
    if (input.spf->result != SpfResult::pass && !input.spf->reason.empty()) {
      spf += reason(input.spf->reason);
    }
    if (!input.mail_from.empty()) {
      spf += " smtp.mailfrom=" + pvalue(input.mail_from);
    } else {
      spf += " smtp.helo=" + pvalue(input.helo);
    }
    results.push_back(std::move(spf));
  }
  if (input.dkim.empty()) {
    results.push_back("dkim=none");
  }
  for (const DkimResult& dkim : input.dkim) {
    std::string text = std::string("dkim=") + to_string(dkim.status);
    if (dkim.status != DkimStatus::pass || dkim.weak || dkim.testing) {
      std::string detail = dkim.reason;
      if (dkim.testing) {
        detail += detail.empty() ? "key in testing mode" : "; key in testing mode";
      }
      if (!detail.empty()) {
        text += reason(detail);
      }
    }
    if (!dkim.domain.empty()) {
      text += " header.d=" + pvalue(dkim.domain);
    }
    if (!dkim.selector.empty()) {
      text += " header.s=" + pvalue(dkim.selector);
    }
    if (!dkim.b_prefix.empty()) {
      text += " header.b=" + pvalue(dkim.b_prefix);
    }
    results.push_back(std::move(text));
  }
  if (input.dmarc) {
    std::string text = std::string("dmarc=") + to_string(input.dmarc->result);
    if (input.dmarc->result == DmarcResult::fail) {
      text += std::string(" (p=") + to_string(input.dmarc->policy) + ")";
    }
    if (!input.header_from.empty()) {
      text += " header.from=" + pvalue(input.header_from);
    }
    results.push_back(std::move(text));
  }
  std::string out = "Authentication-Results: " + pvalue(input.authserv_id) + ";";
  if (results.empty()) {
    return out + " none\r\n";
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    out += "\r\n " + results[i] + (i + 1 < results.size() ? ";" : "");
  }
  return out + "\r\n";
}

std::string strip_authentication_results(std::string_view message, std::string_view authserv_id) {
  std::string out;
  out.reserve(message.size());
  std::string wanted = lower(authserv_id);
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t eol = message.find('\n', pos);
    std::size_t line_end = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, line_end - pos);
    if (line == "\n" || line == "\r\n") {
      break;  // end of header: the body is copied unchanged below
    }
    // The whole field: this line plus continuation lines.
    std::size_t end = line_end;
    while (end < message.size() && (message[end] == ' ' || message[end] == '\t')) {
      std::size_t next = message.find('\n', end);
      end = next == std::string_view::npos ? message.size() : next + 1;
    }
    std::string_view field = message.substr(pos, end - pos);
    bool drop = false;
    std::size_t colon = field.find(':');
    if (colon != std::string_view::npos && lower(trim(field.substr(0, colon))) == "authentication-results") {
      // authserv-id is the first value word, before ";" or an optional version number.
      std::string_view value = trim(field.substr(colon + 1));
      // Skip leading comments "(...)" a forger could use to hide the id.
      while (value.starts_with("(")) {
        std::size_t close = value.find(')');
        value = close == std::string_view::npos ? std::string_view{} : trim(value.substr(close + 1));
      }
      std::size_t id_end = value.find_first_of("; \t\r\n(");
      std::string id = lower(value.substr(0, id_end));
      if (id.size() >= 2 && id.front() == '"' && id.back() == '"') {
        id = id.substr(1, id.size() - 2);
      }
      drop = id == wanted;
    }
    if (!drop) {
      out.append(field);
    }
    pos = end;
  }
  out.append(message.substr(pos));
  return out;
}

}  // namespace postroom::mailauth
