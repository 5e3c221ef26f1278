// The one place that pulls in Boost.Asio for the coroutine runtime. Heavy: include only from
// io/ and server/ translation units, never from proto/, store/, mime/ or mail/.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace postroom::io {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
template <typename T>
using Task = asio::awaitable<T>;
}  // namespace postroom::io
