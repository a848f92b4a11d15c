// SPDX-License-Identifier: MIT
#include "bpf_iter_backend.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../fd.hpp"
#include "../linux_states.hpp"
#include "../netns.hpp"
#include "../sockstat.hpp"
#include "../test_seams.hpp"

#if TCPTABLE_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <cstddef>

#include "tcp_iter.h"

#include "libbpf_support.hpp"
TCPTABLE_SKELETON_BEGIN
#include "tcp_iter.skel.h"
TCPTABLE_SKELETON_END
#endif

namespace tcptable::inline v0_1::detail {

namespace seam_state {
std::atomic<std::size_t> bpf_auto_threshold{std::numeric_limits<std::size_t>::max()};
std::atomic<unsigned> bpf_iter_generation{0};
std::atomic<unsigned long> bpf_iter_reads{0};
}  // namespace seam_state

std::size_t bpf_iter_auto_threshold() noexcept {
    const std::size_t forced = seam_state::bpf_auto_threshold.load(std::memory_order_relaxed);
    return forced == std::numeric_limits<std::size_t>::max() ? bpf_iter_default_threshold : forced;
}

#if TCPTABLE_HAVE_BPF
namespace {

constexpr unsigned linux_listen = 10;

// The options bpf cannot serve, refused before anything is loaded.
std::error_code unsupported_options(const backend_rows& out, error_info& info) {
    if (out.protocol != transport_protocol::tcp) {
        info.message = "the bpf backend reads the TCP table only (UDP: netlink or procfs)";
        return make_error_code(errc::not_supported);
    }
    if (out.metrics) {
        info.message =
            "the bpf backend gives no per-connection metrics (tcp_info); use the netlink "
            "backend";
        return make_error_code(errc::not_supported);
    }
    return {};
}

// The table's size as /proc/net/sockstat counts it, where it can be known here; 0 otherwise.
std::size_t expected_rows(const snapshot_options& options) noexcept {
    if (options.netns.empty()) return estimate_tcp_rows("/proc");
    try {
        netns_spec spec;
        error_info ignored;
        if (parse_netns(options.netns, spec, ignored) || !spec.pid) return 0;
        return estimate_tcp_rows("/proc/" + *spec.pid);
    } catch (...) {
        return 0;
    }
}

// ---- The record is a tcp_row, byte for byte (tcp_iter.h). Proved here, at compile time.
static_assert(sizeof(tcptable_bpf_row) == sizeof(tcp_row));
static_assert(alignof(tcptable_bpf_row) == alignof(tcp_row));
static_assert(offsetof(tcptable_bpf_row, local) == offsetof(tcp_row, local_address));
static_assert(offsetof(tcptable_bpf_row, remote) == offsetof(tcp_row, remote_address));
static_assert(offsetof(tcptable_bpf_row, local_port) == offsetof(tcp_row, local_port));
static_assert(offsetof(tcptable_bpf_row, remote_port) == offsetof(tcp_row, remote_port));
static_assert(offsetof(tcptable_bpf_row, state) == offsetof(tcp_row, state));
static_assert(offsetof(tcptable_bpf_row, owner_count) == offsetof(tcp_row, owner_count));
static_assert(offsetof(tcptable_bpf_row, pid) == offsetof(tcp_row, pid));
static_assert(offsetof(tcptable_bpf_row, uid) == offsetof(tcp_row, uid));
static_assert(offsetof(tcptable_bpf_row, inode) == offsetof(tcp_row, inode));
static_assert(offsetof(tcptable_bpf_row, cookie) == offsetof(tcp_row, cookie));
static_assert(static_cast<unsigned>(ip_family::ipv4) == TCPTABLE_ROW_FAMILY_V4 &&
              static_cast<unsigned>(ip_family::ipv6) == TCPTABLE_ROW_FAMILY_V6);

// ip_address's private layout (bytes, scope id least significant byte first, family), checked
// through std::bit_cast against the public constructors: a link-local IPv6 row with a scope id
// and an IPv4 row.
constexpr tcptable_bpf_row sample_v6_record() {
    tcptable_bpf_row r{};
    r.local.bytes[0] = 0xfe;
    r.local.bytes[1] = 0x80;
    r.local.bytes[15] = 0x01;
    r.local.scope[0] = 0x04;
    r.local.scope[1] = 0x03;
    r.local.scope[2] = 0x02;
    r.local.scope[3] = 0x01;
    r.local.family = TCPTABLE_ROW_FAMILY_V6;
    r.remote.bytes[15] = 0x02;
    r.remote.family = TCPTABLE_ROW_FAMILY_V6;
    r.local_port = 443;
    r.remote_port = 50000;
    r.state = static_cast<__u8>(tcp_state::established);
    r.uid = 1000;
    r.inode = 123456;
    r.cookie = 0x0102030405060708ull;
    return r;
}
constexpr tcp_row expected_v6_row() {
    ip_address::bytes_type l{}, rb{};
    l[0] = 0xfe;
    l[1] = 0x80;
    l[15] = 0x01;
    rb[15] = 0x02;
    tcp_row r;
    r.local_address = ip_address::v6(l, 0x01020304u);
    r.remote_address = ip_address::v6(rb);
    r.local_port = 443;
    r.remote_port = 50000;
    r.state = tcp_state::established;
    r.uid = 1000;
    r.inode = 123456;
    r.cookie = 0x0102030405060708ull;
    return r;
}
static_assert(std::bit_cast<tcp_row>(sample_v6_record()) == expected_v6_row());
constexpr tcptable_bpf_row sample_v4_record() {
    tcptable_bpf_row r{};
    r.local.bytes[0] = 127;
    r.local.bytes[3] = 1;
    r.local.family = TCPTABLE_ROW_FAMILY_V4;
    r.remote.family = TCPTABLE_ROW_FAMILY_V4;
    r.local_port = 22;
    r.state = static_cast<__u8>(tcp_state::listen);
    return r;
}
constexpr tcp_row expected_v4_row() {
    tcp_row r;
    r.local_address = ip_address::v4(127, 0, 0, 1);
    r.remote_address = ip_address::v4(0, 0, 0, 0);
    r.local_port = 22;
    r.state = tcp_state::listen;
    r.uid = 0;
    return r;
}
static_assert(std::bit_cast<tcp_row>(sample_v4_record()) == expected_v4_row());

// One read() of the iterator returns at most the kernel's seq_file buffer (32 KiB, ~455 rows);
// the chunk is larger, and a whole number of rows.
constexpr std::size_t chunk_rows = 1024;
// Bounds the read loop: far more reads than any table needs (each returns a batch of rows).
constexpr std::size_t max_reads = std::size_t(1) << 24;

// The read-only globals a program is loaded with: what makes two loaded programs differ.
struct filter_key {
    std::array<std::uint8_t, TCPTABLE_ITER_STATE_SLOTS> row_state{};
    std::uint16_t only_family = 0;
    friend bool operator==(const filter_key&, const filter_key&) = default;
};

filter_key key_for(const snapshot_options& options) {
    filter_key key;
    for (unsigned l = linux_state_min; l < linux_state_max; ++l) {
        // TCP_BOUND_INACTIVE (13) is never listed, as netlink never asks for it.
        auto mib = mib_state_from_linux(l);
        if (mib && options.states.contains(*mib))
            key.row_state[l] = static_cast<std::uint8_t>(*mib);
    }
    key.only_family = options.family == address_family::ipv4   ? 2   // AF_INET
                      : options.family == address_family::ipv6 ? 10  // AF_INET6
                                                               : 0;
    return key;
}

// A program loaded and attached as an iterator link; each snapshot creates its own iterator
// (a file) from the link, so one loaded program serves any number of snapshots at once.
struct loaded_iter {
    tcp_iter_bpf* skel = nullptr;
    bpf_link* link = nullptr;
    loaded_iter() = default;
    loaded_iter(const loaded_iter&) = delete;
    loaded_iter& operator=(const loaded_iter&) = delete;
    ~loaded_iter() {
        if (link) bpf_link__destroy(link);
        if (skel) tcp_iter_bpf::destroy(skel);
    }
};

std::error_code refused(error_info& info, const char* what, int err) {
    info.message = std::string("bpf backend: ") + what + ": " + std::strerror(err);
    if (err == EPERM || err == EACCES)
        info.message += std::string(" (it ") + bpf_privilege_needed + ")";
    else
        info.message += " (it needs Linux 5.9 or later with BTF and iter/tcp)";
    return make_error_code(errc::not_supported);
}

std::error_code load(const filter_key& key, std::shared_ptr<loaded_iter>& out, error_info& info) {
    silence_libbpf();
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        info.message =
            "bpf backend: the kernel has no BTF (/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF), "
            "which iter/tcp programs need";
        return make_error_code(errc::not_supported);
    }
    auto li = std::make_shared<loaded_iter>();
    li->skel = tcp_iter_bpf::open();
    if (!li->skel) return refused(info, "opening the BPF object", errno);
    for (std::size_t i = 0; i < key.row_state.size(); ++i)
        li->skel->rodata->row_state[i] = key.row_state[i];
    li->skel->rodata->only_family = key.only_family;
    if (int err = tcp_iter_bpf::load(li->skel))
        return refused(info, "loading the iter/tcp program", -err);
    li->link = bpf_program__attach_iter(li->skel->progs.tcptable_tcp_rows, nullptr);
    if (!li->link) return refused(info, "attaching the iter/tcp program", errno);
    out = std::move(li);
    return {};
}

// Loaded programs, kept for the process's life (a watcher or exporter snapshots every few
// seconds; loading and verifying costs far more than one walk of the table: PERFORMANCE.md),
// one per filter, at most max_entries (the least recently used is dropped). The first load's
// outcome is the verdict: after a refusal no load is tried again (the same reason is given).
class iter_cache {
  public:
    static iter_cache& instance() {
        static iter_cache* cache = new iter_cache;  // never destroyed: no exit-time ordering
        return *cache;
    }

