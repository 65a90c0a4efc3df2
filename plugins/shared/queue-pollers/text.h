// text.h — small text helpers of the queue-polling plugins: header names compared as HTTP does (any case).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace maelstrom::plugins::queue_pollers {

/// Whether `a` and `b` are equal but for the case of ASCII letters (header names such as "pause-seconds").
bool equalsIgnoreCase(std::string_view a, std::string_view b);

} // namespace maelstrom::plugins::queue_pollers
