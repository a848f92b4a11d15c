// SPDX-License-Identifier: MIT
// Test helpers comparing two backends' rows for the sockets a test made itself.
#pragma once

#include <algorithm>
#include <tcptable/tcptable.hpp>
#include <vector>

namespace tcptable::testing {

// One listening endpoint a test owns; a row is the test's when one of its ends is this one.
struct owned_endpoint {
    ip_address address;
    std::uint16_t port;
};

inline bool is_owned(const tcp_row& r, const std::vector<owned_endpoint>& mine) {
    for (const auto& e : mine) {
        if (r.local_address == e.address && r.local_port == e.port) return true;
        if (r.remote_address == e.address && r.remote_port == e.port) return true;
    }
    return false;
}

// The test's rows of a table, in the contract's order with the inode breaking ties.
inline std::vector<tcp_row> owned_rows(const tcp_table& t,
                                       const std::vector<owned_endpoint>& mine) {
    std::vector<tcp_row> out;
    for (const auto& r : t)
        if (is_owned(r, mine)) {
            out.push_back(r);
            out.back().cookie = 0;  // netlink knows the socket cookie, /proc does not
        }
    std::sort(out.begin(), out.end(), [](const tcp_row& a, const tcp_row& b) {
        if (auto c = row_order::compare(a, b); c != 0) return c < 0;
        return a.inode < b.inode;
    });
    return out;
}

}  // namespace tcptable::testing
