// SPDX-License-Identifier: MIT
// Every network namespace at once (snapshot_all_namespaces, --all-netns). The named namespaces
// are made by this test (`ip netns add` with names of its own) and deleted at the end; the
// listeners in them are this test's and closed by it.
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/wait.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#ifdef TCPTABLE_CLI
#include <nlohmann/json.hpp>
#endif
#include <set>
#include <string>
#include <tcptable/namespaces.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "linux/cgroup.hpp"
#include "linux/test_seams.hpp"
#include "support/child_process.hpp"
#include "support/netns_helpers.hpp"
#include "support/shared_executable.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;
using detail::unit_from_cgroup;

// ---- Parsing captured /proc/<pid>/cgroup files.

TEST(cgroup, docker_systemd_driver_v2) {
    EXPECT_EQ(unit_from_cgroup("0::/system.slice/docker-"
                               "3f4e1b2c9d8a7f6e5d4c3b2a19080706f5e4d3c2b1a09f8e7d6c5b4a39281706."
                               "scope\n"),
              "docker:3f4e1b2c9d8a");
}

TEST(cgroup, docker_cgroupfs_driver_v1_lines) {
    const char* file =
        "12:pids:/docker/a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90\n"
        "11:memory:/docker/a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90\n"
        "1:name=systemd:/docker/a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90\n";
    EXPECT_EQ(unit_from_cgroup(file), "docker:a1b2c3d4e5f6");
}

TEST(cgroup, containerd_and_crio_under_kubepods) {
    EXPECT_EQ(unit_from_cgroup("0::/kubepods.slice/kubepods-besteffort.slice/"
                               "kubepods-besteffort-pod0d5c3b9a_1111_2222_3333_444455556666.slice/"
                               "cri-containerd-"
                               "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d."
                               "scope\n"),
              "containerd:9e8d7c6b5a4f");
    EXPECT_EQ(unit_from_cgroup("0::/kubepods.slice/kubepods-pod1.slice/crio-"
                               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef."
                               "scope\n"),
              "crio:0123456789ab");
    EXPECT_EQ(
        unit_from_cgroup("0::/k8s.io/"
                         "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n"),
        "containerd:fedcba987654");
}

TEST(cgroup, podman_rootful_rootless_and_its_monitor) {
    const std::string id = "5566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344";
    EXPECT_EQ(unit_from_cgroup("0::/machine.slice/libpod-" + id + ".scope\n"),
              "podman:5566778899aa");
    EXPECT_EQ(unit_from_cgroup("0::/user.slice/user-1000.slice/user@1000.service/user.slice/"
                               "libpod-" +
                               id + ".scope/container\n"),
              "podman:5566778899aa");
    EXPECT_EQ(unit_from_cgroup("0::/libpod_parent/libpod-" + id + "\n"), "podman:5566778899aa");
    // conmon watches the container from outside it: not the container, and no service either.
    EXPECT_EQ(unit_from_cgroup("0::/machine.slice/libpod-conmon-" + id + ".scope\n"), "");
}

TEST(cgroup, systemd_services_and_nothing_recognised) {
    EXPECT_EQ(unit_from_cgroup("0::/system.slice/nginx.service\n"), "systemd:nginx.service");
    // The deepest service: a user's unit under the user manager.
    EXPECT_EQ(unit_from_cgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
                               "foo.service\n"),
              "systemd:foo.service");
    // A container's own services come second to the container.
    EXPECT_EQ(unit_from_cgroup("0::/system.slice/docker-"
                               "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff."
                               "scope/system.slice/cron.service\n"),
              "docker:001122334455");
    // v1 with the systemd hierarchy named: that line is read, not the first one.
    EXPECT_EQ(unit_from_cgroup("3:cpu,cpuacct:/\n1:name=systemd:/system.slice/ssh.service\n"),
              "systemd:ssh.service");
    EXPECT_EQ(unit_from_cgroup("0::/init.scope\n"), "");
    EXPECT_EQ(unit_from_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n"), "");
    EXPECT_EQ(unit_from_cgroup("0::/lxc.payload.web1\n"), "lxc:web1");
    // Malformed or empty: nothing, never a crash.
    EXPECT_EQ(unit_from_cgroup(""), "");
    EXPECT_EQ(unit_from_cgroup("garbage\n::\n0::relative/path\n"), "");
    EXPECT_EQ(unit_from_cgroup("0::/docker/not-hex-at-all-but-long-enough\n"), "");
    EXPECT_EQ(unit_from_cgroup("0::/docker/abc\n"), "");  // too short for an id
    EXPECT_EQ(unit_from_cgroup("0::/system.slice/.service\n"), "");
}

