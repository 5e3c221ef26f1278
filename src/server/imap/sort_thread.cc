#include "server/imap/sort_thread.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "mime/encoded_word.h"
#include "mime/text.h"

namespace postroom::server::imap {
namespace {

char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// i;ascii-casemap comparison.
int casemap_compare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(ascii_upper(a[i]));
    const auto y = static_cast<unsigned char>(ascii_upper(b[i]));
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.size() == b.size()) {
    return 0;
  }
  return a.size() < b.size() ? -1 : 1;
}

std::string casemap_key(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ascii_upper(c);
  }
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && mime::iequals(s.substr(0, prefix.size()), prefix);
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Length of a subj-blob ("[" *BLOBCHAR "]" *WSP) at the start of s; 0 when there is none.
std::size_t blob_length(std::string_view s) {
  if (s.empty() || s.front() != '[') {
    return 0;
  }
  std::size_t i = 1;
  while (i < s.size() && s[i] != '[' && s[i] != ']') {
    ++i;
  }
  if (i >= s.size() || s[i] != ']') {
    return 0;
  }
  ++i;
  while (i < s.size() && is_space(s[i])) {
    ++i;
  }
  return i;
}

// Length of a subj-leader "*subj-blob subj-refwd" at the start of s; 0 when none.
std::size_t refwd_leader_length(std::string_view s) {
  std::size_t i = 0;
  while (std::size_t blob = blob_length(s.substr(i))) {
    i += blob;
  }
  std::string_view rest = s.substr(i);
  std::size_t word = 0;
  if (starts_with_ci(rest, "re")) {
    word = 2;
  } else if (starts_with_ci(rest, "fwd")) {
    word = 3;
  } else if (starts_with_ci(rest, "fw")) {
    word = 2;
  } else {
    return 0;
  }
  i += word;
  while (i < s.size() && is_space(s[i])) {
    ++i;
  }
  i += blob_length(s.substr(i));
  if (i < s.size() && s[i] == ':') {
    return i + 1;
  }
  return 0;
}

bool has_non_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return !is_space(c); });
}

}  // namespace

std::string base_subject(std::string_view raw_subject, bool* reply_or_forward) {
  bool marked = false;
  // (1) decode to UTF-8, every run of whitespace becomes one space.
  const std::string decoded = mime::decode_encoded_words(mime::unfold(raw_subject));
  std::string s;
  for (char c : decoded) {
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space) {
      if (!s.empty() && s.back() == ' ') {
        continue;
      }
      s += ' ';
    } else {
      s += c;
    }
  }
  // Bounded: every iteration removes at least one byte or stops.
  for (;;) {
    // (2) remove trailing "(fwd)" and whitespace.
    for (;;) {
      while (!s.empty() && is_space(s.back())) {
        s.pop_back();
      }
      if (s.size() >= 5 && mime::iequals(std::string_view(s).substr(s.size() - 5), "(fwd)")) {
        s.resize(s.size() - 5);
        marked = true;
        continue;
      }
      break;
    }
    // (3)-(5) remove leaders and blobs until nothing changes.
    for (bool changed = true; changed;) {
      changed = false;
      for (;;) {
        if (!s.empty() && is_space(s.front())) {
          s.erase(0, 1);
          changed = true;
          continue;
        }
        if (std::size_t leader = refwd_leader_length(s)) {
          s.erase(0, leader);
          marked = true;
          changed = true;
          continue;
        }
        break;
      }
      if (std::size_t blob = blob_length(s)) {
        if (has_non_space(std::string_view(s).substr(blob))) {
          s.erase(0, blob);
          changed = true;
        }
      }
    }
    // (6) "[fwd: ...]" wrapper.
    if (s.size() >= 6 && starts_with_ci(s, "[fwd:") && s.back() == ']') {
      s = s.substr(5, s.size() - 6);
      marked = true;
      continue;
    }
    break;
  }
  if (reply_or_forward != nullptr) {
    *reply_or_forward = marked;
  }
  return s;
}

