// SPDX-License-Identifier: MIT
#include "estats_metrics.hpp"

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <tcpestats.h>
// clang-format on

#include <cstring>
#include <map>
#include <string>

#include "mib_format.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

using get_v4_fn = decltype(&::GetPerTcpConnectionEStats);
using get_v6_fn = decltype(&::GetPerTcp6ConnectionEStats);

// The two calls, looked up at run time rather than imported: Wine (8.0) does not export them,
// and a program importing them is given a stub that aborts it when called.
struct estats_functions {
    get_v4_fn v4 = nullptr;
    get_v6_fn v6 = nullptr;
    std::string missing;  // why they are not used, when they are not
};

const estats_functions& functions() {
    static const estats_functions f = [] {
        estats_functions out;
        HMODULE iphlpapi = ::GetModuleHandleA("iphlpapi.dll");
        if (!iphlpapi) iphlpapi = ::LoadLibraryA("iphlpapi.dll");
        if (iphlpapi) {
            out.v4 = reinterpret_cast<get_v4_fn>(
                reinterpret_cast<void*>(::GetProcAddress(iphlpapi, "GetPerTcpConnectionEStats")));
            out.v6 = reinterpret_cast<get_v6_fn>(
                reinterpret_cast<void*>(::GetProcAddress(iphlpapi, "GetPerTcp6ConnectionEStats")));
        }
        if (out.v4 && out.v6) return out;
        out.v4 = nullptr;
        out.v6 = nullptr;
        HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
        using wine_version_fn = const char* (*)();
        auto wine = ntdll ? reinterpret_cast<wine_version_fn>(reinterpret_cast<void*>(
                                ::GetProcAddress(ntdll, "wine_get_version")))
                          : nullptr;
        out.missing = std::string(wine ? std::string("Wine ") + wine() : "this system") +
                      " does not implement GetPerTcpConnectionEStats (iphlpapi.dll does not "
                      "export it): every figure is absent";
        return out;
    }();
    return f;
}

// What one class's call gave: the status, and whether collection is on for the connection.
struct estats_call {
    ULONG status = 0;
    bool collecting = false;
};

template <class Rod>
estats_call get_class(const tcp_row& r, TCP_ESTATS_TYPE type, Rod& rod) {
    estats_call out;
    TCP_ESTATS_DATA_RW_v0 rw{};  // every class used here has a one-BOOLEAN Rw
    if (r.family() == ip_family::ipv4) {
        MIB_TCPROW row{};
        row.dwState = static_cast<DWORD>(r.state);
        row.dwLocalAddr = address_to_mib_dword(r.local_address);
        row.dwLocalPort = port_to_mib_dword(r.local_port);
        row.dwRemoteAddr = address_to_mib_dword(r.remote_address);
        row.dwRemotePort = port_to_mib_dword(r.remote_port);
        out.status = functions().v4(&row, type, reinterpret_cast<PUCHAR>(&rw), 0, sizeof rw,
                                    nullptr, 0, 0, reinterpret_cast<PUCHAR>(&rod), 0, sizeof rod);
    } else {
        MIB_TCP6ROW row{};
        row.State = static_cast<MIB_TCP_STATE>(r.state);
        std::memcpy(&row.LocalAddr, r.local_address.bytes().data(), 16);
        row.dwLocalScopeId = r.local_address.scope_id();
        row.dwLocalPort = port_to_mib_dword(r.local_port);
        std::memcpy(&row.RemoteAddr, r.remote_address.bytes().data(), 16);
        row.dwRemoteScopeId = r.remote_address.scope_id();
        row.dwRemotePort = port_to_mib_dword(r.remote_port);
        out.status = functions().v6(&row, type, reinterpret_cast<PUCHAR>(&rw), 0, sizeof rw,
                                    nullptr, 0, 0, reinterpret_cast<PUCHAR>(&rod), 0, sizeof rod);
    }
    out.collecting = out.status == NO_ERROR && rw.EnableCollection;
    return out;
}

}  // namespace