// ---- Live namespaces.

int run_command(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

// A namespace made with `ip netns add`, deleted (if still there) when destroyed.
class named_netns {
  public:
    explicit named_netns(const std::string& tag)
        : name_("tcptable-test-" + std::to_string(::getpid()) + "-" + tag) {
        ok_ = run_command("ip netns add " + name_) == 0;
    }
    ~named_netns() { remove(); }
    named_netns(const named_netns&) = delete;
    named_netns& operator=(const named_netns&) = delete;
    void remove() {
        if (ok_) run_command("ip netns delete " + name_);
        ok_ = false;
    }
    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }
    std::string path() const { return "/run/netns/" + name_; }

  private:
    std::string name_;
    bool ok_ = false;
};

// A thread that joins a namespace, brings lo up and listens on 127.0.0.1:port (0: any) until
// destroyed. The socket stays in that namespace whatever thread holds it.
class listener_in {
  public:
    listener_in(const std::string& ns_path, std::uint16_t port) {
        std::thread([&] {
            int nsfd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
            if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
                error_ = "setns " + ns_path + ": " + std::strerror(errno);
            } else if (int err = bring_loopback_up()) {
                error_ = std::string("lo up: ") + std::strerror(err);
            } else {
                fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_in a{};
                a.sin_family = AF_INET;
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                a.sin_port = htons(port);
                socklen_t len = sizeof a;
                if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
                    ::listen(fd_, 16) != 0 ||
                    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
                    error_ = std::string("listen: ") + std::strerror(errno);
                port_ = ntohs(a.sin_port);
                inode_ = socket_inode(fd_);
            }
            if (nsfd >= 0) ::close(nsfd);
        }).join();
    }
    ~listener_in() {
        if (fd_ >= 0) ::close(fd_);
    }
    listener_in(const listener_in&) = delete;
    listener_in& operator=(const listener_in&) = delete;
    const std::string& error() const { return error_; }
    std::uint16_t port() const { return port_; }
    std::uint32_t inode() const { return inode_; }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::uint32_t inode_ = 0;
    std::string error_;
};

const namespace_table* find(const all_namespaces& all, const std::string& name) {
    for (const auto& ns : all.namespaces)
        if (ns.name == name) return &ns;
    return nullptr;
}

const tcp_row* listener_row(const tcp_table& t, std::uint16_t port) {
    for (const auto& r : t)
        if (r.state == tcp_state::listen && r.local_port == port &&
            r.local_address == ip_address::v4_loopback())
            return &r;
    return nullptr;
}

std::uint64_t ns_inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

#define NEEDS_ROOT_AND_IP(...)                                           \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for ip netns add"; \
    if (run_command("ip netns list") != 0) GTEST_SKIP() << "no ip(8) here (iproute2)";

