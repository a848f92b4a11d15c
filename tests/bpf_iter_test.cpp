// SPDX-License-Identifier: MIT
// The bpf backend (backend_kind::bpf, an iter/tcp program) against netlink, on live tables in
// private network namespaces: the caller's own (>= 10 000 rows of every kind the tests can make:
// listeners, ESTABLISHED pairs in both families and IPv4-mapped IPv6, TIME-WAIT, FIN-WAIT-2
// orphans and CLOSE-WAIT peers, SYN-RECEIVED request sockets, sockets of another uid) and one
// given by path. Whole sorted rows are compared, inode, uid and cookie included: netlink is read
// first (it gives every socket its cookie), then bpf, then netlink again, which must equal the
// first (a quiet table). Then: the state and family filters, snapshot_each's batches, owner
// pids, automatic's choice, and the unprivileged refusal (as nobody, in a child).
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <tcptable/tcptable.hpp>
#include <thread>
#include <vector>

#include "linux/bpf/bpf_iter_backend.hpp"
#include "support/child_process.hpp"
#include "support/netns_helpers.hpp"
#include "support/private_netns.hpp"
#include "support/shared_executable.hpp"

namespace tcptable {
namespace {

namespace seams = detail::test_seams;
using testing::run_in_child;

constexpr uid_t nobody = 65534;

std::string describe(const tcp_row& r) {
    return r.local_address.to_string() + ":" + std::to_string(r.local_port) + " " +
           r.remote_address.to_string() + ":" + std::to_string(r.remote_port) + " " +
           std::string(to_string(r.state)) + " uid " + std::to_string(r.uid) + " inode " +
           std::to_string(r.inode) + " cookie " + std::to_string(r.cookie) + " pid " +
           std::to_string(r.pid);
}

// "" when equal, else the first difference.
std::string compare_tables(const std::vector<tcp_row>& want, const std::vector<tcp_row>& got,
                           const std::string& what) {
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i)
        if (!(want[i] == got[i]))
            return what + ": row " + std::to_string(i) + " differs: netlink " + describe(want[i]) +
                   " / bpf " + describe(got[i]);
    if (want.size() != got.size())
        return what + ": netlink has " + std::to_string(want.size()) + " rows, bpf " +
               std::to_string(got.size());
    return "";
}

snapshot_options with(backend_kind b, const std::string& netns = "") {
    snapshot_options o;
    o.backend = b;
    o.netns = netns;
    return o;
}

// Why bpf cannot run in this process ("" when it can), for a skip message.
std::string bpf_unavailable() {
    std::error_code ec;
    error_info info;
    snapshot_options o = with(backend_kind::bpf);
    o.states = state_set::listening();
    snapshot(o, ec, &info);
    if (!ec) return "";
    return ec.message() + ": " + info.to_string();
}

// A listener for the big table: a deep backlog.
int listen_on(int family, const void* addr, std::uint16_t& port, int backlog = 4096,
              int defer_accept = 0) {
    return testing::listen_at(family, addr, port, backlog, defer_accept);
}
using testing::connect_at;

const in_addr v4_loopback{htonl(INADDR_LOOPBACK)};
const in6_addr v6_loopback = IN6ADDR_LOOPBACK_INIT;
const in6_addr v6_any = IN6ADDR_ANY_INIT;
in6_addr v4_mapped_loopback() {
    in6_addr a{};
    a.s6_addr[10] = 0xff;
    a.s6_addr[11] = 0xff;
    std::memcpy(&a.s6_addr[12], &v4_loopback, 4);
    return a;
}

// How many of each kind a table holds (scaled by `pairs`).
struct table_plan {
    int pairs = 0;        // ESTABLISHED pairs, spread over IPv4, IPv6 and IPv4-mapped IPv6
    int time_wait = 0;    // TIME-WAIT rows (the client closed first, then the server)
    int half_closed = 0;  // FIN-WAIT-2 orphans (kept as time-wait socks) and CLOSE-WAIT peers
    int syn_recv = 0;     // request sockets held by TCP_DEFER_ACCEPT listeners, per family
    int other_uid = 0;    // pairs whose sockets were made as uid 65534
};

// Builds the table in the calling thread's namespace; descriptors stay open in `fds`.
std::string build_table(const table_plan& plan, std::vector<int>& fds) {
    auto keep = [&](int fd) {
        if (fd >= 0) fds.push_back(fd);
        return fd;
    };
    std::uint16_t p4 = 0, p6 = 0, pdual = 0;
    if (keep(listen_on(AF_INET, &v4_loopback, p4)) < 0) return "listen 127.0.0.1 failed";
    if (keep(listen_on(AF_INET6, &v6_loopback, p6)) < 0) return "listen ::1 failed";
    if (keep(listen_on(AF_INET6, &v6_any, pdual)) < 0) return "listen [::] failed";
    const int l4 = fds[fds.size() - 3], l6 = fds[fds.size() - 2], ldual = fds.back();
    const in6_addr mapped = v4_mapped_loopback();

    // One connection of kind k (0: IPv4, 1: IPv6, 2: IPv4-mapped), accepted; both fds returned.
    auto pair = [&](int k, int& client, int& server) -> std::string {
        const int lfd = k == 0 ? l4 : k == 1 ? l6 : ldual;
        client = k == 0   ? connect_at(AF_INET, &v4_loopback, p4)
                 : k == 1 ? connect_at(AF_INET6, &v6_loopback, p6)
                          : connect_at(AF_INET6, &mapped, pdual);
        if (client < 0) return std::string("connect: ") + std::strerror(errno);
        server = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (server < 0) return std::string("accept: ") + std::strerror(errno);
        return "";
    };
    for (int i = 0; i < plan.pairs; ++i) {
        int c, s;
        if (auto e = pair(i % 3, c, s); !e.empty()) return e;
        keep(c);
        keep(s);
    }
    // Sockets of another user: made with the effective uid 65534 (sk_uid is the creator's).
    if (plan.other_uid > 0) {
        if (::setresgid(-1, nobody, -1) != 0 || ::setresuid(-1, nobody, -1) != 0)
            return std::string("seteuid(nobody): ") + std::strerror(errno);
        std::uint16_t pn = 0;
        const int ln = keep(listen_on(AF_INET, &v4_loopback, pn));
        std::string err = ln < 0 ? "listen as nobody failed" : "";
        for (int i = 0; err.empty() && i < plan.other_uid; ++i) {
            int c = keep(connect_at(AF_INET, &v4_loopback, pn));
            int s = keep(::accept4(ln, nullptr, nullptr, SOCK_CLOEXEC));
            if (c < 0 || s < 0) err = "a connection as nobody failed";
        }
        if (::setresuid(-1, 0, -1) != 0 || ::setresgid(-1, 0, -1) != 0)
            return "cannot become root again";
        if (!err.empty()) return err;
    }
    for (int i = 0; i < plan.time_wait; ++i) {
        int c, s;
        if (auto e = pair(i % 2, c, s); !e.empty()) return e;
        ::close(c);  // the client closes first and ends in TIME-WAIT
        ::close(s);
    }
    for (int i = 0; i < plan.half_closed; ++i) {
        int c, s;
        if (auto e = pair(i % 2, c, s); !e.empty()) return e;
        ::close(c);  // FIN-WAIT-2 (an orphan, kept as a time-wait sock); the server CLOSE-WAIT
        keep(s);
    }
    // Request sockets: the listener drops the handshake's bare ACK (TCP_DEFER_ACCEPT), so the
    // request sock stays in NEW_SYN_RECV while the client is ESTABLISHED.
    for (int family : {AF_INET, AF_INET6}) {
        if (plan.syn_recv == 0) break;
        std::uint16_t pd = 0;
        const void* addr = family == AF_INET ? static_cast<const void*>(&v4_loopback)
                                             : static_cast<const void*>(&v6_loopback);
        if (keep(listen_on(family, addr, pd, 4096, 60)) < 0) return "listen (defer) failed";
        for (int i = 0; i < plan.syn_recv; ++i)
            if (keep(connect_at(family, addr, pd)) < 0)
                return std::string("connect (defer): ") + std::strerror(errno);
    }
    return "";
}

// Both netlink reads equal (retried while the table settles: closes finish in softirq), and
// bpf's between them equal to them. `got_bpf` gets bpf's table.
std::string differential(const snapshot_options& base, const std::string& what,
                         std::vector<tcp_row>* got_bpf = nullptr) {
    snapshot_options nl = base, bp = base;
    nl.backend = backend_kind::netlink;
    bp.backend = backend_kind::bpf;
    std::string last;
    for (int attempt = 0; attempt < 50; ++attempt) {
        std::error_code ec;
        error_info info;
        auto first = snapshot(nl, ec, &info);
        if (ec) return what + ": netlink: " + ec.message() + " " + info.to_string();
        auto b = snapshot(bp, ec, &info);
        if (ec) return what + ": bpf: " + ec.message() + " " + info.to_string();
        auto second = snapshot(nl, ec, &info);
        if (ec) return what + ": netlink: " + ec.message() + " " + info.to_string();
        if (!std::ranges::equal(first.rows(), second.rows())) {
            last = what + ": the table changed between the netlink reads";
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        std::vector<tcp_row> want(first.begin(), first.end()), got(b.begin(), b.end());
        if (got_bpf) *got_bpf = got;
        return compare_tables(want, got, what);
    }
    return last;
}

std::string raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return "getrlimit failed";
    rl.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) return "setrlimit failed";
    if (rl.rlim_cur < 12000) return "SKIP: RLIMIT_NOFILE hard limit below 12000";
    return "";
}

