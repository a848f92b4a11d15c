// SPDX-License-Identifier: MIT
#include <tcptable/events.hpp>

#include "backend.hpp"

namespace tcptable::inline v0_1 {

bool parse_event_source(std::string_view text, event_source& out) noexcept {
    for (auto s :
         {event_source::automatic, event_source::poll, event_source::netlink, event_source::bpf}) {
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
    std::unique_ptr<detail::platform_event_source> impl;
    event_source got = source;
    if (source == event_source::automatic) {
        error_info bpf_info;
        got = event_source::bpf;
        ec = detail::platform_open_events(event_source::bpf, netns, impl, bpf_info);
        if (ec) {
            got = event_source::netlink;
            ec = detail::platform_open_events(event_source::netlink, netns, impl, where);
            if (ec && !bpf_info.message.empty())
                where.message = "bpf: " + bpf_info.message + "; netlink: " + where.message;
        }
    } else {
        ec = detail::platform_open_events(source, netns, impl, where);
    }
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
