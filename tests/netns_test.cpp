// SPDX-License-Identifier: MIT
// Tables of other network namespaces. The namespace is made by a thread of this test, which
// holds the only sockets in it and closes them itself; nothing of the machine's is touched.
// Before Asio: Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <utility>

#include "support/child_process.hpp"
#include "support/loopback.hpp"
#include "support/netns_helpers.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;

// A thread living in a network namespace of its own, with a listener on 127.0.0.1 and one on
// ::1, until destroyed.
class namespace_thread {
  public:
    namespace_thread() {
        std::promise<void> ready;
        auto ready_future = ready.get_future();
        worker_ = std::thread([this, &ready] {
            tid_ = static_cast<pid_t>(::syscall(SYS_gettid));
            if (::unshare(CLONE_NEWNET) != 0) {
                error_ = "unshare(CLONE_NEWNET): " + std::string(std::strerror(errno));
            } else if (int err = bring_loopback_up()) {
                error_ = "bringing lo up: " + std::string(std::strerror(err));
            } else {
                fd4_ = loopback_listener(false, port4_);
                fd6_ = loopback_listener(true, port6_);
                if (fd4_ < 0 || fd6_ < 0) error_ = "listen: " + std::string(std::strerror(errno));
                inode4_ = socket_inode(fd4_);
            }
            ready.set_value();
            stop_.get_future().wait();
            if (fd4_ >= 0) ::close(fd4_);
            if (fd6_ >= 0) ::close(fd6_);
        });
        // Bounded: the thread either sets up or fails within this time.
        if (ready_future.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
            error_ = "namespace thread did not start";
    }
    ~namespace_thread() {
        stop_.set_value();
        worker_.join();
    }

    const std::string& error() const { return error_; }
    std::string pid() const { return std::to_string(tid_); }
    std::string path() const { return "/proc/self/task/" + std::to_string(tid_) + "/ns/net"; }
    std::uint16_t port4() const { return port4_; }
    std::uint16_t port6() const { return port6_; }
    std::uint32_t inode4() const { return inode4_; }

  private:
    std::thread worker_;
    std::promise<void> stop_;
    std::string error_;
    pid_t tid_ = 0;
    int fd4_ = -1, fd6_ = -1;
    std::uint16_t port4_ = 0, port6_ = 0;
    std::uint32_t inode4_ = 0;
};

bool has_listener(const tcp_table& t, const ip_address& a, std::uint16_t port) {
    for (const auto& r : t)
        if (r.local_address == a && r.local_port == port && r.state == tcp_state::listen)
            return true;
    return false;
}

snapshot_options in(const std::string& netns, backend_kind b) {
    snapshot_options o;
    o.netns = netns;
    o.backend = b;
    return o;
}

TEST(netns, listener_is_listed_in_its_namespace_only) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a network namespace (unshare)";
    namespace_thread ns;
    if (!ns.error().empty()) GTEST_SKIP() << "cannot make a network namespace: " << ns.error();

    for (auto b : {backend_kind::netlink, backend_kind::procfs, backend_kind::automatic}) {
        for (const auto& name : {ns.pid(), ns.path()}) {
            SCOPED_TRACE(std::string(to_string(b)) + " " + name);
            std::error_code ec;
            error_info info;
            auto t = snapshot(in(name, b), ec, &info);
            ASSERT_FALSE(ec) << ec.message() << ": " << info.to_string();
            // The namespace holds the two listeners and nothing else.
            EXPECT_EQ(t.size(), 2u);
            EXPECT_TRUE(has_listener(t, ip_address::v4_loopback(), ns.port4()));
            EXPECT_TRUE(has_listener(t, ip_address::v6_loopback(), ns.port6()));
        }
    }
    // Not in the host's table: no row there has the namespace listener's socket inode.
    for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
        auto host = snapshot(in("", b));
        for (const auto& r : host) EXPECT_NE(r.inode, ns.inode4()) << to_string(b);
    }
}

TEST(netns, own_namespace_by_pid_equals_default) {
    // /proc/<own pid> names this process's namespace: the listener is there.
    asio::io_context io;
    listener l(io, asio::ip::address_v4::loopback());
    for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
        std::error_code ec;
        error_info info;
        auto t = snapshot(in(std::to_string(::getpid()), b), ec, &info);
        ASSERT_FALSE(ec) << info.to_string();
        EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint()))) << to_string(b);
    }
}