// The kinds the table must show, in bpf's rows.
std::string check_kinds(const std::vector<tcp_row>& rows, std::size_t at_least) {
    if (rows.size() < at_least)
        return "only " + std::to_string(rows.size()) + " rows (want " + std::to_string(at_least) +
               ")";
    bool mapped = false, v6 = false, v4 = false, other_uid = false;
    int listen = 0, tw = 0, fw2 = 0, cw = 0, synrecv = 0;
    for (const auto& r : rows) {
        if (r.cookie == 0) return "a row without a cookie: " + describe(r);
        if (r.pid != 0 || r.owner_count != 0) return "an owner nobody asked for: " + describe(r);
        const auto& b = r.local_address.bytes();
        if (r.family() == ip_family::ipv6 && b[10] == 0xff && b[11] == 0xff) mapped = true;
        if (r.state == tcp_state::established) (r.family() == ip_family::ipv4 ? v4 : v6) = true;
        if (r.uid == nobody) other_uid = true;
        switch (r.state) {
            case tcp_state::listen:
                ++listen;
                break;
            case tcp_state::time_wait:
                ++tw;
                if (r.inode != 0 || r.uid != 0) return "TIME-WAIT with an owner: " + describe(r);
                break;
            case tcp_state::fin_wait2:
                ++fw2;
                break;
            case tcp_state::close_wait:
                ++cw;
                break;
            case tcp_state::syn_received:
                ++synrecv;
                if (r.inode != 0 || r.uid != 0) return "SYN-RECEIVED with an owner: " + describe(r);
                break;
            case tcp_state::established:
                if (r.inode == 0) return "ESTABLISHED without an inode: " + describe(r);
                break;
            default:
                break;
        }
    }
    if (!mapped || !v4 || !v6 || !other_uid || listen < 3 || tw == 0 || fw2 == 0 || cw == 0 ||
        synrecv == 0)
        return "missing kinds: mapped " + std::to_string(mapped) + " v4 " + std::to_string(v4) +
               " v6 " + std::to_string(v6) + " uid65534 " + std::to_string(other_uid) + " listen " +
               std::to_string(listen) + " tw " + std::to_string(tw) + " fw2 " +
               std::to_string(fw2) + " cw " + std::to_string(cw) + " syn-recv " +
               std::to_string(synrecv);
    return "";
}

