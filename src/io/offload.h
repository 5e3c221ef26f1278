// offload(): runs a blocking call (storage, password hashing) on the storage pool and resumes
// the calling coroutine on its own executor with the result. I/O threads never block on
// disk or CPU-heavy work (DESIGN.md §2).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>

#include "io/asio.h"

namespace postroom::io {

template <typename F>
Task<std::invoke_result_t<F>> offload(asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F>;
  std::optional<R> result;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&pool, &result, &fn](auto handler) {
        asio::post(pool, [&result, &fn, handler = std::move(handler)]() mutable {
          result.emplace(fn());
          auto executor = asio::get_associated_executor(handler);
          asio::post(executor, std::move(handler));
        });
      },
      asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace postroom::io
