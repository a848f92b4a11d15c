// SPDX-License-Identifier: MIT
// The UDP table on real sockets: a child process in a network namespace of its own opens UDP
// sockets on loopback (bound, connected, wildcard; both families; one shared with a second
// process) and checks snapshot_udp() on every Linux backend, and `tcptable -u -p --json`,
// against what `ss -uanpH` shows in the same namespace.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tcptable/udp.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "support/child_process.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;

// One UDP socket as a row shows it: endpoints, lowest owner pid, how many owners.
struct seen {
    ip_address local;
    std::uint16_t local_port = 0;
    ip_address remote;
    std::uint16_t remote_port = 0;
    std::uint32_t pid = 0;
    std::size_t owners = 0;

    auto key() const { return std::tie(local, local_port, remote, remote_port, pid, owners); }
    bool operator<(const seen& o) const { return key() < o.key(); }
    bool operator==(const seen& o) const { return key() == o.key(); }
};

std::string describe(const std::vector<seen>& rows) {
    std::string s;
    for (const auto& r : rows)
        s += "  " + r.local.to_string() + ":" + std::to_string(r.local_port) + " " +
             r.remote.to_string() + ":" + std::to_string(r.remote_port) +
             " pid=" + std::to_string(r.pid) + " owners=" + std::to_string(r.owners) + "\n";
    return s;
}

// The output of a command, or nullopt-like empty with ok = false.
bool run_command(const std::string& cmd, std::string& out) {
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return false;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    return ::pclose(p) == 0;
}

// An ss endpoint ("127.0.0.1:53", "[::1]:53", "*:53", "0.0.0.0:*") into an address and port.
// ss prints "*" for an IPv6 wildcard that also takes IPv4 (not IPV6_V6ONLY).
bool parse_ss_endpoint(std::string text, ip_address& a, std::uint16_t& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = text.substr(0, colon), p = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host == "*") host = "::";
    auto parsed = ip_address::parse(host);
    if (!parsed) return false;
    a = *parsed;
    port = p == "*" ? 0 : static_cast<std::uint16_t>(std::stoul(p));
    return true;
}

// `ss -uanpH` as rows; `error` says what went wrong.
std::vector<seen> ss_rows(std::string& error) {
    std::string out;
    if (!run_command("ss -uanpH 2>&1", out)) {
        error = "ss -uanpH failed: " + out;
        return {};
    }
    std::vector<seen> rows;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream w(line);
        std::string state, rq, sq, local, peer, users;
        if (!(w >> state >> rq >> sq >> local >> peer)) {
            error = "unexpected ss line: " + line;
            return {};
        }
        std::getline(w, users);
        seen r;
        if (!parse_ss_endpoint(local, r.local, r.local_port) ||
            !parse_ss_endpoint(peer, r.remote, r.remote_port)) {
            error = "unexpected ss endpoints: " + line;
            return {};
        }
        // ss prints a wildcard peer of an IPv6 socket as "[::]" or "*", of IPv4 as "0.0.0.0".
        if (r.remote.is_unspecified() && r.local.is_v6()) r.remote = ip_address::v6({});
        for (std::size_t at = users.find("pid="); at != std::string::npos;
             at = users.find("pid=", at + 4)) {
            auto pid = static_cast<std::uint32_t>(std::stoul(users.substr(at + 4)));
            if (r.owners == 0 || pid < r.pid) r.pid = pid;
            ++r.owners;
        }
        rows.push_back(r);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

std::vector<seen> table_rows(const udp_table& t) {
    std::vector<seen> rows;
    for (const udp_row& r : t)
        rows.push_back(
            {r.local_address, r.local_port, r.remote_address, r.remote_port, r.pid, r.owner_count});
    std::sort(rows.begin(), rows.end());
    return rows;
}

// A UDP socket bound to `addr` (port 0: the kernel picks), connected to `peer` when given.
int udp_socket(const ip_address& addr, const sockaddr_storage* peer = nullptr, int v6only = -1) {
    const bool v6 = addr.is_v6();
    int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (v6only >= 0) ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        std::memcpy(&a->sin6_addr, addr.bytes().data(), 16);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        std::memcpy(&a->sin_addr, addr.bytes().data(), 4);
        len = sizeof *a;
    }
    if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        (peer && ::connect(s, reinterpret_cast<const sockaddr*>(peer), len) != 0)) {
        ::close(s);
        return -1;
    }
    return s;
}