TEST(all_netns, two_named_namespaces_with_the_same_port_and_the_host) {
    NEEDS_ROOT_AND_IP();
    named_netns a("a"), b("b");
    ASSERT_TRUE(a.ok() && b.ok()) << "ip netns add failed";
    listener_in la(a.path(), 0);
    ASSERT_EQ(la.error(), "");
    listener_in lb(b.path(), la.port());  // the same port: another namespace, no conflict
    ASSERT_EQ(lb.error(), "");

    for (auto backend : {backend_kind::automatic, backend_kind::netlink, backend_kind::procfs}) {
        SCOPED_TRACE(std::string(to_string(backend)));
        snapshot_options o;
        o.backend = backend;
        o.owner_pids = true;
        std::error_code ec;
        error_info info;
        all_namespaces all = snapshot_all_namespaces(o, ec, &info);
        ASSERT_FALSE(ec) << ec.message() << ": " << info.to_string();

        // The caller's namespace first, then the named ones.
        ASSERT_FALSE(all.namespaces.empty());
        EXPECT_TRUE(all.namespaces.front().own);
        EXPECT_EQ(all.namespaces.front().inode, ns_inode("/proc/thread-self/ns/net"));
        std::set<std::uint64_t> inodes;
        for (const auto& ns : all.namespaces) EXPECT_TRUE(inodes.insert(ns.inode).second);

        for (const auto* pair : {&a, &b}) {
            const named_netns& n = *pair;
            const listener_in& l = pair == &a ? la : lb;
            const namespace_table* ns = find(all, n.name());
            ASSERT_NE(ns, nullptr) << n.name() << " not listed";
            EXPECT_EQ(ns->inode, ns_inode(n.path()));
            EXPECT_EQ(ns->pid, 0u);  // no process is in it
            EXPECT_FALSE(ns->own);
            // Its one row: our listener, its inode, and this process as owner (one /proc pass
            // over every namespace).
            ASSERT_EQ(ns->table.size(), 1u);
            const tcp_row* r = listener_row(ns->table, la.port());
            ASSERT_NE(r, nullptr);
            EXPECT_EQ(r->inode, l.inode());
            EXPECT_EQ(r->pid, static_cast<std::uint32_t>(::getpid()));
        }
        // Not in the host's table.
        for (const auto& r : all.namespaces.front().table) {
            EXPECT_NE(r.inode, la.inode());
            EXPECT_NE(r.inode, lb.inode());
        }
    }
}

#ifdef TCPTABLE_CLI  // the CLI's tests, where it is built
TEST(all_netns, cli_tags_rows_with_their_namespace) {
    NEEDS_ROOT_AND_IP();
    named_netns a("cli-a"), b("cli-b");
    ASSERT_TRUE(a.ok() && b.ok());
    listener_in la(a.path(), 0);
    ASSERT_EQ(la.error(), "");
    listener_in lb(b.path(), la.port());
    ASSERT_EQ(lb.error(), "");

    std::string out;
    {
        FILE* p = ::popen((std::string(TCPTABLE_CLI) + " --all-netns --json -p").c_str(), "r");
        ASSERT_NE(p, nullptr);
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        ASSERT_EQ(::pclose(p), 0) << out;
    }
    auto rows = nlohmann::json::parse(out);
    ASSERT_TRUE(rows.is_array());
    std::map<std::string, int> ours;
    std::set<std::string> names;
    for (const auto& r : rows) {
        ASSERT_TRUE(r.contains("netns") && r.contains("netns_inode")) << r.dump();
        names.insert(r["netns"].get<std::string>());
        if (r["local_port"] == la.port() && r["state"] == "LISTEN" &&
            r["local_address"] == "127.0.0.1") {
            ours[r["netns"].get<std::string>()]++;
            EXPECT_EQ(r["pid"], ::getpid());
            const auto& n = r["netns"] == a.name() ? a : b;
            EXPECT_EQ(r["netns_inode"].get<std::uint64_t>(), ns_inode(n.path()));
        }
    }
    EXPECT_EQ(ours[a.name()], 1);
    EXPECT_EQ(ours[b.name()], 1);
    // The host's namespace is listed too (this process's, by its lowest pid or its name).
    EXPECT_GE(names.size(), 1u);

    // Text groups by namespace: one heading per namespace, ours among them.
    std::string text;
    {
        FILE* p = ::popen((std::string(TCPTABLE_CLI) + " --all-netns").c_str(), "r");
        ASSERT_NE(p, nullptr);
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
        ASSERT_EQ(::pclose(p), 0);
    }
    EXPECT_NE(text.find("netns " + a.name() + " (inode "), std::string::npos) << text;
    EXPECT_NE(text.find("netns " + b.name() + " (inode "), std::string::npos) << text;
    EXPECT_NE(text.find(", ours): "), std::string::npos) << text;
}
#endif

std::string deleted_name;  // the namespace the seam deletes
bool seam_ran = false;
void delete_between_discovery_and_read() {
    seam_ran = true;
    run_command("ip netns delete " + deleted_name);
}

