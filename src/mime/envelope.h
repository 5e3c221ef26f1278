// IMAP ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) computed from a message header.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mime/address.h"
#include "mime/header.h"

namespace postroom::mime {

struct Envelope {
  // Unfolded raw values (encoded-words are left for the client to decode, as ENVELOPE
  // wants); nullopt when the field is absent.
  std::optional<std::string> date;
  std::optional<std::string> subject;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> message_id;
  std::vector<Address> from;
  std::vector<Address> sender;    // = from when Sender is absent or empty (RFC 3501)
  std::vector<Address> reply_to;  // = from when Reply-To is absent or empty (RFC 3501)
  std::vector<Address> to;
  std::vector<Address> cc;
  std::vector<Address> bcc;
};

// Builds the envelope from a header's fields (the first of duplicated fields wins).
Envelope make_envelope(const std::vector<HeaderField>& fields);

// IMAP syntax: ("date" "subject" (from) (sender) (reply-to) (to) (cc) (bcc) "in-reply-to"
// "message-id"), an empty address list as NIL, a group as (NIL NIL "name" NIL) ...
// (NIL NIL NIL NIL), an address without a domain with host "".
void append_envelope(std::string& out, const Envelope& envelope);
std::string format_envelope(const Envelope& envelope);

// The envelope of a message without a header: every member NIL.
std::string empty_envelope();

}  // namespace postroom::mime
