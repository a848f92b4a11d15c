// SPDX-License-Identifier: MIT
// The twelve TCP states of the MIB_TCP_STATE enumeration, with the same numeric values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <tcptable/export.hpp>

namespace tcptable::inline v0_1 {

enum class tcp_state : std::uint8_t {
    closed = 1,
    listen = 2,
    syn_sent = 3,
    syn_received = 4,
    established = 5,
    fin_wait1 = 6,
    fin_wait2 = 7,
    close_wait = 8,
    closing = 9,
    last_ack = 10,
    time_wait = 11,
    delete_tcb = 12,
};

inline constexpr int tcp_state_count = 12;

// "CLOSED", "LISTEN", "SYN-SENT", ... "DELETE-TCB"; "UNKNOWN" for a value outside 1..12.
TCPTABLE_EXPORT std::string_view to_string(tcp_state s) noexcept;

// Accepts the names to_string() gives, case-insensitively, with '-' or '_' (also "SYN-RCVD",
// "ESTAB", "LISTENING" and "TIME_WAIT"-style spellings as ss and netstat print them).
TCPTABLE_EXPORT std::optional<tcp_state> parse_tcp_state(std::string_view name) noexcept;

// A set of states, one bit per MIB value.
class state_set {
  public:
    constexpr state_set() noexcept = default;
    constexpr state_set(std::initializer_list<tcp_state> states) noexcept {
        for (auto s : states) bits_ |= bit(s);
    }
    static constexpr state_set all() noexcept {
        state_set s;
        s.bits_ = 0x1ffe;
        return s;
    }
    static constexpr state_set listening() noexcept { return {tcp_state::listen}; }
    // Every state but LISTEN, as Windows' *_CONNECTIONS table classes define it.
    static constexpr state_set connections() noexcept {
        state_set s = all();
        s.bits_ &= static_cast<std::uint16_t>(~bit(tcp_state::listen));
        return s;
    }
    static constexpr state_set from_bits(std::uint16_t bits) noexcept {
        state_set s;
        s.bits_ = bits & 0x1ffe;
        return s;
    }

    constexpr bool contains(tcp_state s) const noexcept { return (bits_ & bit(s)) != 0; }
    constexpr state_set& insert(tcp_state s) noexcept {
        bits_ |= bit(s);
        return *this;
    }
    constexpr bool empty() const noexcept { return bits_ == 0; }
    constexpr bool is_all() const noexcept { return bits_ == all().bits_; }
    constexpr std::uint16_t bits() const noexcept { return bits_; }
    friend constexpr bool operator==(state_set, state_set) noexcept = default;

  private:
    static constexpr std::uint16_t bit(tcp_state s) noexcept {
        auto v = static_cast<unsigned>(s);
        return v >= 1 && v <= 12 ? static_cast<std::uint16_t>(1u << v) : 0;
    }
    std::uint16_t bits_ = 0;
};

}  // namespace tcptable::inline v0_1
