// export.h — maelstrom SDK: symbol visibility for types shared between the core and plugins.
// SPDX-License-Identifier: Apache-2.0
#pragma once

/// Marks SDK classes whose RTTI and vtables must be the same object in the daemon and in every plugin
/// (dynamic_cast of services, catch of SDK exceptions across dlopen). Plugins may build with
/// -fvisibility=hidden; these stay visible.
#define MAELSTROM_SDK_API __attribute__((visibility("default")))
