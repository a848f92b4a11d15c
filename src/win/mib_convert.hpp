// SPDX-License-Identifier: MIT
// Windows MIB rows into tcp_row: pure functions over the raw fields, with no Windows header, so
// that the Linux build compiles and tests them too. The backend copies each field out of the
// SDK structure by name; nothing here depends on the SDK's layout.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <tcptable/statistics.hpp>
#include <tcptable/tcp_row.hpp>
#include <tcptable/udp.hpp>

namespace tcptable::inline v0_1::detail {

// The fields of MIB_TCPROW / MIB_TCPROW_OWNER_PID, as the DWORDs the API returns.
struct mib_row_v4 {
    std::uint32_t state = 0;
    std::uint32_t local_addr = 0;   // network-order bytes in memory
    std::uint32_t local_port = 0;   // network order in the low 16 bits
    std::uint32_t remote_addr = 0;  // network-order bytes in memory
    std::uint32_t remote_port = 0;  // network order in the low 16 bits
    std::uint32_t owning_pid = 0;   // only from the OWNER_PID table class
};

// The fields of MIB_TCP6ROW / MIB_TCP6ROW_OWNER_PID.
struct mib_row_v6 {
    std::uint32_t state = 0;
    std::array<std::uint8_t, 16> local_addr{};  // network order
    std::uint32_t local_scope_id = 0;
    std::uint32_t local_port = 0;
    std::array<std::uint8_t, 16> remote_addr{};
    std::uint32_t remote_scope_id = 0;
    std::uint32_t remote_port = 0;
    std::uint32_t owning_pid = 0;
};

// What the OS gave and what the row should say about owners: `with_owner` is true when the
// row came from an OWNER_PID table, so owning_pid means something.
// Returns nullopt for a state outside MIB_TCP_STATE (1..12); the backend reports that as a
// parse error rather than guess.
std::optional<tcp_row> row_from_mib(const mib_row_v4& mib, bool with_owner) noexcept;
std::optional<tcp_row> row_from_mib(const mib_row_v6& mib, bool with_owner) noexcept;

// The fields of MIB_UDPROW_OWNER_PID (MIB_UDPROW without owning_pid). Windows' UDP rows have
// no remote end: a connected UDP socket lists as unconnected.
struct mib_udp_row_v4 {
    std::uint32_t local_addr = 0;  // network-order bytes in memory
    std::uint32_t local_port = 0;  // network order in the low 16 bits
    std::uint32_t owning_pid = 0;  // only from the OWNER_PID table class
};

// The fields of MIB_UDP6ROW_OWNER_PID (MIB_UDP6ROW without owning_pid).
struct mib_udp_row_v6 {
    std::array<std::uint8_t, 16> local_addr{};  // network order
    std::uint32_t local_scope_id = 0;
    std::uint32_t local_port = 0;
    std::uint32_t owning_pid = 0;
};

// A UDP row from the MIB fields: the remote end is the family's unspecified address, port 0;
// `with_owner` as for row_from_mib.
udp_row udp_row_from_mib(const mib_udp_row_v4& mib, bool with_owner) noexcept;
udp_row udp_row_from_mib(const mib_udp_row_v6& mib, bool with_owner) noexcept;

// The MIB_TCPSTATS DWORDs, in structure order.
struct mib_tcp_stats {
    std::uint32_t rto_algorithm = 0;
    std::uint32_t rto_min = 0;
    std::uint32_t rto_max = 0;
    std::uint32_t max_conn = 0;
    std::uint32_t active_opens = 0;
    std::uint32_t passive_opens = 0;
    std::uint32_t attempt_fails = 0;
    std::uint32_t estab_resets = 0;
    std::uint32_t curr_estab = 0;
    std::uint32_t in_segs = 0;
    std::uint32_t out_segs = 0;
    std::uint32_t retrans_segs = 0;
    std::uint32_t in_errs = 0;
    std::uint32_t out_rsts = 0;
    std::uint32_t num_conns = 0;
};

// Adds one family's counters to `stats`. Windows keeps the counters per family
// (GetTcpStatisticsEx's Family), so both families are the sum of the two; the RTO parameters
// and MaxConn are settings rather than counts, taken from the first family added.
// num_conns is left alone: shared code counts the table's rows.
void add_mib_statistics(tcp_statistics& stats, const mib_tcp_stats& mib, bool first) noexcept;

}  // namespace tcptable::inline v0_1::detail
