// SPDX-License-Identifier: MIT
// Snapshots in hostile environments: /proc missing, incomplete or unreadable, netlink refused,
// proc mounted with hidepid=2, other users' descriptors unreadable. Each must end in a clear
// error (naming the file or call) or a partial result that says what it could not see, never a
// crash or a silent wrong table. The parts that change identity or mounts run in a forked child
// (support/child_process.hpp); they skip with a reason where the host does not allow them.
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <tcptable/tcptable.hpp>

#include "linux/sockstat.hpp"
#include "linux/test_seams.hpp"
#include "support/child_process.hpp"
#include "support/netns_helpers.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;
namespace fs = std::filesystem;

constexpr uid_t nobody = 65534;

const std::string v4_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";
const std::string v4_listen_row =
    "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "4242 1 0000000000000000 100 0 0 10 0\n";

// A temporary proc-like directory, readable by everyone (the unprivileged children read it).
class crafted_root {
  public:
    crafted_root() {
        char t[] = "/tmp/tcptable-badenv-XXXXXX";
        if (::mkdtemp(t) == nullptr) throw std::runtime_error("mkdtemp");
        path_ = t;
        ::chmod(t, 0755);
    }
    ~crafted_root() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    void write(const std::string& relative, const std::string& text, mode_t mode = 0644) {
        fs::create_directories((path_ / relative).parent_path());
        ::chmod((path_ / relative).parent_path().c_str(), 0755);
        std::ofstream(path_ / relative) << text;
        ::chmod((path_ / relative).c_str(), mode);
    }
    // A FIFO at `relative`, with no writer: an open() or read() of it without O_NONBLOCK
    // blocks for ever.
    void fifo(const std::string& relative) {
        fs::create_directories((path_ / relative).parent_path());
        fs::remove(path_ / relative);
        if (::mkfifo((path_ / relative).c_str(), 0644) != 0) throw std::runtime_error("mkfifo");
    }
    void symlink(const std::string& relative, const std::string& target) {
        fs::create_directories((path_ / relative).parent_path());
        fs::remove(path_ / relative);
        fs::create_symlink(target, path_ / relative);
    }
    std::string str() const { return path_.string(); }

  private:
    fs::path path_;
};

snapshot_options at(const std::string& root, address_family family = address_family::both) {
    snapshot_options o;
    o.proc_root = root;
    o.family = family;
    return o;
}

// Becomes user and group 65534 (nobody), with no supplementary groups. "" or why not.
std::string become_nobody() {
    if (::setgroups(0, nullptr) != 0) return std::string("setgroups: ") + std::strerror(errno);
    if (::setgid(nobody) != 0) return std::string("setgid: ") + std::strerror(errno);
    if (::setuid(nobody) != 0) return std::string("setuid: ") + std::strerror(errno);
    return "";
}

// --- /proc missing or incomplete. ------------------------------------------------------------

TEST(bad_env, missing_proc_root_names_the_file) {
    for (auto b : {backend_kind::automatic, backend_kind::procfs}) {
        auto o = at("/nonexistent/tcptable-proc");
        o.backend = b;
        std::error_code ec;
        error_info info;
        tcp_table t = snapshot(o, ec, &info);
        EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
        EXPECT_EQ(ec.category(), std::system_category());
        EXPECT_EQ(info.file, "/nonexistent/tcptable-proc/net/tcp");
        EXPECT_NE(info.message.find("cannot open"), std::string::npos) << info.message;
        EXPECT_TRUE(t.empty());
        try {
            snapshot(o);
            ADD_FAILURE() << "no exception";
        } catch (const std::system_error& e) {
            EXPECT_NE(std::string(e.what()).find("/nonexistent/tcptable-proc/net/tcp"),
                      std::string::npos)
                << e.what();
        }
    }
    statistics_options so;
    so.proc_root = "/nonexistent/tcptable-proc";
    std::error_code ec;
    error_info info;
    statistics(so, ec, &info);
    EXPECT_TRUE(ec);
    EXPECT_NE(info.file.find("/nonexistent/tcptable-proc/net/"), std::string::npos) << info.file;
}

