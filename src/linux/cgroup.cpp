// SPDX-License-Identifier: MIT
#include "cgroup.hpp"

#include <vector>

namespace tcptable::inline v0_1::detail {
namespace {

bool all_hex(std::string_view s) noexcept {
    if (s.size() < 12) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// "prefix" + ID + "suffix" with ID all hex: the short id, else "".
std::string scoped_id(std::string_view comp, std::string_view prefix, std::string_view suffix) {
    if (comp.size() <= prefix.size() + suffix.size() || !comp.starts_with(prefix) ||
        !comp.ends_with(suffix))
        return {};
    std::string_view id = comp.substr(prefix.size(), comp.size() - prefix.size() - suffix.size());
    return all_hex(id) ? std::string(id.substr(0, 12)) : std::string();
}

// The path of the line chosen (see the header), or "" when no line has one.
std::string_view chosen_path(std::string_view file) {
    std::string_view first, systemd;
    while (!file.empty()) {
        auto nl = file.find('\n');
        std::string_view line = file.substr(0, nl);
        file = nl == std::string_view::npos ? std::string_view() : file.substr(nl + 1);
        auto c1 = line.find(':');
        if (c1 == std::string_view::npos) continue;
        auto c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        std::string_view id = line.substr(0, c1), ctl = line.substr(c1 + 1, c2 - c1 - 1);
        std::string_view path = line.substr(c2 + 1);  // a path may itself hold ':'
        if (path.empty() || path[0] != '/') continue;
        if (id == "0" && ctl.empty()) return path;
        if (ctl == "name=systemd" && systemd.empty()) systemd = path;
        if (first.empty()) first = path;
    }
    return systemd.empty() ? first : systemd;
}

}  // namespace

std::string unit_from_cgroup(std::string_view file) {
    std::string_view path = chosen_path(file);
    std::vector<std::string_view> comps;
    while (!path.empty()) {
        auto slash = path.find('/');
        std::string_view c = path.substr(0, slash);
        if (!c.empty()) comps.push_back(c);
        if (slash == std::string_view::npos) break;
        path = path.substr(slash + 1);
    }
    for (std::size_t i = comps.size(); i-- > 0;) {
        std::string_view c = comps[i];
        std::string_view parent = i > 0 ? comps[i - 1] : std::string_view();
        if (auto id = scoped_id(c, "docker-", ".scope"); !id.empty()) return "docker:" + id;
        if (auto id = scoped_id(c, "cri-containerd-", ".scope"); !id.empty())
            return "containerd:" + id;
        if (auto id = scoped_id(c, "crio-", ".scope"); !id.empty()) return "crio:" + id;
        if (auto id = scoped_id(c, "libpod-", ".scope"); !id.empty()) return "podman:" + id;
        if (c.starts_with("libpod-conmon-")) break;  // podman's monitor, not the container
        if (parent == "docker" && all_hex(c)) return "docker:" + std::string(c.substr(0, 12));
        if (parent == "k8s.io" && all_hex(c)) return "containerd:" + std::string(c.substr(0, 12));
        if (parent == "libpod_parent" && c.starts_with("libpod-") && all_hex(c.substr(7)))
            return "podman:" + std::string(c.substr(7, 12));
        if (c.starts_with("lxc.payload.") && c.size() > 12)
            return "lxc:" + std::string(c.substr(12));
        if (parent == "lxc" && !c.empty()) return "lxc:" + std::string(c);
    }
    // No container: the deepest service (a container's own services come second to it).
    for (std::size_t i = comps.size(); i-- > 0;)
        if (comps[i].size() > 8 && comps[i].ends_with(".service"))
            return "systemd:" + std::string(comps[i]);
    return {};
}

}  // namespace tcptable::inline v0_1::detail
