// SPDX-License-Identifier: MIT
// The contract between the shared snapshot code and a platform's backends, and the few helpers
// shared code offers them.
//
// A platform provides the four platform_* functions in its own source tree (src/linux,
// src/win, src/unsupported), listed by its sources.cmake; CMake picks the tree. Shared code
// never asks which platform it runs on.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/diff.hpp>
#include <tcptable/namespaces.hpp>
#include <tcptable/snapshot.hpp>
#include <tcptable/statistics.hpp>
#include <tcptable/udp.hpp>
#include <utility>
#include <vector>

namespace tcptable::inline v0_1::detail {

// Fills `out` with the rows of the requested families in the requested states (in any order,
// converted at the edge: network-order address bytes, host-order ports, MIB states), with
// pid/owner_count and the owner counters when options.owner_pids is set. An option the
// platform cannot honour is errc::not_supported, never ignored. On failure returns the error,
// with details in `info`; `out` may then hold partial rows, which the caller discards.
std::error_code platform_snapshot(const snapshot_options& options, tcp_table& out,
                                  error_info& info) noexcept;

// snapshot_each's batches (options.sorted and options.metrics are false; shared code handles
// those): calls `sink` with each batch of rows as the backend reads them, already filtered by
// family and state and converted at the edge, each row once; `sink` returns false to stop
// the read early (no error). A platform that cannot stream makes one call with the whole
// table. A table that changed during a read whose rows were partly delivered is
// errc::table_changed, never a restart that would deliver rows twice.
using row_batch_sink = std::function<bool(std::span<const tcp_row>)>;
std::error_code platform_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                       error_info& info) noexcept;

// platform_snapshot_each for a platform that cannot stream: platform_snapshot, then one call
// of `sink` with the whole table.
std::error_code snapshot_each_whole_table(const snapshot_options& options,
                                          const row_batch_sink& sink, error_info& info) noexcept;

// The UDP table, as platform_snapshot does for TCP: the rows of the requested families (any
// order, converted at the edge), with owners when options.owner_pids is set. options.states is
// all() (shared code checks). Same error and partial-row rules as platform_snapshot.
std::error_code platform_udp_snapshot(const snapshot_options& options, udp_table& out,
                                      error_info& info) noexcept;

// Reads the TCP counters of MIB_TCPSTATS, all but num_conns (which shared code counts from a
// table).
std::error_code platform_statistics(const statistics_options& options, tcp_statistics& stats,
                                    error_info& info) noexcept;

// What backend_kind::automatic resolves to now.
backend_kind platform_default_backend() noexcept;

// Every network namespace's table (snapshot_all_namespaces), options checked by shared code.
// A platform without namespaces returns its one table, or errc::not_supported.
std::error_code platform_all_namespaces(const snapshot_options& options, all_namespaces& out,
                                        error_info& info) noexcept;

// ---- Event sources (include/tcptable/events.hpp): a platform's notifications of sockets
// opening, changing state and closing, for one network namespace.
class platform_event_source {
  public:
    virtual ~platform_event_source() = default;
    // Waits at most timeout_ms for notifications and appends them as events (source, row,
    // figures filled; at most about max_events); `lost` when the platform dropped some since
    // the last read.
    virtual std::error_code read(std::vector<tcp_event>& out, int timeout_ms,
                                 std::size_t max_events, bool& lost, error_info& info) noexcept = 0;
    // Wakes a read (any thread); the next read returns at once.
    virtual void interrupt() noexcept = 0;
};

// Opens `source` (one of the kernel's; never poll) for the namespace `netns` ("" = the
// caller's); for `automatic`, the best source the platform can open now, named in `opened`.
// errc::not_supported where the platform or this build has no such source, or lacks the
// privilege it needs (the reason in info).
std::error_code platform_open_events(event_source source, const std::string& netns,
                                     std::unique_ptr<platform_event_source>& out, error_info& info,
                                     event_source& opened) noexcept;

// ---- Helpers for the platforms.

// One backend's rows, appended to `rows`; `states_filtered` says they are in options.states
// already (a kernel-side filter), so nothing needs to filter them again.
// `protocol` says which table a backend reads: for UDP the rows are tcp_row with the
// socket's state (CLOSED, or ESTABLISHED when connected), converted by udp_rows_from().
// With metrics asked (TCP only), `metrics` points at the vector parallel to `rows`: every row
// appended gets its metrics appended there, so the two stay the same length.
struct backend_rows {
    std::vector<tcp_row>& rows;
    bool states_filtered = false;
    transport_protocol protocol = transport_protocol::tcp;
    std::vector<tcp_metrics>* metrics = nullptr;
};

// Moves a backend's UDP rows (read as tcp_row, see backend_rows) into `out`, dropping the state.
void udp_rows_from(const std::vector<tcp_row>& rows, udp_table& out);

// Drops the rows of `rows` from `first` on whose state is not in `states` (and, when given,
// the metrics at the same positions of `metrics`).
void keep_states(std::vector<tcp_row>& rows, state_set states, std::size_t first = 0,
                 std::vector<tcp_metrics>* metrics = nullptr);

// Sorts a table's rows per the contract, moving each row's metrics with it.
void sort_table(tcp_table& table);

// An OS call that failed with `err`: the errno as a system error, "what: strerror" in info,
// and the path when there is one.
std::error_code os_error(error_info& info, std::string_view what, int err,
                         std::string_view path = {});

// Runs `body` (returning std::error_code) and turns an exception escaping it into an error:
// std::bad_alloc is not_enough_memory ("out of memory"), anything else state_not_recoverable.
// The one place a backend's noexcept boundary catches.
template <class Body>
std::error_code guarded(error_info& info, Body&& body) noexcept {
    try {
        return std::forward<Body>(body)();
    } catch (const std::bad_alloc&) {
        info.message = "out of memory";
        return std::make_error_code(std::errc::not_enough_memory);
    } catch (...) {
        info.message = "unexpected exception";
        return std::make_error_code(std::errc::state_not_recoverable);
    }
}

}  // namespace tcptable::inline v0_1::detail
