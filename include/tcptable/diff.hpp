// SPDX-License-Identifier: MIT
// What changed between two snapshots of the table.
#pragma once

#include <tcptable/export.hpp>
#include <tcptable/tcp_table.hpp>

#include <string_view>
#include <vector>

namespace tcptable::inline v0_1 {

enum class event_kind : std::uint8_t { opened, closed, state_changed };

TCPTABLE_EXPORT std::string_view to_string(event_kind k) noexcept;

// Where an event came from (include/tcptable/events.hpp; docs/DESIGN.md, "Event sources"):
// `poll` is a diff of two snapshots, `netlink` the kernel's sock_diag destroy notifications,
// `bpf` a BPF program on the socket state tracepoint. `automatic` asks for the best one here.
enum class event_source : std::uint8_t { automatic, poll, netlink, bpf };

constexpr std::string_view to_string(event_source s) noexcept {
    switch (s) {
        case event_source::automatic:
            return "auto";
        case event_source::poll:
            return "poll";
        case event_source::netlink:
            return "netlink";
        case event_source::bpf:
            return "bpf";
    }
    return "unknown";
}

// The last tcp_info figures of a socket, as the kernel reported them when it closed.
struct close_figures {
    std::uint64_t bytes_acked = 0;     // tcpi_bytes_acked (RFC 4898 HCThruOctetsAcked)
    std::uint64_t bytes_received = 0;  // tcpi_bytes_received (HCThruOctetsReceived)
    std::uint32_t rtt_us = 0;          // tcpi_rtt, smoothed, microseconds
    std::uint32_t total_retrans = 0;   // tcpi_total_retrans
};

struct tcp_event {
    event_kind kind = event_kind::opened;
    tcp_row row;                         // the row now (for closed: as it was last seen)
    tcp_state old_state = tcp_state{0};  // for state_changed: the state before
    // The fields below are filled by event sources; a diff of snapshots leaves the defaults.
    event_source source = event_source::poll;
    // closed: false for a socket no earlier poll (nor an `opened` event) had shown, whose row
    // then has no pid, uid or inode.
    bool seen_open = true;
    bool has_figures = false;  // `figures` holds the socket's last tcp_info
    close_figures figures{};
    std::int64_t lifetime_ms = -1;  // closed: from its opening to its close; -1 = unknown
};

// Whether a connection seen in state `before` can be seen in state `after` at the next poll,
// on the same four endpoints: one or more transitions of TCP's state machine (RFC 9293,
// section 3.3.2) may happen between two polls. Equal states give true. The pairs allowed, old
// state -> new states (every other pair is false):
//
//   CLOSED       -> every state: CLOSED is where a socket starts (connect(), listen()).
//   LISTEN       -> CLOSED, DELETE-TCB. A listener's remote end is the wildcard, so the
//                   connections it accepts (SYN-RECEIVED, then ESTABLISHED) are rows of their
//                   own; no row goes from LISTEN to a connection state on the same endpoints.
//   SYN-SENT     -> SYN-RECEIVED (simultaneous open), ESTABLISHED, and on from there.
//   SYN-RECEIVED -> ESTABLISHED, FIN-WAIT-1, and on from there. Linux's request sockets
//                   (TCP_NEW_SYN_RECV) appear as SYN-RECEIVED and their child as ESTABLISHED.
//   ESTABLISHED  -> FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT (active close), CLOSE-WAIT,
//                   LAST-ACK (passive close).
//   FIN-WAIT-1   -> FIN-WAIT-2, CLOSING, TIME-WAIT.
//   FIN-WAIT-2   -> TIME-WAIT.
//   CLOSING      -> TIME-WAIT.
//   CLOSE-WAIT   -> LAST-ACK.
//   LAST-ACK     -> (only the ends below).
//   TIME-WAIT    -> (only the ends below).
//   DELETE-TCB   -> CLOSED.
//   and every state -> CLOSED and DELETE-TCB: an abort, a reset or a timeout can end any TCB
//   (DELETE-TCB is Windows' state of a TCB being deleted; Linux never reports it).
//
// A path never passes through CLOSED or DELETE-TCB: once a connection has ended, what follows
// on the same endpoints is another connection. So TIME-WAIT -> ESTABLISHED (the address pair
// reused between two polls) and LISTEN -> ESTABLISHED are false.
TCPTABLE_EXPORT bool state_can_follow(tcp_state before, tcp_state after) noexcept;

// The events that turn `before` into `after`, both sorted per the contract (row_order), in one
// linear merge. Rows are matched by their four endpoints; several rows with the same endpoints
// (SO_REUSEPORT listeners) are paired first by equal socket inode, then in order.
//
// A matched pair is one socket only if it can be: when both rows carry a socket inode (non-zero)
// and the inodes differ, or both carry a socket cookie (non-zero) and the cookies differ, or when
// the new state cannot follow the old one (state_can_follow() is false), the old connection closed
// and a new one opened on the same endpoints between the two snapshots. That gives `closed` (the
// old row) followed by `opened` (the new row), never `state_changed`. Otherwise a change of state
// is `state_changed`.
TCPTABLE_EXPORT std::vector<tcp_event> diff_tables(const tcp_table& before, const tcp_table& after);

}  // namespace tcptable::inline v0_1
