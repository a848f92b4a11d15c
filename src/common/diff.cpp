// SPDX-License-Identifier: MIT
#include <tcptable/diff.hpp>

#include <algorithm>
#include <array>
#include <cstddef>

namespace tcptable::inline v0_1 {

std::string_view to_string(event_kind k) noexcept {
    switch (k) {
        case event_kind::opened:
            return "opened";
        case event_kind::closed:
            return "closed";
        case event_kind::state_changed:
            return "state_changed";
    }
    return "unknown";
}

namespace {

using enum tcp_state;

// The states each state can reach in one or more steps without passing through CLOSED or
// DELETE-TCB (include/tcptable/diff.hpp explains each line). Indexed by the MIB value.
constexpr state_set ends{closed, delete_tcb};
constexpr std::array<state_set, tcp_state_count + 1> reachable = {
    state_set{},  // 0: not a state
    // CLOSED
    state_set{closed, listen, syn_sent, syn_received, established, fin_wait1, fin_wait2, close_wait,
              closing, last_ack, time_wait, delete_tcb},
    // LISTEN
    state_set{closed, delete_tcb},
    // SYN-SENT
    state_set{syn_received, established, fin_wait1, fin_wait2, close_wait, closing, last_ack,
              time_wait, closed, delete_tcb},
    // SYN-RECEIVED
    state_set{established, fin_wait1, fin_wait2, close_wait, closing, last_ack, time_wait, closed,
              delete_tcb},
    // ESTABLISHED
    state_set{fin_wait1, fin_wait2, closing, time_wait, close_wait, last_ack, closed, delete_tcb},
    // FIN-WAIT-1
    state_set{fin_wait2, closing, time_wait, closed, delete_tcb},
    // FIN-WAIT-2
    state_set{time_wait, closed, delete_tcb},
    // CLOSE-WAIT
    state_set{last_ack, closed, delete_tcb},
    // CLOSING
    state_set{time_wait, closed, delete_tcb},
    // LAST-ACK
    ends,
    // TIME-WAIT
    ends,
    // DELETE-TCB
    state_set{closed},
};

// The two rows are one socket that went from a's state to b's.
bool same_socket(const tcp_row& a, const tcp_row& b) noexcept {
    if (a.inode != 0 && b.inode != 0 && a.inode != b.inode) return false;
    if (a.cookie != 0 && b.cookie != 0 && a.cookie != b.cookie) return false;
    return state_can_follow(a.state, b.state);
}

// Events for rows with equal endpoints: `a` before, `b` after.
void diff_pair(const tcp_row& a, const tcp_row& b, std::vector<tcp_event>& events) {
    if (!same_socket(a, b)) {
        events.push_back({event_kind::closed, a, tcp_state{0}});
        events.push_back({event_kind::opened, b, tcp_state{0}});
    } else if (a.state != b.state) {
        events.push_back({event_kind::state_changed, b, a.state});
    }
}

// Rows [a, a + na) before and [b, b + nb) after share their endpoints (na, nb >= 1; more than
// one only for SO_REUSEPORT listeners and the like). Pairs equal inodes first, then the rest in
// order, never two rows that carry different inodes. O(k log k) for k rows.
void diff_group(const tcp_row* a, std::size_t na, const tcp_row* b, std::size_t nb,
                std::vector<tcp_event>& events) {
    if (na == 1 && nb == 1) {
        diff_pair(*a, *b, events);
        return;
    }
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::vector<std::size_t> partner(na, none);
    std::vector<bool> taken(nb, false);
    auto by_inode = [](const tcp_row* rows, std::size_t n) {
        std::vector<std::size_t> idx;
        for (std::size_t i = 0; i < n; ++i)
            if (rows[i].inode != 0) idx.push_back(i);
        std::stable_sort(idx.begin(), idx.end(), [rows](std::size_t x, std::size_t y) {
            return rows[x].inode < rows[y].inode;
        });
        return idx;
    };
    const auto ia = by_inode(a, na), ib = by_inode(b, nb);
    for (std::size_t i = 0, j = 0; i < ia.size() && j < ib.size();) {
        if (a[ia[i]].inode < b[ib[j]].inode) {
            ++i;
        } else if (b[ib[j]].inode < a[ia[i]].inode) {
            ++j;
        } else {
            partner[ia[i++]] = ib[j];
            taken[ib[j++]] = true;
        }
    }
    for (std::size_t i = 0, j = 0; i < na; ++i) {
        if (partner[i] != none) continue;
        while (j < nb && taken[j]) ++j;
        if (j == nb) break;
        // Both carry an inode and they differ (equal ones were paired above): two sockets.
        if (a[i].inode != 0 && b[j].inode != 0) continue;
        partner[i] = j;
        taken[j++] = true;
    }
    for (std::size_t i = 0; i < na; ++i) {
        if (partner[i] == none)
            events.push_back({event_kind::closed, a[i], tcp_state{0}});
        else
            diff_pair(a[i], b[partner[i]], events);
    }
    for (std::size_t j = 0; j < nb; ++j)
        if (!taken[j]) events.push_back({event_kind::opened, b[j], tcp_state{0}});
}

}  // namespace

bool state_can_follow(tcp_state before, tcp_state after) noexcept {
    const auto v = static_cast<unsigned>(before);
    if (v < 1 || v > static_cast<unsigned>(tcp_state_count)) return false;
    return before == after || reachable[v].contains(after);
}

std::vector<tcp_event> diff_tables(const tcp_table& before, const tcp_table& after) {
    std::vector<tcp_event> events;
    const tcp_row* a = before.data();
    const tcp_row* b = after.data();
    const tcp_row* const a_end = a + before.size();
    const tcp_row* const b_end = b + after.size();
    while (a != a_end || b != b_end) {
        auto c = a == a_end   ? std::strong_ordering::greater
                 : b == b_end ? std::strong_ordering::less
                              : row_order::compare(*a, *b);
        if (c < 0) {
            events.push_back({event_kind::closed, *a, tcp_state{0}});
            ++a;
        } else if (c > 0) {
            events.push_back({event_kind::opened, *b, tcp_state{0}});
            ++b;
        } else {
            // The run of rows with these endpoints on each side; the merge goes on after it.
            const tcp_row* a_next = a + 1;
            while (a_next != a_end && row_order::compare(*a_next, *a) == 0) ++a_next;
            const tcp_row* b_next = b + 1;
            while (b_next != b_end && row_order::compare(*b_next, *b) == 0) ++b_next;
            diff_group(a, static_cast<std::size_t>(a_next - a), b,
                       static_cast<std::size_t>(b_next - b), events);
            a = a_next;
            b = b_next;
        }
    }
    return events;
}

}  // namespace tcptable::inline v0_1