// Filters, streaming, owners and automatic, on the table of `netns` ("" = own).
std::string filters_and_paths(const std::string& netns) {
    struct case_ {
        const char* what;
        state_set states;
        address_family family;
    };
    const case_ cases[] = {
        {"ESTABLISHED, IPv6", {tcp_state::established}, address_family::ipv6},
        {"TIME-WAIT + SYN-RECEIVED",
         {tcp_state::time_wait, tcp_state::syn_received},
         address_family::both},
        {"LISTEN, IPv4", state_set::listening(), address_family::ipv4},
        {"FIN-WAIT-2 + CLOSE-WAIT, IPv4",
         {tcp_state::fin_wait2, tcp_state::close_wait},
         address_family::ipv4},
        {"nothing", state_set{}, address_family::both},
    };
    for (const auto& c : cases) {
        snapshot_options o = with(backend_kind::netlink, netns);
        o.states = c.states;
        o.family = c.family;
        if (auto e = differential(o, c.what); !e.empty()) return e;
    }

    // snapshot_each: one batch per read of the iterator (several for a large table).
    std::error_code ec;
    error_info info;
    snapshot_options each = with(backend_kind::bpf, netns);
    each.sorted = false;
    std::vector<tcp_row> streamed;
    std::size_t batches = 0;
    snapshot_each(
        each,
        [&](std::span<const tcp_row> rows) {
            ++batches;
            streamed.insert(streamed.end(), rows.begin(), rows.end());
        },
        ec, &info);
    if (ec) return "snapshot_each: " + ec.message() + " " + info.to_string();
    sort_rows(streamed);
    auto whole = snapshot(with(backend_kind::bpf, netns), ec, &info);
    if (ec) return "bpf: " + ec.message();
    if (auto e = compare_tables(std::vector<tcp_row>(whole.begin(), whole.end()), streamed,
                                "snapshot_each");
        !e.empty())
        return e;
    if (whole.size() > 1000 && batches < 2)
        return "snapshot_each gave " + std::to_string(whole.size()) + " rows in one batch";

    // Owner pids: filled after the read from the rows' inodes, as for netlink.
    snapshot_options owners = with(backend_kind::netlink, netns);
    owners.owner_pids = true;
    if (auto e = differential(owners, "owner pids"); !e.empty()) return e;
    owners.backend = backend_kind::bpf;
    auto owned = snapshot(owners, ec, &info);
    if (ec) return "bpf owner pids: " + ec.message();
    const auto self = static_cast<std::uint32_t>(::getpid());
    if (std::none_of(owned.begin(), owned.end(), [&](const tcp_row& r) { return r.pid == self; }))
        return "no bpf row owned by this process";

    // Metrics are refused, never ignored.
    snapshot_options m = with(backend_kind::bpf, netns);
    m.metrics = true;
    snapshot(m, ec, &info);
    if (ec != errc::not_supported) return "bpf with metrics: " + ec.message();
    return "";
}

