#include <tcptable/diff.hpp>

namespace tcptable {

std::string_view to_string(event_kind k) noexcept {
    switch (k) {
        case event_kind::opened:
            return "opened";
        case event_kind::closed:
            return "closed";
        case event_kind::state_changed:
            return "state_changed";
    }
    return "unknown";
}

std::vector<tcp_event> diff_tables(const tcp_table& before, const tcp_table& after) {
    std::vector<tcp_event> events;
    auto a = before.begin(), b = after.begin();
    while (a != before.end() || b != after.end()) {
        auto c = a == before.end()  ? std::strong_ordering::greater
                 : b == after.end() ? std::strong_ordering::less
                                    : row_order::compare(*a, *b);
        if (c < 0) {
            events.push_back({event_kind::closed, *a, tcp_state{0}});
            ++a;
        } else if (c > 0) {
            events.push_back({event_kind::opened, *b, tcp_state{0}});
            ++b;
        } else {
            if (a->state != b->state) events.push_back({event_kind::state_changed, *b, a->state});
            ++a;
            ++b;
        }
    }
    return events;
}

}  // namespace tcptable
