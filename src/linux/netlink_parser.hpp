// SPDX-License-Identifier: MIT
// A pure parser for NETLINK_SOCK_DIAG inet_diag dump replies: bytes in, rows out, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/snapshot.hpp>
#include <tcptable/tcp_metrics.hpp>
#include <tcptable/tcp_row.hpp>
#include <tcptable/udp.hpp>
#include <vector>

namespace tcptable::inline v0_1::detail {

// The parser names this as the "file" of a parse error; the "line" is the 1-based index of
// the failing message within the dump.
inline constexpr const char* netlink_source_name = "netlink inet_diag dump";

// Fills `m` from the payload of an INET_DIAG_INFO attribute (a struct tcp_info of whatever
// length this kernel has): a field is set only when it lies wholly inside `tcp_info`, so an
// older kernel's shorter struct leaves the newer fields absent. `linux_state` is the socket's
// state (a listener's tcp_info carries nothing but its queues).
void metrics_from_tcp_info(std::span<const std::byte> tcp_info, unsigned linux_state,
                           tcp_metrics& m) noexcept;

class netlink_parser {
  public:
    // `family` and `states` filter rows again in user space; the kernel should already have
    // applied both (the legacy request returns both families whatever it asks).
    // `expected_seq`, when given, is the sequence number every reply must carry.
    // `protocol` is the dump's: a UDP socket may only be CLOSED or ESTABLISHED (connected).
    netlink_parser(address_family family, state_set states,
                   std::optional<std::uint32_t> expected_seq = std::nullopt,
                   transport_protocol protocol = transport_protocol::tcp) noexcept
        : family_(family), states_(states), seq_(expected_seq), protocol_(protocol) {}

    // Parses one datagram as recvmsg() returned it. A message never spans datagrams
    // (netlink(7)), so each call must be given exactly one whole datagram.
    // Returns a parse_error for malformed bytes, or the kernel's errno (system_category) when
    // it answered with NLMSG_ERROR or a negative NLMSG_DONE status; kernel_refused() then
    // tells the two apart.
    std::error_code parse_datagram(std::span<const std::byte> datagram, std::vector<tcp_row>& out,
                                   error_info& info);

    // From now on each row appended to `out` also appends its metrics to `*metrics` (queues
    // from inet_diag_msg; INET_DIAG_INFO, INET_DIAG_CONG and INET_DIAG_SKMEMINFO attributes
    // when present). Null: attributes are skipped unread.
    void collect_metrics(std::vector<tcp_metrics>* metrics) noexcept { metrics_ = metrics; }

    // NLMSG_DONE was seen: the dump is complete.
    bool done() const noexcept { return done_; }
    // Some message carried NLM_F_DUMP_INTR: the table changed during the dump, whose rows
    // may then be inconsistent (netlink(7)); the caller should dump again.
    bool interrupted() const noexcept { return interrupted_; }
    // The last error came from the kernel (NLMSG_ERROR / NLMSG_DONE status), not the bytes.
    bool kernel_refused() const noexcept { return kernel_refused_; }
    // inet_diag messages seen so far, including those the user-space filter dropped.
    std::size_t socket_messages() const noexcept { return socket_messages_; }

  private:
    std::error_code fail(error_info& info, std::size_t offset, std::string message) const;
    std::error_code parse_socket(std::span<const std::byte> payload, std::size_t offset,
                                 std::vector<tcp_row>& out, error_info& info);
    std::error_code parse_attributes(std::span<const std::byte> attributes, std::size_t offset,
                                     unsigned linux_state, tcp_metrics& m, error_info& info);

    address_family family_;
    state_set states_;
    std::optional<std::uint32_t> seq_;
    transport_protocol protocol_;
    std::vector<tcp_metrics>* metrics_ = nullptr;
    std::size_t datagram_ = 0;  // 1-based index of the datagram being parsed
    std::size_t message_ = 0;   // 1-based index of the message being parsed, over the dump
    std::size_t socket_messages_ = 0;
    bool done_ = false;
    bool interrupted_ = false;
    bool kernel_refused_ = false;
};

}  // namespace tcptable::inline v0_1::detail