sockaddr_storage name_of(int s) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len);
    return ss;
}

// The sockets a child opens in its namespace: 4 IPv4, 4 IPv6, every one also held by a
// second process (a forked helper that waits for `release` to close).
struct udp_sockets {
    std::vector<int> fds;
    pid_t helper = -1;
    int release = -1;

    std::string open() {
        auto v4 = ip_address::v4_loopback(), v6 = ip_address::v6_loopback();
        int a4 = udp_socket(v4), a6 = udp_socket(v6);
        if (a4 < 0 || a6 < 0) return std::string("bind: ") + std::strerror(errno);
        sockaddr_storage p4 = name_of(a4), p6 = name_of(a6);
        fds = {a4,
               a6,
               udp_socket(v4, &p4),
               udp_socket(v6, &p6),
               udp_socket(ip_address::v4(0, 0, 0, 0)),
               udp_socket(ip_address::v6({}), nullptr, 0),
               udp_socket(ip_address::v6({}), nullptr, 1),
               udp_socket(v4, &p4)};
        for (int fd : fds)
            if (fd < 0) return std::string("udp socket: ") + std::strerror(errno);
        // A helper process holding every socket too: two owners, the lower pid is ours.
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) return "pipe2";
        int ready[2];
        if (::pipe2(ready, O_CLOEXEC) != 0) return "pipe2";
        helper = ::fork();
        if (helper == 0) {
            ::close(p[1]);
            ::close(ready[0]);
            char c = 'r';
            (void)!::write(ready[1], &c, 1);
            (void)!::read(p[0], &c, 1);  // until the parent closes its end (or exits)
            ::_exit(0);
        }
        ::close(p[0]);
        ::close(ready[1]);
        release = p[1];
        char c;
        bool up = helper > 0 && ::read(ready[0], &c, 1) == 1;
        ::close(ready[0]);
        return up ? "" : "helper did not start";
    }
    ~udp_sockets() {
        if (release >= 0) ::close(release);
        if (helper > 0) {
            int st;
            while (::waitpid(helper, &st, 0) < 0 && errno == EINTR) {
            }
        }
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
};

// Runs `check` in a child in a private namespace, its UDP sockets open.
child_result with_sockets(const std::function<std::string(udp_sockets&)>& check) {
    return run_in_child([&]() -> std::string {
        if (std::string why = enter_private_netns(); !why.empty()) return "SKIP: " + why;
        std::string out;
        if (!run_command("ss -V >/dev/null 2>&1", out)) return "SKIP: ss (iproute2) not found";
        udp_sockets s;
        if (std::string e = s.open(); !e.empty()) return e;
        return check(s);
    });
}

std::string compare(const char* what, const std::vector<seen>& got, const std::vector<seen>& want) {
    if (got == want) return "";
    return std::string(what) + " differs from ss -uanpH\n got:\n" + describe(got) + " ss:\n" +
           describe(want);
}

TEST(udp_live, every_backend_lists_what_ss_shows_with_owners) {
    TCPTABLE_EXPECT_CHILD(with_sockets([](udp_sockets& s) -> std::string {
        std::string error;
        auto want = ss_rows(error);
        if (!error.empty()) return error;
        if (want.size() != s.fds.size())
            return "ss shows " + std::to_string(want.size()) + " sockets, the test opened " +
                   std::to_string(s.fds.size()) + "\n" + describe(want);
        std::set<std::uint32_t> inodes;
        for (int fd : s.fds) inodes.insert(socket_inode(fd));
        for (auto b : {backend_kind::netlink, backend_kind::procfs, backend_kind::automatic}) {
            snapshot_options o;
            o.backend = b;
            o.owner_pids = true;
            std::error_code ec;
            error_info info;
            udp_table t = snapshot_udp(o, ec, &info);
            if (ec) return std::string(to_string(b)) + ": " + ec.message() + " " + info.to_string();
            if (auto d = compare(to_string(b).data(), table_rows(t), want); !d.empty()) return d;
            if (!std::is_sorted(t.begin(), t.end(), udp_row_order{}))
                return std::string(to_string(b)) + ": rows not in the contract's order";
            std::set<std::uint32_t> got;
            for (const udp_row& r : t) {
                got.insert(r.inode);
                if (r.uid != ::geteuid()) return "uid " + std::to_string(r.uid);
                if (r.pid != static_cast<std::uint32_t>(::getpid()) || r.owner_count != 2)
                    return "owner " + std::to_string(r.pid) + " x" + std::to_string(r.owner_count);
            }
            if (got != inodes) return std::string(to_string(b)) + ": inodes differ from fstat's";
            if (t.unmapped_owner_rows != 0) return "unmapped owner rows";
        }
        return "";
    }));
}

