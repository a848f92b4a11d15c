// SPDX-License-Identifier: MIT
// Event sources: what reports the connections that open and close between two snapshots.
//
// A subscription reads the kernel's notifications for one network namespace. The watcher of
// <tcptable/asio.hpp> combines one with polling (docs/DESIGN.md, "Event sources"); this is the
// blocking, portable layer beneath it.
#pragma once

#include <tcptable/diff.hpp>
#include <tcptable/error.hpp>
#include <tcptable/export.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tcptable::inline v0_1 {

namespace detail {
class platform_event_source;
}

// "auto", "poll", "netlink" or "bpf"; false for anything else.
TCPTABLE_EXPORT bool parse_event_source(std::string_view text, event_source& out) noexcept;

class TCPTABLE_EXPORT event_subscription {
  public:
    // Subscribes to `source` in the network namespace `netns` (a pid or a namespace file, as
    // snapshot_options::netns; "" = the caller's). `automatic` tries bpf, then netlink.
    // errc::not_supported for poll, for a source this build or platform lacks, or for bpf
    // without the privilege to load it (info says which); other errors are the OS's.
    static std::unique_ptr<event_subscription> open(event_source source, const std::string& netns,
                                                    std::error_code& ec,
                                                    error_info* info = nullptr) noexcept;
    ~event_subscription();
    event_subscription(const event_subscription&) = delete;
    event_subscription& operator=(const event_subscription&) = delete;

    // netlink or bpf: what open() gave.
    event_source source() const noexcept { return source_; }

    // Waits at most `timeout` for events, then appends what has arrived (at most about
    // `max_events`) to `out`, each with `source` set. `lost` becomes true when the kernel has
    // dropped notifications since the last read (ENOBUFS, a full ring buffer): the caller must
    // take a snapshot to resync. Returns an OS error when the subscription failed for good.
    std::error_code read(std::vector<tcp_event>& out, std::chrono::milliseconds timeout,
                         std::size_t max_events, bool& lost, error_info* info = nullptr) noexcept;

    // Makes a read in progress, or the next one, return at once (any thread).
    void interrupt() noexcept;

  private:
    event_subscription(event_source s,
                       std::unique_ptr<detail::platform_event_source> impl) noexcept;
    event_source source_;
    std::unique_ptr<detail::platform_event_source> impl_;
};

}  // namespace tcptable::inline v0_1
