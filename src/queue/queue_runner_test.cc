// QueueRunner end to end in one process: a scripted fake SMTP server on 127.0.0.1:0, a
// StaticResolver pointing the recipients' MX at it, a real SQLite queue in a temp directory.
#include "queue/queue_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "io/stream.h"
#include "proto/sasl/base64.h"
#include "io/tls_context.h"
#include "queue/client_tls.h"
#include "store/test_support.h"

namespace postroom::queue {
namespace {

namespace asio = io::asio;
using namespace std::chrono_literals;

struct Transaction {
  std::string mail;                // the MAIL command line
  std::vector<std::string> rcpts;  // RCPT command lines accepted
  std::string data;                // un-stuffed message
};

// A tiny SMTP server answering from a script. Runs on the test's io_context.
class FakeSmtpServer {
 public:
  explicit FakeSmtpServer(asio::io_context& context)
      : acceptor_(context, io::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  // Script (set before mail flows, or under the lock).
  void script_rcpt(const std::string& address, std::string reply) {
    std::lock_guard lock(mutex_);
    rcpt_replies_[address].push_back(std::move(reply));
  }
  void script_data(std::string reply) {
    std::lock_guard lock(mutex_);
    data_replies_.push_back(std::move(reply));
  }
  void set_tls(SSL_CTX* ctx) { tls_ctx_ = ctx; }
  void set_auth(std::string user, std::string password) {
    user_ = std::move(user);
    password_ = std::move(password);
  }
  int auth_successes() {
    std::lock_guard lock(mutex_);
    return auth_successes_;
  }

  int connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  int tls_sessions() {
    std::lock_guard lock(mutex_);
    return tls_sessions_;
  }
  std::vector<Transaction> transactions() {
    std::lock_guard lock(mutex_);
    return transactions_;
  }

 private:
  io::Task<void> accept_loop() {
    while (true) {
      boost::system::error_code ec;
      io::tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      {
        std::lock_guard lock(mutex_);
        ++connections_;
      }
      asio::co_spawn(acceptor_.get_executor(), session(std::make_unique<io::Stream>(std::move(socket))),
                     asio::detached);
    }
  }

  // One line without CRLF, or nullopt at end of stream.
  static io::Task<std::optional<std::string>> read_line(io::Stream& stream, std::string& buffer) {
    while (true) {
      std::size_t eol = buffer.find("\r\n");
      if (eol != std::string::npos) {
        std::string line = buffer.substr(0, eol);
        buffer.erase(0, eol + 2);
        co_return line;
      }
      char chunk[4096];
      auto got = co_await stream.read_some(chunk, sizeof chunk, 10s);
      if (!got || *got == 0) {
        co_return std::nullopt;
      }
      buffer.append(chunk, *got);
    }
  }

  std::string next_reply(std::deque<std::string>& replies, const char* fallback) {
    std::lock_guard lock(mutex_);
    if (replies.empty()) {
      return fallback;
    }
    std::string reply = replies.front();
    replies.pop_front();
    return reply;
  }

  io::Task<void> session(std::unique_ptr<io::Stream> stream) {
    std::string buffer;
    Transaction current;
    auto say = [&](std::string reply) -> io::Task<Status> { co_return co_await stream->write_all(reply + "\r\n"); };
    co_await say("220 fake.test ESMTP");
    while (true) {
      auto line = co_await read_line(*stream, buffer);
      if (!line) {
        co_return;
      }
      std::string verb = line->substr(0, 4);
      for (char& c : verb) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (verb == "EHLO") {
        std::string ext = "250-fake.test\r\n250-8BITMIME\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n";
        if (tls_ctx_ != nullptr && !stream->is_tls()) {
          ext += "250-STARTTLS\r\n";
        }
        if (!user_.empty()) {
          ext += "250-AUTH LOGIN PLAIN\r\n";
        }
        ext += "250 SIZE 10000000";
        co_await say(ext);
      } else if (verb == "STAR") {
        co_await say("220 2.0.0 go ahead");
        buffer.clear();
        if (!co_await stream->start_tls(tls_ctx_, 10s)) {
          co_return;
        }
        std::lock_guard lock(mutex_);
        ++tls_sessions_;
      } else if (verb == "AUTH") {
        auto decoded = sasl::base64_decode(line->size() > 11 ? line->substr(11) : "");
        std::string expected = std::string(1, '\0') + user_ + std::string(1, '\0') + password_;
        bool ok = line->rfind("AUTH PLAIN ", 0) == 0 && decoded.ok() && *decoded == expected;
        if (ok) {
          std::lock_guard lock(mutex_);
          ++auth_successes_;
        }
        co_await say(ok ? "235 2.7.0 ok" : "535 5.7.8 bad credentials");
      } else if (verb == "MAIL") {
        current = Transaction{};
        current.mail = *line;
        co_await say("250 2.1.0 ok");
      } else if (verb == "RCPT") {
        std::size_t open = line->find('<');
        std::size_t close = line->find('>');
        std::string address = line->substr(open + 1, close - open - 1);
        std::string reply;
        {
          std::lock_guard lock(mutex_);
          auto& queue = rcpt_replies_[address];
          if (queue.empty()) {
            reply = "250 2.1.5 ok";
          } else {
            reply = queue.front();
            queue.pop_front();
          }
        }
        if (reply[0] == '2') {
          current.rcpts.push_back(*line);
        }
        co_await say(reply);
      } else if (verb == "DATA") {
        co_await say("354 go ahead");
        std::string data;
        while (true) {
          auto body_line = co_await read_line(*stream, buffer);
          if (!body_line) {
            co_return;
          }
          if (*body_line == ".") {
            break;
          }
          if (!body_line->empty() && (*body_line)[0] == '.') {
            body_line->erase(0, 1);
          }
          data += *body_line + "\r\n";
        }
        current.data = data;
        std::string reply = next_reply(data_replies_, "250 2.0.0 queued");
        if (reply[0] == '2') {
          std::lock_guard lock(mutex_);
          transactions_.push_back(current);
        }
        co_await say(reply);
      } else if (verb == "RSET") {
        current = Transaction{};
        co_await say("250 2.0.0 ok");
      } else if (verb == "QUIT") {
        co_await say("221 2.0.0 bye");
        stream->close();
        co_return;
      } else {
        co_await say("502 5.5.1 unknown");
      }
    }
  }

  io::tcp::acceptor acceptor_;
  SSL_CTX* tls_ctx_ = nullptr;
  std::string user_;
  std::string password_;
  int auth_successes_ = 0;
  std::mutex mutex_;
  std::map<std::string, std::deque<std::string>> rcpt_replies_;
  std::deque<std::string> data_replies_;
  int connections_ = 0;
  int tls_sessions_ = 0;
  std::vector<Transaction> transactions_;
};

class QueueRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions options;
    options.data_dir = dir_.path();
    auto queue = store::open_sqlite_queue(options);
    ASSERT_TRUE(queue.ok()) << queue.error().detail;
    queue_ = std::move(*queue);
    server_ = std::make_unique<FakeSmtpServer>(context_);
    resolver_.add_mx("remote.test", 10, "mx.remote.test");
    resolver_.add_a("mx.remote.test", "127.0.0.1");
    resolver_.add_mx("nomail.test", 0, ".");
    settings_.hostname = "mail.example.test";
    settings_.mx_port = server_->port();
    settings_.retry_base_seconds = 1;
    settings_.retry_max_seconds = 2;
    settings_.poll_interval_ms = 50;
    settings_.timeouts.connect = 2s;
    settings_.timeouts.greeting = 5s;
  }

