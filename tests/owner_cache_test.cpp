// SPDX-License-Identifier: MIT
// Owner attribution's paths against each other on real processes and sockets: the BPF
// iterator, the /proc scan, and the /proc scan through an owner_cache (cold, then warm), with
// the events a cache must notice between two snapshots: pid reuse, fd passing, an fd number
// reused, a process that exits, and an unprivileged caller.
//
// Each test runs in a forked child in a private network namespace (a quiet table holding only
// its sockets), bounded by run_in_child's limit; the processes it starts are synchronised by
// pipes, and exit when their pipe closes.
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <tcptable/owner_cache.hpp>
#include <tcptable/snapshot.hpp>
#include <thread>
#include <vector>

#include "linux/owner_pids.hpp"
#include "linux/test_seams.hpp"
#include "support/child_process.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace tcptable::testing {
namespace {

namespace d = tcptable::detail;

constexpr uid_t nobody = 65534;
constexpr int wait_ms = 30000;  // a bound for a hang, not a speed expectation

#define CHECK_OR_RETURN(cond, msg)                                                                 \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " + std::string(msg); \
    } while (0)

// One byte through a pipe, waited for with a bound. False on EOF, error or time-out.
bool put(int fd, char c = 1) { return ::write(fd, &c, 1) == 1; }
bool get(int fd, char* out = nullptr) {
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        int r = ::poll(&p, 1, wait_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        char c;
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n != 1) return false;
        if (out) *out = c;
        return true;
    }
}

// A process of the test's own: runs `body(cmd, ack)` reading commands from the parent on
// `cmd` and answering on `ack`; it exits when `body` returns or the parent goes away.
struct helper {
    pid_t pid = -1;
    int cmd = -1;  // parent -> helper
    int ack = -1;  // helper -> parent

    template <class Body>
    static helper start(Body&& body) {
        helper h;
        int c[2], a[2];
        if (::pipe2(c, O_CLOEXEC) != 0 || ::pipe2(a, O_CLOEXEC) != 0) return h;
        h.pid = ::fork();
        if (h.pid == 0) {
            ::close(c[1]);
            ::close(a[0]);
            body(c[0], a[1]);
            ::_exit(0);
        }
        ::close(c[0]);
        ::close(a[1]);
        h.cmd = c[1];
        h.ack = a[0];
        return h;
    }
    // Asks the helper to do its next step and waits for it to say it did.
    bool step(char c = 1) { return put(cmd, c) && get(ack); }
    // Ends it (its command pipe closes) and reaps it.
    void finish() {
        if (cmd >= 0) ::close(cmd);
        if (ack >= 0) ::close(ack);
        cmd = ack = -1;
        if (pid > 0) {
            int st;
            while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
        }
        pid = -1;
    }
};

int listener_fd() {
    std::uint16_t port = 0;
    return loopback_listener(false, port);
}

// The rows of the namespace's table, without owners.
std::vector<tcp_row> table_rows() {
    snapshot_options o;
    std::error_code ec;
    tcp_table t = snapshot(o, ec);
    return ec ? std::vector<tcp_row>{} : t.release();
}

// The socket inode of one of our descriptors.
std::uint32_t inode_of(int fd) {
    struct stat st;
    return ::fstat(fd, &st) == 0 ? std::uint32_t(st.st_ino) : 0;
}

std::string describe(const std::vector<tcp_row>& rows) {
    std::string s;
    for (const tcp_row& r : rows)
        s += " [ino " + std::to_string(r.inode) + " pid " + std::to_string(r.pid) + " n " +
             std::to_string(int(r.owner_count)) + "]";
    return s;
}

// Owners of `rows` by the scan and by `cache` (both under `dir`); "" when they agree.
std::string scan_vs_cache(const std::string& dir, const std::vector<tcp_row>& rows,
                          owner_cache& cache, std::vector<tcp_row>* result = nullptr) {
    std::vector<tcp_row> a = rows, b = rows;
    d::owner_scan_result ra, rb;
    error_info ia, ib;
    if (auto ec = d::map_owner_pids(dir, a, ra, ia)) return "scan: " + ec.message();
    if (auto ec = d::map_owner_pids_cached(dir, b, cache, rb, ib)) return "cache: " + ec.message();
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].pid != b[i].pid || a[i].owner_count != b[i].owner_count)
            return "scan" + describe(a) + " != cache" + describe(b);
    if (ra.unmapped_rows != rb.unmapped_rows) return "unmapped rows differ";
    if (result) *result = b;
    return "";
}

