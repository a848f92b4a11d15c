// SPDX-License-Identifier: MIT
#include <tcptable/events.hpp>

#include "backend.hpp"

namespace tcptable::inline v0_1 {

bool parse_event_source(std::string_view text, event_source& out) noexcept {
    for (int v = 0; v <= static_cast<int>(event_source::bpf); ++v) {
        const auto s = static_cast<event_source>(v);
        if (text == to_string(s)) {
            out = s;
            return true;
        }
    }
    return false;
}

event_subscription::event_subscription(event_source s,
                                       std::unique_ptr<detail::platform_event_source> impl) noexcept
    : source_(s), impl_(std::move(impl)) {}

event_subscription::~event_subscription() = default;

std::unique_ptr<event_subscription> event_subscription::open(event_source source,
                                                             const std::string& netns,
                                                             std::error_code& ec,
                                                             error_info* info) noexcept {
    error_info local;
    error_info& where = info ? *info : local;
    where = {};
    if (source == event_source::poll) {
        where.message = "poll is not an event subscription";
        ec = make_error_code(errc::not_supported);
        return nullptr;
    }
    // The platform resolves `automatic` to the best source it can open, and says which.
    std::unique_ptr<detail::platform_event_source> impl;
    event_source got = source;
    ec = detail::platform_open_events(source, netns, impl, where, got);
    if (ec) return nullptr;
    try {
        return std::unique_ptr<event_subscription>(new event_subscription(got, std::move(impl)));
    } catch (const std::bad_alloc&) {
        ec = make_error_code(std::errc::not_enough_memory);
        return nullptr;
    }
}

std::error_code event_subscription::read(std::vector<tcp_event>& out,
                                         std::chrono::milliseconds timeout, std::size_t max_events,
                                         bool& lost, error_info* info) noexcept {
    error_info local;
    lost = false;
    const auto ms = timeout.count() < 0 ? 0 : timeout.count() > 60000 ? 60000 : timeout.count();
    return impl_->read(out, static_cast<int>(ms), max_events, lost, info ? *info : local);
}

void event_subscription::interrupt() noexcept { impl_->interrupt(); }

}  // namespace tcptable::inline v0_1