TEST(udp_live, family_filter_and_no_owners_unless_asked) {
    TCPTABLE_EXPECT_CHILD(with_sockets([](udp_sockets&) -> std::string {
        for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
            snapshot_options o;
            o.backend = b;
            o.family = address_family::ipv4;
            udp_table t4 = snapshot_udp(o);
            o.family = address_family::ipv6;
            udp_table t6 = snapshot_udp(o);
            // 127.0.0.1 bound, two connected to it, the wildcard; ::1, its peer, two wildcards.
            if (t4.size() != 4 || t6.size() != 4)
                return std::string(to_string(b)) + ": " + std::to_string(t4.size()) + " IPv4, " +
                       std::to_string(t6.size()) + " IPv6 rows";
            std::size_t connected = 0;
            for (const udp_row& r : t4) {
                if (!r.local_address.is_v4() || !r.remote_address.is_v4()) return "not IPv4";
                if (r.pid != 0 || r.owner_count != 0) return "an owner nobody asked for";
                connected += r.connected();
            }
            for (const udp_row& r : t6)
                if (!r.local_address.is_v6() || !r.remote_address.is_v6()) return "not IPv6";
            if (connected != 2) return "connected IPv4 rows: " + std::to_string(connected);
        }
        return "";
    }));
}

TEST(udp_live, cli_json_lists_the_udp_sockets_ss_shows) {
    TCPTABLE_EXPECT_CHILD(with_sockets([](udp_sockets&) -> std::string {
        std::string error;
        auto want = ss_rows(error);
        if (!error.empty()) return error;
        for (const char* args :
             {"-u -p --json", "-t -u -p --json", "-u -p --json --backend procfs"}) {
            std::string out;
            if (!run_command(std::string(TCPTABLE_CLI) + " " + args, out))
                return std::string("tcptable ") + args + " failed: " + out;
            auto j = nlohmann::json::parse(out);
            std::vector<seen> got;
            for (const auto& row : j) {
                if (row.at("protocol") != "udp") continue;
                if (row.contains("state")) return "a UDP row with a state key";
                seen r;
                r.local = *ip_address::parse(row.at("local_address").get<std::string>());
                r.local_port = row.at("local_port").get<std::uint16_t>();
                r.remote = *ip_address::parse(row.at("remote_address").get<std::string>());
                r.remote_port = row.at("remote_port").get<std::uint16_t>();
                r.pid = row.value("pid", 0u);
                // The JSON has no owner count; ss's is checked through the library's test.
                got.push_back(r);
            }
            std::sort(got.begin(), got.end());
            std::vector<seen> want_no_count = want;
            for (auto& r : want_no_count) r.owners = 0;
            std::sort(want_no_count.begin(), want_no_count.end());
            if (auto d = compare(args, got, want_no_count); !d.empty()) return d;
        }
        // -u alone prints UDP rows only; -l keeps the unconnected ones.
        std::string out;
        if (!run_command(std::string(TCPTABLE_CLI) + " -u -l --json", out)) return "-u -l failed";
        auto j = nlohmann::json::parse(out);
        std::size_t unconnected = 0;
        for (const auto& r : want) unconnected += r.remote_port == 0;
        if (j.size() != unconnected) return "-u -l: " + std::to_string(j.size()) + " rows";
        for (const auto& row : j)
            if (row.at("protocol") != "udp" || row.at("remote_port") != 0) return "-u -l row";
        return "";
    }));
}

