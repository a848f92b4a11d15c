// SPDX-License-Identifier: MIT
// Fuzzes the Win32 buffer contract of GetTcpTable, GetTcp6Table, GetTcpTable2, GetTcp6Table2 and
// GetExtendedTcpTable over a fake table injected through the rows hook (no live snapshot).
// Each input makes a table, picks a function, class, family, order flag and reserved value,
// probes the size with a NULL buffer, then calls again with a heap block of exactly the probed
// size give or take a few bytes, while the hook may grow or shrink the table between the two
// calls. ASan catches any byte written past the block; the checks below catch a wrong size, a
// touched buffer on ERROR_INSUFFICIENT_BUFFER, and rows that differ from the table given.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "compat/win32/win32_api.hpp"
#include "fuzz_support.hpp"

// Last: the Win32 headers define macros (s_addr, TRUE, ...) that must not reach the others.
#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/winsock2.h>

namespace {

using tcptable::ip_address;
using tcptable::state_set;
using tcptable::tcp_row;
using tcptable::tcp_state;

// The table the hook hands out: `first` on the probe, `second` on every later call.
struct fake_table {
    std::vector<tcp_row> first, second;
    int calls = 0;
};

void supply_rows(std::vector<tcp_row>& rows, void* context) {
    auto* t = static_cast<fake_table*>(context);
    rows = t->calls++ == 0 ? t->first : t->second;
}

tcp_row make_row(FuzzedDataProvider& in) {
    tcp_row r;
    const bool v6 = in.ConsumeBool();
    auto address = [&] {
        if (!v6) {
            std::array<std::uint8_t, 4> b{};
            in.ConsumeData(b.data(), b.size());
            return ip_address::v4(b);
        }
        ip_address::bytes_type b{};
        in.ConsumeData(b.data(), b.size());
        return ip_address::v6(b, in.ConsumeBool() ? in.ConsumeIntegral<std::uint32_t>() : 0);
    };
    r.local_address = address();
    r.remote_address = address();
    r.local_port = in.ConsumeIntegral<std::uint16_t>();
    r.remote_port = in.ConsumeIntegral<std::uint16_t>();
    r.state = static_cast<tcp_state>(in.ConsumeIntegralInRange<int>(1, tcptable::tcp_state_count));
    r.pid = in.ConsumeIntegral<std::uint32_t>();
    return r;
}

// What a call asks for, decided from the function and its arguments as Windows documents them.
struct request {
    enum class kind { basic, row2, owner_pid, owner_module } table = kind::basic;
    bool v6 = false;
    state_set states = state_set::all();
    DWORD early_error = NO_ERROR;  // an answer given before any table is taken

