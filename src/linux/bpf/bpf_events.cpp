// SPDX-License-Identifier: MIT
#include "bpf_events.hpp"

#include <bpf/libbpf.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "../fd.hpp"
#include "../linux_states.hpp"
#include "../netns.hpp"
#include "tcp_events.h"

#include "libbpf_support.hpp"
TCPTABLE_SKELETON_BEGIN
#include "tcp_events.skel.h"
TCPTABLE_SKELETON_END

namespace tcptable::inline v0_1::detail {
namespace {

constexpr unsigned linux_syn_sent = 2, linux_syn_recv = 3, linux_established = 1, linux_listen = 10,
                   linux_close = 7;
// Pids of connect() calls (CLOSE -> SYN-SENT, in the caller's context) kept until the
// connection is established or closed.
constexpr std::size_t max_pending_connects = 1 << 16;

ip_address address_of(std::uint8_t family, const std::uint8_t* bytes, std::uint32_t ifindex) {
    if (family == AF_INET) {
        std::array<std::uint8_t, 4> b;
        std::memcpy(b.data(), bytes, 4);
        return ip_address::v4(b);
    }
    ip_address::bytes_type b;
    std::memcpy(b.data(), bytes, 16);
    const ip_address a = ip_address::v6(b);
    return a.is_link_local() ? ip_address::v6(b, ifindex) : a;
}

class bpf_source final : public platform_event_source {
  public:
    bpf_source() = default;
    bpf_source(const bpf_source&) = delete;
    bpf_source& operator=(const bpf_source&) = delete;
    ~bpf_source() override {
        if (ring_) ring_buffer__free(ring_);
        if (skel_) tcp_events_bpf::destroy(skel_);
    }

