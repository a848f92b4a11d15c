// SPDX-License-Identifier: MIT
// The NETLINK_SOCK_DIAG backend: an inet_diag dump of TCP sockets, as ss does it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "../common/backend.hpp"
#include "fd.hpp"

namespace tcptable::inline v0_1::detail {

enum class netlink_request : std::uint8_t {
    // One TCPDIAG_GETSOCK request (struct inet_diag_req): both families in one dump.
    legacy,
    // SOCK_DIAG_BY_FAMILY (struct inet_diag_req_v2): one dump per family.
    by_family,
};

// What one dump asks the kernel for.
struct netlink_dump_request {
    netlink_request kind = netlink_request::by_family;
    std::uint8_t family = 0;        // AF_INET or AF_INET6 (by_family only)
    std::uint32_t states_mask = 0;  // idiag_states: bit n = Linux state n
    // sdiag_protocol (by_family only): IPPROTO_TCP or IPPROTO_UDP. Legacy is TCP only.
    std::uint8_t protocol = 6;  // IPPROTO_TCP
    // idiag_ext: bit (INET_DIAG_x - 1) asks for attribute x; 0 for the rows alone.
    std::uint8_t extensions = 0;
};

// The extensions a metrics snapshot asks for: INET_DIAG_INFO, INET_DIAG_CONG and
// INET_DIAG_SKMEMINFO.
std::uint8_t netlink_metrics_extensions() noexcept;

// Receives each datagram as the kernel sent it, before parsing; the capture tool uses it.
using netlink_datagram_sink = std::function<void(std::span<const std::byte>)>;

// Opens a NETLINK_SOCK_DIAG socket in the caller's network namespace, or in `netns` (a pid
// or a namespace file path; see snapshot_options::netns).
std::error_code netlink_open(const std::string& netns, unique_fd& fd, error_info& info);

// Runs one dump on `fd`, appending the rows that pass `family` and `states` to `out`. Restarts
// the dump when the kernel flags it inconsistent (NLM_F_DUMP_INTR), a bounded number of times,
// then gives errc::table_changed. `kernel_refused` says whether an error was the kernel's
// NLMSG_ERROR answer to the request.
// The rows are tcp_row, a UDP dump's carrying the socket's state (see backend_rows).
std::error_code netlink_dump(int fd, const netlink_dump_request& request, address_family family,
                             state_set states, std::vector<tcp_row>& out, error_info& info,
                             bool* kernel_refused = nullptr,
                             const netlink_datagram_sink* sink = nullptr,
                             std::vector<tcp_metrics>* metrics = nullptr);

// The backend contract's snapshot, over netlink.
std::error_code netlink_snapshot(const snapshot_options& options, backend_rows& out,
                                 error_info& info) noexcept;

// snapshot_each over netlink (the backend contract's platform_snapshot_each): each datagram's
// TCP rows go to `sink` as they are parsed, filtered by family and state in the kernel and
// the parser. A dump flagged NLM_F_DUMP_INTR stops before the flagged datagram's rows with
// errc::table_changed (delivered rows cannot be taken back, so no restart). `delivered`
// counts the rows passed to `sink`, so a caller can tell whether a fallback is still clean.
std::error_code netlink_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                      std::size_t& delivered, error_info& info) noexcept;

// Whether a netlink dump works here: opens a socket and runs an empty dump.
std::error_code netlink_probe(error_info& info) noexcept;

// Which request a snapshot of both families uses now: legacy until the kernel refuses it.
netlink_request netlink_both_families_request() noexcept;

}  // namespace tcptable::inline v0_1::detail
