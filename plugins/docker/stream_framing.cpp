// stream_framing.cpp — Docker's multiplexed stream framing and line splitting.
// SPDX-License-Identifier: Apache-2.0
#include "stream_framing.h"

namespace maelstrom::plugins::docker {

void MuxDecoder::feed(std::string_view data) {
    buffer_.append(data.data(), data.size());
    std::size_t pos = 0;
    while (buffer_.size() - pos >= 8) {
        const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
        std::uint32_t length = (std::uint32_t(h[4]) << 24) | (std::uint32_t(h[5]) << 16) | (std::uint32_t(h[6]) << 8) |
                               std::uint32_t(h[7]);
        if (buffer_.size() - pos - 8 < length) {
            break;
        }
        auto stream = static_cast<StreamId>(h[0] <= 2 ? h[0] : 1);
        sink_(stream, std::string_view(buffer_.data() + pos + 8, length));
        pos += 8 + length;
    }
    buffer_.erase(0, pos);
}

void LineSplitter::feed(std::string_view data) {
    while (!data.empty()) {
        std::size_t nl = data.find('\n');
        if (nl == std::string_view::npos) {
            pending_.append(data.data(), data.size());
            return;
        }
        std::string_view piece = data.substr(0, nl);
        data.remove_prefix(nl + 1);
        if (pending_.empty()) {
            if (!piece.empty() && piece.back() == '\r') {
                piece.remove_suffix(1);
            }
            sink_(piece);
        } else {
            pending_.append(piece.data(), piece.size());
            if (!pending_.empty() && pending_.back() == '\r') {
                pending_.pop_back();
            }
            sink_(pending_);
            pending_.clear();
        }
    }
}

void LineSplitter::finish() {
    if (!pending_.empty()) {
        if (pending_.back() == '\r') {
            pending_.pop_back();
        }
        sink_(pending_);
        pending_.clear();
    }
}

std::string demultiplexAll(std::string_view data) {
    std::string out;
    MuxDecoder decoder([&](StreamId, std::string_view payload) { out.append(payload.data(), payload.size()); });
    decoder.feed(data);
    return out;
}

} // namespace maelstrom::plugins::docker
