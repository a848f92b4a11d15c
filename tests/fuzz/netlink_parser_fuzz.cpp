// SPDX-License-Identifier: MIT
// Fuzzes the NETLINK_SOCK_DIAG dump parser. Input: 4 bytes of settings, then datagrams in the
// capture format of tests/data/netlink (a 4-byte little-endian length, then the bytes; a length
// past the end takes what is left).
//   byte 0: bits 0-1 = family (0 both, 1 IPv4, 2 IPv6), bit 2 = expect sequence number 1;
//   bytes 1-2: the state filter (state_set bits, little-endian); byte 3: bit 0 = collect
//   metrics (the INET_DIAG_INFO / CONG / SKMEMINFO attributes are then parsed).
// Each datagram is copied into a heap block of exactly its size, so ASan sees any read past it.
// Beyond "no crash", it checks every row is well-formed and passes the filters, that no more
// rows come out than socket messages went in, that rows re-encoded as inet_diag messages parse
// back to the same rows, and that an error names the dump and the message and byte offset.
// With metrics: one metrics value per row, congestion names within their bound, and the same
// input parsed without metrics gives the same rows (attributes never change a row).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "linux/netlink_parser.hpp"
#include "netlink_fuzz_support.hpp"

namespace {

using tcptable::address_family;
using tcptable::error_info;
using tcptable::state_set;
using tcptable::tcp_row;
using tcptable::detail::netlink_parser;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const unsigned family_bits = data[0] & 3;
    if (family_bits == 3) return 0;
    const address_family family = family_bits == 0   ? address_family::both
                                  : family_bits == 1 ? address_family::ipv4
                                                     : address_family::ipv6;
    const bool check_seq = (data[0] & 4) != 0;
    const state_set states =
        state_set::from_bits(static_cast<std::uint16_t>(data[1] | data[2] << 8));
    netlink_parser parser(family, states,
                          check_seq ? std::optional<std::uint32_t>(1) : std::nullopt);
    const bool with_metrics = (data[3] & 1) != 0;
    std::vector<tcptable::tcp_metrics> metrics;
    if (with_metrics) parser.collect_metrics(&metrics);
    std::vector<std::vector<std::byte>> datagrams;

    std::vector<tcp_row> rows;
    error_info info;
    std::error_code ec;
    tcptable::fuzz::for_each_datagram(data + 4, size - 4, [&](std::span<const std::byte> d) {
        ec = parser.parse_datagram(d, rows, info);
        if (with_metrics) datagrams.emplace_back(d.begin(), d.end());
        return static_cast<bool>(ec);
    });

    if (ec) {
        FUZZ_CHECK(!info.message.empty());
        FUZZ_CHECK(info.file == tcptable::detail::netlink_source_name);
        FUZZ_CHECK(info.line >= 1);
        if (parser.kernel_refused()) {
            FUZZ_CHECK(ec.category() == std::system_category());
            FUZZ_CHECK(ec.value() > 0 && ec.value() <= 4095);
        } else {
            FUZZ_CHECK(ec == tcptable::errc::parse_error);
            FUZZ_CHECK(info.message.find("byte offset") != std::string::npos);
        }
        return 0;
    }

    FUZZ_CHECK(rows.size() <= parser.socket_messages());
    if (with_metrics) {
        FUZZ_CHECK(metrics.size() == rows.size());
        for (const auto& m : metrics)
            if (auto c = m.congestion())
                FUZZ_CHECK(!c->empty() &&
                           c->size() <= tcptable::tcp_metrics::max_congestion_length);
        netlink_parser plain(family, states,
                             check_seq ? std::optional<std::uint32_t>(1) : std::nullopt);
        std::vector<tcp_row> plain_rows;
        error_info plain_info;
        for (const auto& d : datagrams)
            FUZZ_CHECK(!plain.parse_datagram(std::span<const std::byte>(d.data(), d.size()),
                                             plain_rows, plain_info));
        FUZZ_CHECK(plain_rows == rows);
    }
    for (const auto& r : rows) {
        FUZZ_CHECK(tcptable::fuzz::well_formed(r));
        FUZZ_CHECK(states.contains(r.state));
        if (family == address_family::ipv4) FUZZ_CHECK(r.family() == tcptable::ip_family::ipv4);
        if (family == address_family::ipv6) FUZZ_CHECK(r.family() == tcptable::ip_family::ipv6);
        // Only link-local addresses keep a scope id.
        if (r.local_address.scope_id() != 0)
            FUZZ_CHECK(r.local_address.bytes()[0] == 0xfe &&
                       (r.local_address.bytes()[1] & 0xc0) == 0x80);
    }

    // The round trip through the kernel's encoding.
    auto encoded = tcptable::fuzz::encode_dump(rows);
    std::vector<tcp_row> again;
    error_info again_info;
    netlink_parser reparser(address_family::both, state_set::all());
    FUZZ_CHECK(!reparser.parse_datagram(encoded, again, again_info));
    FUZZ_CHECK(reparser.done());
    FUZZ_CHECK(again == rows);
    return 0;
}