    std::error_code get(const filter_key& key, std::shared_ptr<loaded_iter>& out,
                        error_info& info) {
        std::lock_guard lock(mutex_);
        forget_if_asked();
        if (refused_) {
            info.message = refusal_;
            return make_error_code(errc::not_supported);
        }
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].first == key) {
                out = entries_[i].second;
                // Most recently used last.
                std::rotate(entries_.begin() + std::ptrdiff_t(i),
                            entries_.begin() + std::ptrdiff_t(i) + 1, entries_.end());
                return {};
            }
        }
        std::shared_ptr<loaded_iter> li;
        if (auto ec = load(key, li, info)) {
            // Refused for good only if nothing ever loaded: a later filter loads as the first.
            if (entries_.empty() && !loaded_once_) {
                refused_ = true;
                refusal_ = info.message;
            }
            return ec;
        }
        loaded_once_ = true;
        if (entries_.size() >= max_entries) entries_.erase(entries_.begin());
        entries_.emplace_back(key, li);
        out = std::move(li);
        return {};
    }

    // For automatic, on a table large enough for bpf: whether to read it with bpf. A program
    // already loaded for this filter: yes. A refusal seen: no. Otherwise the load (~25-45 ms,
    // PERFORMANCE.md) is worth paying only in a process that reads large tables repeatedly (a
    // watcher, an exporter): the first such read stays on netlink, the second tries the load
    // (its outcome is the verdict) and, if it loads, reads with bpf from then on.
    bool worth_it(const filter_key& key) {
        {
            std::lock_guard lock(mutex_);
            forget_if_asked();
            if (refused_) return false;
            for (const auto& e : entries_)
                if (e.first == key) return true;
            if (large_reads_ < 2) ++large_reads_;  // saturates: no wrap-around
            if (large_reads_ < 2) return false;
        }
        std::shared_ptr<loaded_iter> li;
        error_info ignored;
        return !get(key, li, ignored);
    }

  private:
    static constexpr std::size_t max_entries = 8;

    void forget_if_asked() {
        const unsigned g = seam_state::bpf_iter_generation.load(std::memory_order_acquire);
        if (g == generation_) return;
        generation_ = g;
        entries_.clear();
        refused_ = false;
        loaded_once_ = false;
        large_reads_ = 0;
        refusal_.clear();
    }

    std::mutex mutex_;
    unsigned generation_ = 0;
    bool refused_ = false;
    bool loaded_once_ = false;
    unsigned large_reads_ = 0;  // automatic's reads of large tables, while nothing is loaded
    std::string refusal_;
    std::vector<std::pair<filter_key, std::shared_ptr<loaded_iter>>> entries_;
};

