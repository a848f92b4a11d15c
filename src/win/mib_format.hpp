// SPDX-License-Identifier: MIT
// Byte order of Windows MIB rows (MIB_TCPROW and its family) and of Winsock, converted into tcp_row
// here and nowhere else. No Windows header: the Windows backend and the Win32 layer on other
// systems share it, and the Linux build tests it.
#pragma once

#include <array>
#include <boost/endian/conversion.hpp>
#include <cstdint>
#include <tcptable/ip_address.hpp>

namespace tcptable::inline v0_1::detail {

// A Windows MIB row keeps the port in network order in the low 16 bits of a DWORD; the high
// 16 bits are undefined and must be masked (MIB_TCPROW documentation, dwLocalPort remarks).
inline std::uint16_t port_from_mib_dword(std::uint32_t dword) noexcept {
    return boost::endian::big_to_native(static_cast<std::uint16_t>(dword & 0xffffu));
}
inline std::uint32_t port_to_mib_dword(std::uint16_t host_port) noexcept {
    return boost::endian::native_to_big(host_port);
}

// A MIB row's IPv4 address DWORD holds the network-order bytes in memory.
inline ip_address address_from_mib_dword(std::uint32_t dword) noexcept {
    std::array<std::uint8_t, 4> b;
    boost::endian::endian_store<std::uint32_t, 4, boost::endian::order::native>(b.data(), dword);
    return ip_address::v4(b);
}
inline std::uint32_t address_to_mib_dword(const ip_address& a) noexcept {
    return boost::endian::endian_load<std::uint32_t, 4, boost::endian::order::native>(
        a.bytes().data());
}

// Winsock's ntohs/htons and ntohl/htonl (the Win32 layer): network order is big-endian, and each
// conversion is its own inverse.
inline std::uint16_t network_to_host_u16(std::uint16_t value) noexcept {
    return boost::endian::big_to_native(value);
}
inline std::uint32_t network_to_host_u32(std::uint32_t value) noexcept {
    return boost::endian::big_to_native(value);
}

}  // namespace tcptable::inline v0_1::detail