std::vector<std::string> message_ids(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < value.size() && out.size() < 1000) {
    const std::size_t open = value.find('<', pos);
    if (open == std::string_view::npos) {
      break;
    }
    const std::size_t close = value.find('>', open + 1);
    if (close == std::string_view::npos) {
      break;
    }
    std::string id;
    for (std::size_t i = open; i <= close; ++i) {
      if (!is_space(value[i]) && value[i] != '\r' && value[i] != '\n') {
        id += value[i];
      }
    }
    // A usable id has something on both sides of an "@" (RFC 5256 wants valid ids).
    const std::size_t at = id.find('@');
    if (id.size() > 2 && id.find('<', 1) == std::string::npos && at != std::string::npos && at > 1 &&
        at + 2 < id.size()) {
      out.push_back(std::move(id));
    }
    pos = close + 1;
  }
  return out;
}

namespace {

struct MessageKeys {
  std::uint32_t seq = 0;
  std::uint32_t number = 0;  // what is reported (seq or uid)
  std::int64_t sent = 0;
  std::int64_t arrival = 0;
  std::uint64_t size = 0;
  std::string subject;  // base subject
  bool reply = false;
  std::string from, to, cc, display_from, display_to;
  std::optional<std::string> message_id;
  std::optional<std::string> in_reply_to;
};

const EnvelopeAddress* first_address(const std::vector<EnvelopeAddress>& list) {
  for (const EnvelopeAddress& a : list) {
    if (a.host) {  // group markers have no host
      return &a;
    }
  }
  return nullptr;
}

std::string mailbox_key(const std::vector<EnvelopeAddress>& list) {
  const EnvelopeAddress* a = first_address(list);
  return a != nullptr && a->mailbox ? *a->mailbox : std::string();
}

std::string display_key(const std::vector<EnvelopeAddress>& list) {
  const EnvelopeAddress* a = first_address(list);
  if (a == nullptr) {
    return {};
  }
  if (a->name && !mime::trim_wsp(*a->name).empty()) {
    return mime::decode_encoded_words(*a->name);
  }
  std::string spec = a->mailbox.value_or("");
  if (a->host && !a->host->empty()) {
    spec += '@';
    spec += *a->host;
  }
  return spec;
}

Result<std::vector<MessageKeys>> collect_keys(std::span<const store::MessageMeta> messages,
                                              std::span<const std::uint32_t> seqs, const MessageDataFactory& factory,
                                              bool uid, bool need_envelope) {
  std::vector<MessageKeys> out;
  out.reserve(seqs.size());
  for (std::uint32_t seq : seqs) {
    if (seq == 0 || seq > messages.size()) {
      return make_error(ErrorKind::bad_syntax, "sequence number outside the snapshot");
    }
    const store::MessageMeta& meta = messages[seq - 1];
    MessageKeys keys;
    keys.seq = seq;
    keys.number = uid ? meta.uid : seq;
    keys.arrival = meta.internal_date;
    keys.sent = meta.internal_date;
    keys.size = meta.size;
    if (need_envelope) {
      MessageData data = factory(meta);
      const EnvelopeFields* envelope = data.envelope();
      if (envelope == nullptr) {
        return data.error() ? *data.error() : make_error(ErrorKind::temporary, "envelope unavailable");
      }
      if (envelope->date) {
        if (auto parsed = parse_rfc5322_date(*envelope->date)) {
          keys.sent = parsed->utc_seconds;
        }
      }
      keys.subject = envelope->subject ? base_subject(*envelope->subject, &keys.reply) : std::string();
      keys.from = mailbox_key(envelope->from);
      keys.to = mailbox_key(envelope->to);
      keys.cc = mailbox_key(envelope->cc);
      keys.display_from = display_key(envelope->from);
      keys.display_to = display_key(envelope->to);
      if (envelope->message_id) {
        auto ids = message_ids(*envelope->message_id);
        if (!ids.empty()) {
          keys.message_id = ids.front();
        }
      }
      if (envelope->in_reply_to) {
        auto ids = message_ids(*envelope->in_reply_to);
        if (!ids.empty()) {
          keys.in_reply_to = ids.front();
        }
      }
    }
    out.push_back(std::move(keys));
  }
  return out;
}

template <typename T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_by(const MessageKeys& a, const MessageKeys& b, pi::SortKey key) {
  switch (key) {
    case pi::SortKey::arrival: return three_way(a.arrival, b.arrival);
    case pi::SortKey::cc: return casemap_compare(a.cc, b.cc);
    case pi::SortKey::date: return three_way(a.sent, b.sent);
    case pi::SortKey::from: return casemap_compare(a.from, b.from);
    case pi::SortKey::size: return three_way(a.size, b.size);
    case pi::SortKey::subject: return casemap_compare(a.subject, b.subject);
    case pi::SortKey::to: return casemap_compare(a.to, b.to);
    case pi::SortKey::displayfrom: return casemap_compare(a.display_from, b.display_from);
    case pi::SortKey::displayto: return casemap_compare(a.display_to, b.display_to);
  }
  return 0;
}

// Sent-date order with the sequence number as tie-breaker (RFC 5256 §2.2).
bool earlier(const MessageKeys& a, const MessageKeys& b) {
  if (a.sent != b.sent) {
    return a.sent < b.sent;
  }
  return a.seq < b.seq;
}

// ---- REFERENCES threading over an arena of containers.

struct Container {
  int message = -1;  // index into keys; -1 = dummy
  int parent = -1;
  std::vector<int> children;
};

class Threader {
 public:
  explicit Threader(const std::vector<MessageKeys>& keys) : keys_(keys) {}

