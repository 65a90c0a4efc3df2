// asio.h — the one place the data plane includes Boost.Asio and Boost.Beast, with the aliases its files use.
// SPDX-License-Identifier: Apache-2.0
//
// <utility> first: Boost 1.74's awaitable.hpp uses std::exchange without including it. Beast is told to use
// std::string_view (every file of the data plane includes Beast through this header, so all agree).
// Coroutines here keep no C arrays as locals (g++ 12 cannot copy them into the frame): std::array or the heap.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#ifndef BOOST_BEAST_USE_STD_STRING_VIEW
#define BOOST_BEAST_USE_STD_STRING_VIEW
#endif

// Beast 1.74's parser trips g++ 12's -Wmaybe-uninitialized on a boost::optional it does initialize.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
// Asio allocates coroutine frames with its own operator new and frees them with the matching sized delete; g++ 12
// reports the pair as mismatched at the end of coroutines that inline it (a false positive). Every file that has
// coroutines includes this header, and none allocates with new/delete by hand.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace maelstrom::core::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

/// Every coroutine of the data plane runs on an io_context's executor.
template <typename T = void>
using Task = asio::awaitable<T>;

/// Up to six buffers for one gather write, held without a heap allocation (a body piece is written with its
/// chunk framing in one system call, and nothing is allocated per piece).
class BufferList {
public:
    BufferList() = default;
    BufferList(const void* data, std::size_t size) { add(data, size); }
    /// Adds a buffer; empty ones are skipped. At most kCapacity (more is a programming error and is dropped).
    void add(const void* data, std::size_t size) {
        if (size > 0 && count_ < kCapacity) {
            items_[count_++] = asio::const_buffer(data, size);
        }
    }
    void add(std::string_view text) { add(text.data(), text.size()); }
    const asio::const_buffer* begin() const { return items_.data(); }
    const asio::const_buffer* end() const { return items_.data() + count_; }
    bool empty() const { return count_ == 0; }
    void clear() { count_ = 0; }

private:
    static constexpr std::size_t kCapacity = 6;
    std::array<asio::const_buffer, kCapacity> items_{};
    std::size_t count_ = 0;
};

/// The completion token that turns an error into a value the coroutine tests (no exception on the hot path).
inline auto withError(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

} // namespace maelstrom::core::net