class BpfIter : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (BPF, network namespaces)";
        if (auto why = bpf_unavailable(); !why.empty()) GTEST_SKIP() << "no bpf backend: " << why;
    }
};

TEST_F(BpfIter, SameRowsAsNetlinkOnTenThousandRows) {
    TCPTABLE_EXPECT_CHILD(run_in_child(
        []() -> std::string {
            if (auto why = testing::enter_private_netns(); !why.empty()) return "SKIP: " + why;
            if (auto e = raise_fd_limit(); !e.empty()) return e;
            std::vector<int> fds;
            table_plan plan;
            plan.pairs = 4650;
            plan.time_wait = 400;
            plan.half_closed = 150;
            plan.syn_recv = 60;
            plan.other_uid = 20;
            if (auto e = build_table(plan, fds); !e.empty()) return e;
            std::vector<tcp_row> rows;
            if (auto e = differential(with(backend_kind::netlink), "whole table", &rows);
                !e.empty())
                return e;
            if (auto e = check_kinds(rows, 10000); !e.empty()) return e;
            std::printf("bpf = netlink on %zu rows\n", rows.size());
            if (auto e = filters_and_paths(""); !e.empty()) return e;

            // automatic: bpf at or above the threshold (forced to 0 here), netlink below.
            std::error_code ec;
            error_info info;
            seams::set_bpf_auto_threshold(0);
            const auto before = seams::bpf_iter_reads();
            auto a = snapshot(with(backend_kind::automatic), ec, &info);
            if (ec) return "auto: " + ec.message();
            if (seams::bpf_iter_reads() != before + 1) return "auto did not read with bpf";
            if (auto e = compare_tables(rows, std::vector<tcp_row>(a.begin(), a.end()), "auto");
                !e.empty())
                return e;
            seams::set_bpf_auto_threshold(rows.size() + 1000000);
            snapshot(with(backend_kind::automatic), ec, &info);
            if (ec) return "auto: " + ec.message();
            if (seams::bpf_iter_reads() != before + 1) return "auto read with bpf below threshold";
            // A listeners-only read stays on netlink (it skips the established hash).
            seams::set_bpf_auto_threshold(0);
            snapshot_options l = with(backend_kind::automatic);
            l.states = state_set::listening();
            snapshot(l, ec, &info);
            if (seams::bpf_iter_reads() != before + 1) return "auto read listeners with bpf";
            // Nothing loaded yet: the first large read stays on netlink (a one-shot read never
            // pays the load), the second loads and reads with bpf.
            seams::forget_bpf_iter();
            seams::set_bpf_auto_threshold(0);
            snapshot(with(backend_kind::automatic), ec, &info);
            if (ec || seams::bpf_iter_reads() != before + 1) return "first auto read used bpf";
            a = snapshot(with(backend_kind::automatic), ec, &info);
            if (ec || seams::bpf_iter_reads() != before + 2) return "second auto read not bpf";
            if (auto e = compare_tables(rows, std::vector<tcp_row>(a.begin(), a.end()), "auto 2");
                !e.empty())
                return e;
            for (int fd : fds) ::close(fd);
            return "";
        },
        std::chrono::seconds(110)));
}

