// SPDX-License-Identifier: MIT
// Fuzzes the /proc/<pid>/cgroup reader (unit_from_cgroup). Input: the file's bytes.
// Beyond "no crash", it checks the answer's form: empty, or one of the documented kinds with a
// non-empty name that is part of the input (containers: 12 lower-case hex digits).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "linux/cgroup.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string unit = tcptable::detail::unit_from_cgroup(input);
    if (unit.empty()) return 0;
    const auto colon = unit.find(':');
    if (colon == std::string::npos || colon + 1 >= unit.size()) std::abort();
    const std::string_view kind = std::string_view(unit).substr(0, colon);
    const std::string_view name = std::string_view(unit).substr(colon + 1);
    if (input.find(name) == std::string_view::npos) std::abort();
    if (name.find('/') != std::string_view::npos || name.find('\n') != std::string_view::npos)
        std::abort();
    if (kind == "docker" || kind == "containerd" || kind == "crio" || kind == "podman") {
        if (name.size() != 12 ||
            name.find_first_not_of("0123456789abcdef") != std::string_view::npos)
            std::abort();
    } else if (kind == "systemd") {
        if (!name.ends_with(".service")) std::abort();
    } else if (kind != "lxc") {
        std::abort();
    }
    return 0;
}