// The row of inode `ino`, or nullptr.
const tcp_row* row_of(const std::vector<tcp_row>& rows, std::uint32_t ino) {
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const tcp_row& r) { return r.inode == ino; });
    return it == rows.end() ? nullptr : &*it;
}

std::string expect_owner(const std::vector<tcp_row>& rows, std::uint32_t ino, std::uint32_t pid,
                         int count) {
    const tcp_row* r = row_of(rows, ino);
    if (!r) return "inode " + std::to_string(ino) + " not in the table";
    if (r->pid != pid || r->owner_count != count)
        return "inode " + std::to_string(ino) + ": pid " + std::to_string(r->pid) + " count " +
               std::to_string(int(r->owner_count)) + ", expected pid " + std::to_string(pid) +
               " count " + std::to_string(count);
    return "";
}

// Runs `body` in a child in a private network namespace, with the BPF path off (the /proc
// path is under test) unless `bpf` is set.
child_result in_private_netns(const std::function<std::string()>& body, bool bpf = false) {
    return run_in_child(
        [&]() -> std::string {
            std::string why = enter_private_netns();
            if (!why.empty()) return "SKIP: " + why;
            d::test_seams::set_owner_bpf_disabled(!bpf);
            return body();
        },
        std::chrono::seconds(90));
}

#define RETURN_IF(msg_expr)                                                                       \
    do {                                                                                          \
        std::string m_ = (msg_expr);                                                              \
        if (!m_.empty()) return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " + m_; \
    } while (0)

// ---- the cache against the scan ---------------------------------------------------------------

TEST(owner_cache, cold_and_warm_give_the_scans_result) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([]() -> std::string {
        // Ours: a listener, connections; a helper shares the listener and holds one socket
        // of its own.
        std::uint16_t port = 0;
        int l = loopback_listener(false, port);
        CHECK_OR_RETURN(l >= 0, "listener");
        helper h = helper::start([](int cmd, int ack) {
            int own = listener_fd();
            (void)own;
            put(ack);
            get(cmd);
        });
        CHECK_OR_RETURN(get(h.ack), "helper did not start");
        std::vector<int> conns;
        for (int i = 0; i < 20; ++i) {
            int c = loopback_connect(false, port);
            CHECK_OR_RETURN(c >= 0, "connect");
            conns.push_back(c);
            int s = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
            CHECK_OR_RETURN(s >= 0, "accept");
            conns.push_back(s);
        }
        std::vector<tcp_row> rows = table_rows();
        CHECK_OR_RETURN(rows.size() >= 42, "table: " + std::to_string(rows.size()) + " rows");
        owner_cache cache(0);
        std::vector<tcp_row> got;
        RETURN_IF(scan_vs_cache("/proc", rows, cache, &got));  // cold
        RETURN_IF(expect_owner(got, inode_of(l), std::uint32_t(std::min(::getpid(), h.pid)), 2));
        RETURN_IF(expect_owner(got, inode_of(conns[0]), std::uint32_t(::getpid()), 1));
        const std::size_t cold_links = cache.stats().links_read;
        for (int i = 0; i < 3; ++i) RETURN_IF(scan_vs_cache("/proc", rows, cache));  // warm
        auto st = cache.stats();
        CHECK_OR_RETURN(st.snapshots == 4 && st.full_passes == 1, "one full pass, three warm");
        CHECK_OR_RETURN(st.rechecks == 0, "no ownerless inode, so no recheck");
        CHECK_OR_RETURN(st.links_read < cold_links, "warm read " + std::to_string(st.links_read) +
                                                        " links, cold " +
                                                        std::to_string(cold_links));
        // Through the public API: owner_source says which path answered.
        snapshot_options o;
        o.owner_pids = true;
        o.owner_cache = std::make_shared<owner_cache>();
        tcp_table t = snapshot(o);
        CHECK_OR_RETURN(t.owner_source == owner_method::proc_cache, "owner_source");
        o.owner_cache.reset();
        CHECK_OR_RETURN(snapshot(o).owner_source == owner_method::proc_scan, "owner_source");
        h.finish();
        return "";
    }));
}

