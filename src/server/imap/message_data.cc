#include "server/imap/message_data.h"

#include <array>
#include <cctype>
#include <utility>

#include "mime/analyze.h"
#include "mime/text.h"

namespace postroom::server::imap {
namespace {

// ---- A small reader for the IMAP data this server wrote itself (ENVELOPE, BODYSTRUCTURE).
// Values: NIL, atoms/numbers, quoted strings, literals {n}\r\n..., and parenthesised lists.
// Nesting is bounded (the MIME limits cap real structures at depth 32; 256 is generous).
constexpr std::size_t kMaxNesting = 256;

struct Value {
  enum class Kind { nil, atom, string, list };
  Kind kind = Kind::nil;
  std::string text;          // atom text or decoded string
  std::vector<Value> items;  // list
  std::size_t begin = 0;     // span in the source
  std::size_t end = 0;
};

class ValueReader {
 public:
  explicit ValueReader(std::string_view text) : text_(text) {}

  std::optional<Value> read(std::size_t depth = 0) {
    skip_spaces();
    if (pos_ >= text_.size() || depth > kMaxNesting) {
      return std::nullopt;
    }
    Value value;
    value.begin = pos_;
    const char c = text_[pos_];
    if (c == '(') {
      value.kind = Value::Kind::list;
      ++pos_;
      for (;;) {
        skip_spaces();
        if (pos_ >= text_.size()) {
          return std::nullopt;
        }
        if (text_[pos_] == ')') {
          ++pos_;
          break;
        }
        auto item = read(depth + 1);
        if (!item) {
          return std::nullopt;
        }
        value.items.push_back(std::move(*item));
      }
    } else if (c == '"') {
      value.kind = Value::Kind::string;
      ++pos_;
      bool closed = false;
      while (pos_ < text_.size()) {
        char ch = text_[pos_++];
        if (ch == '\\' && pos_ < text_.size()) {
          value.text += text_[pos_++];
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          value.text += ch;
        }
      }
      if (!closed) {
        return std::nullopt;
      }
    } else if (c == '{' || c == '~') {
      if (c == '~') {
        ++pos_;
      }
      if (pos_ >= text_.size() || text_[pos_] != '{') {
        return std::nullopt;
      }
      ++pos_;
      std::size_t size = 0;
      std::size_t digits = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0 && digits < 12) {
        size = size * 10 + static_cast<std::size_t>(text_[pos_] - '0');
        ++pos_;
        ++digits;
      }
      if (digits == 0 || text_.substr(pos_, 3) != "}\r\n") {
        return std::nullopt;
      }
      pos_ += 3;
      if (text_.size() - pos_ < size) {
        return std::nullopt;
      }
      value.kind = Value::Kind::string;
      value.text = std::string(text_.substr(pos_, size));
      pos_ += size;
    } else {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != ' ' && text_[pos_] != '(' && text_[pos_] != ')') {
        ++pos_;
      }
      if (pos_ == start) {
        return std::nullopt;
      }
      value.text = std::string(text_.substr(start, pos_ - start));
      value.kind = mime::iequals(value.text, "NIL") ? Value::Kind::nil : Value::Kind::atom;
    }
    value.end = pos_;
    return value;
  }

  bool at_end() {
    skip_spaces();
    return pos_ >= text_.size();
  }

 private:
  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\r' || text_[pos_] == '\n')) {
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<std::string> nstring(const Value& v) {
  if (v.kind == Value::Kind::nil) {
    return std::nullopt;
  }
  return v.text;
}

std::vector<EnvelopeAddress> addresses(const Value& v) {
  std::vector<EnvelopeAddress> out;
  if (v.kind != Value::Kind::list) {
    return out;
  }
  for (const Value& a : v.items) {
    if (a.kind != Value::Kind::list || a.items.size() != 4) {
      continue;
    }
    EnvelopeAddress address;
    address.name = nstring(a.items[0]);
    address.mailbox = nstring(a.items[2]);
    address.host = nstring(a.items[3]);
    out.push_back(std::move(address));
  }
  return out;
}

bool is_list(const Value& v) {
  return v.kind == Value::Kind::list;
}

// Appends the non-extensible form of one body (RFC 9051 `body`) to out.
bool append_body(std::string& out, std::string_view source, const Value& body) {
  if (!is_list(body) || body.items.empty()) {
    return false;
  }
  auto span = [&](const Value& v) { return source.substr(v.begin, v.end - v.begin); };
  out += '(';
  if (is_list(body.items.front())) {
    // body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart]
    std::size_t i = 0;
    while (i < body.items.size() && is_list(body.items[i])) {
      if (!append_body(out, source, body.items[i])) {
        return false;
      }
      ++i;
    }
    if (i >= body.items.size()) {
      return false;
    }
    out += ' ';
    out += span(body.items[i]);
    out += ')';
    return true;
  }
  // body-type-1part: type subtype params id desc enc octets, then per kind.
  if (body.items.size() < 7) {
    return false;
  }
  std::size_t keep = 7;
  const Value& type = body.items[0];
  const Value& subtype = body.items[1];
  const bool message = mime::iequals(type.text, "MESSAGE") && body.items.size() >= 10 && is_list(body.items[7]) &&
                       is_list(body.items[8]);
  if (message) {
    keep = 10;
  } else if (mime::iequals(type.text, "TEXT") && body.items.size() >= 8) {
    keep = 8;
  }
  (void)subtype;
  for (std::size_t i = 0; i < keep; ++i) {
    if (i > 0) {
      out += ' ';
    }
    if (message && i == 8) {
      if (!append_body(out, source, body.items[i])) {
        return false;
      }
    } else {
      out += span(body.items[i]);
    }
  }
  out += ')';
  return true;
}

// ---- RFC 5322 dates.

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                               "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) {
    return 0;
  }
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (mime::iequals(name.substr(0, 3), kMonths[i])) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

