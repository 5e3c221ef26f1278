#include "mime/analyze.h"

#include "mime/bodystructure.h"
#include "mime/encoded_word.h"
#include "mime/envelope.h"
#include "mime/structure.h"

namespace postroom::mime {

Analysis analyze(std::string_view message, const Limits& limits) {
  PartTree tree = parse_structure(message, limits);
  Analysis analysis;
  const Part& root = tree.root;
  if (root.envelope) {
    analysis.envelope = format_envelope(*root.envelope);
    if (root.envelope->subject) {
      analysis.subject = decode_encoded_words(*root.envelope->subject);
    }
    if (root.envelope->message_id) {
      analysis.message_id = *root.envelope->message_id;
    }
  } else {
    analysis.envelope = empty_envelope();
  }
  analysis.bodystructure = format_body_structure(root, true);
  analysis.body = format_body_structure(root, false);
  analysis.limits_hit = tree.limits_hit;
  return analysis;
}

}  // namespace postroom::mime
