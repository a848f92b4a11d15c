// SPDX-License-Identifier: MIT
#include "bpf_owner_pids.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "../../common/backend.hpp"
#include "../fd.hpp"
#include "task_sockets.h"

#include "libbpf_support.hpp"
TCPTABLE_SKELETON_BEGIN
#include "task_sockets.skel.h"
TCPTABLE_SKELETON_END

namespace tcptable::inline v0_1::detail {
namespace {

// The loaded program and its iterator link, or why loading failed, for one (process, euid).
struct loaded_iterator {
    task_sockets_bpf* skel = nullptr;
    pid_t pid = 0;
    uid_t euid = 0;
    int failed = 0;  // errno of the failed load (0: loaded, or not tried)
    std::string reason;
};

std::mutex loader_mutex;
loaded_iterator loader;  // under loader_mutex

// With loader_mutex held: the link's fd, loading first if this process has not; -1 with
// `err` and `reason` set when it cannot.
int iterator_link_fd(int& err, std::string& reason) {
    const pid_t pid = ::getpid();
    const uid_t euid = ::geteuid();
    if (loader.pid != pid || loader.euid != euid) {
        // Another process's (we were forked) or another identity's: not ours to use. The
        // copies of its descriptors close here.
        if (loader.skel) task_sockets_bpf::destroy(loader.skel);
        loader = loaded_iterator{};
        loader.pid = pid;
        loader.euid = euid;
        silence_libbpf();
        task_sockets_bpf* skel = task_sockets_bpf::open();
        const char* what = "opening the BPF object";
        int e = skel ? 0 : errno;
        if (skel && (e = -task_sockets_bpf::load(skel)) != 0) what = "loading iter/task_file";
        if (skel && e == 0 && (e = -task_sockets_bpf::attach(skel)) != 0)
            what = "attaching iter/task_file";
        if (e != 0) {
            if (skel) task_sockets_bpf::destroy(skel);
            loader.failed = e;
            loader.reason = std::string(what) + ": " + std::strerror(e);
            if (e == EPERM || e == EACCES)
                loader.reason += std::string(" (") + bpf_privilege_needed + ")";
        } else {
            loader.skel = skel;
        }
    }
    if (!loader.skel) {
        err = loader.failed;
        reason = loader.reason;
        return -1;
    }
    return bpf_link__fd(loader.skel->links.tcptable_task_sockets);
}

}  // namespace

bool bpf_task_sockets_loaded() noexcept {
    std::lock_guard lock(loader_mutex);
    return loader.skel && loader.pid == ::getpid() && loader.euid == ::geteuid();
}

std::error_code bpf_task_sockets(std::vector<task_socket>& out, error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        unique_fd iter;
        {
            std::lock_guard lock(loader_mutex);
            int err = 0;
            std::string reason;
            const int link = iterator_link_fd(err, reason);
            if (link < 0) {
                info.message = std::move(reason);
                return make_error_code(errc::not_supported);
            }
            iter = unique_fd(::bpf_iter_create(link));
            if (!iter) return os_error(info, "bpf_iter_create", errno);
        }
        // Records are fixed-size; a read may end inside one, so the tail carries over.
        constexpr std::size_t record = sizeof(tcptable_bpf_task_socket);
        std::unique_ptr<char[]> buf(new char[256 * 1024]);
        std::size_t have = 0;
        for (int again = 0;;) {
            ssize_t n = ::read(iter.get(), buf.get() + have, 256 * 1024 - have);
            if (n < 0 && errno == EINTR) continue;
            // EAGAIN: one read walked a million files without a record; it resumes where it
            // stopped. Bounded all the same.
            if (n < 0 && errno == EAGAIN && ++again < 1000) continue;
            if (n < 0) return os_error(info, "reading the iter/task_file iterator", errno);
            if (n == 0) break;
            have += static_cast<std::size_t>(n);
            std::size_t used = 0;
            for (; have - used >= record; used += record) {
                tcptable_bpf_task_socket r;
                std::memcpy(&r, buf.get() + used, record);
                out.push_back({r.inode, r.tgid});
            }
            std::memmove(buf.get(), buf.get() + used, have - used);
            have -= used;
        }
        return std::error_code{};
    });
}

}  // namespace tcptable::inline v0_1::detail
