// SPDX-License-Identifier: MIT
// Shared by the netlink fuzz targets (netlink_parser_fuzz, udp_parser_fuzz): the datagrams of a
// fuzz input, and the kernel's encoding of parsed rows, so that a parse of the encoding must give
// the same rows back.
#pragma once

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "fuzz_support.hpp"

namespace tcptable::fuzz {

// Hands `on_datagram` each datagram of `data` in the capture format of tests/data/netlink (a
// 4-byte little-endian length, then the bytes; a length past the end takes what is left, a
// length cut short is read as far as it goes), until it returns true (stop) or the input ends.
// Each datagram is copied into a heap block of exactly its size: libFuzzer's buffer would hide a
// read past the datagram into the next one, ASan sees a read past the block.
template <class OnDatagram>
void for_each_datagram(const std::uint8_t* data, std::size_t size, OnDatagram&& on_datagram) {
    std::size_t pos = 0;
    while (pos < size) {
        std::uint32_t length = 0;
        const std::size_t have = std::min<std::size_t>(4, size - pos);
        std::memcpy(&length, data + pos, have);
        pos += have;
        const std::size_t n = std::min<std::size_t>(length, size - pos);
        std::unique_ptr<std::byte[]> block(new std::byte[n ? n : 1]);
        if (n) std::memcpy(block.get(), data + pos, n);
        pos += n;
        if (on_datagram(std::span<const std::byte>(block.get(), n))) return;
    }
}

// One datagram holding an inet_diag_msg per row and NLMSG_DONE, as the kernel sends a dump: the
// state as Linux numbers it (for a UDP row, CLOSED and ESTABLISHED are TCP_CLOSE and
// TCP_ESTABLISHED, as the kernel keeps a UDP socket's sk_state), the endpoints, the interface,
// uid, inode and socket cookie. Every field a row carries is encoded, so the round trip compares
// whole rows.
inline std::vector<std::byte> encode_dump(const std::vector<tcp_row>& rows) {
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
        m.idiag_state = static_cast<std::uint8_t>(linux_state_of(r.state));
        m.id.idiag_sport = htons(r.local_port);
        m.id.idiag_dport = htons(r.remote_port);
        std::memcpy(m.id.idiag_src, r.local_address.bytes().data(), v4 ? 4 : 16);
        std::memcpy(m.id.idiag_dst, r.remote_address.bytes().data(), v4 ? 4 : 16);
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

}  // namespace tcptable::fuzz