  int container_for(const std::string& id) {
    auto it = by_id_.find(id);
    if (it != by_id_.end()) {
      return it->second;
    }
    const int index = new_container();
    by_id_.emplace(id, index);
    return index;
  }

  int new_container() {
    nodes_.push_back(Container{});
    return static_cast<int>(nodes_.size()) - 1;
  }

  bool is_ancestor(int maybe_ancestor, int node) const {
    for (int p = node; p != -1; p = nodes_[p].parent) {
      if (p == maybe_ancestor) {
        return true;
      }
    }
    return false;
  }

  void unlink(int child) {
    const int parent = nodes_[child].parent;
    if (parent == -1) {
      return;
    }
    auto& siblings = nodes_[parent].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), child), siblings.end());
    nodes_[child].parent = -1;
  }

  void link(int parent, int child) {
    nodes_[child].parent = parent;
    nodes_[parent].children.push_back(child);
  }

  void add_message(int message, const std::vector<std::string>& references) {
    const MessageKeys& k = keys_[message];
    int self = -1;
    if (k.message_id) {
      auto it = by_id_.find(*k.message_id);
      if (it == by_id_.end()) {
        self = container_for(*k.message_id);
      } else if (nodes_[it->second].message == -1) {
        self = it->second;  // a dummy created by someone's References
      }
    }
    if (self == -1) {
      self = new_container();  // no id, or a duplicate id: a message of its own
    }
    nodes_[self].message = message;
    // (1A) link the references in order, never changing existing links or making loops.
    int previous = -1;
    for (const std::string& id : references) {
      const int current = container_for(id);
      if (previous != -1 && current != previous && nodes_[current].parent == -1 && !is_ancestor(current, previous)) {
        link(previous, current);
      }
      previous = current;
    }
    // (1B) the last reference is this message's parent; this message's own links win.
    if (previous != -1 && previous != self && !is_ancestor(self, previous)) {
      unlink(self);
      link(previous, self);
    } else if (previous == -1) {
      unlink(self);
    }
  }

  // (2)-(4) roots, prune dummies. Returns the root containers.
  std::vector<int> roots_pruned() {
    std::vector<int> roots;
    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
      if (nodes_[i].parent == -1) {
        roots.push_back(i);
      }
    }
    // Post-order over the forest without recursion: prune children before parents.
    std::vector<int> order;
    std::vector<int> stack(roots.begin(), roots.end());
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (int c : nodes_[n].children) {
        stack.push_back(c);
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      prune_children(*it);
    }
    // The roots themselves: an empty dummy goes, a dummy with one child is replaced by it.
    std::vector<int> out;
    for (int r : roots) {
      if (nodes_[r].message != -1) {
        out.push_back(r);
      } else if (nodes_[r].children.empty()) {
        continue;
      } else if (nodes_[r].children.size() == 1) {
        const int only = nodes_[r].children.front();
        nodes_[only].parent = -1;
        out.push_back(only);
      } else {
        out.push_back(r);
      }
    }
    return out;
  }

  // Removes empty dummies among n's children and splices non-root dummies' children in.
  void prune_children(int n) {
    std::vector<int> kept;
    for (int c : nodes_[n].children) {
      if (nodes_[c].message != -1) {
        kept.push_back(c);
        continue;
      }
      for (int g : nodes_[c].children) {
        nodes_[g].parent = n;
        kept.push_back(g);
      }
      nodes_[c].children.clear();
      nodes_[c].parent = -1;
    }
    nodes_[n].children = std::move(kept);
  }

  // The message that stands for a container when sorting or grouping: itself, or for a
  // dummy its first child (children sorted first).
  int representative(int n) const {
    while (nodes_[n].message == -1 && !nodes_[n].children.empty()) {
      n = nodes_[n].children.front();
    }
    return nodes_[n].message;
  }

  bool container_earlier(int a, int b) const {
    const int ma = representative(a);
    const int mb = representative(b);
    if (ma == -1 || mb == -1) {
      return ma != -1 && mb == -1;
    }
    return earlier(keys_[ma], keys_[mb]);
  }

  // Sorts every sibling list below the given roots (deepest first, so dummies see sorted
  // children), then the roots.
  void sort_all(std::vector<int>& roots) {
    std::vector<int> order;
    std::vector<int> stack(roots.begin(), roots.end());
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (int c : nodes_[n].children) {
        stack.push_back(c);
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      auto& children = nodes_[*it].children;
      std::stable_sort(children.begin(), children.end(), [&](int a, int b) { return container_earlier(a, b); });
    }
    std::stable_sort(roots.begin(), roots.end(), [&](int a, int b) { return container_earlier(a, b); });
  }

  // (5) group the root set by base subject.
  std::vector<int> group_by_subject(std::vector<int> roots) {
    std::unordered_map<std::string, int> table;
    auto subject_of = [&](int root) -> const MessageKeys* {
      const int m = representative(root);
      return m == -1 ? nullptr : &keys_[m];
    };
    for (int root : roots) {
      const MessageKeys* k = subject_of(root);
      if (k == nullptr || k->subject.empty()) {
        continue;
      }
      const std::string key = casemap_key(k->subject);
      auto it = table.find(key);
      if (it == table.end()) {
        table.emplace(key, root);
        continue;
      }
      const int old = it->second;
      const bool old_dummy = nodes_[old].message == -1;
      const bool this_dummy = nodes_[root].message == -1;
      // RFC 5256 §2.2 (5)(B): a dummy beats a message; a non-reply beats a reply.
      bool replace = false;
      if (this_dummy) {
        replace = !old_dummy;
      } else if (!old_dummy) {
        replace = keys_[nodes_[old].message].reply && !keys_[nodes_[root].message].reply;
      }
      if (replace) {
        it->second = root;
      }
    }
    std::vector<int> out;
    for (int root : roots) {
      if (nodes_[root].parent != -1) {
        continue;  // already merged below another root
      }
      const MessageKeys* k = subject_of(root);
      if (k == nullptr || k->subject.empty()) {
        out.push_back(root);
        continue;
      }
      auto it = table.find(casemap_key(k->subject));
      if (it->second == root) {
        out.push_back(root);
        continue;
      }
      const int other = it->second;
      const bool other_dummy = nodes_[other].message == -1;
      const bool this_dummy = nodes_[root].message == -1;
      if (other_dummy && this_dummy) {
        for (int c : nodes_[root].children) {
          nodes_[c].parent = other;
          nodes_[other].children.push_back(c);
        }
        nodes_[root].children.clear();
      } else if (other_dummy) {
        link(other, root);
      } else if (this_dummy) {
        // Make the table's message a child of this dummy, which takes its place.
        replace_root(out, other, root);
        link(root, other);
        it->second = root;
      } else if (!keys_[nodes_[other].message].reply && keys_[nodes_[root].message].reply) {
        link(other, root);
      } else {
        const int dummy = new_container();
        replace_root(out, other, dummy);
        link(dummy, other);
        link(dummy, root);
        it->second = dummy;
      }
    }
    return out;
  }

  static void replace_root(std::vector<int>& roots, int from, int to) {
    for (int& r : roots) {
      if (r == from) {
        r = to;
        return;
      }
    }
    roots.push_back(to);  // `from` not emitted yet: it will be skipped as a table loser
  }

  // Latest sent date in a thread (REFS ordering).
  std::int64_t latest(int root) const {
    std::int64_t best = INT64_MIN;
    std::vector<int> stack{root};
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      if (nodes_[n].message != -1) {
        best = std::max(best, keys_[nodes_[n].message].sent);
      }
      for (int c : nodes_[n].children) {
        stack.push_back(c);
      }
    }
    return best;
  }

  pi::ThreadNode to_node(int root) const {
    // Iterative copy into ThreadNode trees.
    pi::ThreadNode out;
    struct Work {
      int container;
      pi::ThreadNode* node;
    };
    std::vector<Work> stack{{root, &out}};
    while (!stack.empty()) {
      Work w = stack.back();
      stack.pop_back();
      const Container& c = nodes_[w.container];
      w.node->number = c.message == -1 ? 0 : keys_[c.message].number;
      w.node->children.resize(c.children.size());
      for (std::size_t i = 0; i < c.children.size(); ++i) {
        stack.push_back({c.children[i], &w.node->children[i]});
      }
    }
    return out;
  }

 private:
  const std::vector<MessageKeys>& keys_;
  std::vector<Container> nodes_;
  std::unordered_map<std::string, int> by_id_;
};

}  // namespace

