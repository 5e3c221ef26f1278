#include "client/smtp_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "proto/sasl/base64.h"
#include "proto/smtp/xtext.h"

namespace postroom::client {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string SmtpReply::text() const {
  std::string out = std::to_string(code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].empty()) {
      out += ' ';
      out += lines[i];
    }
  }
  return out;
}

std::string SmtpReply::status() const {
  if (!enhanced.empty()) {
    return enhanced;
  }
  return std::to_string(code / 100) + ".0.0";
}

std::string dot_stuff(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 5);
  bool line_start = true;
  for (char c : message) {
    if (line_start && c == '.') {
      out += '.';
    }
    out += c;
    line_start = c == '\n';
  }
  if (!message.empty() && !(message.size() >= 2 && message.substr(message.size() - 2) == "\r\n")) {
    out += "\r\n";
  }
  out += ".\r\n";
  return out;
}

Capabilities parse_capabilities(const SmtpReply& reply) {
  Capabilities caps;
  caps.esmtp = reply.code == 250;
  // The first line is the greeting-like "domain [text]"; extensions follow.
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    std::size_t space = line.find(' ');
    std::string keyword = upper(line.substr(0, space));
    std::string_view rest = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (keyword == "STARTTLS") {
      caps.starttls = true;
    } else if (keyword == "PIPELINING") {
      caps.pipelining = true;
    } else if (keyword == "8BITMIME") {
      caps.eightbitmime = true;
    } else if (keyword == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (keyword == "DSN") {
      caps.dsn = true;
    } else if (keyword == "CHUNKING") {
      caps.chunking = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
      caps.enhanced_status_codes = true;
    } else if (keyword == "SIZE") {
      caps.size = true;
      std::uint64_t limit = 0;
      auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), limit);
      if (ec == std::errc{}) {
        caps.size_limit = limit;
      }
    } else if (keyword == "AUTH") {
      std::size_t pos = 0;
      while (pos < rest.size()) {
        std::size_t next = rest.find(' ', pos);
        std::string_view mech = rest.substr(pos, next == std::string_view::npos ? rest.npos : next - pos);
        if (!mech.empty()) {
          caps.auth.push_back(upper(mech));
        }
        if (next == std::string_view::npos) {
          break;
        }
        pos = next + 1;
      }
    }
  }
  return caps;
}

std::string xtext_encode(std::string_view text) {
  return smtp::encode_xtext(text);
}

SmtpClient::SmtpClient(std::unique_ptr<io::Stream> stream, SmtpTimeouts timeouts)
    : stream_(std::move(stream)), timeouts_(timeouts), parser_(reply_limits()) {}

smtp::ReplyLimits SmtpClient::reply_limits() {
  smtp::ReplyLimits limits;
  limits.max_line = kMaxLineLength;
  limits.max_lines = kMaxReplyLines;
  return limits;
}

io::Task<Result<std::unique_ptr<SmtpClient>>> SmtpClient::connect(const io::tcp::endpoint& endpoint,
                                                                  SmtpTimeouts timeouts) {
  auto executor = co_await io::asio::this_coro::executor;
  io::tcp::socket socket(executor);
  // The timer cancels the connect. Its handler may run after we resumed (both completions
  // queued at once), so it only touches the socket while the connect is still pending.
  struct ConnectState {
    bool done = false;
    bool expired = false;
    io::tcp::socket* socket = nullptr;
  };
  auto state = std::make_shared<ConnectState>();
  state->socket = &socket;
  io::asio::steady_timer timer(executor);
  timer.expires_after(timeouts.connect);
  timer.async_wait([state](const boost::system::error_code& ec) {
    if (!ec && !state->done) {
      state->expired = true;
      boost::system::error_code ignored;
      state->socket->cancel(ignored);
    }
  });
  boost::system::error_code ec;
  co_await socket.async_connect(endpoint, io::asio::redirect_error(io::asio::use_awaitable, ec));
  state->done = true;
  timer.cancel();
  bool* expired = &state->expired;
  if (*expired) {
    co_return make_error(ErrorKind::temporary, "connect to " + endpoint.address().to_string() + ": timeout");
  }
  if (ec) {
    co_return make_error(ErrorKind::temporary, "connect to " + endpoint.address().to_string() + ": " + ec.message());
  }
  co_return std::make_unique<SmtpClient>(std::make_unique<io::Stream>(std::move(socket)), timeouts);
}

io::Task<Status> SmtpClient::send(std::string_view bytes) {
  co_return co_await stream_->write_all(bytes);
}

io::Task<Result<SmtpReply>> SmtpClient::read_reply(std::chrono::milliseconds timeout) {
  while (true) {
    smtp::ReplyResult result = parser_.next();
    if (auto* reply = std::get_if<smtp::Reply>(&result)) {
      SmtpReply out;
      out.code = reply->code;
      if (reply->enhanced) {
        out.enhanced = reply->enhanced->to_string();
      }
      out.lines = std::move(reply->lines);
      co_return out;
    }
    if (auto* error = std::get_if<smtp::ReplyError>(&result)) {
      co_return make_error(ErrorKind::temporary, "bad reply from server: " + error->text);
    }
    char chunk[4096];
    auto got = co_await stream_->read_some(chunk, sizeof chunk, timeout);
    if (!got) {
      co_return got.error();
    }
    if (*got == 0) {
      co_return make_error(ErrorKind::temporary, "connection closed by server");
    }
    parser_.feed(std::string_view(chunk, *got));
  }
}

