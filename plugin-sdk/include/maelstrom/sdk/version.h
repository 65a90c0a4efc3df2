// version.h — maelstrom SDK: the ABI version every plugin is checked against.
// SPDX-License-Identifier: Apache-2.0
#pragma once

/// The plugin ABI version. Bump it whenever any interface, model type or descriptor in this SDK changes
/// in a way that breaks binary compatibility (a new virtual method, a changed struct layout...).
/// The loader refuses a plugin built against another value, before it touches the plugin's descriptor.
#define MAELSTROM_SDK_ABI_VERSION 5

/// The SDK release (informational; the ABI version above is what the loader checks).
#define MAELSTROM_SDK_VERSION "0.1.0"

namespace maelstrom::sdk {
inline constexpr int kAbiVersion = MAELSTROM_SDK_ABI_VERSION;
} // namespace maelstrom::sdk
