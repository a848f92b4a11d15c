// SPDX-License-Identifier: MIT
// Taking a snapshot of the TCP connection table.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/export.hpp>
#include <tcptable/tcp_table.hpp>

namespace tcptable::inline v0_1 {

class owner_cache;  // <tcptable/owner_cache.hpp>

enum class address_family : std::uint8_t { ipv4, ipv6, both };

enum class backend_kind : std::uint8_t {
    automatic,  // the fastest backend that works here (netlink on Linux, iphlpapi on Windows;
                // on Linux bpf for large tables where it is permitted)
    procfs,     // Linux: parse /proc/net/tcp and /proc/net/tcp6
    netlink,    // Linux: NETLINK_SOCK_DIAG dump, as ss does
    iphlpapi,   // Windows: GetTcpTable / GetTcp6Table / GetExtendedTcpTable
    // Linux: a BPF iter/tcp program writing rows (CAP_BPF + CAP_PERFMON, kernel BTF, a build
    // with libbpf); TCP only, no metrics. errc::not_supported, saying why, where it cannot run.
    bpf,
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
    // Fill tcp_row::pid (and owner_count): Linux from a BPF iter/task_file pass where it is
    // permitted and worth its load (a process's second owner read on, or a system with many
    // open files), else from the processes' descriptors under /proc; tcp_table::owner_source
    // says which (docs/DESIGN.md, "Owner attribution").
    bool owner_pids = false;
    // With owner_pids, on the /proc path: a cache shared by repeated snapshots, so each
    // resolves only what changed (include/tcptable/owner_cache.hpp). Null: a full scan each
    // time. Ignored where owners come otherwise (the BPF iterator, Windows).
    std::shared_ptr<tcptable::owner_cache> owner_cache;
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

// The table a batch at a time, for callers that print or forward rows without keeping them
// (tcptable --unsorted): `on_batch` is called with each batch of rows as the backend reads it,
// in the backend's order; the span is valid only during the call. Rows are the ones snapshot()
// would return for the same options, each delivered once.
//
// Streaming happens only where it can: Linux's netlink backend (automatic or netlink, the
// caller's /proc) without owner_pids, metrics or sorted calls `on_batch` once per netlink
// datagram (a few hundred rows), so the whole table is never held. Every other case — sorted
// (the default), owner_pids, metrics, the procfs backend, Windows, a platform without a
// backend — takes the snapshot() and makes one call with the whole table (none if it is empty).
//
// A netlink dump the kernel flags inconsistent (NLM_F_DUMP_INTR: the table changed during the
// dump) cannot be restarted once rows are delivered: snapshot_each stops before delivering the
// flagged batch and fails with errc::table_changed. The rows already delivered are correct but
// the table is incomplete; no row is delivered twice.
//
// On failure sets ec (and info). An exception thrown by `on_batch` stops the dump and
// propagates to the caller; nothing else throws.
TCPTABLE_EXPORT void snapshot_each(const snapshot_options& options,
                                   const std::function<void(std::span<const tcp_row>)>& on_batch,
                                   std::error_code& ec, error_info* info = nullptr);

// Sorts rows per the contract, in place.
TCPTABLE_EXPORT void sort_rows(std::span<tcp_row> rows) noexcept;

// Which backend `automatic` resolves to on this machine right now, for a table below the bpf
// threshold (Linux: netlink, or procfs where netlink is refused). Linux's automatic may read a
// large table with bpf instead, per snapshot, where that is permitted (docs/DESIGN.md).
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
        case backend_kind::bpf:
            return "bpf";
    }
    return "unknown";
}

}  // namespace tcptable::inline v0_1
