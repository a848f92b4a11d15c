// SPDX-License-Identifier: MIT
// Fuzzes the UDP side of both Linux parsers. Input: 2 bytes of settings, then the bytes.
//   byte 0: bit 0 = IPv6, bit 1 = netlink (else /proc/net/udp{,6} text);
//   byte 1: seeds where the chunked /proc run splits the file.
// Netlink input is datagrams in the capture format of tests/data/netlink (a 4-byte
// little-endian length, then the bytes; a length past the end takes what is left), each copied
// into a block of exactly its size so ASan sees a read past it.
// Beyond "no crash": /proc text parses the same whole and chunk by chunk, every row is
// well-formed, of the file's family and CLOSED or ESTABLISHED (a UDP socket's only states), the
// kernel's format of the rows parses back to them, and an error names its source and a line.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz_support.hpp"
#include "linux/netlink_parser.hpp"
#include "linux/procfs_parser.hpp"
#include "netlink_fuzz_support.hpp"

namespace {

using tcptable::address_family;
using tcptable::error_info;
using tcptable::ip_family;
using tcptable::state_set;
using tcptable::tcp_row;
using tcptable::tcp_state;
using tcptable::transport_protocol;
using tcptable::detail::netlink_parser;
using tcptable::detail::parse_proc_net_udp;
using tcptable::detail::procfs_parser;

constexpr const char* file_name = "fuzz/net/udp";

bool udp_state(tcp_state s) { return s == tcp_state::closed || s == tcp_state::established; }

std::error_code parse_chunked(std::string_view text, ip_family family, std::uint8_t seed,
                              std::vector<tcp_row>& out, error_info& info) {
    procfs_parser parser(family, file_name, state_set::all(), transport_protocol::udp);
    return tcptable::fuzz::parse_chunked(parser, text, seed, out, info);
}

// The kernel's /proc/net/udp{,6} lines for `rows` (net/ipv4/udp.c, udp4_format_sock;
// net/ipv6/datagram.c, __ip6_dgram_sock_seq_show): the TCP layout up to the inode, then
// ref, pointer, drops.
std::string print_udp(const std::vector<tcp_row>& rows, ip_family family) {
    std::string tcp_text = tcptable::fuzz::print_proc(rows, family);
    // print_proc ends each row with TCP's fields after the inode; swap them for UDP's.
    std::string out;
    std::size_t at = 0;
    bool header = true;
    while (at < tcp_text.size()) {
        std::size_t nl = tcp_text.find('\n', at);
        std::string line = tcp_text.substr(at, nl - at);
        at = nl + 1;
        if (header) {
            out += line + " ref pointer drops\n";
            header = false;
            continue;
        }
        const std::string tcp_tail = " 1 0000000000000000 100 0 0 10 0";
        FUZZ_CHECK(line.size() > tcp_tail.size() &&
                   line.compare(line.size() - tcp_tail.size(), tcp_tail.size(), tcp_tail) == 0);
        line.resize(line.size() - tcp_tail.size());
        out += line + " 2 00000000abcdef01 0\n";
    }
    return out;
}

void fuzz_netlink(const std::uint8_t* data, std::size_t size, address_family family) {
    netlink_parser parser(family, state_set::all(), std::nullopt, transport_protocol::udp);
    std::vector<tcp_row> rows;
    error_info info;
    std::error_code ec;
    tcptable::fuzz::for_each_datagram(data, size, [&](std::span<const std::byte> d) {
        ec = parser.parse_datagram(d, rows, info);
        return static_cast<bool>(ec);
    });
    if (ec) {
        FUZZ_CHECK(!info.message.empty());
        FUZZ_CHECK(info.file == tcptable::detail::netlink_source_name);
        FUZZ_CHECK(info.line >= 1);
        if (!parser.kernel_refused()) FUZZ_CHECK(ec == tcptable::errc::parse_error);
        return;
    }
    FUZZ_CHECK(rows.size() <= parser.socket_messages());
    for (const auto& r : rows) {
        FUZZ_CHECK(tcptable::fuzz::well_formed(r));
        FUZZ_CHECK(udp_state(r.state));
        if (family == address_family::ipv4) FUZZ_CHECK(r.family() == ip_family::ipv4);
        if (family == address_family::ipv6) FUZZ_CHECK(r.family() == ip_family::ipv6);
    }
    std::vector<tcp_row> again;
    error_info again_info;
    netlink_parser reparser(address_family::both, state_set::all(), std::nullopt,
                            transport_protocol::udp);
    // UDP rows are CLOSED or ESTABLISHED (checked above), which encode as the UDP states 7 and 1.
    FUZZ_CHECK(!reparser.parse_datagram(tcptable::fuzz::encode_dump(rows), again, again_info));
    FUZZ_CHECK(reparser.done());
    FUZZ_CHECK(again == rows);
}

void fuzz_procfs(std::string_view text, ip_family family, std::uint8_t seed) {
    std::vector<tcp_row> rows;
    error_info info;
    std::error_code ec = parse_proc_net_udp(text, family, file_name, rows, info);
    std::vector<tcp_row> chunked_rows;
    error_info chunked_info;
    std::error_code chunked_ec = parse_chunked(text, family, seed, chunked_rows, chunked_info);
    FUZZ_CHECK(ec == chunked_ec);
    FUZZ_CHECK(info.line == chunked_info.line && info.message == chunked_info.message);
    if (ec) {
        FUZZ_CHECK(ec == tcptable::errc::parse_error);
        FUZZ_CHECK(info.file == file_name);
        FUZZ_CHECK(!info.message.empty());
        FUZZ_CHECK(info.line <= tcptable::fuzz::count_lines(text));
        FUZZ_CHECK(info.line >= 1 || info.message.find("empty file") != std::string::npos);
        return;
    }
    FUZZ_CHECK(rows == chunked_rows);
    for (const auto& r : rows) {
        FUZZ_CHECK(tcptable::fuzz::well_formed(r));
        FUZZ_CHECK(r.family() == family);
        FUZZ_CHECK(udp_state(r.state));
    }
    std::vector<tcp_row> again;
    error_info again_info;
    std::string printed = print_udp(rows, family);
    std::error_code again_ec = parse_proc_net_udp(printed, family, file_name, again, again_info);
    if (again_ec) std::fprintf(stderr, "%s\n", again_info.to_string().c_str());
    FUZZ_CHECK(!again_ec);
    FUZZ_CHECK(again == rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const bool v6 = data[0] & 1, netlink = data[0] & 2;
    if (netlink)
        fuzz_netlink(data + 2, size - 2, v6 ? address_family::ipv6 : address_family::both);
    else
        fuzz_procfs(std::string_view(reinterpret_cast<const char*>(data + 2), size - 2),
                    v6 ? ip_family::ipv6 : ip_family::ipv4, data[1]);
    return 0;
}
