// sdk.h — maelstrom SDK: everything a plugin author needs, in one include.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <maelstrom/sdk/clock.h>
#include <maelstrom/sdk/container_runtime.h>
#include <maelstrom/sdk/database.h>
#include <maelstrom/sdk/duration.h>
#include <maelstrom/sdk/errors.h>
#include <maelstrom/sdk/event_source.h>
#include <maelstrom/sdk/json.h>
#include <maelstrom/sdk/load_balancer.h>
#include <maelstrom/sdk/model.h>
#include <maelstrom/sdk/plugin.h>
#include <maelstrom/sdk/rpc_transport.h>
#include <maelstrom/sdk/settings.h>
#include <maelstrom/sdk/version.h>
