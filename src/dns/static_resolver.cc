// StaticResolver: an in-memory zone for unit tests (contract in resolver.h).
// A name "exists" when it has a record of any type, so a query for a missing type answers
// nodata and a query for an unknown name nxdomain, as a real server would.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "dns/rdata.h"
#include "dns/resolver.h"

namespace postroom::dns {

namespace {
// PTR keys are addresses: store them in inet_ntop form so "2001:DB8::1" and
// "2001:db8:0::1" find the same entry.
std::string canonical_ip(std::string_view ip) {
  std::string text(ip);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1 && inet_ntop(AF_INET, bytes, out, sizeof out)) {
    return out;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1 && inet_ntop(AF_INET6, bytes, out, sizeof out)) {
    return out;
  }
  return normalize_name(ip);
}
}  // namespace

void StaticResolver::add_txt(std::string name, std::string value) {
  std::lock_guard lock(mutex_);
  records_[{"TXT", normalize_name(name)}].push_back(std::move(value));
}

void StaticResolver::add_mx(std::string name, std::uint16_t preference, std::string host) {
  std::lock_guard lock(mutex_);
  records_[{"MX", normalize_name(name)}].push_back(std::to_string(preference) + " " + normalize_name(host));
}

void StaticResolver::add_a(std::string name, std::string ip) {
  std::lock_guard lock(mutex_);
  records_[{"A", normalize_name(name)}].push_back(std::move(ip));
}

void StaticResolver::add_aaaa(std::string name, std::string ip) {
  std::lock_guard lock(mutex_);
  records_[{"AAAA", normalize_name(name)}].push_back(canonical_ip(ip));
}

void StaticResolver::add_ptr(std::string ip, std::string host) {
  std::lock_guard lock(mutex_);
  records_[{"PTR", canonical_ip(ip)}].push_back(normalize_name(host));
}

void StaticResolver::fail_temporarily(std::string name) {
  std::lock_guard lock(mutex_);
  temporary_.push_back(normalize_name(name));
}

std::size_t StaticResolver::lookups() const {
  std::lock_guard lock(mutex_);
  return lookups_;
}

Answer<std::string> StaticResolver::lookup(std::string_view type, std::string_view name) {
  std::lock_guard lock(mutex_);
  ++lookups_;
  std::string key = type == "PTR" ? canonical_ip(name) : normalize_name(name);
  Answer<std::string> answer;
  if (std::find(temporary_.begin(), temporary_.end(), key) != temporary_.end()) {
    answer.status = DnsStatus::temporary;
    return answer;
  }
  auto it = records_.find({std::string(type), key});
  if (it != records_.end()) {
    answer.status = DnsStatus::ok;
    answer.records = it->second;
    return answer;
  }
  bool exists =
      std::any_of(records_.begin(), records_.end(), [&](const auto& entry) { return entry.first.second == key; });
  answer.status = exists ? DnsStatus::nodata : DnsStatus::nxdomain;
  return answer;
}

Answer<std::string> StaticResolver::txt(std::string_view name) {
  return lookup("TXT", name);
}
Answer<std::string> StaticResolver::a(std::string_view name) {
  return lookup("A", name);
}
Answer<std::string> StaticResolver::aaaa(std::string_view name) {
  return lookup("AAAA", name);
}
Answer<std::string> StaticResolver::ptr(std::string_view ip) {
  return lookup("PTR", ip);
}

Answer<MxRecord> StaticResolver::mx(std::string_view name) {
  Answer<std::string> raw = lookup("MX", name);
  Answer<MxRecord> answer;
  answer.status = raw.status;
  for (const std::string& entry : raw.records) {
    // Stored by add_mx as "<preference> <host>".
    std::size_t space = entry.find(' ');
    MxRecord mx;
    std::from_chars(entry.data(), entry.data() + space, mx.preference);
    mx.host = entry.substr(space + 1);
    answer.records.push_back(std::move(mx));
  }
  return answer;
}

}  // namespace postroom::dns
