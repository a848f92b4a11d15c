// SPDX-License-Identifier: MIT
// Linux: the event sources, netlink (destroy groups) and, when built, bpf.
#include "../common/backend.hpp"
#include "destroy_events.hpp"

#if TCPTABLE_HAVE_BPF
#include "bpf/bpf_events.hpp"
#endif

namespace tcptable::inline v0_1::detail {

std::error_code platform_open_events(event_source source, const std::string& netns,
                                     std::unique_ptr<platform_event_source>& out, error_info& info,
                                     event_source& opened) noexcept {
    opened = source;
    switch (source) {
        case event_source::netlink:
            return open_destroy_events(netns, out, info);
        case event_source::bpf:
#if TCPTABLE_HAVE_BPF
            return open_bpf_events(netns, out, info);
#else
            info.message =
                "this build has no BPF event source (libbpf, bpftool, clang or BTF "
                "missing when it was configured)";
            return make_error_code(errc::not_supported);
#endif
        case event_source::automatic: {
            // bpf where it loads (privilege), else the destroy groups (anyone).
            error_info bpf_info;
            if (!platform_open_events(event_source::bpf, netns, out, bpf_info, opened)) return {};
            auto ec = platform_open_events(event_source::netlink, netns, out, info, opened);
            if (ec) info.message = "bpf: " + bpf_info.message + "; netlink: " + info.message;
            return ec;
        }
        case event_source::poll:
            break;
    }
    info.message = "not an event subscription: " + std::string(to_string(source));
    return make_error_code(errc::not_supported);
}

}  // namespace tcptable::inline v0_1::detail