bool all_digits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) {
    v = v * 10 + (c - '0');
    if (v > 100000) {
      break;
    }
  }
  return v;
}

// Zone in minutes east of UTC; named zones per RFC 5322 §4.3 (military zones count as +0000).
std::optional<int> zone_minutes(std::string_view token) {
  if (token.size() == 5 && (token[0] == '+' || token[0] == '-') && all_digits(token.substr(1))) {
    const int hh = to_int(token.substr(1, 2));
    const int mm = to_int(token.substr(3, 2));
    if (mm > 59) {
      return std::nullopt;
    }
    const int total = hh * 60 + mm;
    return token[0] == '-' ? -total : total;
  }
  struct Named {
    std::string_view name;
    int minutes;
  };
  static constexpr Named kNamed[] = {{"UT", 0},        {"GMT", 0},       {"Z", 0},         {"EST", -5 * 60},
                                     {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60}, {"MST", -7 * 60},
                                     {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}, {"UTC", 0}};
  for (const Named& n : kNamed) {
    if (mime::iequals(token, n.name)) {
      return n.minutes;
    }
  }
  if (token.size() == 1 && std::isalpha(static_cast<unsigned char>(token[0])) != 0) {
    return 0;
  }
  return std::nullopt;
}

}  // namespace

std::optional<EnvelopeFields> parse_envelope(std::string_view imap_envelope) {
  ValueReader reader(imap_envelope);
  auto value = reader.read();
  if (!value || !reader.at_end() || value->kind != Value::Kind::list || value->items.size() != 10) {
    return std::nullopt;
  }
  const auto& items = value->items;
  EnvelopeFields out;
  out.date = nstring(items[0]);
  out.subject = nstring(items[1]);
  out.from = addresses(items[2]);
  out.sender = addresses(items[3]);
  out.reply_to = addresses(items[4]);
  out.to = addresses(items[5]);
  out.cc = addresses(items[6]);
  out.bcc = addresses(items[7]);
  out.in_reply_to = nstring(items[8]);
  out.message_id = nstring(items[9]);
  return out;
}

std::optional<std::string> body_from_bodystructure(std::string_view bodystructure) {
  ValueReader reader(bodystructure);
  auto value = reader.read();
  if (!value || !reader.at_end()) {
    return std::nullopt;
  }
  std::string out;
  if (!append_body(out, bodystructure, *value)) {
    return std::nullopt;
  }
  return out;
}

std::optional<ParsedDate> parse_rfc5322_date(std::string_view text) {
  // Tokenise on whitespace, ',' and ':' kept as separators for the time.
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  // Drop comments such as "(CET)".
  std::string cleaned;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
      continue;
    }
    if (c == ')' && depth > 0) {
      --depth;
      continue;
    }
    if (depth == 0) {
      cleaned += (c == ',' || c == '\t' || c == '\r' || c == '\n') ? ' ' : c;
    }
  }
  std::string_view s = cleaned;
  while (i < s.size() && tokens.size() < 16) {
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') {
      ++i;
    }
    if (i > start) {
      tokens.push_back(s.substr(start, i - start));
    }
  }
  std::size_t t = 0;
  if (t < tokens.size() && !tokens[t].empty() && std::isalpha(static_cast<unsigned char>(tokens[t][0])) != 0 &&
      month_number(tokens[t]) == 0) {
    ++t;  // day-of-week
  }
  if (t + 3 > tokens.size()) {
    return std::nullopt;
  }
  std::string_view day_token = tokens[t];
  std::string_view month_token = tokens[t + 1];
  // Tolerate "Jan 5 2024" ordering.
  if (!all_digits(day_token) && all_digits(month_token)) {
    std::swap(day_token, month_token);
  }
  if (!all_digits(day_token) || day_token.size() > 2) {
    return std::nullopt;
  }
  const int day = to_int(day_token);
  const int month = month_number(month_token);
  std::string_view year_token = tokens[t + 2];
  if (month == 0 || !all_digits(year_token) || year_token.size() > 4) {
    return std::nullopt;
  }
  int year = to_int(year_token);
  if (year_token.size() == 2) {
    year += year < 50 ? 2000 : 1900;  // RFC 5322 §4.3
  } else if (year_token.size() == 3) {
    year += 1900;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day < 1 || day > kDays[month - 1]) {
    return std::nullopt;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  int zone = 0;
  if (t + 3 < tokens.size()) {
    std::string_view time = tokens[t + 3];
    int parts[3] = {0, 0, 0};
    int count = 0;
    std::size_t p = 0;
    while (p <= time.size() && count < 3) {
      std::size_t colon = time.find(':', p);
      if (colon == std::string_view::npos) {
        colon = time.size();
      }
      std::string_view piece = time.substr(p, colon - p);
      if (!all_digits(piece) || piece.size() > 2) {
        return std::nullopt;
      }
      parts[count++] = to_int(piece);
      p = colon + 1;
    }
    if (count < 2 || parts[0] > 23 || parts[1] > 59 || parts[2] > 60) {
      return std::nullopt;
    }
    hour = parts[0];
    minute = parts[1];
    second = parts[2];
    if (t + 4 < tokens.size()) {
      if (auto z = zone_minutes(tokens[t + 4])) {
        zone = *z;
      }
    }
  }
  ParsedDate out;
  out.year = year;
  out.month = month;
  out.day = day;
  out.utc_seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                    hour * 3600 + minute * 60 + second - static_cast<std::int64_t>(zone) * 60;
  return out;
}

