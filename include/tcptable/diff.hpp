// What changed between two snapshots of the table.
#pragma once

#include <tcptable/export.hpp>
#include <tcptable/tcp_table.hpp>

#include <string_view>
#include <vector>

namespace tcptable {

enum class event_kind : std::uint8_t { opened, closed, state_changed };

TCPTABLE_EXPORT std::string_view to_string(event_kind k) noexcept;

struct tcp_event {
    event_kind kind = event_kind::opened;
    tcp_row row;                         // the row now (for closed: as it was last seen)
    tcp_state old_state = tcp_state{0};  // for state_changed: the state before
};

// The events that turn `before` into `after`, both sorted per the contract (row_order), in one
// linear merge. Rows are matched by their four endpoints; several rows with the same endpoints
// (SO_REUSEPORT listeners) are matched in order.
TCPTABLE_EXPORT std::vector<tcp_event> diff_tables(const tcp_table& before, const tcp_table& after);

}  // namespace tcptable
