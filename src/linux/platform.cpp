// SPDX-License-Identifier: MIT
// Linux: picks the backend for a snapshot.
#include <atomic>
#include <cerrno>

#include "../common/backend.hpp"
#include "bpf/bpf_iter_backend.hpp"
#include "netlink_backend.hpp"
#include "netns.hpp"
#include "owner_pids.hpp"
#include "procfs_backend.hpp"
#include "sockstat.hpp"
#include "test_seams.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

using seam_state::probed_default;

// The errors that mean "no netlink here" rather than "netlink failed": a sandbox or seccomp
// filter refusing the socket or its family, or a kernel built without sock_diag.
bool netlink_unavailable(const std::error_code& ec) noexcept {
    if (ec.category() != std::system_category()) return false;
    switch (ec.value()) {
        case EPERM:
        case EACCES:
        case EPROTONOSUPPORT:
        case EAFNOSUPPORT:
            return true;
        default:
            return false;
    }
}

std::error_code procfs_any(const snapshot_options& options, backend_rows& out,
                           error_info& info) noexcept {
    if (options.netns.empty()) return procfs_snapshot(options, out, info);
    return procfs_snapshot_in_netns(options, out, info);
}

// The rows from the backend asked for (or, for automatic, the one that works here).
std::error_code backend_snapshot(const snapshot_options& options, backend_rows& out,
                                 error_info& info) noexcept {
    // A full table of this namespace: size the vector once. Filtered or other-namespace reads
    // grow as they go rather than reserve for rows they will not return.
    if (out.protocol == transport_protocol::tcp && options.states.is_all() &&
        options.netns.empty() && options.proc_root == "/proc") {
        std::size_t expected = estimate_tcp_rows(options.proc_root);
        if (options.family != address_family::both) expected /= 2;
        try {
            out.rows.reserve(out.rows.size() + expected + expected / 16 + 64);
            if (out.metrics) out.metrics->reserve(out.rows.capacity());
        } catch (const std::bad_alloc&) {
            // Growing as rows arrive still works, if more slowly.
        }
    }
    switch (options.backend) {
        case backend_kind::automatic: {
            // Another proc_root means captured files or another mount: only procfs reads those.
            if (options.proc_root != "/proc" || platform_default_backend() != backend_kind::netlink)
                return procfs_any(options, out, info);
            const std::size_t start = out.rows.size();
            // A large table where bpf is permitted: bpf; if it fails, netlink, silently.
            if (out.protocol == transport_protocol::tcp && bpf_iter_preferred(options)) {
                error_info bpf_info;
                if (!bpf_iter_snapshot(options, out, bpf_info)) return {};
                out.rows.resize(start);
                out.states_filtered = false;
            }
            error_info netlink_info;
            auto ec = netlink_snapshot(options, out, netlink_info);
            if (!ec) return {};
            // A namespace netlink may not join (setns needs CAP_SYS_ADMIN) can still be read
            // through /proc/<pid>/net by anyone allowed to see that process.
            if (!netlink_unavailable(ec)) {
                info = std::move(netlink_info);
                return ec;
            }
            out.rows.resize(start);
            if (out.metrics) out.metrics->resize(start);
            out.states_filtered = false;
            return procfs_any(options, out, info);
        }
        case backend_kind::procfs:
            return procfs_any(options, out, info);
        case backend_kind::netlink:
            return netlink_snapshot(options, out, info);
        case backend_kind::bpf:
            return bpf_iter_snapshot(options, out, info);
        case backend_kind::iphlpapi:
            break;
    }
    info.message = std::string("backend ") + std::string(to_string(options.backend)) +
                   " is not available on Linux";
    return make_error_code(errc::not_supported);
}

}  // namespace

std::error_code platform_snapshot(const snapshot_options& options, tcp_table& out,
                                  error_info& info) noexcept {
    return guarded(info, [&] {
        backend_rows rows{out.mutable_rows()};
        if (options.metrics) rows.metrics = &out.mutable_metrics();
        if (auto ec = backend_snapshot(options, rows, info)) return ec;
        if (!rows.states_filtered) keep_states(rows.rows, options.states, 0, rows.metrics);
        if (options.owner_pids) return fill_owner_pids(options, out, info);
        return std::error_code{};
    });
}

std::error_code platform_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                       error_info& info) noexcept {
    // bpf streams per read of its iterator; automatic falls back to netlink while nothing is
    // delivered.
    if (!options.owner_pids && !options.metrics && options.proc_root == "/proc" &&
        (options.backend == backend_kind::bpf ||
         (options.backend == backend_kind::automatic && bpf_iter_preferred(options)))) {
        std::size_t delivered = 0;
        error_info bpf_info;
        auto ec = bpf_iter_snapshot_each(options, sink, delivered, bpf_info);
        if (!ec || options.backend == backend_kind::bpf || delivered != 0) {
            info = std::move(bpf_info);
            return ec;
        }
    }
    // Netlink streams per datagram. Owner pids need the whole /proc scan matched against the
    // table, so they take the non-streaming path, as do /proc and other proc roots.
    const bool netlink = !options.owner_pids && !options.metrics && options.proc_root == "/proc" &&
                         (options.backend == backend_kind::netlink ||
                          (options.backend == backend_kind::automatic &&
                           platform_default_backend() == backend_kind::netlink));
    if (netlink) {
        std::size_t delivered = 0;
        error_info netlink_info;
        auto ec = netlink_snapshot_each(options, sink, delivered, netlink_info);
        // automatic falls back to /proc as platform_snapshot does, while nothing is delivered.
        if (!ec || options.backend == backend_kind::netlink || delivered != 0 ||
            !netlink_unavailable(ec)) {
            info = std::move(netlink_info);
            return ec;
        }
    }
    return guarded(info, [&] {
        tcp_table table;
        snapshot_options whole = options;
        if (netlink) whole.backend = backend_kind::procfs;
        if (auto ec = platform_snapshot(whole, table, info)) return ec;
        sink(table.rows());
        return std::error_code{};
    });
}

std::error_code platform_udp_snapshot(const snapshot_options& options, udp_table& out,
                                      error_info& info) noexcept {
    return guarded(info, [&] {
        // The TCP path's code, reading the UDP table (see backend_rows); owners need the
        // inodes of tcp_row, so the rows convert once, at the end.
        tcp_table read;
        backend_rows rows{read.mutable_rows()};
        rows.protocol = transport_protocol::udp;
        if (auto ec = backend_snapshot(options, rows, info)) return ec;
        if (options.owner_pids) {
            if (auto ec = fill_owner_pids(options, read, info)) return ec;
            out.unmapped_owner_rows = read.unmapped_owner_rows;
            out.unreadable_processes = read.unreadable_processes;
            out.owner_source = read.owner_source;
        }
        udp_rows_from(read.mutable_rows(), out);
        return std::error_code{};
    });
}

backend_kind platform_default_backend() noexcept {
    int cached = probed_default.load(std::memory_order_acquire);
    if (cached != 0) return static_cast<backend_kind>(cached - 1);
    error_info ignored;
    auto ec = netlink_probe(ignored);
    // Only a refusal makes /proc the default; any other failure is worth reporting from the
    // netlink snapshot itself rather than hiding behind a fallback.
    backend_kind kind =
        ec && netlink_unavailable(ec) ? backend_kind::procfs : backend_kind::netlink;
    probed_default.store(static_cast<int>(kind) + 1, std::memory_order_release);
    return kind;
}

namespace seam_state {
std::atomic<int> probed_default{0};
}  // namespace seam_state
}  // namespace tcptable::inline v0_1::detail