// A full pass every Nth snapshot, and clear(), start over as the scan does.
TEST(owner_cache, periodic_full_pass_and_clear) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([]() -> std::string {
        int l = listener_fd();
        CHECK_OR_RETURN(l >= 0, "listener");
        std::vector<tcp_row> rows = table_rows();
        owner_cache cache(3);
        for (int i = 0; i < 6; ++i) RETURN_IF(scan_vs_cache("/proc", rows, cache));
        CHECK_OR_RETURN(cache.stats().full_passes == 2, "a full pass every 3 snapshots");
        cache.clear();
        CHECK_OR_RETURN(cache.stats().processes == 0, "clear() drops the processes");
        RETURN_IF(scan_vs_cache("/proc", rows, cache));
        CHECK_OR_RETURN(cache.stats().full_passes == 3, "after clear(), a full pass");
        return "";
    }));
}

// ---- what changes between two snapshots -------------------------------------------------------

TEST(owner_cache, a_process_that_exits_is_dropped) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([]() -> std::string {
        int shared = listener_fd();
        CHECK_OR_RETURN(shared >= 0, "listener");
        int own_ino_pipe[2];
        CHECK_OR_RETURN(::pipe(own_ino_pipe) == 0, "pipe");
        helper h = helper::start([&](int cmd, int ack) {
            int own = listener_fd();
            std::uint32_t ino = inode_of(own);
            (void)!::write(own_ino_pipe[1], &ino, sizeof ino);
            put(ack);
            get(cmd);
        });
        std::uint32_t own_ino = 0;
        CHECK_OR_RETURN(get(h.ack), "helper did not start");
        CHECK_OR_RETURN(::read(own_ino_pipe[0], &own_ino, sizeof own_ino) == sizeof own_ino,
                        "helper's inode");
        owner_cache cache(0);
        std::vector<tcp_row> got;
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(
            expect_owner(got, inode_of(shared), std::uint32_t(std::min(::getpid(), h.pid)), 2));
        RETURN_IF(expect_owner(got, own_ino, std::uint32_t(h.pid), 1));
        const pid_t gone = h.pid;
        h.finish();  // it exits; its listener closes
        std::vector<tcp_row> rows = table_rows();
        RETURN_IF(scan_vs_cache("/proc", rows, cache, &got));
        RETURN_IF(expect_owner(got, inode_of(shared), std::uint32_t(::getpid()), 1));
        CHECK_OR_RETURN(!row_of(got, own_ino), "the helper's listener closed with it");
        for (const tcp_row& r : got)
            CHECK_OR_RETURN(r.pid != std::uint32_t(gone), "the exited process still owns a row");
        return "";
    }));
}

// One descriptor and one byte over a Unix socket (SCM_RIGHTS); `fd` is sent, -1 received.
bool pass_fd(int over, int fd, int* received = nullptr) {
    char byte = 'x';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (!received) {
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
        return ::sendmsg(over, &msg, 0) == 1;
    }
    if (::recvmsg(over, &msg, MSG_CMSG_CLOEXEC) != 1) return false;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return false;
    std::memcpy(received, CMSG_DATA(c), sizeof *received);
    return true;
}
int receive_fd(int over) {
    int fd = -1;
    return pass_fd(over, -1, &fd) ? fd : -1;
}