// An empty proc root would read /net/tcp: refused.
TEST(bad_env, empty_proc_root_is_invalid_argument) {
    for (const std::string& netns : {std::string(), std::to_string(::getpid())}) {
        auto o = at("");
        o.netns = netns;
        o.backend = backend_kind::procfs;
        std::error_code ec;
        error_info info;
        snapshot(o, ec, &info);
        EXPECT_EQ(ec, errc::invalid_argument) << netns;
        EXPECT_NE(info.message.find("empty proc root"), std::string::npos) << info.message;
        statistics_options so;
        so.proc_root = "";
        so.netns = netns;
        statistics(so, ec, &info);
        EXPECT_EQ(ec, errc::invalid_argument) << netns;
        EXPECT_NE(info.message.find("empty proc root"), std::string::npos) << info.message;
    }
}

TEST(bad_env, tcp6_missing_is_an_empty_ipv6_part_unless_asked_alone) {
    crafted_root root;
    root.write("net/tcp", v4_header + v4_listen_row);
    std::error_code ec;
    error_info info;
    tcp_table t = snapshot(at(root.str()), ec, &info);
    ASSERT_FALSE(ec) << info.to_string();
    EXPECT_EQ(t.size(), 1u);
    snapshot(at(root.str(), address_family::ipv6), ec, &info);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_EQ(info.file, root.str() + "/net/tcp6");
}

TEST(bad_env, empty_and_truncated_files_are_parse_errors_with_a_line) {
    crafted_root root;
    root.write("net/tcp", "");
    std::error_code ec;
    error_info info;
    snapshot(at(root.str(), address_family::ipv4), ec, &info);
    EXPECT_EQ(ec, errc::parse_error);
    EXPECT_EQ(info.file, root.str() + "/net/tcp");
    EXPECT_NE(info.message.find("empty"), std::string::npos) << info.message;

    root.write("net/tcp", v4_header + v4_listen_row.substr(0, 40));
    snapshot(at(root.str(), address_family::ipv4), ec, &info);
    EXPECT_EQ(ec, errc::parse_error);
    EXPECT_EQ(info.line, 2u);
}

TEST(bad_env, proc_root_that_is_a_file_or_has_a_directory_for_tcp) {
    crafted_root root;
    root.write("file", "x");
    std::error_code ec;
    error_info info;
    snapshot(at(root.str() + "/file"), ec, &info);
    EXPECT_EQ(ec, std::errc::not_a_directory);
    fs::create_directories(root.str() + "/dir/net/tcp");
    snapshot(at(root.str() + "/dir"), ec, &info);
    EXPECT_EQ(ec, std::errc::is_a_directory);
    EXPECT_EQ(info.file, root.str() + "/dir/net/tcp");
}

// --- Files that are not regular files. ------------------------------------------------------
// A FIFO where a /proc file belongs blocks open() until a writer comes, and read() after it; no
// /proc table is a FIFO, a device or a socket. Each is refused at once, naming the path. Each
// case runs in a child under a watchdog, so a regression fails instead of hanging the suite.

constexpr auto non_regular_limit = std::chrono::seconds(10);

// "" when `ec`/`info` refuse `file` as not a regular file (`kind`), else what differs.
std::string refused_as(const std::error_code& ec, const error_info& info, const std::string& file,
                       const std::string& kind) {
    if (ec != errc::invalid_argument) return "error '" + ec.message() + "'";
    if (info.file != file) return "file '" + info.file + "'";
    if (info.message != "not a regular file (" + kind + ")")
        return "message '" + info.message + "'";
    return "";
}

TEST(bad_env, fifo_as_tcp_or_tcp6_is_refused_not_waited_on) {
    for (const std::string name : {"net/tcp", "net/tcp6"}) {
        SCOPED_TRACE(name);
        crafted_root root;
        root.write("net/tcp", v4_header + v4_listen_row);
        root.fifo(name);
        const std::string dir = root.str();
        TCPTABLE_EXPECT_CHILD(run_in_child(
            [&]() -> std::string {
                std::error_code ec;
                error_info info;
                tcp_table t = snapshot(at(dir), ec, &info);
                if (!t.empty()) return "rows returned with the error";
                return refused_as(ec, info, dir + "/" + name, "a FIFO");
            },
            non_regular_limit));
    }
}

TEST(bad_env, fifo_as_snmp_is_refused_not_waited_on) {
    crafted_root root;
    root.write("net/tcp", v4_header + v4_listen_row);
    root.fifo("net/snmp");
    const std::string dir = root.str();
    TCPTABLE_EXPECT_CHILD(run_in_child(
        [&]() -> std::string {
            statistics_options so;
            so.proc_root = dir;
            std::error_code ec;
            error_info info;
            statistics(so, ec, &info);
            return refused_as(ec, info, dir + "/net/snmp", "a FIFO");
        },
        non_regular_limit));
}

