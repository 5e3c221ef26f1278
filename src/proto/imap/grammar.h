// Grammar pieces shared by the command parser and the standalone parse_* helpers.
// Internal to proto/imap.
#pragma once

#include <optional>
#include <variant>

#include "proto/imap/fetch.h"
#include "proto/imap/reader.h"
#include "proto/imap/search.h"

namespace postroom::imap::detail {

// search-key *(SP search-key) up to the end of the text; result kind and_.
std::optional<SearchKey> search_program(Reader& r);

// After "FETCH SP sequence-set SP": the items (macro, one att or a list) and the optional
// modifiers. uid: the command was UID FETCH (VANISHED needs it).
bool fetch_items(Reader& r, FetchArgs& out, bool uid);

// One assembled command exactly as the framer built it: no final line terminator to strip
// (a trailing CRLF belongs to the last literal).
std::variant<Command, ParseError> parse_assembled(std::string_view text, const Limits& limits);

}  // namespace postroom::imap::detail
