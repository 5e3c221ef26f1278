// RFC 5322 §3.4 address lists, parsed leniently for IMAP ENVELOPE (RFC 3501 §7.4.2).
//
// Contract: never fails; whatever can be read as an address is returned.
// - Groups ("team: a@b, c@d;") appear as a group_start item (mailbox = group name), the
//   members, then a group_end item, exactly the IMAP ENVELOPE shape.
// - Display names are returned as written (encoded-words not decoded, as ENVELOPE wants),
//   with quoted-string quoting removed and words joined by one space. With no display
//   name, a trailing comment ("a@b (Name)") is used as the name.
// - A quoted local part keeps its quotes ("\"john doe\"@x" => mailbox "\"john doe\""), so
//   that mailbox "@" host is still a valid address.
// - Obsolete source routes (<@a,@b:user@host>) land in `route` as "@a,@b".
// - An address without "@" has an empty host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postroom::mime {

struct Address {
  enum class Kind { mailbox, group_start, group_end };
  Kind kind = Kind::mailbox;
  std::string name;     // display name; empty = none
  std::string route;    // obsolete source route; empty = none
  std::string mailbox;  // local part, or the group name for group_start
  std::string host;     // domain; empty when missing

  bool operator==(const Address&) const = default;
};

std::vector<Address> parse_address_list(std::string_view value);

}  // namespace postroom::mime