// sockstat only sizes the row vector: a FIFO there is no estimate, quickly.
TEST(bad_env, fifo_as_sockstat_gives_no_estimate_not_a_hang) {
    crafted_root root;
    root.fifo("net/sockstat");
    root.fifo("net/sockstat6");
    const std::string dir = root.str();
    TCPTABLE_EXPECT_CHILD(run_in_child(
        [&]() -> std::string {
            std::size_t n = detail::estimate_tcp_rows(dir);
            return n == 0 ? "" : "estimate " + std::to_string(n);
        },
        non_regular_limit));
}

TEST(bad_env, device_or_socket_as_tcp_is_refused) {
    crafted_root root;
    const std::string dir = root.str();
    // /dev/zero would feed zeros for ever (the line limit stops that too); it is refused first.
    root.symlink("net/tcp", "/dev/zero");
    TCPTABLE_EXPECT_CHILD(run_in_child(
        [&]() -> std::string {
            std::error_code ec;
            error_info info;
            snapshot(at(dir, address_family::ipv4), ec, &info);
            return refused_as(ec, info, dir + "/net/tcp", "a character device");
        },
        non_regular_limit));
    // A socket file cannot be opened at all (ENXIO); the error names it.
    fs::remove(dir + "/net/tcp");
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(s, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string sock = dir + "/net/tcp";
    ASSERT_LT(sock.size(), sizeof addr.sun_path);
    std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
        << std::strerror(errno);
    std::error_code ec;
    error_info info;
    snapshot(at(dir, address_family::ipv4), ec, &info);
    ::close(s);
    EXPECT_EQ(ec, std::errc::no_such_device_or_address);
    EXPECT_EQ(info.file, sock);
}

// --- Unreadable files: as root, permission bits do not stop reads, so an unprivileged child.

TEST(bad_env, unreadable_proc_file_is_permission_denied_naming_it) {
    crafted_root root;
    root.write("net/tcp", v4_header + v4_listen_row, 0000);
    root.write("net/tcp6", "", 0644);
    const std::string dir = root.str();
    TCPTABLE_EXPECT_CHILD(run_in_child([&]() -> std::string {
        if (::geteuid() == 0) {
            if (auto why = become_nobody(); !why.empty()) return "SKIP: cannot drop root: " + why;
        }
        std::error_code ec;
        error_info info;
        tcp_table t = snapshot(at(dir), ec, &info);
        if (ec != std::errc::permission_denied) return "error " + ec.message();
        if (info.file != dir + "/net/tcp") return "file " + info.file;
        if (!t.empty()) return "rows returned with the error";
        return "";
    }));
}

// --- Netlink refused. -------------------------------------------------------------------------

TEST(bad_env, netlink_refused_fails_netlink_and_auto_falls_back) {
    namespace seams = detail::test_seams;
    for (int err : {EPERM, EACCES, EPROTONOSUPPORT}) {
        SCOPED_TRACE(err);
        seams::set_netlink_refusal(err);
        seams::forget_default_backend();
        snapshot_options o;
        o.backend = backend_kind::netlink;
        std::error_code ec;
        error_info info;
        snapshot(o, ec, &info);
        EXPECT_EQ(ec.value(), err);
        EXPECT_FALSE(info.message.empty());
        o.backend = backend_kind::automatic;
        tcp_table t = snapshot(o, ec, &info);
        EXPECT_FALSE(ec) << info.to_string();
        EXPECT_EQ(default_backend(), backend_kind::procfs);
        // Statistics count rows through the same fallback.
        std::error_code sec;
        statistics({}, sec);
        EXPECT_FALSE(sec) << sec.message();
    }
    seams::set_netlink_refusal(0);
    seams::forget_default_backend();
}

// --- Owner pids without full sight of the processes. ---------------------------------------

// Other users' fd directories are closed to an unprivileged process: their rows stay without an
// owner and are counted, the processes too, and the caller's own socket still maps.
TEST(bad_env, unprivileged_owner_scan_flags_what_it_cannot_read) {
    std::uint16_t port = 0;
    int root_listener = loopback_listener(false, port);  // held by root (this process)
    ASSERT_GE(root_listener, 0);
    const std::uint32_t root_inode = socket_inode(root_listener);
    auto result = run_in_child([&]() -> std::string {
        // The child's copy would make it an owner; the parent's stays open.
        ::close(root_listener);
        if (::geteuid() != 0) return "SKIP: not root: no other user's process to be denied";
        if (auto why = become_nobody(); !why.empty()) return "SKIP: cannot drop root: " + why;
        std::uint16_t mine_port = 0;
        int mine = loopback_listener(false, mine_port);
        if (mine < 0) return "listen as nobody failed";
        snapshot_options o;
        o.owner_pids = true;
        std::error_code ec;
        error_info info;
        tcp_table t = snapshot(o, ec, &info);
        ::close(mine);
        if (ec) return "snapshot failed: " + ec.message() + " " + info.to_string();
        if (t.unreadable_processes == 0) return "no process counted as unreadable";
        if (t.unmapped_owner_rows == 0) return "no row counted as unmapped";
        bool saw_root_row = false, saw_mine = false;
        for (const auto& r : t) {
            if (r.inode == root_inode) {
                saw_root_row = true;
                if (r.pid != 0) return "root's socket mapped to pid " + std::to_string(r.pid);
            }
            if (r.local_port == mine_port && r.state == tcp_state::listen) {
                saw_mine = true;
                if (r.pid != static_cast<std::uint32_t>(::getpid()))
                    return "own socket mapped to pid " + std::to_string(r.pid);
            }
        }
        if (!saw_root_row || !saw_mine) return "rows missing";
        return "unreadable=" + std::to_string(t.unreadable_processes) +
               " unmapped=" + std::to_string(t.unmapped_owner_rows);
    });
    ::close(root_listener);
    if (result.skipped) GTEST_SKIP() << result.message;
    EXPECT_EQ(result.message.rfind("unreadable=", 0), 0u) << result.message;
    std::printf("as nobody: %s\n", result.message.c_str());
}

// proc mounted with hidepid=2 (a private mount namespace of a child): other users' processes
// are invisible, not unreadable. The snapshot succeeds; their rows come back unmapped.
TEST(bad_env, hidepid_mount_gives_unmapped_rows_not_an_error) {
    std::uint16_t port = 0;
    int root_listener = loopback_listener(false, port);
    ASSERT_GE(root_listener, 0);
    const std::uint32_t root_inode = socket_inode(root_listener);
    auto result = run_in_child([&]() -> std::string {
        ::close(root_listener);
        if (::unshare(CLONE_NEWNS) != 0)
            return std::string("SKIP: unshare(CLONE_NEWNS): ") + std::strerror(errno);
        // Private: nothing mounted here propagates back to the host's mount table.
        if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            return std::string("SKIP: making / private: ") + std::strerror(errno);
        char dir[] = "/tmp/tcptable-hidepid-XXXXXX";
        if (::mkdtemp(dir) == nullptr) return "mkdtemp failed";
        ::chmod(dir, 0755);
        if (::mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") != 0) {
            std::string why = std::strerror(errno);
            ::rmdir(dir);
            return "SKIP: mount -t proc -o hidepid=2: " + why;
        }
        // The unprivileged part in a grandchild, so this child can unmount afterwards.
        auto inner = run_in_child([&]() -> std::string {
            if (auto why = become_nobody(); !why.empty()) return "SKIP: cannot drop root: " + why;
            snapshot_options o;
            o.proc_root = dir;
            o.owner_pids = true;
            std::error_code ec;
            error_info info;
            tcp_table t = snapshot(o, ec, &info);
            if (ec) return "snapshot failed: " + ec.message() + " " + info.to_string();
            bool saw = false;
            for (const auto& r : t)
                if (r.inode == root_inode) {
                    saw = true;
                    if (r.pid != 0) return "hidden owner mapped to " + std::to_string(r.pid);
                }
            if (!saw) return "root's listener missing from the table";
            if (t.unmapped_owner_rows == 0) return "no unmapped rows counted";
            return "";
        });
        ::umount2(dir, MNT_DETACH);
        ::rmdir(dir);
        if (inner.skipped) return "SKIP: " + inner.message;
        return inner.ok ? "" : inner.message;
    });
    ::close(root_listener);
    TCPTABLE_EXPECT_CHILD(result);
}

}  // namespace