TEST(netns, missing_pid_is_enoent_naming_the_file) {
    for (auto b : {backend_kind::netlink, backend_kind::procfs, backend_kind::automatic}) {
        std::error_code ec;
        error_info info;
        auto t = snapshot(in("999999999", b), ec, &info);
        EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << to_string(b);
        EXPECT_NE(info.file.find("/proc/999999999/"), std::string::npos)
            << to_string(b) << ": " << info.to_string();
        EXPECT_TRUE(t.empty());
    }
}

TEST(netns, missing_path_is_enoent_naming_the_file) {
    for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
        std::error_code ec;
        error_info info;
        snapshot(in("/run/netns/tcptable-no-such-namespace", b), ec, &info);
        EXPECT_EQ(ec, std::errc::no_such_file_or_directory) << to_string(b);
        EXPECT_EQ(info.file, "/run/netns/tcptable-no-such-namespace") << to_string(b);
    }
}

TEST(netns, file_that_is_not_a_namespace_is_refused) {
    if (::geteuid() != 0) GTEST_SKIP() << "setns reports EPERM before EINVAL without root";
    for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
        std::error_code ec;
        error_info info;
        snapshot(in("/proc/self/ns/uts", b), ec, &info);
        EXPECT_EQ(ec, std::errc::invalid_argument) << to_string(b);
        EXPECT_EQ(info.file, "/proc/self/ns/uts") << to_string(b);
    }
}

// A directory of the test's own, removed with what it holds.
class scratch_dir {
  public:
    scratch_dir() {
        char t[] = "/tmp/tcptable-netns-XXXXXX";
        if (::mkdtemp(t) == nullptr) throw std::runtime_error("mkdtemp");
        path_ = t;
    }
    ~scratch_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& str() const { return path_; }

  private:
    std::string path_;
};

// A FIFO given as the namespace would block open() until a writer came; it, and anything else
// that is not a regular file (namespace files stat as regular, empty), is refused before setns,
// naming the path. In a child under a watchdog: a regression fails, it does not hang.
TEST(netns, fifo_as_the_namespace_path_is_refused_not_waited_on) {
    scratch_dir dir;
    const std::string fifo = dir.str() + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    TCPTABLE_EXPECT_CHILD(run_in_child(
        [&]() -> std::string {
            const std::string want = "not a network namespace file (a FIFO)";
            for (auto b : {backend_kind::netlink, backend_kind::procfs, backend_kind::automatic}) {
                std::error_code ec;
                error_info info;
                snapshot(in(fifo, b), ec, &info);
                std::string where = std::string(to_string(b)) + ": ";
                if (ec != errc::invalid_argument) return where + "error " + ec.message();
                if (info.file != fifo) return where + "file " + info.file;
                if (info.message != want) return where + "message " + info.message;
            }
            statistics_options so;
            so.netns = fifo;
            std::error_code ec;
            error_info info;
            statistics(so, ec, &info);
            if (ec != errc::invalid_argument || info.file != fifo || info.message != want)
                return "statistics: " + ec.message() + " " + info.to_string();
            // A directory likewise.
            snapshot(in(dir.str(), backend_kind::procfs), ec, &info);
            if (ec != errc::invalid_argument ||
                info.message != "not a network namespace file (a directory)")
                return "directory: " + ec.message() + " " + info.to_string();
            return "";
        },
        std::chrono::seconds(10)));
}

// A regular file that is no namespace gets as far as setns, which refuses it: EINVAL with
// CAP_SYS_ADMIN, EPERM without. Either way the error names the file.
TEST(netns, regular_file_as_the_namespace_path_names_it) {
    scratch_dir dir;
    const std::string file = dir.str() + "/not-a-namespace";
    { std::ofstream(file) << "x\n"; }
    for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
        std::error_code ec;
        error_info info;
        snapshot(in(file, b), ec, &info);
        EXPECT_TRUE(ec == std::errc::invalid_argument || ec == std::errc::operation_not_permitted)
            << to_string(b) << ": " << ec.message();
        EXPECT_EQ(info.file, file) << to_string(b);
        if (::geteuid() == 0) {
            EXPECT_EQ(info.message, "not a network namespace (setns: Invalid argument)")
                << to_string(b);
        }
    }
}

TEST(netns, malformed_pid_is_invalid_argument) {
    for (const char* bad : {"0", "00", "12345678901"}) {
        std::error_code ec;
        error_info info;
        snapshot(in(bad, backend_kind::netlink), ec, &info);
        EXPECT_EQ(ec, errc::invalid_argument) << bad;
        snapshot(in(bad, backend_kind::procfs), ec, &info);
        EXPECT_EQ(ec, errc::invalid_argument) << bad;
    }
}

}  // namespace