// SCM_RIGHTS: a helper passes its socket to this process, then closes its copy and reuses the
// fd number for a new socket before the next snapshot; the owner becomes the receiver.
TEST(owner_cache, fd_passing_moves_the_owner) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([]() -> std::string {
        int sp[2];
        CHECK_OR_RETURN(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0,
                        "socketpair");
        helper h = helper::start([&](int cmd, int ack) {
            ::close(sp[0]);
            int s = listener_fd();
            if (!pass_fd(sp[1], s)) return;
            put(ack);
            if (!get(cmd)) return;
            // Between two snapshots: closes its copy (the receiver's is the only one left) and
            // reuses the number for a new socket.
            ::close(s);
            int t = listener_fd();
            if (t != s) {  // onto the number just closed
                ::dup2(t, s);
                ::close(t);
                t = s;
            }
            std::uint32_t ino = inode_of(t);
            (void)!::write(sp[1], &ino, sizeof ino);
            (void)!::write(sp[1], &t, sizeof t);
            put(ack);
            get(cmd);
        });
        ::close(sp[1]);
        CHECK_OR_RETURN(get(h.ack), "helper did not send");
        const int received = receive_fd(sp[0]);
        CHECK_OR_RETURN(received >= 0, "no descriptor received");
        const std::uint32_t ino = inode_of(received);
        const auto me = std::uint32_t(::getpid()), them = std::uint32_t(h.pid);

        owner_cache cache(0);
        std::vector<tcp_row> got;
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, ino, std::min(me, them), 2));
        CHECK_OR_RETURN(h.step(), "helper did not close and reopen");
        std::uint32_t new_ino = 0;
        int new_fd = -1;
        CHECK_OR_RETURN(::read(sp[0], &new_ino, sizeof new_ino) == sizeof new_ino &&
                            ::read(sp[0], &new_fd, sizeof new_fd) == sizeof new_fd,
                        "new socket");
        CHECK_OR_RETURN(new_ino != 0, "helper's new socket at fd " + std::to_string(new_fd));
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, ino, me, 1));
        RETURN_IF(expect_owner(got, new_ino, them, 1));
        h.finish();
        return "";
    }));
}

// An fd number closed and given to a new socket between two snapshots, in one process: from
// a table socket (which leaves the table), and from a file that is no socket at all.
TEST(owner_cache, an_fd_number_reused_for_a_new_socket) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([]() -> std::string {
        const auto me = std::uint32_t(::getpid());
        owner_cache cache(0);
        std::vector<tcp_row> got;
        // Socket to socket: the old one closes and leaves the table.
        int a = listener_fd();
        CHECK_OR_RETURN(a >= 0, "listener");
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, inode_of(a), me, 1));
        int b = listener_fd();
        CHECK_OR_RETURN(::dup2(b, a) == a, "dup2");  // a's socket closes; `a` holds b's now
        ::close(b);
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, inode_of(a), me, 1));
        CHECK_OR_RETURN(cache.stats().rechecks == 0, "the number was re-read as its socket left");
        // Not a socket to a socket: only the recheck of ownerless inodes can find it.
        int f = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK_OR_RETURN(f >= 0, "open");
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        const std::uint64_t rechecks = cache.stats().rechecks;
        int c = listener_fd();
        CHECK_OR_RETURN(::dup2(c, f) == f, "dup2");
        ::close(c);
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, inode_of(f), me, 1));
        CHECK_OR_RETURN(cache.stats().rechecks == rechecks + 1, "the new inode was rechecked");
        // The same count over another set of numbers, in a helper (this process's own count
        // moves with the cache's held directories): a hole below a socket, then the socket
        // closed and a new one in the hole. Only listing the numbers again finds it.
        int inodes[2];
        CHECK_OR_RETURN(::pipe(inodes) == 0, "pipe");
        helper h = helper::start([&](int cmd, int ack) {
            std::uint32_t ino[2] = {0, 0};
            int hole = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            int above = listener_fd();
            if (hole < 0 || above != hole + 1) return;
            ::close(hole);
            ino[0] = inode_of(above);
            (void)!::write(inodes[1], &ino[0], sizeof ino[0]);
            put(ack);
            if (!get(cmd)) return;
            ::close(above);
            if (listener_fd() != hole) return;
            ino[1] = inode_of(hole);
            (void)!::write(inodes[1], &ino[1], sizeof ino[1]);
            put(ack);
            get(cmd);
        });
        const auto them = std::uint32_t(h.pid);
        std::uint32_t ino = 0;
        CHECK_OR_RETURN(get(h.ack) && ::read(inodes[0], &ino, sizeof ino) == sizeof ino,
                        "helper: a hole below a socket");
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, ino, them, 1));
        CHECK_OR_RETURN(h.step() && ::read(inodes[0], &ino, sizeof ino) == sizeof ino,
                        "helper: the new socket in the hole");
        RETURN_IF(scan_vs_cache("/proc", table_rows(), cache, &got));
        RETURN_IF(expect_owner(got, ino, them, 1));
        h.finish();
        return "";
    }));
}

