// SPDX-License-Identifier: MIT
// The container or systemd unit a process runs in, from its /proc/<pid>/cgroup.
#pragma once

#include <string>
#include <string_view>

namespace tcptable::inline v0_1::detail {

// The unit named by the text of a /proc/<pid>/cgroup file (cgroups(7): one
// "hierarchy-ID:controllers:path" line per hierarchy). The unified hierarchy's line ("0::")
// is used when there is one, else the "name=systemd" line, else the first. Path components
// are read from the deepest up; the first that names a container wins, else the deepest
// service:
//   docker-ID.scope, /docker/ID          -> "docker:ID"
//   cri-containerd-ID.scope, /k8s.io/ID  -> "containerd:ID"
//   crio-ID.scope                        -> "crio:ID"
//   libpod-ID.scope, /libpod_parent/libpod-ID -> "podman:ID" (not libpod-conmon-ID, podman's
//                                           monitor)
//   lxc.payload.NAME, /lxc/NAME          -> "lxc:NAME"
//   NAME.service                         -> "systemd:NAME.service"
// ID is the first 12 of at least 12 hex digits. "" when nothing is recognised.
std::string unit_from_cgroup(std::string_view cgroup_file);

}  // namespace tcptable::inline v0_1::detail
