// SPDX-License-Identifier: MIT
// Byte order at the Linux backends' edge: /proc's address words and netlink's __be16 ports,
// converted into tcp_row (network-order address bytes, host-order ports) here and nowhere else.
#pragma once

#include <boost/endian/conversion.hpp>
#include <cstdint>
#include <tcptable/ip_address.hpp>

namespace tcptable::inline v0_1::detail {

// /proc/net/tcp prints each 32-bit address word with "%08X" of the word as it sits in memory:
// the bytes are in network order, but the number is read in host order. Storing the parsed
// number back in native order recovers the network-order bytes (net/ipv4/tcp_ipv4.c,
// get_tcp4_sock).
inline void store_proc_address_word(std::uint32_t word, std::uint8_t* out) noexcept {
    boost::endian::endian_store<std::uint32_t, 4, boost::endian::order::native>(out, word);
}

// The inverse, for writing /proc-format captures in tests and fuzz seeds.
inline std::uint32_t load_proc_address_word(const std::uint8_t* in) noexcept {
    return boost::endian::endian_load<std::uint32_t, 4, boost::endian::order::native>(in);
}

// Netlink inet_diag_sockid carries ports as __be16 (linux/inet_diag.h).
inline std::uint16_t port_from_be16(std::uint16_t be) noexcept {
    return boost::endian::big_to_native(be);
}

}  // namespace tcptable::inline v0_1::detail
