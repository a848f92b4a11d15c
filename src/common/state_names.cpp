// SPDX-License-Identifier: MIT
// The names of the MIB TCP states, and the spellings parse_tcp_state accepts.
#include <array>
#include <optional>
#include <string_view>
#include <tcptable/tcp_state.hpp>

namespace tcptable::inline v0_1 {
namespace {

struct state_entry {
    tcp_state mib;
    std::string_view name;
};

// Indexed by MIB value; the names are the ones Microsoft's GetTcpTable example prints.
constexpr std::array<state_entry, 13> mib_states{{
    {tcp_state{0}, "UNKNOWN"},
    {tcp_state::closed, "CLOSED"},
    {tcp_state::listen, "LISTEN"},
    {tcp_state::syn_sent, "SYN-SENT"},
    {tcp_state::syn_received, "SYN-RECEIVED"},
    {tcp_state::established, "ESTABLISHED"},
    {tcp_state::fin_wait1, "FIN-WAIT-1"},
    {tcp_state::fin_wait2, "FIN-WAIT-2"},
    {tcp_state::close_wait, "CLOSE-WAIT"},
    {tcp_state::closing, "CLOSING"},
    {tcp_state::last_ack, "LAST-ACK"},
    {tcp_state::time_wait, "TIME-WAIT"},
    {tcp_state::delete_tcb, "DELETE-TCB"},
}};

constexpr char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }

// Compares ignoring case and treating '_' as '-'.
constexpr bool same_name(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = upper(a[i]) == '_' ? '-' : upper(a[i]);
        char y = upper(b[i]) == '_' ? '-' : upper(b[i]);
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::string_view to_string(tcp_state s) noexcept {
    auto v = static_cast<unsigned>(s);
    return v < mib_states.size() ? mib_states[v].name : mib_states[0].name;
}

std::optional<tcp_state> parse_tcp_state(std::string_view name) noexcept {
    for (std::size_t i = 1; i < mib_states.size(); ++i)
        if (same_name(name, mib_states[i].name)) return mib_states[i].mib;
    // Spellings of ss, netstat and the Linux headers.
    struct alias {
        std::string_view name;
        tcp_state state;
    };
    constexpr alias aliases[] = {
        {"LISTENING", tcp_state::listen},      {"ESTAB", tcp_state::established},
        {"SYN-RECV", tcp_state::syn_received}, {"SYN-RCVD", tcp_state::syn_received},
        {"FIN-WAIT1", tcp_state::fin_wait1},   {"FIN-WAIT2", tcp_state::fin_wait2},
        {"CLOSE", tcp_state::closed},          {"UNCONN", tcp_state::closed},
    };
    for (const auto& a : aliases)
        if (same_name(name, a.name)) return a.state;
    return std::nullopt;
}

}  // namespace tcptable::inline v0_1
