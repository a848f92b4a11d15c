// SPDX-License-Identifier: MIT
#include <tcptable/snapshot.hpp>
#include <tcptable/udp.hpp>

#include <boost/endian/conversion.hpp>

#include <algorithm>
#include <vector>

#include "backend.hpp"

namespace tcptable::inline v0_1 {
namespace {

using boost::endian::load_big_u32;
using boost::endian::load_big_u64;

// The contract's order within one family, as integer compares. Loading address bytes
// big-endian makes unsigned comparison equal to comparing the addresses as numbers, most
// significant byte first, which neither a host-order IPv4 word nor a network-order port gives.
//
// IPv4: local address (32) | local port (16) | remote address (32) | remote port (16) = 96 bits.
// Templates over the row type: tcp_row and udp_row share the endpoint fields.
struct v4_less {
    template <class Row>
    static std::uint64_t hi(const Row& r) noexcept {
        return std::uint64_t(load_big_u32(r.local_address.bytes().data())) << 32 |
               std::uint64_t(r.local_port) << 16 |
               load_big_u32(r.remote_address.bytes().data()) >> 16;
    }
    template <class Row>
    static std::uint32_t lo(const Row& r) noexcept {
        return (load_big_u32(r.remote_address.bytes().data()) & 0xffffu) << 16 | r.remote_port;
    }
    template <class Row>
    bool operator()(const Row& a, const Row& b) const noexcept {
        std::uint64_t ha = hi(a), hb = hi(b);
        return ha != hb ? ha < hb : lo(a) < lo(b);
    }
};

// IPv6: 16 address bytes, then the scope id, then the port, for each end.
struct v6_less {
    static int compare_end(const ip_address& a, std::uint16_t pa, const ip_address& b,
                           std::uint16_t pb) noexcept {
        std::uint64_t x = load_big_u64(a.bytes().data()), y = load_big_u64(b.bytes().data());
        if (x != y) return x < y ? -1 : 1;
        x = load_big_u64(a.bytes().data() + 8);
        y = load_big_u64(b.bytes().data() + 8);
        if (x != y) return x < y ? -1 : 1;
        if (a.scope_id() != b.scope_id()) return a.scope_id() < b.scope_id() ? -1 : 1;
        return pa == pb ? 0 : (pa < pb ? -1 : 1);
    }
    template <class Row>
    bool operator()(const Row& a, const Row& b) const noexcept {
        int c = compare_end(a.local_address, a.local_port, b.local_address, b.local_port);
        if (c != 0) return c < 0;
        return compare_end(a.remote_address, a.remote_port, b.remote_address, b.remote_port) < 0;
    }
};

template <class Row>
void sort_by_contract(std::span<Row> rows) noexcept {
    if (rows.size() < 2) return;
    // Every IPv4 row precedes every IPv6 row; backends mostly deliver them in that order
    // already, so the partition is a scan.
    auto mid = std::partition(rows.begin(), rows.end(),
                              [](const Row& r) { return r.local_address.is_v4(); });
    std::sort(rows.begin(), mid, v4_less{});
    std::sort(mid, rows.end(), v6_less{});
}

}  // namespace

// In place, without a side buffer: the rows (72 bytes for TCP, 60 for UDP) are cheap to swap,
// the comparisons are a few integer compares, and a snapshot's peak memory stays at the table
// itself. Sorting keys and then permuting the rows measured slower at 100k rows (the
// permutation's random writes miss the cache) and needs 16+ bytes a row more.
void sort_rows(std::span<tcp_row> rows) noexcept { sort_by_contract(rows); }

void sort_rows(std::span<udp_row> rows) noexcept { sort_by_contract(rows); }

namespace detail {

// With metrics, each row travels with the index of its metrics (80 bytes: the 72-byte row and a
// 4-byte index, padded to the row's 8-byte alignment), so the rows sort as before and the
// metrics, 248 bytes each (over 3x a row), move once, gathered afterwards.
void sort_table(tcp_table& table) {
    std::vector<tcp_row>& rows = table.mutable_rows();
    std::vector<tcp_metrics>& metrics = table.mutable_metrics();
    if (metrics.size() != rows.size() || rows.size() < 2) {
        sort_rows(rows);
        return;
    }
    struct keyed {
        tcp_row row;
        std::uint32_t index;
    };
    // The figures above; a change of either type must revisit them.
    static_assert(sizeof(keyed) == 80 && sizeof(tcp_metrics) == 248);
    std::vector<keyed> work(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        work[i] = {rows[i], static_cast<std::uint32_t>(i)};
    auto mid = std::partition(work.begin(), work.end(),
                              [](const keyed& k) { return k.row.local_address.is_v4(); });
    std::sort(work.begin(), mid,
              [](const keyed& a, const keyed& b) { return v4_less{}(a.row, b.row); });
    std::sort(mid, work.end(),
              [](const keyed& a, const keyed& b) { return v6_less{}(a.row, b.row); });
    for (std::size_t i = 0; i < work.size(); ++i) rows[i] = work[i].row;
    // Position j takes the metrics at work[j].index: follow each cycle of that permutation in
    // place, so no second metrics vector is needed (it would be over 3x the rows' size: 24.8 MB
    // at 100k rows).
    constexpr std::uint32_t placed = ~std::uint32_t(0);
    for (std::size_t i = 0; i < work.size(); ++i) {
        if (work[i].index == placed || work[i].index == i) continue;
        tcp_metrics first = metrics[i];
        std::size_t j = i;
        for (;;) {
            const std::size_t from = work[j].index;
            work[j].index = placed;
            if (from == i) {
                metrics[j] = first;
                break;
            }
            metrics[j] = metrics[from];
            j = from;
        }
    }
}

}  // namespace detail

}  // namespace tcptable::inline v0_1