// A new iterator over the table of `netns` (or the caller's): the kernel takes the network
// namespace of the task that creates it (bpf_iter_init_seq_net), so for another namespace it is
// created on a thread that joined it; reading it later from any thread reads that namespace.
std::error_code create_iterator(const loaded_iter& li, const std::string& netns, unique_fd& fd,
                                error_info& info) {
    auto make = [&](error_info& where) -> std::error_code {
        int f = bpf_iter_create(bpf_link__fd(li.link));
        if (f < 0) {
            const int err = errno;
            if (err == EPERM || err == EACCES) return refused(where, "bpf_iter_create", err);
            return os_error(where, "bpf_iter_create", err);
        }
        fd = unique_fd(f);
        return {};
    };
    if (netns.empty()) return make(info);
    netns_spec spec;
    if (auto ec = parse_netns(netns, spec, info)) return ec;
    unique_fd ns;
    if (auto ec = open_netns(spec, ns, info)) return ec;
    return run_in_netns(ns.get(), spec.path, make, info);
}

// Reads the iterator to its end in large chunks; `on_rows(records, n)` gets each chunk's whole
// rows and returns false to stop. A row split across two reads is joined.
template <class OnRows>
std::error_code read_iterator(int fd, OnRows&& on_rows, error_info& info) {
    std::unique_ptr<tcptable_bpf_row[]> buffer(new tcptable_bpf_row[chunk_rows]);
    auto* bytes = reinterpret_cast<char*>(buffer.get());
    constexpr std::size_t capacity = chunk_rows * sizeof(tcptable_bpf_row);
    std::size_t have = 0;
    int again = 0;
    for (std::size_t reads = 0; reads < max_reads; ++reads) {
        const ssize_t n = ::read(fd, bytes + have, capacity - have);
        if (n < 0) {
            const int err = errno;
            // EAGAIN: a read that skipped a million sockets without writing a row
            // (bpf_seq_read's MAX_ITER_OBJECTS); the next read goes on from there.
            if (err == EINTR || (err == EAGAIN && ++again < 64)) continue;
            return os_error(info, "read (bpf iter/tcp)", err);
        }
        if (n == 0) {
            if (have != 0) {
                info.message = "bpf iter/tcp: the iterator ended inside a row (" +
                               std::to_string(have) + " bytes left)";
                return make_error_code(errc::parse_error);
            }
            seam_state::bpf_iter_reads.fetch_add(1, std::memory_order_relaxed);
            return {};
        }
        have += static_cast<std::size_t>(n);
        const std::size_t whole = have / sizeof(tcptable_bpf_row);
        if (whole == 0) continue;
        if (!on_rows(buffer.get(), whole)) return {};
        const std::size_t used = whole * sizeof(tcptable_bpf_row);
        have -= used;
        if (have != 0) std::memmove(bytes, bytes + used, have);
    }
    info.message =
        "bpf iter/tcp: the iterator did not end after " + std::to_string(max_reads) + " reads";
    return make_error_code(errc::table_changed);
}

