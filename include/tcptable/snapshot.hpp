// SPDX-License-Identifier: MIT
// Taking a snapshot of the TCP connection table.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/export.hpp>
#include <tcptable/tcp_table.hpp>

namespace tcptable::inline v0_1 {

enum class address_family : std::uint8_t { ipv4, ipv6, both };

enum class backend_kind : std::uint8_t {
    automatic,  // the fastest backend that works here (netlink on Linux, iphlpapi on Windows)
    procfs,     // Linux: parse /proc/net/tcp and /proc/net/tcp6
    netlink,    // Linux: NETLINK_SOCK_DIAG dump, as ss does
    iphlpapi,   // Windows: GetTcpTable / GetTcp6Table / GetExtendedTcpTable
};

struct snapshot_options {
    // Declared, so the type is not an aggregate: GCC 12 corrupts aggregate temporaries (their
    // std::string members) that live across a co_await, as in
    // `co_await async_snapshot(ex, snapshot_options{}, use_awaitable)`; with a constructor the
    // same code is correct. Set the fields by name after construction.
    snapshot_options() = default;

    address_family family = address_family::both;
    // Sort per the contract (see row_order). False leaves the backend's own order.
    bool sorted = true;
    // Only rows in these states. Backends that can filter in the kernel do.
    state_set states = state_set::all();
    backend_kind backend = backend_kind::automatic;
    // Linux: where proc is mounted, or "/proc/<pid>" for the table of that process's network
    // namespace (procfs backend), or a directory of captured files holding net/tcp, net/tcp6.
    std::string proc_root = "/proc";
    // Fill tcp_row::pid (and owner_count) by scanning the processes' open descriptors.
    bool owner_pids = false;
    // Linux: read the table of another network namespace, given as a pid ("1234") or as the
    // path of a namespace file ("/run/netns/NAME"). Empty: the caller's namespace.
    std::string netns;
    // Fill per-connection metrics (tcp_table::metrics()): Linux asks netlink for tcp_info,
    // the congestion algorithm and socket memory; /proc gives the queues only.
    bool metrics = false;
};

// Throws std::system_error (with the file and line of a parse error in what()).
TCPTABLE_EXPORT tcp_table snapshot(const snapshot_options& options = {});

// Never throws: on failure returns an empty table and sets ec (and info, when given).
TCPTABLE_EXPORT tcp_table snapshot(const snapshot_options& options, std::error_code& ec,
                                   error_info* info = nullptr) noexcept;

// Sorts rows per the contract, in place.
TCPTABLE_EXPORT void sort_rows(std::span<tcp_row> rows) noexcept;

// Which backend `automatic` resolves to on this machine right now.
TCPTABLE_EXPORT backend_kind default_backend() noexcept;
constexpr std::string_view to_string(backend_kind b) noexcept {
    switch (b) {
        case backend_kind::automatic:
            return "auto";
        case backend_kind::procfs:
            return "procfs";
        case backend_kind::netlink:
            return "netlink";
        case backend_kind::iphlpapi:
            return "iphlpapi";
    }
    return "unknown";
}

}  // namespace tcptable::inline v0_1