// Pid reuse, made certain: in a pid namespace of our own, with its own /proc, a helper holding
// a socket at fd 50 exits and the next helper gets the same pid (ns_last_pid) and a different
// socket at the same fd number, while the first socket stays in the table.
TEST(owner_cache, pid_reuse_is_not_the_same_process) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a pid namespace, ns_last_pid)";
    TCPTABLE_EXPECT_CHILD(in_private_netns([]() -> std::string {
        if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
            return std::string("SKIP: unshare: ") + std::strerror(errno);
        // The next child is pid 1 of the new namespace.
        child_result r = run_in_child(
            []() -> std::string {
                CHECK_OR_RETURN(::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0,
                                "private mounts");
                char dir[] = "/tmp/tcptable-owner-procXXXXXX";
                CHECK_OR_RETURN(::mkdtemp(dir), "mkdtemp");
                CHECK_OR_RETURN(::mount("proc", dir, "proc", 0, nullptr) == 0, "mount proc");
                struct unmount {
                    const char* d;
                    ~unmount() {
                        ::umount2(d, MNT_DETACH);
                        ::rmdir(d);
                    }
                } cleanup{dir};
                auto set_last_pid = [](int pid) {
                    FILE* f = std::fopen("/proc/sys/kernel/ns_last_pid", "w");
                    if (!f) return false;
                    bool ok = std::fprintf(f, "%d", pid) > 0;
                    return std::fclose(f) == 0 && ok;
                };
                constexpr int fd_no = 50;
                int s1 = listener_fd();
                CHECK_OR_RETURN(s1 >= 0 && ::dup2(s1, fd_no) == fd_no, "s1");
                CHECK_OR_RETURN(set_last_pid(99), "ns_last_pid");
                helper a = helper::start([](int cmd, int ack) {
                    put(ack);
                    get(cmd);
                });
                CHECK_OR_RETURN(a.pid > 0 && get(a.ack), "helper a");
                ::close(fd_no);
                // Pids as this namespace's /proc shows them.
                std::vector<tcp_row> rows = table_rows();
                owner_cache cache(0);
                std::vector<tcp_row> got;
                RETURN_IF(scan_vs_cache(dir, rows, cache, &got));
                RETURN_IF(expect_owner(got, inode_of(s1), 1, 2));  // us (pid 1) and a
                CHECK_OR_RETURN(std::uint32_t(a.pid) == 100, "a is " + std::to_string(a.pid));
                a.finish();
                int s2 = listener_fd();
                CHECK_OR_RETURN(s2 >= 0 && ::dup2(s2, fd_no) == fd_no, "s2");
                ::close(s2);
                CHECK_OR_RETURN(set_last_pid(99), "ns_last_pid");
                helper b = helper::start([s1](int cmd, int ack) {
                    ::close(s1);  // b holds s2 at fd 50, nothing else of ours
                    put(ack);
                    get(cmd);
                });
                CHECK_OR_RETURN(b.pid == 100, "b is " + std::to_string(b.pid));
                CHECK_OR_RETURN(get(b.ack), "helper b");
                const std::uint32_t ino2 = inode_of(fd_no);
                ::close(fd_no);
                RETURN_IF(scan_vs_cache(dir, table_rows(), cache, &got));
                RETURN_IF(expect_owner(got, inode_of(s1), 1, 1));
                RETURN_IF(expect_owner(got, ino2, 100, 1));
                b.finish();
                return "";
            },
            std::chrono::seconds(60));
        if (r.skipped) return "SKIP: " + r.message;
        return r.ok ? "" : r.message;
    }));
}

// ---- unprivileged, concurrent ------------------------------------------------------------------