TEST_F(BpfIter, SameRowsAsNetlinkInANamespaceGivenByPath) {
    TCPTABLE_EXPECT_CHILD(run_in_child([]() -> std::string {
        if (auto why = testing::enter_private_netns(); !why.empty()) return "SKIP: " + why;
        if (auto e = raise_fd_limit(); !e.empty()) return e;
        // The table lives in a second namespace, made by a thread; this thread stays outside.
        std::vector<int> fds;
        std::string err;
        int ns_fd = -1;
        std::thread maker([&] {
            if (::unshare(CLONE_NEWNET) != 0) {
                err = std::string("unshare: ") + std::strerror(errno);
                return;
            }
            if (int e = testing::bring_loopback_up(); e != 0) {
                err = std::string("loopback: ") + std::strerror(e);
                return;
            }
            table_plan plan;
            plan.pairs = 600;
            plan.time_wait = 60;
            plan.half_closed = 30;
            plan.syn_recv = 10;
            plan.other_uid = 5;
            err = build_table(plan, fds);
            ns_fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        });
        maker.join();
        if (!err.empty()) return err;
        if (ns_fd < 0) return "cannot open the namespace";
        const std::string path = "/proc/self/fd/" + std::to_string(ns_fd);
        std::vector<tcp_row> rows;
        if (auto e = differential(with(backend_kind::netlink, path), "by path", &rows); !e.empty())
            return e;
        if (auto e = check_kinds(rows, 1200); !e.empty()) return e;
        // This thread's own namespace is empty: the rows came from the one named.
        std::error_code ec;
        auto own = snapshot(with(backend_kind::bpf), ec);
        if (ec || !own.empty()) return "the caller's namespace is not empty under bpf";
        if (auto e = filters_and_paths(path); !e.empty()) return e;
        for (int fd : fds) ::close(fd);
        ::close(ns_fd);
        return "";
    }));
}