void fill_estats_metrics(const std::vector<tcp_row>& rows, std::vector<tcp_metrics>& metrics,
                         std::string& note) {
    metrics.reserve(metrics.size() + rows.size());
    if (!functions().missing.empty()) {
        metrics.resize(metrics.size() + rows.size());
        note = functions().missing;
        return;
    }
    std::size_t off = 0, asked = 0;
    std::map<ULONG, std::size_t> failures;  // status -> rows
    for (const tcp_row& r : rows) {
        tcp_metrics m;
        // Listeners and TIME-WAIT have no extended statistics.
        if (r.state == tcp_state::listen || r.state == tcp_state::time_wait) {
            metrics.push_back(m);
            continue;
        }
        ++asked;
        TCP_ESTATS_DATA_ROD_v0 data{};
        estats_call d = get_class(r, TcpConnectionEstatsData, data);
        if (d.status != NO_ERROR) {
            ++failures[d.status];
            metrics.push_back(m);
            continue;
        }
        bool any_on = d.collecting;
        if (d.collecting) {
            m.set(tcp_metric::bytes_sent, data.DataBytesOut);
            m.set(tcp_metric::bytes_acked, data.ThruBytesAcked);
            m.set(tcp_metric::bytes_received, data.ThruBytesReceived);
            m.set(tcp_metric::segs_out, data.SegsOut);
            m.set(tcp_metric::segs_in, data.SegsIn);
        }
        TCP_ESTATS_PATH_ROD_v0 path{};
        estats_call p = get_class(r, TcpConnectionEstatsPath, path);
        if (p.collecting) {
            any_on = true;
            m.set(tcp_metric::rtt_us, std::uint64_t(path.SmoothedRtt) * 1000);  // milliseconds
            m.set(tcp_metric::rttvar_us, std::uint64_t(path.RttVar) * 1000);
            if (path.MinRtt != ~ULONG(0))
                m.set(tcp_metric::min_rtt_us, std::uint64_t(path.MinRtt) * 1000);
            m.set(tcp_metric::rto_ms, path.CurRto);
            m.set(tcp_metric::mss, path.CurMss);
            m.set(tcp_metric::total_retrans, path.PktsRetrans);
            m.set(tcp_metric::bytes_retrans, path.BytesRetrans);
            m.set(tcp_metric::rto_retransmits, path.CurTimeoutCount);
        }
        TCP_ESTATS_SND_CONG_ROD_v0 cong{};
        estats_call c = get_class(r, TcpConnectionEstatsSndCong, cong);
        if (c.collecting) {
            any_on = true;
            // RFC 4898 counts windows in bytes; the model in segments of the current MSS.
            if (path.CurMss != 0) {
                m.set(tcp_metric::cwnd, cong.CurCwnd / path.CurMss);
                if (cong.CurSsthresh != ~ULONG(0))
                    m.set(tcp_metric::ssthresh, cong.CurSsthresh / path.CurMss);
            }
            m.set(tcp_metric::rwnd_limited_ms, cong.SndLimTimeRwin);
            m.set(tcp_metric::sndbuf_limited_ms, cong.SndLimTimeSnd);
            m.set(tcp_metric::busy_time_ms,
                  std::uint64_t(cong.SndLimTimeRwin) + cong.SndLimTimeCwnd + cong.SndLimTimeSnd);
        }
        TCP_ESTATS_REC_ROD_v0 rec{};
        estats_call q = get_class(r, TcpConnectionEstatsRec, rec);
        if (q.collecting) {
            any_on = true;
            m.set(tcp_metric::recv_queue, rec.CurAppRQueue);
        }
        if (!any_on) ++off;
        metrics.push_back(m);
    }
    note.clear();
    if (off != 0)
        note = "extended statistics are off for " + std::to_string(off) + " of " +
               std::to_string(asked) +
               " connections (Windows collects them only once SetPerTcpConnectionEStats enables "
               "them, which needs administrator rights); their figures are absent";
    for (const auto& [status, count] : failures) {
        if (!note.empty()) note += "; ";
        note += "GetPerTcpConnectionEStats failed with " + std::to_string(status) + " for " +
                std::to_string(count) + " of " + std::to_string(asked) +
                " connections; their figures are absent";
    }
}

}  // namespace tcptable::inline v0_1::detail
