// SPDX-License-Identifier: MIT
// An IPv4 or IPv6 address with an IPv6 scope id: a plain value type, no platform headers.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tcptable/export.hpp>

namespace tcptable::inline v0_1 {

enum class ip_family : std::uint8_t { ipv4 = 4, ipv6 = 6 };

class TCPTABLE_EXPORT ip_address {
  public:
    using bytes_type = std::array<std::uint8_t, 16>;

    // The unspecified IPv4 address 0.0.0.0.
    constexpr ip_address() noexcept = default;

    // Bytes in network order (most significant first), as on the wire.
    static constexpr ip_address v4(std::array<std::uint8_t, 4> b) noexcept {
        ip_address a;
        for (std::size_t i = 0; i < 4; ++i) a.bytes_[i] = b[i];
        return a;
    }
    static constexpr ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                   std::uint8_t d) noexcept {
        return v4({a, b, c, d});
    }
    static constexpr ip_address v6(const bytes_type& b, std::uint32_t scope_id = 0) noexcept {
        ip_address a;
        a.bytes_ = b;
        a.set_scope_id(scope_id);
        a.family_ = ip_family::ipv6;
        return a;
    }
    static constexpr ip_address v6_loopback() noexcept {
        bytes_type b{};
        b[15] = 1;
        return v6(b);
    }
    static constexpr ip_address v4_loopback() noexcept { return v4(127, 0, 0, 1); }

    // Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with an optional numeric "%scope"),
    // without brackets. Returns nullopt on anything else.
    static std::optional<ip_address> parse(std::string_view text) noexcept;

    constexpr ip_family family() const noexcept { return family_; }
    constexpr bool is_v4() const noexcept { return family_ == ip_family::ipv4; }
    constexpr bool is_v6() const noexcept { return family_ == ip_family::ipv6; }
    // Network-order bytes; an IPv4 address uses the first four, the rest are zero.
    constexpr const bytes_type& bytes() const noexcept { return bytes_; }
    constexpr std::uint32_t scope_id() const noexcept {
        return std::uint32_t{scope_[0]} | std::uint32_t{scope_[1]} << 8 |
               std::uint32_t{scope_[2]} << 16 | std::uint32_t{scope_[3]} << 24;
    }
    // The IPv4 address as a host-order number (127.0.0.1 == 0x7f000001).
    constexpr std::uint32_t to_v4_uint() const noexcept {
        return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
               (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
    }
    constexpr bool is_unspecified() const noexcept {
        for (auto b : bytes_)
            if (b != 0) return false;
        return true;
    }
    constexpr bool is_loopback() const noexcept {
        if (is_v4()) return bytes_[0] == 127;
        for (std::size_t i = 0; i < 15; ++i)
            if (bytes_[i] != 0) return false;
        return bytes_[15] == 1;
    }

    // Link-local: IPv6 fe80::/10 (RFC 4291, section 2.5.6), IPv4 169.254.0.0/16 (RFC 3927). An
    // IPv6 one is the only kind whose scope id (its zone, the link) is part of what it names
    // (RFC 4007, section 6); the backends keep the scope id for these alone.
    bool is_link_local() const noexcept;

    // Canonical text: dotted quad, or RFC 5952 IPv6 ("::1", "fe80::1%2").
    std::string to_string() const;

    // The longest text to_string() gives.
    static constexpr std::size_t max_text_length = 56;
    // Writes the same text without allocating; returns the end, or nullptr if it does not fit.
    char* to_chars(char* first, char* last) const noexcept;

    // The sort contract: every IPv4 address precedes every IPv6 address; within a family the
    // bytes compare as one big-endian number; IPv6 then compares the scope id.
    friend constexpr std::strong_ordering operator<=>(const ip_address& a,
                                                      const ip_address& b) noexcept {
        if (a.family_ != b.family_) return a.family_ <=> b.family_;
        for (std::size_t i = 0; i < 16; ++i)
            if (a.bytes_[i] != b.bytes_[i]) return a.bytes_[i] <=> b.bytes_[i];
        return a.scope_id() <=> b.scope_id();
    }
    friend constexpr bool operator==(const ip_address&, const ip_address&) noexcept = default;

  private:
    bytes_type bytes_{};
    constexpr void set_scope_id(std::uint32_t v) noexcept {
        for (int i = 0; i < 4; ++i) scope_[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }

    // Bytes only, so the type has alignment 1 and two of them pack into a 60-byte tcp_row.
    std::uint8_t scope_[4] = {};
    ip_family family_ = ip_family::ipv4;
};

}  // namespace tcptable::inline v0_1