TEST(udp_live, cli_text_prometheus_and_usage_errors) {
    TCPTABLE_EXPECT_CHILD(with_sockets([](udp_sockets&) -> std::string {
        const std::string cli = TCPTABLE_CLI;
        std::string out;
        // 127.0.0.1 bound and the IPv4 wildcard; two connected to the former; ::1 bound and two
        // IPv6 wildcards; one connected to ::1.
        if (!run_command(cli + " -u --format prometheus", out)) return "prometheus failed";
        for (const char* line : {"tcptable_udp_sockets{family=\"ipv4\",connected=\"false\"} 2\n",
                                 "tcptable_udp_sockets{family=\"ipv4\",connected=\"true\"} 2\n",
                                 "tcptable_udp_sockets{family=\"ipv6\",connected=\"false\"} 3\n",
                                 "tcptable_udp_sockets{family=\"ipv6\",connected=\"true\"} 1\n",
                                 "# TYPE tcptable_udp_sockets gauge\n"})
            if (out.find(line) == std::string::npos)
                return "prometheus: no " + std::string(line) + out;
        if (out.find("tcptable_connections") != std::string::npos) return "-u alone printed TCP";
        out.clear();
        if (!run_command(cli + " -t -u --format prometheus", out) ||
            out.find("tcptable_connections") == std::string::npos ||
            out.find("tcptable_udp_sockets") == std::string::npos)
            return "-t -u prometheus: " + out;
        out.clear();
        if (!run_command(cli + " -u", out)) return "text failed";
        std::size_t udp4 = 0, udp6 = 0;
        std::istringstream lines(out);
        std::string line;
        std::getline(lines, line);  // the header
        while (std::getline(lines, line)) {
            udp4 += line.rfind("udp   ", 0) == 0;
            udp6 += line.rfind("udp6  ", 0) == 0;
        }
        if (udp4 != 4 || udp6 != 4) return "text rows: " + out;
        // Usage errors, exit 2.
        for (const char* args : {"-u --state LISTEN", "-u --watch", "-u --stats", "-u --count",
                                 "-u --all-netns serve"}) {
            int rc = std::system((cli + " " + args + " >/dev/null 2>&1").c_str());
            if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 2)
                return std::string("tcptable ") + args + ": exit status " + std::to_string(rc);
        }
        return "";
    }));
}

// snapshot_options::netns: the UDP table of a namespace a thread of this process made, by pid
// and by path, on both backends; none of its sockets is in this namespace's table.
TEST(udp_live, another_namespace_by_pid_and_path) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a network namespace";
    std::promise<void> ready, stop;
    auto ready_future = ready.get_future();
    auto stop_future = stop.get_future();
    std::string error;
    pid_t tid = 0;
    std::uint32_t inode = 0;
    std::uint16_t port = 0;
    std::thread worker([&] {
        tid = static_cast<pid_t>(::syscall(SYS_gettid));
        int fd = -1;
        if (::unshare(CLONE_NEWNET) != 0) {
            error = std::string("unshare: ") + std::strerror(errno);
        } else if (int err = bring_loopback_up()) {
            error = std::string("lo up: ") + std::strerror(err);
        } else {
            fd = udp_socket(ip_address::v4_loopback());
            if (fd < 0) error = "bind";
            inode = socket_inode(fd);
            auto ss = name_of(fd);
            port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
        }
        ready.set_value();
        stop_future.wait();
        if (fd >= 0) ::close(fd);
    });
    struct joiner {
        std::promise<void>& stop;
        std::thread& t;
        ~joiner() {
            stop.set_value();
            t.join();
        }
    } join{stop, worker};
    ASSERT_EQ(ready_future.wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << "namespace thread did not start";
    if (!error.empty()) GTEST_SKIP() << "cannot make a network namespace: " << error;

    for (auto b : {backend_kind::netlink, backend_kind::procfs}) {
        for (const std::string& name :
             {std::to_string(tid), "/proc/self/task/" + std::to_string(tid) + "/ns/net"}) {
            SCOPED_TRACE(std::string(to_string(b)) + " " + name);
            snapshot_options o;
            o.backend = b;
            o.netns = name;
            o.owner_pids = true;
            std::error_code ec;
            error_info info;
            udp_table t = snapshot_udp(o, ec, &info);
            ASSERT_FALSE(ec) << ec.message() << ": " << info.to_string();
            ASSERT_EQ(t.size(), 1u);
            EXPECT_EQ(t[0].inode, inode);
            EXPECT_EQ(t[0].local_port, port);
            EXPECT_EQ(t[0].local_address, ip_address::v4_loopback());
            EXPECT_EQ(t[0].pid, static_cast<std::uint32_t>(::getpid()));
        }
        snapshot_options here;
        here.backend = b;
        for (const udp_row& r : snapshot_udp(here)) EXPECT_NE(r.inode, inode);
    }
}

}  // namespace
