#include "mime/envelope.h"

#include "mime/imap_string.h"

namespace postroom::mime {

namespace {

std::vector<Address> addresses(const std::vector<HeaderField>& fields, std::string_view name) {
  std::optional<std::string> value = field_value(fields, name);
  if (!value) {
    return {};
  }
  return parse_address_list(*value);
}

std::optional<std::string> non_empty(std::string value) {
  if (value.empty()) {
    return std::nullopt;
  }
  return value;
}

void append_address_list(std::string& out, const std::vector<Address>& list) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const Address& address : list) {
    switch (address.kind) {
      case Address::Kind::group_start:
        out += "(NIL NIL ";
        append_imap_string(out, address.mailbox);
        out += " NIL)";
        break;
      case Address::Kind::group_end: out += "(NIL NIL NIL NIL)"; break;
      case Address::Kind::mailbox:
        out += '(';
        append_imap_nstring(out, non_empty(address.name));
        out += ' ';
        append_imap_nstring(out, non_empty(address.route));
        out += ' ';
        append_imap_string(out, address.mailbox);
        out += ' ';
        // Never NIL: a NIL host means "group" to the client (RFC 3501 §7.4.2).
        append_imap_string(out, address.host);
        out += ')';
        break;
    }
  }
  out += ')';
}

}  // namespace

Envelope make_envelope(const std::vector<HeaderField>& fields) {
  Envelope envelope;
  envelope.date = field_value(fields, "date");
  envelope.subject = field_value(fields, "subject");
  envelope.in_reply_to = field_value(fields, "in-reply-to");
  envelope.message_id = field_value(fields, "message-id");
  envelope.from = addresses(fields, "from");
  envelope.sender = addresses(fields, "sender");
  envelope.reply_to = addresses(fields, "reply-to");
  envelope.to = addresses(fields, "to");
  envelope.cc = addresses(fields, "cc");
  envelope.bcc = addresses(fields, "bcc");
  if (envelope.sender.empty()) {
    envelope.sender = envelope.from;
  }
  if (envelope.reply_to.empty()) {
    envelope.reply_to = envelope.from;
  }
  return envelope;
}

void append_envelope(std::string& out, const Envelope& envelope) {
  out += '(';
  append_imap_nstring(out, envelope.date);
  out += ' ';
  append_imap_nstring(out, envelope.subject);
  out += ' ';
  append_address_list(out, envelope.from);
  out += ' ';
  append_address_list(out, envelope.sender);
  out += ' ';
  append_address_list(out, envelope.reply_to);
  out += ' ';
  append_address_list(out, envelope.to);
  out += ' ';
  append_address_list(out, envelope.cc);
  out += ' ';
  append_address_list(out, envelope.bcc);
  out += ' ';
  append_imap_nstring(out, envelope.in_reply_to);
  out += ' ';
  append_imap_nstring(out, envelope.message_id);
  out += ')';
}

std::string format_envelope(const Envelope& envelope) {
  std::string out;
  append_envelope(out, envelope);
  return out;
}

std::string empty_envelope() {
  return "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
}

}  // namespace postroom::mime