    // dwNumEntries, then the rows (offsetof table): 8-byte aligned for the module rows.
    std::size_t header() const { return table == kind::owner_module ? 8 : 4; }
    std::size_t row_size() const {
        if (table == kind::owner_module) return v6 ? 192 : 160;
        if (!v6) return table == kind::basic ? 20 : table == kind::row2 ? 28 : 24;
        return table == kind::basic ? 52 : table == kind::row2 ? 60 : 56;
    }
};

// A MIB row read back into the fields every table type can carry.
struct flat_row {
    DWORD state = 0;
    std::array<std::uint8_t, 16> local{}, remote{};
    DWORD local_scope = 0, remote_scope = 0, local_port = 0, remote_port = 0, pid = 0;
    friend bool operator==(const flat_row&, const flat_row&) = default;
};

flat_row expected_flat(const tcp_row& r, const request& q) {
    flat_row f;
    f.state = static_cast<DWORD>(r.state);
    const std::size_t n = q.v6 ? 16 : 4;
    std::memcpy(f.local.data(), r.local_address.bytes().data(), n);
    std::memcpy(f.remote.data(), r.remote_address.bytes().data(), n);
    if (q.v6) {
        f.local_scope = r.local_address.scope_id();
        f.remote_scope = r.remote_address.scope_id();
    }
    // Network order in the low 16 bits, zero above (MIB_TCPROW, dwLocalPort remarks).
    f.local_port = htons(r.local_port);
    f.remote_port = htons(r.remote_port);
    if (q.table != request::kind::basic) f.pid = r.pid;
    return f;
}

flat_row read_flat(const unsigned char* p, const request& q) {
    flat_row f;
    auto dword = [&](std::size_t off) {
        DWORD v;
        std::memcpy(&v, p + off, 4);
        return v;
    };
    if (!q.v6) {
        f.state = dword(0);
        std::memcpy(f.local.data(), p + 4, 4);
        f.local_port = dword(8);
        std::memcpy(f.remote.data(), p + 12, 4);
        f.remote_port = dword(16);
        if (q.table != request::kind::basic) f.pid = dword(20);
        if (q.table == request::kind::row2)
            FUZZ_CHECK(dword(24) == static_cast<DWORD>(TcpConnectionOffloadStateInHost));
        // The module rows' creation time and module cookie are not known: zero.
        if (q.table == request::kind::owner_module)
            for (std::size_t i = 24; i < 160; ++i) FUZZ_CHECK(p[i] == 0);
        return f;
    }
    // MIB_TCP6ROW starts with the state; MIB_TCP6ROW2 and _OWNER_PID put it after the addresses.
    const std::size_t a = q.table == request::kind::basic ? 4 : 0;
    std::memcpy(f.local.data(), p + a, 16);
    f.local_scope = dword(a + 16);
    f.local_port = dword(a + 20);
    std::memcpy(f.remote.data(), p + a + 24, 16);
    f.remote_scope = dword(a + 40);
    f.remote_port = dword(a + 44);
    if (q.table == request::kind::basic) {
        f.state = dword(0);
    } else {
        f.state = dword(48);
        f.pid = dword(52);
        if (q.table == request::kind::row2)
            FUZZ_CHECK(dword(56) == static_cast<DWORD>(TcpConnectionOffloadStateInHost));
        if (q.table == request::kind::owner_module)
            for (std::size_t i = 56; i < 192; ++i) FUZZ_CHECK(p[i] == 0);
    }
    return f;
}

std::vector<tcp_row> wanted(const std::vector<tcp_row>& rows, const request& q) {
    std::vector<tcp_row> out;
    for (const auto& r : rows)
        if (r.family() == (q.v6 ? tcptable::ip_family::ipv6 : tcptable::ip_family::ipv4) &&
            q.states.contains(r.state))
            out.push_back(r);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    static const bool seam_set = [] {
        tcptable::detail::set_win32_snapshot_bypass(true);
        return true;
    }();
    (void)seam_set;

    fake_table table;
    const int function = in.ConsumeIntegralInRange(0, 4);
    const BOOL order = in.ConsumeBool() ? TRUE : FALSE;
    request q;
    ULONG af = AF_INET, table_class = TCP_TABLE_BASIC_ALL, reserved = 0;
    switch (function) {
        case 1:
            q.v6 = true;
            break;
        case 2:
            q.table = request::kind::row2;
            break;
        case 3:
            q.v6 = true;
            q.table = request::kind::row2;
            break;
        case 4: {
            const int af_pick = in.ConsumeIntegralInRange(0, 3);
            af = af_pick == 0 ? AF_INET : af_pick == 1 ? AF_INET6 : in.ConsumeIntegral<ULONG>();
            table_class = in.ConsumeIntegralInRange<ULONG>(0, 10);
            reserved = in.ConsumeIntegralInRange(0, 7) == 0 ? in.ConsumeIntegral<ULONG>() : 0;
            q.v6 = af == AF_INET6;
            if (reserved != 0 || (af != AF_INET && af != AF_INET6) || table_class > 8)
                q.early_error = ERROR_INVALID_PARAMETER;
            else if (q.v6 && table_class <= TCP_TABLE_BASIC_ALL)
                q.early_error = ERROR_NOT_SUPPORTED;  // no IPv6 basic extended table
            if (table_class >= TCP_TABLE_OWNER_PID_LISTENER) q.table = request::kind::owner_pid;
            if (table_class >= TCP_TABLE_OWNER_MODULE_LISTENER)
                q.table = request::kind::owner_module;
            const ULONG which = table_class % 3;  // listener, connections, all
            q.states = which == 0   ? state_set::listening()
                       : which == 1 ? state_set::connections()
                                    : state_set::all();
            break;
        }
        default:
            break;
    }
    const std::size_t first_rows = in.ConsumeIntegralInRange<std::size_t>(0, 200);
    for (std::size_t i = 0; i < first_rows && in.remaining_bytes() > 0; ++i)
        table.first.push_back(make_row(in));
    // Between the probe and the fill the table grows, shrinks or stays.
    table.second = table.first;
    const int change = in.ConsumeIntegralInRange(-20, 40);
    if (change < 0)
        table.second.resize(table.second.size() -
                            std::min<std::size_t>(table.second.size(), std::size_t(-change)));
    for (int i = 0; i < change && in.remaining_bytes() > 0; ++i)
        table.second.push_back(make_row(in));
    const int slack = in.ConsumeIntegralInRange(-8, 8);
    const bool null_size = in.ConsumeIntegralInRange(0, 31) == 0;

    tcptable::detail::set_win32_rows_hook(&supply_rows, &table);
    auto call = [&](void* buffer, ULONG* size_pointer) -> DWORD {
        switch (function) {
            case 0:
                return GetTcpTable(static_cast<PMIB_TCPTABLE>(buffer), size_pointer, order);
            case 1:
                return GetTcp6Table(static_cast<PMIB_TCP6TABLE>(buffer), size_pointer, order);
            case 2:
                return GetTcpTable2(static_cast<PMIB_TCPTABLE2>(buffer), size_pointer, order);
            case 3:
                return GetTcp6Table2(static_cast<PMIB_TCP6TABLE2>(buffer), size_pointer, order);
            default:
                return GetExtendedTcpTable(buffer, size_pointer, order, af,
                                           static_cast<TCP_TABLE_CLASS>(table_class), reserved);
        }
    };

    if (null_size) {
        FUZZ_CHECK(call(nullptr, nullptr) == ERROR_INVALID_PARAMETER);
        FUZZ_CHECK(table.calls == 0);
        tcptable::detail::set_win32_rows_hook(nullptr, nullptr);
        return 0;
    }

    // The probe: a NULL buffer always gets the exact size of the table as it is now.
    ULONG probed = in.ConsumeIntegral<ULONG>();
    DWORD rc = call(nullptr, &probed);
    if (q.early_error != NO_ERROR) {
        FUZZ_CHECK(rc == q.early_error);
        FUZZ_CHECK(table.calls == 0);
        tcptable::detail::set_win32_rows_hook(nullptr, nullptr);
        return 0;
    }
    FUZZ_CHECK(rc == ERROR_INSUFFICIENT_BUFFER);
    FUZZ_CHECK(probed == q.header() + wanted(table.first, q).size() * q.row_size());

    // The fill: a heap block of exactly `given` bytes.
    const ULONG given =
        static_cast<ULONG>(std::max<long long>(0, static_cast<long long>(probed) + slack));
    std::unique_ptr<unsigned char[]> block(new unsigned char[given ? given : 1]);
    std::memset(block.get(), 0xA5, given ? given : 1);
    std::vector<unsigned char> before(block.get(), block.get() + (given ? given : 1));
    ULONG fill_size = given;
    rc = call(block.get(), &fill_size);
    tcptable::detail::set_win32_rows_hook(nullptr, nullptr);

    const auto rows = wanted(table.second, q);
    const std::size_t required = q.header() + rows.size() * q.row_size();
    if (given < required) {
        FUZZ_CHECK(rc == ERROR_INSUFFICIENT_BUFFER);
        FUZZ_CHECK(fill_size == required);
        FUZZ_CHECK(std::memcmp(block.get(), before.data(), before.size()) == 0);
        return 0;
    }
    FUZZ_CHECK(rc == NO_ERROR);
    FUZZ_CHECK(fill_size == given);  // left as it was on success
    DWORD count;
    std::memcpy(&count, block.get(), 4);
    FUZZ_CHECK(count == rows.size());
    // Bytes past the table stay as they were.
    FUZZ_CHECK(std::memcmp(block.get() + required, before.data() + required, given - required) ==
               0);
    std::vector<flat_row> got, want;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        got.push_back(read_flat(block.get() + q.header() + i * q.row_size(), q));
        FUZZ_CHECK(got.back().state >= 1 && got.back().state <= 12);
    }
    std::vector<tcp_row> expected = rows;
    if (order) {
        // Sorted per the contract; rows with equal keys may come in any order among themselves.
        std::stable_sort(expected.begin(), expected.end(), tcptable::row_order{});
        for (std::size_t i = 0; i + 1 < expected.size(); ++i)
            FUZZ_CHECK(!tcptable::row_order{}(expected[i + 1], expected[i]));
        for (const auto& r : expected) want.push_back(expected_flat(r, q));
        auto less = [](const flat_row& a, const flat_row& b) {
            return std::memcmp(&a, &b, sizeof a) < 0;
        };
        // The same rows, and in key order: compare within each run of equal keys as sets.
        std::size_t i = 0;
        while (i < expected.size()) {
            std::size_t j = i + 1;
            while (j < expected.size() &&
                   tcptable::row_order::compare(expected[i], expected[j]) == 0)
                ++j;
            std::vector<flat_row> a(got.begin() + i, got.begin() + j),
                b(want.begin() + i, want.begin() + j);
            std::sort(a.begin(), a.end(), less);
            std::sort(b.begin(), b.end(), less);
            FUZZ_CHECK(a == b);
            i = j;
        }
    } else {
        // FALSE: the order the table came in.
        for (const auto& r : expected) want.push_back(expected_flat(r, q));
        FUZZ_CHECK(got == want);
    }
    return 0;
}
