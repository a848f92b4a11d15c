// SPDX-License-Identifier: MIT
// diff_tables: the events between two sorted snapshots, and the rule that tells a socket's
// change of state from a close followed by an open on the same endpoints.
#include <gtest/gtest.h>

#include <string>
#include <tcptable/tcptable.hpp>
#include <vector>

namespace tcptable::inline v0_1 {
namespace {

tcp_row row(std::uint16_t lport, std::uint16_t rport, tcp_state s, std::uint32_t inode = 0) {
    tcp_row r;
    r.local_address = ip_address::v4_loopback();
    r.remote_address = rport == 0 ? ip_address::v4(0, 0, 0, 0) : ip_address::v4_loopback();
    r.local_port = lport;
    r.remote_port = rport;
    r.state = s;
    r.inode = inode;
    return r;
}

// "closed 7/TIME-WAIT" and the like, for failure messages that say what happened.
std::string describe(const std::vector<tcp_event>& events) {
    std::string out;
    for (const auto& e : events) {
        out += std::string(to_string(e.kind)) + " " + std::to_string(e.row.local_port) + "/" +
               std::string(to_string(e.row.state));
        if (e.kind == event_kind::state_changed)
            out += " (was " + std::string(to_string(e.old_state)) + ")";
        out += "; ";
    }
    return out;
}

std::vector<tcp_event> diff(std::vector<tcp_row> before, std::vector<tcp_row> after) {
    return diff_tables(tcp_table(std::move(before)), tcp_table(std::move(after)));
}

// The allowed pairs, written out once more here from RFC 9293's diagram, independently of the
// library's table. Row: the old state; a 'y' in column n: the new state n (1 = CLOSED ... 12 =
// DELETE-TCB) may follow it at the next poll.
//                                         1  2  3  4  5  6  7  8  9  10 11 12
const char* const allowed[12] = {
    /* CLOSED       */ "y  y  y  y  y  y  y  y  y  y  y  y",
    /* LISTEN       */ "y  y  .  .  .  .  .  .  .  .  .  y",
    /* SYN-SENT     */ "y  .  y  y  y  y  y  y  y  y  y  y",
    /* SYN-RECEIVED */ "y  .  .  y  y  y  y  y  y  y  y  y",
    /* ESTABLISHED  */ "y  .  .  .  y  y  y  y  y  y  y  y",
    /* FIN-WAIT-1   */ "y  .  .  .  .  y  y  .  y  .  y  y",
    /* FIN-WAIT-2   */ "y  .  .  .  .  .  y  .  .  .  y  y",
    /* CLOSE-WAIT   */ "y  .  .  .  .  .  .  y  .  y  .  y",
    /* CLOSING      */ "y  .  .  .  .  .  .  .  y  .  y  y",
    /* LAST-ACK     */ "y  .  .  .  .  .  .  .  .  y  .  y",
    /* TIME-WAIT    */ "y  .  .  .  .  .  .  .  .  .  y  y",
    /* DELETE-TCB   */ "y  .  .  .  .  .  .  .  .  .  .  y",
};

bool expected_allowed(int from, int to) { return allowed[from - 1][(to - 1) * 3] == 'y'; }

TEST(diff_tables, state_can_follow_is_the_written_table) {
    int allowed_pairs = 0;
    for (int from = 1; from <= 12; ++from)
        for (int to = 1; to <= 12; ++to) {
            const auto a = static_cast<tcp_state>(from), b = static_cast<tcp_state>(to);
            EXPECT_EQ(state_can_follow(a, b), expected_allowed(from, to))
                << to_string(a) << " -> " << to_string(b);
            allowed_pairs += expected_allowed(from, to);
        }
    // The table above is not all 'y' or all '.' by a slip of the pen.
    EXPECT_EQ(allowed_pairs, 71);
    EXPECT_FALSE(state_can_follow(tcp_state{0}, tcp_state::established));
    EXPECT_FALSE(state_can_follow(tcp_state{13}, tcp_state::closed));
    EXPECT_FALSE(state_can_follow(tcp_state::established, tcp_state{0}));
}

TEST(diff_tables, the_transitions_the_rule_is_about) {
    using enum tcp_state;
    // Address pair reused between two polls.
    EXPECT_FALSE(state_can_follow(time_wait, established));
    EXPECT_FALSE(state_can_follow(time_wait, syn_sent));
    EXPECT_TRUE(state_can_follow(time_wait, closed));
    // A listener's remote end is the wildcard: no connection state on its endpoints.
    EXPECT_FALSE(state_can_follow(listen, established));
    EXPECT_FALSE(state_can_follow(listen, syn_received));
    // Several steps between two polls: FIN-WAIT-1, FIN-WAIT-2, then TIME-WAIT.
    EXPECT_TRUE(state_can_follow(established, time_wait));
    EXPECT_TRUE(state_can_follow(established, close_wait));
    EXPECT_TRUE(state_can_follow(syn_sent, time_wait));
    // Linux's request socket (NEW_SYN_RECV, shown as SYN-RECEIVED) becomes its child.
    EXPECT_TRUE(state_can_follow(syn_received, established));
    // Never backwards, never through the end of a connection.
    EXPECT_FALSE(state_can_follow(established, syn_sent));
    EXPECT_FALSE(state_can_follow(fin_wait2, established));
    EXPECT_FALSE(state_can_follow(close_wait, fin_wait1));
    EXPECT_FALSE(state_can_follow(last_ack, established));
}

TEST(diff_tables, reused_time_wait_pair_is_a_close_and_an_open) {
    auto ev =
        diff({row(40000, 80, tcp_state::time_wait)}, {row(40000, 80, tcp_state::established, 555)});
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    EXPECT_EQ(ev[0].row.state, tcp_state::time_wait);
    EXPECT_EQ(ev[1].kind, event_kind::opened);
    EXPECT_EQ(ev[1].row.state, tcp_state::established);
    EXPECT_EQ(ev[1].row.inode, 555u);
}

TEST(diff_tables, every_impossible_transition_is_a_close_and_an_open) {
    for (int from = 1; from <= 12; ++from)
        for (int to = 1; to <= 12; ++to) {
            const auto a = static_cast<tcp_state>(from), b = static_cast<tcp_state>(to);
            SCOPED_TRACE(std::string(to_string(a)) + " -> " + std::string(to_string(b)));
            auto ev = diff({row(5, 6, a)}, {row(5, 6, b)});
            if (from == to) {
                EXPECT_TRUE(ev.empty()) << describe(ev);
            } else if (expected_allowed(from, to)) {
                ASSERT_EQ(ev.size(), 1u) << describe(ev);
                EXPECT_EQ(ev[0].kind, event_kind::state_changed);
                EXPECT_EQ(ev[0].old_state, a);
                EXPECT_EQ(ev[0].row.state, b);
            } else {
                ASSERT_EQ(ev.size(), 2u) << describe(ev);
                EXPECT_EQ(ev[0].kind, event_kind::closed);
                EXPECT_EQ(ev[0].row.state, a);
                EXPECT_EQ(ev[1].kind, event_kind::opened);
                EXPECT_EQ(ev[1].row.state, b);
            }
        }
}

TEST(diff_tables, established_to_close_wait_stays_a_state_change) {
    auto ev = diff({row(40000, 80, tcp_state::established, 9)},
                   {row(40000, 80, tcp_state::close_wait, 9)});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    EXPECT_EQ(ev[0].old_state, tcp_state::established);
    EXPECT_EQ(ev[0].row.state, tcp_state::close_wait);
}

TEST(diff_tables, another_inode_is_another_socket) {
    // Same endpoints, same state, another socket: it closed and a new one opened.
    auto ev = diff({row(40000, 80, tcp_state::established, 100)},
                   {row(40000, 80, tcp_state::established, 101)});
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    EXPECT_EQ(ev[0].row.inode, 100u);
    EXPECT_EQ(ev[1].kind, event_kind::opened);
    EXPECT_EQ(ev[1].row.inode, 101u);
    // And with a state change the rule alone would allow.
    ev = diff({row(40000, 80, tcp_state::established, 100)},
              {row(40000, 80, tcp_state::close_wait, 101)});
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    EXPECT_EQ(ev[1].kind, event_kind::opened);
}

TEST(diff_tables, another_cookie_is_another_socket) {
    // TIME-WAIT rows have no inode; their cookie still tells one socket from the next.
    auto a = row(40000, 80, tcp_state::established), b = row(40000, 80, tcp_state::established);
    a.cookie = 7;
    b.cookie = 8;
    auto ev = diff({a}, {b});
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    EXPECT_EQ(ev[0].row.cookie, 7u);
    EXPECT_EQ(ev[1].kind, event_kind::opened);
    EXPECT_EQ(ev[1].row.cookie, 8u);
    // An unknown cookie (0) says nothing; an equal one is the same socket.
    b.cookie = 0;
    b.state = tcp_state::close_wait;
    ev = diff({a}, {b});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    b.cookie = 7;
    ev = diff({a}, {b});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    // A diff's events are the poll's, with the defaults of the source fields.
    EXPECT_EQ(ev[0].source, event_source::poll);
    EXPECT_FALSE(ev[0].has_figures);
    EXPECT_EQ(ev[0].lifetime_ms, -1);
}

TEST(diff_tables, an_inode_of_zero_says_nothing_about_the_socket) {
    // TIME-WAIT and orphaned sockets have none; a SYN-RECEIVED request socket has none until
    // its child is accepted.
    auto ev = diff({row(40000, 80, tcp_state::fin_wait2, 100)},
                   {row(40000, 80, tcp_state::time_wait, 0)});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    ev = diff({row(80, 40000, tcp_state::syn_received, 0)},
              {row(80, 40000, tcp_state::established, 77)});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    EXPECT_EQ(ev[0].old_state, tcp_state::syn_received);
}

TEST(diff_tables, events_come_in_the_contracts_order_in_one_merge) {
    std::vector<tcp_row> before = {
        row(1, 0, tcp_state::listen, 10), row(2, 5, tcp_state::established, 11),
        row(3, 5, tcp_state::established, 12), row(6, 5, tcp_state::time_wait),
        row(8, 5, tcp_state::established, 13)};
    std::vector<tcp_row> after = {
        row(1, 0, tcp_state::listen, 10),      row(2, 5, tcp_state::time_wait),
        row(4, 5, tcp_state::syn_sent, 14),    row(6, 5, tcp_state::syn_sent, 15),
        row(8, 5, tcp_state::established, 13), row(9, 5, tcp_state::established, 16)};
    auto ev = diff(before, after);
    ASSERT_EQ(ev.size(), 6u) << describe(ev);
    // In the contract's order of the rows, the close of a reused pair before its open.
    EXPECT_EQ(ev[0].kind, event_kind::state_changed);
    EXPECT_EQ(ev[0].row.local_port, 2);
    EXPECT_EQ(ev[1].kind, event_kind::closed);
    EXPECT_EQ(ev[1].row.local_port, 3);
    EXPECT_EQ(ev[2].kind, event_kind::opened);
    EXPECT_EQ(ev[2].row.local_port, 4);
    EXPECT_EQ(ev[3].kind, event_kind::closed);
    EXPECT_EQ(ev[3].row.local_port, 6);
    EXPECT_EQ(ev[3].row.state, tcp_state::time_wait);
    EXPECT_EQ(ev[4].kind, event_kind::opened);
    EXPECT_EQ(ev[4].row.local_port, 6);
    EXPECT_EQ(ev[4].row.state, tcp_state::syn_sent);
    EXPECT_EQ(ev[5].kind, event_kind::opened);
    EXPECT_EQ(ev[5].row.local_port, 9);

    EXPECT_TRUE(diff(after, after).empty());
    EXPECT_EQ(diff({}, after).size(), after.size());
    EXPECT_EQ(diff(before, {}).size(), before.size());
    for (const auto& e : diff({}, after)) EXPECT_EQ(e.kind, event_kind::opened);
    for (const auto& e : diff(before, {})) EXPECT_EQ(e.kind, event_kind::closed);
}

TEST(diff_tables, reuseport_listeners_pair_by_inode) {
    // Two listeners on one port; the first closes, a third opens.
    auto ev = diff({row(80, 0, tcp_state::listen, 100), row(80, 0, tcp_state::listen, 101)},
                   {row(80, 0, tcp_state::listen, 101), row(80, 0, tcp_state::listen, 102)});
    ASSERT_EQ(ev.size(), 2u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    EXPECT_EQ(ev[0].row.inode, 100u);
    EXPECT_EQ(ev[1].kind, event_kind::opened);
    EXPECT_EQ(ev[1].row.inode, 102u);
    // One of two closes: one event, whichever order the table lists them in.
    ev = diff({row(80, 0, tcp_state::listen, 101), row(80, 0, tcp_state::listen, 100)},
              {row(80, 0, tcp_state::listen, 100)});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    EXPECT_EQ(ev[0].row.inode, 101u);
    // Without inodes (a capture, Windows): matched in order.
    ev = diff({row(80, 0, tcp_state::listen), row(80, 0, tcp_state::listen)},
              {row(80, 0, tcp_state::listen)});
    ASSERT_EQ(ev.size(), 1u) << describe(ev);
    EXPECT_EQ(ev[0].kind, event_kind::closed);
    // Unchanged groups give nothing.
    ev = diff({row(80, 0, tcp_state::listen, 100), row(80, 0, tcp_state::listen, 101)},
              {row(80, 0, tcp_state::listen, 100), row(80, 0, tcp_state::listen, 101)});
    EXPECT_TRUE(ev.empty()) << describe(ev);
}

TEST(diff_tables, a_large_diff_is_one_event_per_changed_row) {
    // 20 000 rows, every third one changed in some way: the events are exactly those.
    std::vector<tcp_row> before, after;
    std::size_t expected = 0;
    for (std::uint16_t p = 1; p <= 20000; ++p) {
        before.push_back(row(p, 9, tcp_state::established, p));
        switch (p % 6) {
            case 0:  // closed
                ++expected;
                break;
            case 3:  // to CLOSE-WAIT
                after.push_back(row(p, 9, tcp_state::close_wait, p));
                ++expected;
                break;
            default:
                after.push_back(before.back());
        }
    }
    auto ev = diff(before, after);
    EXPECT_EQ(ev.size(), expected);
    EXPECT_EQ(to_string(event_kind::state_changed), "state_changed");
    EXPECT_EQ(to_string(event_kind::opened), "opened");
    EXPECT_EQ(to_string(event_kind::closed), "closed");
}

}  // namespace
}  // namespace tcptable::inline v0_1