std::error_code open_iterator(const snapshot_options& options, unique_fd& fd, error_info& info) {
    std::shared_ptr<loaded_iter> li;
    if (auto ec = iter_cache::instance().get(key_for(options), li, info)) return ec;
    return create_iterator(*li, options.netns, fd, info);
}

}  // namespace

std::error_code bpf_iter_snapshot(const snapshot_options& options, backend_rows& out,
                                  error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (auto ec = unsupported_options(out, info)) return ec;
        unique_fd fd;
        if (auto ec = open_iterator(options, fd, info)) return ec;
        std::vector<tcp_row>& rows = out.rows;
        auto ec = read_iterator(
            fd.get(),
            [&](const tcptable_bpf_row* records, std::size_t n) {
                const std::size_t at = rows.size();
                rows.resize(at + n);
                std::memcpy(static_cast<void*>(rows.data() + at), records, n * sizeof *records);
                return true;
            },
            info);
        if (ec) return ec;
        out.states_filtered = true;
        return std::error_code{};
    });
}

std::error_code bpf_iter_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                       std::size_t& delivered, error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        delivered = 0;
        std::vector<tcp_row> none;
        backend_rows probe{none};
        if (auto ec = unsupported_options(probe, info)) return ec;
        unique_fd fd;
        if (auto ec = open_iterator(options, fd, info)) return ec;
        std::vector<tcp_row> batch;
        return read_iterator(
            fd.get(),
            [&](const tcptable_bpf_row* records, std::size_t n) {
                batch.resize(n);
                std::memcpy(static_cast<void*>(batch.data()), records, n * sizeof *records);
                delivered += n;
                return sink(batch);
            },
            info);
    });
}

bool bpf_iter_preferred(const snapshot_options& options) noexcept {
    try {
        if (options.metrics || options.proc_root != "/proc") return false;
        // A test forcing a netlink failure (test_seams.hpp) asks for automatic's netlink path,
        // whatever the size of the table it runs next to.
        if (seam_state::forced_socket_errno.load(std::memory_order_relaxed) != 0 ||
            seam_state::forced_dump_interruption.load(std::memory_order_relaxed) != 0)
            return false;
        // A listeners-only read: netlink walks the listening hash alone, bpf both hashes.
        if ((linux_state_mask(options.states) & ~(1u << linux_listen)) == 0) return false;
        if (expected_rows(options) < bpf_iter_auto_threshold()) return false;
        return iter_cache::instance().worth_it(key_for(options));
    } catch (...) {
        return false;
    }
}

#else  // no libbpf, bpftool, clang or BTF when this was configured

namespace {
std::error_code not_built(error_info& info) {
    info.message =
        "this build has no bpf backend (libbpf, bpftool, clang or the kernel's BTF were missing "
        "when it was configured)";
    return make_error_code(errc::not_supported);
}
}  // namespace

std::error_code bpf_iter_snapshot(const snapshot_options&, backend_rows&,
                                  error_info& info) noexcept {
    return not_built(info);
}

std::error_code bpf_iter_snapshot_each(const snapshot_options&, const row_batch_sink&,
                                       std::size_t& delivered, error_info& info) noexcept {
    delivered = 0;
    return not_built(info);
}

bool bpf_iter_preferred(const snapshot_options&) noexcept { return false; }

#endif

}  // namespace tcptable::inline v0_1::detail