TEST(all_netns, a_namespace_deleted_mid_scan_is_skipped_and_counted) {
    NEEDS_ROOT_AND_IP();
    named_netns keep("keep"), gone("gone");
    ASSERT_TRUE(keep.ok() && gone.ok());
    deleted_name = gone.name();
    seam_ran = false;
    detail::test_seams::set_after_netns_discovery(&delete_between_discovery_and_read);
    std::error_code ec;
    error_info info;
    all_namespaces all = snapshot_all_namespaces({}, ec, &info);
    detail::test_seams::set_after_netns_discovery(nullptr);
    gone.remove();  // already gone: nothing more to do
    ASSERT_FALSE(ec) << ec.message() << ": " << info.to_string();
    ASSERT_TRUE(seam_ran);
    EXPECT_GE(all.vanished, 1u);
    EXPECT_EQ(find(all, gone.name()), nullptr);
    EXPECT_NE(find(all, keep.name()), nullptr);
    for (const auto& n : all.unreadable_names) EXPECT_NE(n, gone.name());
}

// The namespaces are read several at a time; what comes back is what reading them one after
// another gives: every namespace of this test with exactly its own listener, in the same order,
// with the same names, inodes and rows, on each backend and with owners.
TEST(all_netns, reading_namespaces_at_once_gives_what_one_after_another_gives) {
    NEEDS_ROOT_AND_IP();
    constexpr int count = 12;  // more than the default number of readers on a small machine
    std::vector<std::unique_ptr<named_netns>> made;
    std::vector<std::unique_ptr<listener_in>> listeners;
    for (int i = 0; i < count; ++i) {
        made.push_back(std::make_unique<named_netns>("par" + std::to_string(i)));
        ASSERT_TRUE(made.back()->ok()) << "ip netns add failed";
        listeners.push_back(std::make_unique<listener_in>(made.back()->path(), 0));
        ASSERT_EQ(listeners.back()->error(), "");
    }
    struct reset_workers {
        ~reset_workers() { detail::test_seams::set_netns_read_workers(0); }
    } reset;
    // This test's part of a result: its namespaces in the order listed, with their rows.
    auto ours = [&](const all_namespaces& all) {
        std::vector<std::tuple<std::string, std::uint64_t, std::vector<tcp_row>>> out;
        for (const auto& ns : all.namespaces)
            for (const auto& m : made)
                if (ns.name == m->name())
                    out.emplace_back(ns.name, ns.inode,
                                     std::vector<tcp_row>(ns.table.begin(), ns.table.end()));
        return out;
    };
    for (auto backend : {backend_kind::automatic, backend_kind::procfs}) {
        for (bool owners : {false, true}) {
            SCOPED_TRACE(std::string(to_string(backend)) + (owners ? " -p" : ""));
            snapshot_options o;
            o.backend = backend;
            o.owner_pids = owners;
            std::map<int, all_namespaces> by_workers;
            for (int workers : {1, 4, 8}) {
                detail::test_seams::set_netns_read_workers(workers);
                std::error_code ec;
                error_info info;
                by_workers[workers] = snapshot_all_namespaces(o, ec, &info);
                ASSERT_FALSE(ec) << workers << ": " << ec.message() << ": " << info.to_string();
            }
            const auto serial = ours(by_workers[1]);
            ASSERT_EQ(serial.size(), std::size_t(count));
            for (int i = 0; i < count; ++i) {
                // Named namespaces are listed by name: par0, par1, par10, par11, par2, ...
                const auto& [name, inode, rows] = serial[std::size_t(i)];
                auto it = std::find_if(made.begin(), made.end(),
                                       [&](const auto& m) { return m->name() == name; });
                ASSERT_NE(it, made.end());
                const listener_in& l = *listeners[std::size_t(it - made.begin())];
                EXPECT_EQ(inode, ns_inode((*it)->path())) << name;
                ASSERT_EQ(rows.size(), 1u) << name;
                EXPECT_EQ(rows[0].inode, l.inode()) << name;
                EXPECT_EQ(rows[0].local_port, l.port()) << name;
                EXPECT_EQ(rows[0].pid, owners ? std::uint32_t(::getpid()) : 0u) << name;
                if (i > 0) {
                    EXPECT_LT(std::get<0>(serial[std::size_t(i) - 1]), name);
                }
            }
            for (int workers : {4, 8}) {
                EXPECT_EQ(ours(by_workers[workers]), serial) << workers << " readers";
                // The caller's namespace first, whatever finished first.
                ASSERT_FALSE(by_workers[workers].namespaces.empty());
                EXPECT_TRUE(by_workers[workers].namespaces.front().own);
            }
        }
    }
}

