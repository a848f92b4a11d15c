// SPDX-License-Identifier: MIT
// The whole portable API of tcptable. Standard headers only.
#pragma once

#include <tcptable/diff.hpp>
#include <tcptable/error.hpp>
#include <tcptable/events.hpp>
#include <tcptable/ip_address.hpp>
#include <tcptable/namespaces.hpp>
#include <tcptable/owner_cache.hpp>
#include <tcptable/process.hpp>
#include <tcptable/snapshot.hpp>
#include <tcptable/statistics.hpp>
#include <tcptable/tcp_metrics.hpp>
#include <tcptable/tcp_row.hpp>
#include <tcptable/tcp_state.hpp>
#include <tcptable/tcp_table.hpp>
#include <tcptable/udp.hpp>
#include <tcptable/version.hpp>
