// SPDX-License-Identifier: MIT
// The UDP socket table: one row per UDP socket, the table, and snapshot_udp().
//
// The same contracts as the TCP table (tcp_row.hpp, snapshot.hpp): host-order ports,
// network-order address bytes, and rows sorted by local address, local port, remote address,
// remote port. A UDP socket has no state; an unconnected one has the unspecified remote address
// (0.0.0.0 or ::) and remote port 0.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/export.hpp>
#include <tcptable/ip_address.hpp>
#include <tcptable/snapshot.hpp>
#include <vector>

namespace tcptable::inline v0_1 {

// Which table a row came from, for code that handles both (the CLI's "protocol" key).
enum class transport_protocol : std::uint8_t { tcp, udp };

constexpr std::string_view to_string(transport_protocol p) noexcept {
    return p == transport_protocol::udp ? "udp" : "tcp";
}

// tcp_row's layout without the state: the byte tcp_row::state uses is padding here, so a row
// is the same 60 bytes and the shared code converts one into the other field by field.
struct udp_row {
    static constexpr std::uint32_t unknown_uid = 0xffffffffu;

    ip_address local_address;
    ip_address remote_address;      // unspecified unless the socket is connected
    std::uint16_t local_port = 0;   // host order
    std::uint16_t remote_port = 0;  // host order; 0 unless the socket is connected
    // How many processes hold the socket when owner pids were asked (0 = none found).
    std::uint8_t owner_count = 0;
    std::uint32_t pid = 0;            // owning process; 0 = unknown
    std::uint32_t uid = unknown_uid;  // owning user, where the backend knows it
    std::uint32_t inode = 0;          // socket inode; 0 = unknown (Windows)

    constexpr ip_family family() const noexcept { return local_address.family(); }
    // connect(2)ed to one peer: the kernel lists the peer as the remote end.
    constexpr bool connected() const noexcept { return remote_port != 0; }

    friend constexpr bool operator==(const udp_row&, const udp_row&) noexcept = default;
};

static_assert(sizeof(udp_row) == 60);

// The sort contract, as for TCP rows: ascending by local address, local port, remote address,
// remote port (addresses as big-endian numbers, every IPv4 address before every IPv6 address).
struct udp_row_order {
    constexpr bool operator()(const udp_row& a, const udp_row& b) const noexcept {
        return compare(a, b) < 0;
    }
    static constexpr std::strong_ordering compare(const udp_row& a, const udp_row& b) noexcept {
        if (auto c = a.local_address <=> b.local_address; c != 0) return c;
        if (auto c = a.local_port <=> b.local_port; c != 0) return c;
        if (auto c = a.remote_address <=> b.remote_address; c != 0) return c;
        return a.remote_port <=> b.remote_port;
    }
};

// A snapshot of the UDP socket table: contiguous rows plus what the snapshot could not do.
class udp_table {
  public:
    using value_type = udp_row;
    using const_iterator = std::vector<udp_row>::const_iterator;
    using iterator = std::vector<udp_row>::iterator;

    udp_table() = default;
    explicit udp_table(std::vector<udp_row> rows) noexcept : rows_(std::move(rows)) {}

    std::size_t size() const noexcept { return rows_.size(); }
    bool empty() const noexcept { return rows_.empty(); }
    const udp_row& operator[](std::size_t i) const noexcept { return rows_[i]; }
    const udp_row* data() const noexcept { return rows_.data(); }
    const_iterator begin() const noexcept { return rows_.begin(); }
    const_iterator end() const noexcept { return rows_.end(); }
    iterator begin() noexcept { return rows_.begin(); }
    iterator end() noexcept { return rows_.end(); }
    std::span<const udp_row> rows() const noexcept { return rows_; }

    std::vector<udp_row>& mutable_rows() noexcept { return rows_; }
    std::vector<udp_row> release() noexcept { return std::move(rows_); }

    // With owner pids asked: rows that hold a socket inode but whose owner could not be found.
    std::size_t unmapped_owner_rows = 0;
    // With owner pids asked: processes whose fd directory could not be read.
    std::size_t unreadable_processes = 0;
    owner_method owner_source = owner_method::none;  // as tcp_table::owner_source

  private:
    std::vector<udp_row> rows_;
};

// A snapshot of the UDP sockets, with the same options as snapshot():
// - family, sorted, owner_pids, netns, backend: as for TCP. backend_kind::procfs reads
//   <proc_root>/net/udp and udp6; netlink dumps IPPROTO_UDP; iphlpapi calls
//   GetExtendedUdpTable(UDP_TABLE_OWNER_PID) for each family.
// - states must be state_set::all() (UDP sockets have no TCP state): anything else is
//   errc::invalid_argument rather than a filter silently not applied.
// Throws std::system_error (with the file and line of a parse error in what()).
TCPTABLE_EXPORT udp_table snapshot_udp(const snapshot_options& options = {});

// Never throws: on failure returns an empty table and sets ec (and info, when given).
TCPTABLE_EXPORT udp_table snapshot_udp(const snapshot_options& options, std::error_code& ec,
                                       error_info* info = nullptr) noexcept;

// Sorts rows per the contract, in place.
TCPTABLE_EXPORT void sort_rows(std::span<udp_row> rows) noexcept;

}  // namespace tcptable::inline v0_1