TEST(owner_cache, as_nobody_the_scan_and_cache_work_without_bpf) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
    TCPTABLE_EXPECT_CHILD(in_private_netns(
        []() -> std::string {
            if (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0)
                return std::string("SKIP: setuid: ") + std::strerror(errno);
            CHECK_OR_RETURN(!d::owner_bpf_available(), "BPF must be refused to nobody");
            int l = listener_fd();
            CHECK_OR_RETURN(l >= 0, "listener");
            snapshot_options o;
            o.owner_pids = true;
            o.owner_cache = std::make_shared<owner_cache>();
            for (int i = 0; i < 2; ++i) {
                std::error_code ec;
                tcp_table t = snapshot(o, ec);
                CHECK_OR_RETURN(!ec, ec.message());
                CHECK_OR_RETURN(t.owner_source == owner_method::proc_cache, "owner_source");
                CHECK_OR_RETURN(t.unreadable_processes > 0, "pid 1 is root's: unreadable");
                RETURN_IF(expect_owner(t.release(), inode_of(l), std::uint32_t(::getpid()), 1));
            }
            owner_cache cache(0);
            std::vector<tcp_row> rows = table_rows();
            for (int i = 0; i < 2; ++i) RETURN_IF(scan_vs_cache("/proc", rows, cache));
            return "";
        },
        /*bpf=*/true));
}

// Snapshots on several threads share one cache (the watcher's helper threads do): each takes
// its turn, each gets the scan's answer. Run under TSan by scripts/sanitize.sh.
// Snapshots with owners on several threads: `bpf` shares the loaded iterator, otherwise they
// share one cache (the watcher's helper threads do); each gets the right owner. Run under TSan
// by scripts/sanitize.sh.
std::string owners_on_threads(bool bpf) {
    if (bpf && !d::owner_bpf_available())
        return "SKIP: the BPF iterator is not permitted here (CAP_BPF + CAP_PERFMON)";
    int l = listener_fd();
    CHECK_OR_RETURN(l >= 0, "listener");
    auto cache = std::make_shared<owner_cache>(0);
    std::mutex m;
    std::string failure;
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                snapshot_options o;
                o.owner_pids = true;
                o.owner_cache = cache;
                std::error_code ec;
                tcp_table table = snapshot(o, ec);
                const owner_method want =
                    bpf ? owner_method::bpf_iterator : owner_method::proc_cache;
                std::string why =
                    ec ? ec.message()
                    : table.owner_source != want
                        ? std::string("owners from ") + std::string(to_string(table.owner_source))
                        : expect_owner(table.release(), inode_of(l), std::uint32_t(::getpid()), 1);
                std::lock_guard lock(m);
                if (!why.empty() && failure.empty()) failure = why;
            }
        });
    for (auto& t : threads) t.join();
    if (!bpf) CHECK_OR_RETURN(cache->stats().snapshots == 15, "every snapshot used the cache");
    return failure;
}

TEST(owner_cache, threads_share_one_cache) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([] { return owners_on_threads(false); }));
}

TEST(owner_bpf, threads_share_the_iterator) {
    TCPTABLE_EXPECT_CHILD(in_private_netns([] { return owners_on_threads(true); }, true));
}

// ---- the BPF iterator -----------------------------------------------------------------------

