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
#include <string_view>

#include "fuzz_support.hpp"
#include "linux/netlink_parser.hpp"
#include "linux/procfs_parser.hpp"

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

std::size_t count_lines(std::string_view text) {
    std::size_t n = 0;
    for (char c : text) n += c == '\n';
    return n + (text.empty() || text.back() == '\n' ? 0 : 1);
}

std::error_code parse_chunked(std::string_view text, ip_family family, std::uint8_t seed,
                              std::vector<tcp_row>& out, error_info& info) {
    procfs_parser parser(family, file_name, state_set::all(), transport_protocol::udp);
    auto last_nl = text.rfind('\n');
    std::string_view whole =
        last_nl == std::string_view::npos ? std::string_view{} : text.substr(0, last_nl + 1);
    std::string_view rest = last_nl == std::string_view::npos ? text : text.substr(last_nl + 1);
    std::uint32_t x = seed * 2654435761u + 1;
    while (!whole.empty()) {
        x = x * 1103515245u + 12345u;
        std::size_t lines = 1 + (x >> 16) % 4, end = 0;
        for (std::size_t i = 0; i < lines && end < whole.size(); ++i)
            end = whole.find('\n', end) + 1;
        if (auto ec = parser.parse_lines(whole.substr(0, end), out, info)) return ec;
        whole.remove_prefix(end);
    }
    return parser.finish(rest, info);
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
        const bool v4 = r.family() == ip_family::ipv4;
        m.idiag_family = v4 ? AF_INET : AF_INET6;
        m.idiag_state = r.state == tcp_state::established ? 1 : 7;
        m.id.idiag_sport = htons(r.local_port);
        m.id.idiag_dport = htons(r.remote_port);
        std::memcpy(m.id.idiag_src, r.local_address.bytes().data(), v4 ? 4 : 16);
        std::memcpy(m.id.idiag_dst, r.remote_address.bytes().data(), v4 ? 4 : 16);
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

void fuzz_netlink(const std::uint8_t* data, std::size_t size, address_family family) {
    netlink_parser parser(family, state_set::all(), std::nullopt, transport_protocol::udp);
    std::vector<tcp_row> rows;
    error_info info;
    std::error_code ec;
    std::size_t pos = 0;
    while (pos < size && !ec) {
        std::uint32_t length = 0;
        std::size_t have = std::min<std::size_t>(4, size - pos);
        std::memcpy(&length, data + pos, have);
        pos += have;
        const std::size_t n = std::min<std::size_t>(length, size - pos);
        std::unique_ptr<std::byte[]> block(new std::byte[n ? n : 1]);
        if (n) std::memcpy(block.get(), data + pos, n);
        pos += n;
        ec = parser.parse_datagram(std::span<const std::byte>(block.get(), n), rows, info);
    }
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
    FUZZ_CHECK(!reparser.parse_datagram(encode(rows), again, again_info));
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
        FUZZ_CHECK(info.line <= count_lines(text));
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
