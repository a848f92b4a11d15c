// SPDX-License-Identifier: MIT
// The contract between the shared snapshot code and a platform's backends, and the few helpers
// shared code offers them.
//
// A platform provides the three platform_* functions in its own source tree (src/linux,
// src/win, src/unsupported), listed by its sources.cmake; CMake picks the tree. Shared code
// never asks which platform it runs on.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/diff.hpp>
#include <tcptable/snapshot.hpp>
#include <tcptable/statistics.hpp>
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

// Reads the TCP counters of MIB_TCPSTATS, all but num_conns (which shared code counts from a
// table).
std::error_code platform_statistics(const statistics_options& options, tcp_statistics& stats,
                                    error_info& info) noexcept;

// What backend_kind::automatic resolves to now.
backend_kind platform_default_backend() noexcept;

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
struct backend_rows {
    std::vector<tcp_row>& rows;
    bool states_filtered = false;
};

// Drops the rows of `rows` from `first` on whose state is not in `states`.
void keep_states(std::vector<tcp_row>& rows, state_set states, std::size_t first = 0);

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
