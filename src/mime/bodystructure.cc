#include "mime/bodystructure.h"

#include "mime/imap_string.h"
#include "mime/text.h"

namespace postroom::mime {

namespace {

constexpr std::string_view kEmptyTextPart = R"x(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0))x";

void append_upper(std::string& out, std::string_view value) {
  append_imap_string(out, to_upper_ascii(value));
}

void append_params(std::string& out, const std::vector<Param>& params) {
  if (params.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  bool first = true;
  for (const Param& param : params) {
    if (!first) {
      out += ' ';
    }
    first = false;
    append_upper(out, param.extended ? param.name + "*" : param.name);
    out += ' ';
    append_imap_string(out, param.value);
  }
  out += ')';
}

void append_disposition(std::string& out, const std::optional<Disposition>& disposition) {
  if (!disposition) {
    out += "NIL";
    return;
  }
  out += '(';
  append_upper(out, disposition->type);
  out += ' ';
  append_params(out, disposition->params);
  out += ')';
}

void append_language(std::string& out, const std::vector<std::string>& language) {
  if (language.empty()) {
    out += "NIL";
  } else if (language.size() == 1) {
    append_imap_string(out, language.front());
  } else {
    out += '(';
    for (std::size_t i = 0; i < language.size(); ++i) {
      if (i > 0) {
        out += ' ';
      }
      append_imap_string(out, language[i]);
    }
    out += ')';
  }
}

// body-ext-1part / the tail of body-ext-mpart: disposition, language, location.
void append_dsp_lang_loc(std::string& out, const Part& part) {
  out += ' ';
  append_disposition(out, part.disposition);
  out += ' ';
  append_language(out, part.language);
  out += ' ';
  append_imap_nstring(out, part.location);
}

void append_multipart(std::string& out, const Part& part, bool extensible) {
  out += '(';
  if (part.children.empty()) {
    out += kEmptyTextPart;
    if (extensible) {
      out.insert(out.size() - 1, " NIL NIL NIL NIL");
    }
  }
  for (const Part& child : part.children) {
    append_body_structure(out, child, extensible);
  }
  out += ' ';
  append_upper(out, part.content_type.subtype);
  if (extensible) {
    out += ' ';
    append_params(out, part.content_type.params);
    append_dsp_lang_loc(out, part);
  }
  out += ')';
}

void append_single(std::string& out, const Part& part, bool extensible) {
  const ContentType& type = part.content_type;
  out += '(';
  append_upper(out, type.type);
  out += ' ';
  append_upper(out, type.subtype);
  out += ' ';
  append_params(out, type.params);
  out += ' ';
  append_imap_nstring(out, part.id);
  out += ' ';
  append_imap_nstring(out, part.description);
  out += ' ';
  append_upper(out, part.encoding.empty() ? std::string_view("7bit") : std::string_view(part.encoding));
  out += ' ';
  out += std::to_string(part.body_size());
  if (type.type == "message" && type.subtype == "rfc822") {
    out += ' ';
    if (part.kind == BodyKind::message && !part.children.empty()) {
      const Part& embedded = part.children.front();
      if (embedded.envelope) {
        append_envelope(out, *embedded.envelope);
      } else {
        out += empty_envelope();
      }
      out += ' ';
      append_body_structure(out, embedded, extensible);
    } else {
      out += empty_envelope();
      out += ' ';
      out += kEmptyTextPart;
      if (extensible) {
        out.insert(out.size() - 1, " NIL NIL NIL NIL");
      }
    }
    out += ' ';
    out += std::to_string(part.lines);
  } else if (type.type == "text") {
    out += ' ';
    out += std::to_string(part.lines);
  }
  if (extensible) {
    out += ' ';
    append_imap_nstring(out, part.md5);
    append_dsp_lang_loc(out, part);
  }
  out += ')';
}

}  // namespace

void append_body_structure(std::string& out, const Part& part, bool extensible) {
  if (part.kind == BodyKind::multipart) {
    append_multipart(out, part, extensible);
  } else {
    append_single(out, part, extensible);
  }
}

std::string format_body_structure(const Part& part, bool extensible) {
  std::string out;
  append_body_structure(out, part, extensible);
  return out;
}

}  // namespace postroom::mime
