// The unbound backend against a real DNS server: dnsmasq serving a tiny zone on a loopback
// port. Skipped when dnsmasq is not installed (Debian package dnsmasq-base).
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dns/resolver.h"

extern char** environ;

namespace postroom::dns {
namespace {

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";

int free_udp_port() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class UnboundResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kDnsmasq, X_OK) != 0) {
      GTEST_SKIP() << "dnsmasq not installed";
    }
    port_ = free_udp_port();
    std::vector<std::string> args = {
        kDnsmasq,
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--conf-file=/dev/null",
        "--pid-file=",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--port=" + std::to_string(port_),
        "--local=/test/",
        "--user=" + std::string(getuid() == 0 ? "root" : ""),
        "--txt-record=example.test,v=spf1 ,-all",
        "--mx-host=example.test,mx.example.test,10",
        "--host-record=mx.example.test,192.0.2.1,2001:db8::1",
        "--ptr-record=1.2.0.192.in-addr.arpa,mx.example.test",
    };
    if (getuid() != 0) {
      args.erase(args.begin() + 10);
    }
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, kDnsmasq, nullptr, nullptr, argv.data(), environ), 0);
    auto made = make_unbound_resolver({"127.0.0.1@" + std::to_string(port_), 2000});
    ASSERT_TRUE(made) << made.error().detail;
    resolver_ = std::move(*made);
    // Wait until dnsmasq answers (it needs a moment to bind).
    DnsStatus last_status = DnsStatus::temporary;
    for (int i = 0; i < 50; ++i) {
      std::unique_ptr<Resolver> probe = make_unbound_resolver({"127.0.0.1@" + std::to_string(port_), 200}).value();
      last_status = probe->txt("example.test").status;
      if (last_status == DnsStatus::ok) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "dnsmasq did not answer, last status " << static_cast<int>(last_status);
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(UnboundResolverTest, AnswersEveryType) {
  auto txt = resolver_->txt("example.test");
  ASSERT_EQ(txt.status, DnsStatus::ok);
  EXPECT_EQ(txt.records, std::vector<std::string>{"v=spf1 -all"});
  auto mx = resolver_->mx("example.test");
  ASSERT_EQ(mx.status, DnsStatus::ok);
  ASSERT_EQ(mx.records.size(), 1u);
  EXPECT_EQ(mx.records[0].preference, 10);
  EXPECT_EQ(mx.records[0].host, "mx.example.test");
  EXPECT_EQ(resolver_->a("mx.example.test").records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(resolver_->aaaa("mx.example.test").records, std::vector<std::string>{"2001:db8::1"});
  auto ptr = resolver_->ptr("192.0.2.1");
  ASSERT_EQ(ptr.status, DnsStatus::ok);
  EXPECT_EQ(ptr.records, std::vector<std::string>{"mx.example.test"});
}

TEST_F(UnboundResolverTest, MapsMissingNames) {
  EXPECT_EQ(resolver_->a("nowhere.example.test").status, DnsStatus::nxdomain);
  EXPECT_EQ(resolver_->txt("mx.example.test").status, DnsStatus::nodata);
  EXPECT_EQ(resolver_->ptr("not-an-ip").status, DnsStatus::permanent);
}

TEST_F(UnboundResolverTest, SharedAcrossThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (resolver_->a("mx.example.test").status == DnsStatus::ok) {
          ++good;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(good.load(), 80);
}

}  // namespace
}  // namespace postroom::dns