io::Task<Result<SmtpReply>> SmtpClient::command(std::string_view line, std::chrono::milliseconds timeout) {
  std::string wire(line);
  wire += "\r\n";
  if (Status sent = co_await send(wire); !sent) {
    co_return sent.error();
  }
  co_return co_await read_reply(timeout);
}

io::Task<Result<SmtpReply>> SmtpClient::read_greeting() {
  co_return co_await read_reply(timeouts_.greeting);
}

io::Task<Result<SmtpReply>> SmtpClient::ehlo(std::string_view domain) {
  auto reply = co_await command("EHLO " + std::string(domain), timeouts_.command);
  if (reply && reply->code == 250) {
    capabilities_ = parse_capabilities(*reply);
  } else {
    capabilities_ = Capabilities{};
  }
  co_return reply;
}

io::Task<Result<SmtpReply>> SmtpClient::helo(std::string_view domain) {
  capabilities_ = Capabilities{};
  co_return co_await command("HELO " + std::string(domain), timeouts_.command);
}

io::Task<Result<SmtpReply>> SmtpClient::starttls(SSL_CTX* ctx, const std::string& server_name) {
  auto reply = co_await command("STARTTLS", timeouts_.command);
  if (!reply || reply->code != 220) {
    co_return reply;
  }
  // Anything the server sent after its 220 arrived in plaintext: a STARTTLS injection
  // attempt (CVE-2011-0411 class). Refuse the connection rather than trust it.
  if (parser_.buffered() != 0) {
    co_return make_error(ErrorKind::temporary, "server sent data after 220 to STARTTLS");
  }
  capabilities_ = Capabilities{};
  if (Status shaken = co_await stream_->start_tls_client(ctx, server_name, timeouts_.tls_handshake); !shaken) {
    co_return shaken.error();
  }
  co_return reply;
}

io::Task<Status> SmtpClient::start_implicit_tls(SSL_CTX* ctx, const std::string& server_name) {
  co_return co_await stream_->start_tls_client(ctx, server_name, timeouts_.tls_handshake);
}

io::Task<Result<SmtpReply>> SmtpClient::auth(std::string_view user, std::string_view password) {
  auto offers = [this](std::string_view mech) {
    return std::find(capabilities_.auth.begin(), capabilities_.auth.end(), mech) != capabilities_.auth.end();
  };
  if (offers("PLAIN")) {
    std::string token;
    token += '\0';
    token += user;
    token += '\0';
    token += password;
    co_return co_await command("AUTH PLAIN " + sasl::base64_encode(token), timeouts_.command);
  }
  if (offers("LOGIN")) {
    auto reply = co_await command("AUTH LOGIN", timeouts_.command);
    if (!reply || reply->code != 334) {
      co_return reply;
    }
    reply = co_await command(sasl::base64_encode(user), timeouts_.command);
    if (!reply || reply->code != 334) {
      co_return reply;
    }
    co_return co_await command(sasl::base64_encode(password), timeouts_.command);
  }
  co_return make_error(ErrorKind::permanent, "server offers neither AUTH PLAIN nor LOGIN");
}

io::Task<Result<SmtpReply>> SmtpClient::mail_from(std::string_view reverse_path, std::string_view params) {
  std::string line = "MAIL FROM:<" + std::string(reverse_path) + ">" + std::string(params);
  co_return co_await command(line, timeouts_.mail);
}

io::Task<Result<SmtpReply>> SmtpClient::rcpt_to(std::string_view forward_path, std::string_view params) {
  std::string line = "RCPT TO:<" + std::string(forward_path) + ">" + std::string(params);
  co_return co_await command(line, timeouts_.rcpt);
}

io::Task<Result<SmtpReply>> SmtpClient::data(std::string_view message) {
  auto reply = co_await command("DATA", timeouts_.data_init);
  if (!reply || reply->code != 354) {
    co_return reply;
  }
  // write_all has the stream's own write timeout; the data-block timeout bounds each read.
  std::string wire = dot_stuff(message);
  if (Status sent = co_await send(wire); !sent) {
    co_return sent.error();
  }
  co_return co_await read_reply(timeouts_.data_end);
}

io::Task<Result<SmtpReply>> SmtpClient::bdat(std::string_view message) {
  std::string head = "BDAT " + std::to_string(message.size()) + " LAST\r\n";
  if (Status sent = co_await send(head); !sent) {
    co_return sent.error();
  }
  if (Status sent = co_await send(message); !sent) {
    co_return sent.error();
  }
  co_return co_await read_reply(timeouts_.data_end);
}

io::Task<Result<SmtpReply>> SmtpClient::rset() {
  co_return co_await command("RSET", timeouts_.command);
}

io::Task<void> SmtpClient::quit() {
  auto reply = co_await command("QUIT", timeouts_.command);
  (void)reply;
  stream_->close();
}

}  // namespace postroom::client