TEST(owner_bpf, gives_the_scans_result) {
    TCPTABLE_EXPECT_CHILD(in_private_netns(
        []() -> std::string {
            if (!d::owner_bpf_available())
                return "SKIP: the BPF iterator is not permitted here (CAP_BPF + CAP_PERFMON)";
            std::uint16_t port = 0;
            int l = loopback_listener(false, port);
            std::uint16_t port6 = 0;
            int l6 = loopback_listener(true, port6);
            CHECK_OR_RETURN(l >= 0 && l6 >= 0, "listeners");
            std::vector<int> keep;
            for (int i = 0; i < 200; ++i) {
                int c = loopback_connect(i % 2 == 1, i % 2 ? port6 : port);
                CHECK_OR_RETURN(c >= 0, "connect");
                keep.push_back(c);
                int s = ::accept4(i % 2 ? l6 : l, nullptr, nullptr, SOCK_CLOEXEC);
                CHECK_OR_RETURN(s >= 0, "accept");
                keep.push_back(s);
            }
            // A helper shares everything (inherited) and a thread of ours shares our table.
            helper h = helper::start([](int cmd, int ack) {
                put(ack);
                get(cmd);
            });
            CHECK_OR_RETURN(get(h.ack), "helper");
            std::vector<tcp_row> rows = table_rows();
            CHECK_OR_RETURN(rows.size() >= 402, "rows: " + std::to_string(rows.size()));
            std::vector<tcp_row> scan = rows, bpf = rows;
            d::owner_scan_result rs, rb;
            error_info info;
            CHECK_OR_RETURN(!d::map_owner_pids("/proc", scan, rs, info), "scan");
            snapshot_options o;
            owner_method method = owner_method::none;
            CHECK_OR_RETURN(!d::resolve_owner_pids(o, "/proc", bpf, rb, method, info), "bpf");
            CHECK_OR_RETURN(method == owner_method::bpf_iterator, "the iterator answered");
            for (std::size_t i = 0; i < rows.size(); ++i)
                CHECK_OR_RETURN(
                    scan[i].pid == bpf[i].pid && scan[i].owner_count == bpf[i].owner_count,
                    "scan" + describe({scan[i]}) + " != bpf" + describe({bpf[i]}));
            CHECK_OR_RETURN(rs.unmapped_rows == rb.unmapped_rows, "unmapped");
            RETURN_IF(
                expect_owner(bpf, inode_of(l), std::uint32_t(std::min(::getpid(), h.pid)), 2));
            // The public path takes it, a cache or not.
            snapshot_options p;
            p.owner_pids = true;
            p.owner_cache = std::make_shared<owner_cache>();
            CHECK_OR_RETURN(snapshot(p).owner_source == owner_method::bpf_iterator,
                            "snapshot() took the iterator");
            h.finish();
            return "";
        },
        /*bpf=*/true));
}

// Which path a process's owner reads take: a first read of a small system the /proc scan (a
// one-shot `tcptable -p` does not pay the iterator's load), the second read the iterator; with
// many open files on the system (here: the threshold at 0), the iterator from the first read.
// Each case a fresh process, so nothing is loaded or counted before it.
TEST(owner_bpf, a_first_read_of_a_small_system_takes_the_scan) {
    TCPTABLE_EXPECT_CHILD(in_private_netns(
        []() -> std::string {
            int l = listener_fd();
            CHECK_OR_RETURN(l >= 0, "listener");
            const auto self = std::uint32_t(::getpid());
            // The listener's owner: this process (the lowest pid; a forked child shares it).
            auto read_owners = [&](owner_method& method, int count = 1) -> std::string {
                snapshot_options o;
                o.owner_pids = true;
                std::error_code ec;
                tcp_table t = snapshot(o, ec);
                if (ec) return "snapshot: " + ec.message();
                method = t.owner_source;
                return expect_owner(t.release(), inode_of(l), self, count);
            };
            struct reset {
                ~reset() {
                    d::test_seams::set_owner_bpf_first_read_files(
                        d::seam_state::owner_bpf_first_read_files_default);
                }
            } r;
            d::test_seams::set_owner_bpf_first_read_files(~std::uint64_t(0));  // "small"
            owner_method first = owner_method::none, second = owner_method::none;
            RETURN_IF(read_owners(first));
            RETURN_IF(read_owners(second));
            const bool permitted = d::owner_bpf_available();  // loads, after the two reads
            CHECK_OR_RETURN(first == owner_method::proc_scan,
                            "first read: " + std::string(to_string(first)));
            CHECK_OR_RETURN(
                second == (permitted ? owner_method::bpf_iterator : owner_method::proc_scan),
                "second read: " + std::string(to_string(second)));
            // A fresh process on a "large" system: the iterator at once, where permitted.
            child_result large = run_in_child([&]() -> std::string {
                d::test_seams::set_owner_bpf_first_read_files(0);
                owner_method m = owner_method::none;
                RETURN_IF(read_owners(m, 2));
                CHECK_OR_RETURN(
                    m == (permitted ? owner_method::bpf_iterator : owner_method::proc_scan),
                    "first read, many files: " + std::string(to_string(m)));
                return "";
            });
            CHECK_OR_RETURN(large.ok, large.message);
            return permitted ? ""
                             : "SKIP: the BPF iterator is not permitted here (the scan "
                               "answered every read, as it should)";
        },
        /*bpf=*/true));
}

}  // namespace
}  // namespace tcptable::testing