  void TearDown() override {
    if (runner_) {
      runner_->stop();
      wait_for([&] { return runner_->idle(); }, 10s);
    }
    server_->close();
    context_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void start(SSL_CTX* client_ctx = nullptr) {
    runner_ = std::make_unique<QueueRunner>(pool_, *queue_, resolver_, client_ctx, settings_,
                                            [this](std::string recipient, std::string bytes) -> Status {
                                              std::lock_guard lock(mutex_);
                                              bounces_.emplace_back(std::move(recipient), std::move(bytes));
                                              return ok_status();
                                            });
    server_->start();
    runner_->start(context_);
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(context_);
      context_.run();
    });
  }

  static bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) {
        return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return condition();
  }

  bool queue_empty() {
    auto all = queue_->list();
    return all.ok() && all->empty();
  }

  store::QueueId enqueue(std::vector<std::string> recipients, std::string sender = "alice@example.test",
                         std::string body = "Subject: hello\r\n\r\nHi.\r\n.dot line\r\n") {
    store::NewQueueMessage message;
    message.sender = std::move(sender);
    for (auto& r : recipients) {
      message.recipients.push_back({std::move(r), "", store::kNotifyDefault});
    }
    message.bytes = std::move(body);
    auto id = queue_->enqueue(message);
    EXPECT_TRUE(id.ok()) << id.error().detail;
    if (runner_) {
      runner_->wake();
    }
    return id.ok() ? *id : 0;
  }

  std::vector<std::pair<std::string, std::string>> bounces() {
    std::lock_guard lock(mutex_);
    return bounces_;
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::QueueStore> queue_;
  dns::StaticResolver resolver_;
  asio::thread_pool pool_{2};
  asio::io_context context_;
  std::unique_ptr<FakeSmtpServer> server_;
  QueueSettings settings_;
  std::unique_ptr<QueueRunner> runner_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> bounces_;
};