Result<std::vector<std::uint32_t>> sort_messages(std::span<const store::MessageMeta> messages,
                                                 std::span<const std::uint32_t> seqs,
                                                 const std::vector<pi::SortCriterion>& criteria,
                                                 const MessageDataFactory& factory, bool uid) {
  const bool need_envelope = std::any_of(criteria.begin(), criteria.end(), [](const pi::SortCriterion& c) {
    return c.key != pi::SortKey::arrival && c.key != pi::SortKey::size;
  });
  auto keys = collect_keys(messages, seqs, factory, uid, need_envelope);
  if (!keys.ok()) {
    return keys.error();
  }
  std::vector<std::size_t> order(keys->size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  const std::vector<MessageKeys>& k = *keys;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (const pi::SortCriterion& c : criteria) {
      int r = compare_by(k[a], k[b], c.key);
      if (c.reverse) {
        r = -r;
      }
      if (r != 0) {
        return r < 0;
      }
    }
    return k[a].seq < k[b].seq;
  });
  std::vector<std::uint32_t> out;
  out.reserve(order.size());
  for (std::size_t i : order) {
    out.push_back(k[i].number);
  }
  return out;
}

Result<std::vector<pi::ThreadNode>> thread_messages(std::span<const store::MessageMeta> messages,
                                                    std::span<const std::uint32_t> seqs, pi::ThreadAlgorithm algorithm,
                                                    const MessageDataFactory& factory, bool uid) {
  auto collected = collect_keys(messages, seqs, factory, uid, true);
  if (!collected.ok()) {
    return collected.error();
  }
  const std::vector<MessageKeys>& keys = *collected;
  std::vector<pi::ThreadNode> out;

  if (algorithm == pi::ThreadAlgorithm::orderedsubject) {
    std::vector<std::size_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const int r = casemap_compare(keys[a].subject, keys[b].subject);
      if (r != 0) {
        return r < 0;
      }
      return earlier(keys[a], keys[b]);
    });
    struct Group {
      std::size_t first;
      pi::ThreadNode node;
    };
    std::vector<Group> groups;
    for (std::size_t i : order) {
      if (!groups.empty() && casemap_compare(keys[groups.back().first].subject, keys[i].subject) == 0) {
        groups.back().node.children.push_back(pi::ThreadNode{keys[i].number, {}});
        continue;
      }
      groups.push_back(Group{i, pi::ThreadNode{keys[i].number, {}}});
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [&](const Group& a, const Group& b) { return earlier(keys[a.first], keys[b.first]); });
    for (Group& g : groups) {
      out.push_back(std::move(g.node));
    }
    return out;
  }

  Threader threader(keys);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    MessageData data = factory(messages[keys[i].seq - 1]);
    const std::vector<mime::HeaderField>* header = data.top_header();
    if (header == nullptr) {
      return data.error() ? *data.error() : make_error(ErrorKind::temporary, "message unavailable");
    }
    std::vector<std::string> references;
    if (auto value = mime::field_value(*header, "References")) {
      references = message_ids(*value);
    }
    if (references.empty() && keys[i].in_reply_to) {
      references.push_back(*keys[i].in_reply_to);
    }
    // A message never refers to itself.
    if (keys[i].message_id) {
      references.erase(std::remove(references.begin(), references.end(), *keys[i].message_id), references.end());
    }
    threader.add_message(static_cast<int>(i), references);
  }
  std::vector<int> roots = threader.roots_pruned();
  threader.sort_all(roots);
  if (algorithm == pi::ThreadAlgorithm::references) {
    roots = threader.group_by_subject(std::move(roots));
    threader.sort_all(roots);
  } else {
    std::stable_sort(roots.begin(), roots.end(), [&](int a, int b) { return threader.latest(a) < threader.latest(b); });
  }
  for (int r : roots) {
    out.push_back(threader.to_node(r));
  }
  return out;
}