    std::error_code open(std::uint32_t netns_inode, error_info& info) {
        silence_libbpf();
        skel_ = tcp_events_bpf::open();
        if (!skel_) return refused(info, "opening the BPF object", errno);
        skel_->rodata->target_netns = netns_inode;
        if (int err = tcp_events_bpf::load(skel_))
            return refused(info, "loading the BPF program", -err);
        if (int err = tcp_events_bpf::attach(skel_))
            return refused(info, "attaching to sock:inet_sock_set_state", -err);
        ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), &bpf_source::on_sample, this,
                                 nullptr);
        if (!ring_) return os_error(info, "ring_buffer__new", errno);
        wake_ = unique_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!wake_) return os_error(info, "eventfd", errno);
        return {};
    }

    std::error_code read(std::vector<tcp_event>& out, int timeout_ms, std::size_t max_events,
                         bool& lost, error_info& info) noexcept override {
        return guarded(info, [&]() -> std::error_code {
            pollfd p[2] = {{ring_buffer__epoll_fd(ring_), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
            int r = ::poll(p, 2, timeout_ms);
            if (r < 0 && errno != EINTR) return os_error(info, "poll", errno);
            if (p[1].revents & POLLIN) {
                std::uint64_t v;
                [[maybe_unused]] auto n = ::read(wake_.get(), &v, sizeof v);
            }
            out_ = &out;
            limit_ = out.size() + max_events;
            int n = ring_buffer__consume(ring_);
            out_ = nullptr;
            if (n < 0 && n != -EINTR && n != -ENOSPC)
                return os_error(info, "ring_buffer__consume", -n);
            const std::uint64_t dropped = __atomic_load_n(&skel_->bss->dropped, __ATOMIC_RELAXED);
            if (dropped != dropped_seen_) {
                dropped_seen_ = dropped;
                lost = true;
            }
            return {};
        });
    }

    void interrupt() noexcept override {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    }

  private:
    static std::error_code refused(error_info& info, const char* what, int err) {
        info.message = std::string(what) + ": " + std::strerror(err);
        if (err == EPERM || err == EACCES) {
            info.message += std::string(" (") + bpf_privilege_needed + ")";
            return make_error_code(errc::not_supported);
        }
        return {err, std::system_category()};
    }

    static int on_sample(void* ctx, void* data, std::size_t size) {
        auto* self = static_cast<bpf_source*>(ctx);
        if (size < sizeof(tcptable_bpf_transition)) return 0;
        tcptable_bpf_transition t;
        std::memcpy(&t, data, sizeof t);
        self->add(t);
        // A negative return stops the consume after this sample: the rest waits for the next
        // read.
        return self->out_->size() >= self->limit_ ? -ENOSPC : 0;
    }

    void add(const tcptable_bpf_transition& t) {
        auto news = mib_state_from_linux(t.newstate);
        auto olds = mib_state_from_linux(t.oldstate);
        if (!news || !olds) return;
        tcp_event e;
        e.source = event_source::bpf;
        tcp_row& r = e.row;
        r.local_address = address_of(t.family, t.local_addr, t.ifindex);
        r.remote_address = address_of(t.family, t.remote_addr, t.ifindex);
        r.local_port = t.local_port;
        r.remote_port = t.remote_port;
        r.state = *news;
        r.uid = t.uid;
        r.cookie = t.cookie;
        // A passive open's child socket starts as a copy of its listener and is then set to
        // SYN-RECEIVED: its birth, not a change; it is reported opened once established.
        if (t.oldstate == linux_listen && t.newstate == linux_syn_recv) return;
        if (t.newstate == linux_syn_sent) {
            // connect(): the caller's context, so the pid is the connecting process's.
            if (pending_.size() < max_pending_connects) pending_[t.cookie] = t.pid;
            return;
        }
        auto take_pending = [&] {
            auto it = pending_.find(t.cookie);
            if (it == pending_.end()) return std::uint32_t(0);
            auto pid = it->second;
            pending_.erase(it);
            return pid;
        };
        if (t.newstate == linux_established &&
            (t.oldstate == linux_syn_sent || t.oldstate == linux_syn_recv)) {
            // The handshake ends in softirq: only a connect() seen earlier names a process.
            e.kind = event_kind::opened;
            r.pid = take_pending();
        } else if (t.newstate == linux_listen) {
            e.kind = event_kind::opened;
            r.pid = t.pid;  // listen(): the caller's context
        } else if (t.newstate == linux_close) {
            e.kind = event_kind::closed;
            e.old_state = *olds;  // the state it closed from
            e.seen_open = false;  // the watcher knows better
            r.pid = take_pending();
            if (t.has_figures) {
                e.has_figures = true;
                e.figures.bytes_acked = t.bytes_acked;
                e.figures.bytes_received = t.bytes_received;
                e.figures.rtt_us = t.srtt_us;
                e.figures.total_retrans = t.total_retrans;
            }
        } else {
            e.kind = event_kind::state_changed;
            e.old_state = *olds;
        }
        out_->push_back(e);
    }

    tcp_events_bpf* skel_ = nullptr;
    ring_buffer* ring_ = nullptr;
    unique_fd wake_;
    std::vector<tcp_event>* out_ = nullptr;
    std::size_t limit_ = 0;
    std::uint64_t dropped_seen_ = 0;
    std::unordered_map<std::uint64_t, std::uint32_t> pending_;
};

}  // namespace

std::error_code open_bpf_events(const std::string& netns,
                                std::unique_ptr<platform_event_source>& out,
                                error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        // The namespace is named by its inode number, which the program compares.
        struct stat st;
        if (netns.empty()) {
            if (::stat("/proc/thread-self/ns/net", &st) != 0)
                return os_error(info, "stat", errno, "/proc/thread-self/ns/net");
        } else {
            netns_spec spec;
            if (auto ec = parse_netns(netns, spec, info)) return ec;
            unique_fd ns;
            if (auto ec = open_netns(spec, ns, info)) return ec;
            if (::fstat(ns.get(), &st) != 0) return os_error(info, "fstat", errno, spec.path);
        }
        auto source = std::make_unique<bpf_source>();
        if (auto ec = source->open(static_cast<std::uint32_t>(st.st_ino), info)) return ec;
        out = std::move(source);
        return {};
    });
}

}  // namespace tcptable::inline v0_1::detail
