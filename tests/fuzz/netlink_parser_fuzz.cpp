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
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "fuzz_support.hpp"
#include "linux/netlink_parser.hpp"

namespace {

using tcptable::address_family;
using tcptable::error_info;
using tcptable::state_set;
using tcptable::tcp_row;
using tcptable::detail::netlink_parser;

// One datagram holding an inet_diag_msg per row and NLMSG_DONE, as the kernel sends them.
std::vector<std::byte> encode(const std::vector<tcp_row>& rows) {
    std::vector<std::byte> d;
    auto append = [&](const void* p, std::size_t n) {
        const auto* b = static_cast<const std::byte*>(p);
        d.insert(d.end(), b, b + n);
    };
    for (const auto& r : rows) {
        nlmsghdr h{};
        h.nlmsg_len = NLMSG_LENGTH(sizeof(inet_diag_msg));
        h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        h.nlmsg_flags = NLM_F_MULTI;
        inet_diag_msg m{};
        m.idiag_family = r.family() == tcptable::ip_family::ipv4 ? AF_INET : AF_INET6;
        m.idiag_state = static_cast<std::uint8_t>(tcptable::fuzz::linux_state_of(r.state));
        m.id.idiag_sport = htons(r.local_port);
        m.id.idiag_dport = htons(r.remote_port);
        std::memcpy(m.id.idiag_src, r.local_address.bytes().data(),
                    r.family() == tcptable::ip_family::ipv4 ? 4 : 16);
        std::memcpy(m.id.idiag_dst, r.remote_address.bytes().data(),
                    r.family() == tcptable::ip_family::ipv4 ? 4 : 16);
        // The parser keeps the interface only as the scope of a link-local address; both ends
        // of a row share one socket, hence one interface.
        m.id.idiag_if = r.local_address.scope_id() | r.remote_address.scope_id();
        m.idiag_uid = r.uid;
        m.idiag_inode = r.inode;
        // The socket cookie, low word first (as the parser reads it).
        m.id.idiag_cookie[0] = static_cast<std::uint32_t>(r.cookie);
        m.id.idiag_cookie[1] = static_cast<std::uint32_t>(r.cookie >> 32);
        append(&h, sizeof h);
        append(&m, sizeof m);
        d.resize(NLMSG_ALIGN(d.size()));
    }
    nlmsghdr done{};
    done.nlmsg_len = NLMSG_LENGTH(sizeof(int));
    done.nlmsg_type = NLMSG_DONE;
    int status = 0;
    append(&done, sizeof done);
    append(&status, sizeof status);
    return d;
}

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
    std::size_t pos = 4;
    while (pos < size && !ec) {
        std::uint32_t length = 0;
        std::size_t have = std::min<std::size_t>(4, size - pos);
        std::memcpy(&length, data + pos, have);
        pos += have;
        const std::size_t n = std::min<std::size_t>(length, size - pos);
        // An exact-size copy: libFuzzer's buffer would hide a read into the next datagram.
        std::unique_ptr<std::byte[]> block(new std::byte[n ? n : 1]);
        if (n) std::memcpy(block.get(), data + pos, n);
        pos += n;
        ec = parser.parse_datagram(std::span<const std::byte>(block.get(), n), rows, info);
        if (with_metrics) datagrams.emplace_back(block.get(), block.get() + n);
    }

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
    auto encoded = encode(rows);
    std::vector<tcp_row> again;
    error_info again_info;
    netlink_parser reparser(address_family::both, state_set::all());
    FUZZ_CHECK(!reparser.parse_datagram(encoded, again, again_info));
    FUZZ_CHECK(reparser.done());
    FUZZ_CHECK(again == rows);
    return 0;
}