std::string format_thread(std::span<const pi::ThreadNode> roots) {
  std::string out;
  // Work items: a node to open, or a closing parenthesis.
  struct Item {
    const pi::ThreadNode* node;  // nullptr = write ")"
    bool wrap;                   // write "(" before the node
  };
  std::vector<Item> stack;
  for (auto it = roots.rbegin(); it != roots.rend(); ++it) {
    stack.push_back({nullptr, false});
    stack.push_back({&*it, true});
  }
  while (!stack.empty()) {
    Item item = stack.back();
    stack.pop_back();
    if (item.node == nullptr) {
      out += ')';
      continue;
    }
    if (item.wrap) {
      out += '(';
    }
    // Members written inline while there is exactly one child.
    const pi::ThreadNode* node = item.node;
    bool first_in_list = item.wrap;
    for (;;) {
      if (node->number != 0) {
        if (!first_in_list && out.back() != '(') {
          out += ' ';
        }
        out += std::to_string(node->number);
        first_in_list = false;
      }
      if (node->children.size() == 1) {
        node = &node->children.front();
        continue;
      }
      break;
    }
    if (node->children.size() > 1) {
      if (out.back() != '(') {
        out += ' ';
      }
      for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) {
        stack.push_back({nullptr, false});
        stack.push_back({&*it, true});
      }
    }
  }
  return out;
}

}  // namespace postroom::server::imap