TEST_F(QueueRunnerTest, DeliversWith250) {
  start();
  enqueue({"bob@remote.test"});
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  auto transactions = server_->transactions();
  ASSERT_EQ(transactions.size(), 1u);
  EXPECT_EQ(transactions[0].mail.substr(0, 31), "MAIL FROM:<alice@example.test> ");
  EXPECT_NE(transactions[0].mail.find("SIZE="), std::string::npos);
  ASSERT_EQ(transactions[0].rcpts.size(), 1u);
  EXPECT_EQ(transactions[0].rcpts[0], "RCPT TO:<bob@remote.test>");
  EXPECT_EQ(transactions[0].data, "Subject: hello\r\n\r\nHi.\r\n.dot line\r\n");  // dot-stuffing undone
  EXPECT_EQ(runner_->stats().delivered, 1u);
  EXPECT_TRUE(bounces().empty());
}

TEST_F(QueueRunnerTest, RetriesAfter451ThenDelivers) {
  server_->script_rcpt("bob@remote.test", "451 4.3.0 try again later");
  // next_attempt has one-second resolution: 2 s leaves at least 1 s to look at the deferral.
  settings_.retry_base_seconds = 2;
  settings_.retry_max_seconds = 4;
  start();
  store::QueueId id = enqueue({"bob@remote.test"});
  // The counter moves just before the outcome is committed: wait for the store.
  auto attempted = [&] {
    auto got = queue_->get(id);
    return got.ok() && got->recipients[0].attempts >= 1;
  };
  ASSERT_TRUE(wait_for(attempted, 10s));
  auto queued = queue_->get(id);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->recipients[0].state, store::RecipientState::pending);
  EXPECT_EQ(queued->recipients[0].attempts, 1u);
  EXPECT_EQ(queued->recipients[0].last_reply, "451 4.3.0 try again later");
  EXPECT_EQ(queued->recipients[0].status, "4.3.0");
  EXPECT_GT(queued->recipients[0].next_attempt, queued->recipients[0].last_attempt - 1);
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  EXPECT_EQ(server_->transactions().size(), 1u);
  EXPECT_EQ(server_->connections(), 2);
  EXPECT_EQ(runner_->stats().delivered, 1u);
  EXPECT_TRUE(bounces().empty());
}

TEST_F(QueueRunnerTest, BouncesWith550) {
  server_->script_rcpt("nobody@remote.test", "550 5.1.1 no such user here");
  start();
  store::NewQueueMessage message;
  message.sender = "alice@example.test";
  message.recipients.push_back({"nobody@remote.test", "rfc822;Nobody@remote.test", store::kNotifyFailure});
  message.recipients.push_back({"bob@remote.test", "", store::kNotifyDefault});
  message.envid = "ENV-7";
  message.bytes = "Subject: lunch\r\n\r\nAt noon.\r\n";
  ASSERT_TRUE(queue_->enqueue(message).ok());
  runner_->wake();
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  auto got = bounces();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "alice@example.test");
  const std::string& dsn = got[0].second;
  EXPECT_NE(dsn.find("Content-Type: multipart/report; report-type=delivery-status;"), std::string::npos);
  EXPECT_NE(dsn.find("Reporting-MTA: dns; mail.example.test"), std::string::npos);
  EXPECT_NE(dsn.find("Original-Envelope-Id: ENV-7"), std::string::npos);
  EXPECT_NE(dsn.find("Original-Recipient: rfc822;Nobody@remote.test"), std::string::npos);
  EXPECT_NE(dsn.find("Final-Recipient: rfc822; nobody@remote.test"), std::string::npos);
  EXPECT_NE(dsn.find("Action: failed"), std::string::npos);
  EXPECT_NE(dsn.find("Status: 5.1.1"), std::string::npos);
  EXPECT_NE(dsn.find("Remote-MTA: dns; mx.remote.test"), std::string::npos);
  EXPECT_NE(dsn.find("Diagnostic-Code: smtp; 550 5.1.1 no such user here"), std::string::npos);
  EXPECT_NE(dsn.find("Subject: lunch"), std::string::npos);
  EXPECT_EQ(dsn.find("bob@remote.test"), std::string::npos);  // delivered: not in the report
  // DSN parameters went to the DSN-capable server.
  auto transactions = server_->transactions();
  ASSERT_EQ(transactions.size(), 1u);
  EXPECT_NE(transactions[0].mail.find("ENVID=ENV-7"), std::string::npos);
  EXPECT_EQ(runner_->stats().failed, 1u);
}

TEST_F(QueueRunnerTest, NeverBouncesABounceAndNullMxFails) {
  server_->script_rcpt("nobody@remote.test", "550 5.1.1 no such user");
  start();
  enqueue({"nobody@remote.test"}, "");  // a bounce itself
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  EXPECT_TRUE(bounces().empty());
  auto transactions = server_->transactions();
  EXPECT_TRUE(transactions.empty());

  enqueue({"someone@nomail.test"});
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  auto got = bounces();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].second.find("Status: 5.1.10"), std::string::npos);
  EXPECT_NE(got[0].second.find("null MX"), std::string::npos);
}

