// SPDX-License-Identifier: MIT
// Linux backend choice: auto takes netlink where it works and /proc where netlink is refused.
// The refusal is forced through an internal test seam; each test restores it.
#include <gtest/gtest.h>

#include <cerrno>

#include "linux/netlink_backend.hpp"
#include "linux/test_seams.hpp"
#include "support/loopback.hpp"
#include "support/netlink_probe.hpp"
#include "support/row_compare.hpp"

namespace {

using namespace tcptable;
using namespace tcptable::testing;
namespace seams = tcptable::detail::test_seams;

class backend_choice : public ::testing::Test {
  protected:
    void TearDown() override {
        seams::set_netlink_refusal(0);
        seams::forget_default_backend();
    }
    static void refuse(int err) {
        seams::set_netlink_refusal(err);
        seams::forget_default_backend();
    }
};

snapshot_options with(backend_kind b) {
    snapshot_options o;
    o.backend = b;
    return o;
}

TEST_F(backend_choice, auto_is_netlink_when_it_works) {
    TCPTABLE_SKIP_WITHOUT_NETLINK();
    seams::forget_default_backend();
    EXPECT_EQ(default_backend(), backend_kind::netlink);
}

TEST_F(backend_choice, auto_falls_back_to_procfs_when_netlink_is_refused) {
    asio::io_context io;
    listener l(io, asio::ip::address_v4::loopback());
    for (int err : {EPERM, EACCES, EPROTONOSUPPORT, EAFNOSUPPORT}) {
        SCOPED_TRACE(err);
        refuse(err);
        EXPECT_EQ(default_backend(), backend_kind::procfs);
        std::error_code ec;
        error_info info;
        auto t = snapshot(with(backend_kind::automatic), ec, &info);
        ASSERT_FALSE(ec) << info.to_string();
        EXPECT_TRUE(find_row(t, l.endpoint(), any_endpoint(l.endpoint())));
    }
}

TEST_F(backend_choice, auto_falls_back_even_after_a_good_probe) {
    // The probe said netlink, then the sandbox tightened: the snapshot still succeeds.
    TCPTABLE_SKIP_WITHOUT_NETLINK();
    seams::forget_default_backend();
    ASSERT_EQ(default_backend(), backend_kind::netlink);
    seams::set_netlink_refusal(EPERM);
    std::error_code ec;
    error_info info;
    auto t = snapshot(with(backend_kind::automatic), ec, &info);
    EXPECT_FALSE(ec) << info.to_string();
}

TEST_F(backend_choice, explicit_netlink_reports_the_refusal) {
    refuse(EPROTONOSUPPORT);
    std::error_code ec;
    error_info info;
    auto t = snapshot(with(backend_kind::netlink), ec, &info);
    EXPECT_EQ(ec, std::errc::protocol_not_supported);
    EXPECT_EQ(ec.category(), std::system_category());
    EXPECT_NE(info.message.find("NETLINK_SOCK_DIAG"), std::string::npos) << info.message;
    EXPECT_TRUE(t.empty());
}

TEST_F(backend_choice, other_netlink_errors_are_not_hidden_by_auto) {
    // Running out of descriptors is not "no netlink here": auto reports it.
    refuse(EMFILE);
    EXPECT_EQ(default_backend(), backend_kind::netlink);
    std::error_code ec;
    snapshot(with(backend_kind::automatic), ec);
    EXPECT_EQ(ec, std::errc::too_many_files_open);
}

TEST_F(backend_choice, explicit_procfs_ignores_netlink) {
    refuse(EPERM);
    std::error_code ec;
    snapshot(with(backend_kind::procfs), ec);
    EXPECT_FALSE(ec);
}

TEST_F(backend_choice, auto_reads_captures_with_procfs) {
    // Another proc_root is files on disk, which only procfs can read; netlink is not asked.
    snapshot_options o = with(backend_kind::automatic);
    o.proc_root = std::string(TCPTABLE_TEST_DATA_DIR) + "/netlink/no-such-dir";
    std::error_code ec;
    error_info info;
    snapshot(o, ec, &info);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_NE(info.file.find("no-such-dir/net/tcp"), std::string::npos) << info.file;
}

TEST_F(backend_choice, iphlpapi_is_not_supported_on_linux) {
    std::error_code ec;
    snapshot(with(backend_kind::iphlpapi), ec);
    EXPECT_EQ(ec, errc::not_supported);
}

}  // namespace