MessageData::MessageData(store::Store& store, store::AccountId account, store::MailboxId mailbox,
                         const store::MessageMeta& meta)
    : store_(&store), account_(account), mailbox_(mailbox), meta_(meta) {}

void MessageData::preload_derived(store::MessageDerived value) {
  if (!value.envelope.empty() && !value.bodystructure.empty()) {
    derived_ = std::move(value);
  }
}

const store::MessageDerived* MessageData::derived() {
  if (derived_) {
    return &*derived_;
  }
  if (derived_failed_) {
    return nullptr;
  }
  ++derived_reads_;
  auto stored = store_->derived(account_, mailbox_, meta_.uid);
  if (!stored.ok() && stored.error().kind != ErrorKind::not_found) {
    derived_failed_ = true;
    error_ = stored.error();
    return nullptr;
  }
  store::MessageDerived value = stored.ok() ? std::move(*stored) : store::MessageDerived{};
  if (value.envelope.empty() || value.bodystructure.empty()) {
    // Rows from before delivery computed these: compute once from the bytes.
    const std::string* message = bytes();
    if (message == nullptr) {
      derived_failed_ = true;
      return nullptr;
    }
    mime::Analysis analysis = mime::analyze(*message);
    if (value.envelope.empty()) {
      value.envelope = std::move(analysis.envelope);
    }
    if (value.bodystructure.empty()) {
      value.bodystructure = std::move(analysis.bodystructure);
    }
  }
  derived_ = std::move(value);
  return &*derived_;
}

const std::string* MessageData::bytes() {
  if (bytes_) {
    return &*bytes_;
  }
  if (bytes_failed_) {
    return nullptr;
  }
  ++blob_reads_;
  auto read = store_->read_message(account_, mailbox_, meta_.uid);
  if (!read.ok()) {
    bytes_failed_ = true;
    error_ = read.error();
    return nullptr;
  }
  bytes_ = std::move(*read);
  return &*bytes_;
}

const mime::PartTree* MessageData::structure() {
  if (structure_) {
    return &*structure_;
  }
  const std::string* message = bytes();
  if (message == nullptr) {
    return nullptr;
  }
  structure_ = mime::parse_structure(*message);
  return &*structure_;
}

const EnvelopeFields* MessageData::envelope() {
  if (envelope_) {
    return &*envelope_;
  }
  if (envelope_failed_) {
    return nullptr;
  }
  const store::MessageDerived* d = derived();
  if (d == nullptr) {
    envelope_failed_ = true;
    return nullptr;
  }
  auto parsed = parse_envelope(d->envelope);
  if (!parsed) {
    envelope_failed_ = true;
    error_ = make_error(ErrorKind::permanent, "stored ENVELOPE does not parse");
    return nullptr;
  }
  envelope_ = std::move(*parsed);
  return &*envelope_;
}

const std::vector<mime::HeaderField>* MessageData::top_header() {
  if (top_header_) {
    return &*top_header_;
  }
  const std::string* message = bytes();
  if (message == nullptr) {
    return nullptr;
  }
  top_header_ = mime::parse_header_fields(*message);
  return &*top_header_;
}

MessageDataFactory store_message_factory(store::Store& store, store::AccountId account, store::MailboxId mailbox) {
  return
      [&store, account, mailbox](const store::MessageMeta& meta) { return MessageData(store, account, mailbox, meta); };
}

}  // namespace postroom::server::imap