TEST_F(QueueRunnerTest, SeveralRecipientsAndMessagesShareOneConnection) {
  enqueue({"bob@remote.test", "carol@remote.test", "dave@remote.test"});
  enqueue({"erin@remote.test"}, "alice@example.test", "Subject: second\r\n\r\n2\r\n");
  start();  // both messages are due at the first scan
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  EXPECT_EQ(server_->connections(), 1);
  auto transactions = server_->transactions();
  ASSERT_EQ(transactions.size(), 2u);
  EXPECT_EQ(transactions[0].rcpts.size(), 3u);
  EXPECT_EQ(transactions[1].rcpts.size(), 1u);
  EXPECT_EQ(runner_->stats().delivered, 4u);
}

TEST_F(QueueRunnerTest, OpportunisticStartTls) {
  auto paths = io::ensure_self_signed(dir_.path() + "/tls", "mx.remote.test");
  ASSERT_TRUE(paths.ok()) << paths.error().detail;
  auto server_tls = io::TlsContext::create(paths->cert, paths->key, "1.2");
  ASSERT_TRUE(server_tls.ok()) << server_tls.error().detail;
  server_->set_tls((*server_tls)->native());
  auto client_tls = make_opportunistic_client_tls();
  ASSERT_NE(client_tls, nullptr);
  start(client_tls.get());
  enqueue({"bob@remote.test"});
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  EXPECT_EQ(server_->tls_sessions(), 1);
  EXPECT_EQ(server_->transactions().size(), 1u);
  runner_->stop();
  wait_for([&] { return runner_->idle(); }, 10s);
}

TEST_F(QueueRunnerTest, UnreachableHostDefersAndExpiresIntoABounce) {
  settings_.mx_port = 1;               // nothing listens there
  settings_.max_lifetime_seconds = 0;  // give up at the first deferral
  start();
  enqueue({"bob@remote.test"});
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  auto got = bounces();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].second.find("Action: failed"), std::string::npos);
  EXPECT_NE(got[0].second.find("Status: 4.4.1"), std::string::npos);
}

TEST_F(QueueRunnerTest, SmarthostWithStartTlsAndAuthPlain) {
  auto paths = io::ensure_self_signed(dir_.path() + "/tls", "relay.test");
  ASSERT_TRUE(paths.ok()) << paths.error().detail;
  auto server_tls = io::TlsContext::create(paths->cert, paths->key, "1.2");
  ASSERT_TRUE(server_tls.ok()) << server_tls.error().detail;
  server_->set_tls((*server_tls)->native());
  server_->set_auth("relayuser", "s3cret");
  settings_.smarthost = "127.0.0.1";
  settings_.smarthost_port = server_->port();
  settings_.smarthost_tls = SmarthostTls::starttls;
  settings_.smarthost_user = "relayuser";
  settings_.smarthost_password = "s3cret";
  auto client_tls = make_opportunistic_client_tls();
  start(client_tls.get());
  enqueue({"x@anywhere.test", "y@elsewhere.test"});  // no DNS for these: the relay takes all
  ASSERT_TRUE(wait_for([&] { return queue_empty(); }, 10s));
  EXPECT_EQ(server_->tls_sessions(), 1);
  EXPECT_EQ(server_->auth_successes(), 1);
  auto transactions = server_->transactions();
  ASSERT_EQ(transactions.size(), 1u);
  EXPECT_EQ(transactions[0].rcpts.size(), 2u);
  runner_->stop();
  wait_for([&] { return runner_->idle(); }, 10s);
}

TEST_F(QueueRunnerTest, SmarthostWithoutTlsIsNotGivenCredentials) {
  server_->set_auth("relayuser", "s3cret");  // offers AUTH but no STARTTLS
  settings_.smarthost = "127.0.0.1";
  settings_.smarthost_port = server_->port();
  settings_.smarthost_tls = SmarthostTls::starttls;
  settings_.smarthost_user = "relayuser";
  settings_.smarthost_password = "s3cret";
  auto client_tls = make_opportunistic_client_tls();
  start(client_tls.get());
  store::QueueId id = enqueue({"x@anywhere.test"});
  ASSERT_TRUE(wait_for(
      [&] {
        auto got = queue_->get(id);
        return got.ok() && got->recipients[0].attempts >= 1;
      },
      10s));
  EXPECT_EQ(server_->auth_successes(), 0);
  EXPECT_TRUE(server_->transactions().empty());
  auto queued = queue_->get(id);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->recipients[0].status, "4.7.5");
  EXPECT_TRUE(bounces().empty());
}

}  // namespace
}  // namespace postroom::queue