// As nobody: an explicit bpf read is not_supported with the reason, automatic is netlink, and
// the CLI exits 2 for --backend bpf. The cached programs are dropped first (they were
// inherited from the parent, which is root).
TEST_F(BpfIter, UnprivilegedIsNotSupportedAndAutomaticIsNetlink) {
    const testing::shared_executable cli(TCPTABLE_CLI);
    ASSERT_NE(cli.path(), "") << cli.error();
    TCPTABLE_EXPECT_CHILD(run_in_child([&]() -> std::string {
        if (auto why = testing::enter_private_netns(); !why.empty()) return "SKIP: " + why;
        std::vector<int> fds;
        table_plan plan;
        plan.pairs = 30;
        plan.time_wait = 5;
        if (auto e = build_table(plan, fds); !e.empty()) return e;
        seams::forget_bpf_iter();
        seams::set_bpf_auto_threshold(0);
        if (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0)
            return std::string("SKIP: cannot become nobody: ") + std::strerror(errno);
        std::error_code ec;
        error_info info;
        const auto before = seams::bpf_iter_reads();
        // Twice: automatic tries the load on its second large read, and falls back silently.
        snapshot(with(backend_kind::automatic), ec, &info);
        if (ec) return "auto as nobody: " + ec.message() + " " + info.to_string();
        auto a = snapshot(with(backend_kind::automatic), ec, &info);
        if (ec) return "auto as nobody: " + ec.message() + " " + info.to_string();
        auto n = snapshot(with(backend_kind::netlink), ec, &info);
        if (ec) return "netlink as nobody: " + ec.message();
        if (seams::bpf_iter_reads() != before) return "auto read with bpf as nobody";
        if (auto e = compare_tables(std::vector<tcp_row>(n.begin(), n.end()),
                                    std::vector<tcp_row>(a.begin(), a.end()), "auto as nobody");
            !e.empty())
            return e;
        // An explicit bpf read says why (the verdict automatic's load attempt left).
        snapshot(with(backend_kind::bpf), ec, &info);
        if (ec != errc::not_supported) return "bpf as nobody: " + ec.message();
        if (info.message.find("CAP_BPF") == std::string::npos)
            return "no reason given: " + info.message;
        // The CLI: a usage error (exit 2) naming the privilege, for one table and for a watch
        // (which stops at its first snapshot; the limit only bounds a regression).
        for (const char* args : {" --backend bpf", " --backend bpf --watch 1 --watch-limit 60"}) {
            std::FILE* p =
                ::popen((cli.path() + args + " 2>&1 >/dev/null; echo \"rc=$?\"").c_str(), "r");
            if (!p) return "popen failed";
            std::string out;
            char buf[512];
            while (std::fgets(buf, sizeof buf, p)) out += buf;
            ::pclose(p);
            if (out.find("rc=2") == std::string::npos || out.find("CAP_BPF") == std::string::npos)
                return std::string("tcptable") + args + " as nobody: " + out;
        }
        return "";
    }));
}

TEST(BpfIterName, IsBpf) { EXPECT_EQ(to_string(backend_kind::bpf), "bpf"); }

}  // namespace
}  // namespace tcptable