TEST(all_netns, unprivileged_user_gets_its_own_namespace_and_a_counted_warning) {
    NEEDS_ROOT_AND_IP();
    named_netns a("priv-a"), b("priv-b");
    ASSERT_TRUE(a.ok() && b.ok());
    const std::string na = a.name(), nb = b.name();
#ifdef TCPTABLE_CLI
    const shared_executable cli(TCPTABLE_CLI);
    ASSERT_NE(cli.path(), "") << cli.error();
#endif
    auto r = run_in_child([&]() -> std::string {
        // nobody: no capability, no access to /run/netns/* (mode 0) or others' processes.
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
            return std::string("SKIP: cannot become nobody: ") + std::strerror(errno);
        std::error_code ec;
        error_info info;
        all_namespaces all = snapshot_all_namespaces({}, ec, &info);
        if (ec) return "error for the whole call: " + ec.message() + ": " + info.to_string();
        if (all.namespaces.empty() || !all.namespaces.front().own)
            return "its own namespace is not listed first";
        std::set<std::string> names(all.unreadable_names.begin(), all.unreadable_names.end());
        if (!names.count(na) || !names.count(nb))
            return "the test's namespaces are not named as unreadable (" +
                   std::to_string(all.unreadable) + " unreadable)";
        if (all.unreadable != all.unreadable_names.size()) return "count and names disagree";
        for (const auto& ns : all.namespaces)
            if (ns.name == na || ns.name == nb) return "read a namespace nobody may not read";
#ifdef TCPTABLE_CLI
        // The CLI: exit 0, the table, and one warning naming them.
        std::string cmd = cli.path() + " --all-netns 2>&1 >/dev/null";
        FILE* p = ::popen(cmd.c_str(), "r");
        if (!p) return "popen failed";
        std::string err;
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) err.append(buf, n);
        int rc = ::pclose(p);
        if (rc != 0) return "CLI failed: " + err;
        if (err.find("not readable (not allowed)") == std::string::npos ||
            err.find(na) == std::string::npos)
            return "no warning naming them: " + err;
#endif
        return "";
    });
    if (r.skipped) GTEST_SKIP() << r.message;
    EXPECT_TRUE(r.ok) << r.message;
}

TEST(all_netns, options_naming_one_namespace_are_refused) {
    snapshot_options o;
    o.netns = "1";
    std::error_code ec;
    snapshot_all_namespaces(o, ec);
    EXPECT_EQ(ec, make_error_code(errc::invalid_argument));
    o.netns.clear();
    o.proc_root = "/tmp";
    snapshot_all_namespaces(o, ec);
    EXPECT_EQ(ec, make_error_code(errc::invalid_argument));
    EXPECT_THROW(snapshot_all_namespaces(o), std::system_error);
}

#ifdef TCPTABLE_CLI
TEST(all_netns, cli_usage_errors_exit_2_with_one_line) {
    for (const char* args :
         {"--all-netns --netns 1", "--all-netns --stats", "--all-netns --count",
          "--all-netns --watch", "--metric-names node", "--textfile /nonexistent/x.prom --json",
          "--textfile /nonexistent/x.prom --format table", "--textfile=",
          "--metric-names bogus --format prometheus", "serve --textfile /nonexistent/x"}) {
        SCOPED_TRACE(args);
        std::string cmd = std::string(TCPTABLE_CLI) + " " + args + " 2>&1 >/dev/null";
        FILE* p = ::popen(cmd.c_str(), "r");
        ASSERT_NE(p, nullptr);
        std::string err;
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) err.append(buf, n);
        int rc = ::pclose(p);
        EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 2) << rc << " " << err;
        EXPECT_TRUE(err.starts_with("tcptable: ")) << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    }
}
#endif

}  // namespace
