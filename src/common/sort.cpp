#include <algorithm>
#include <boost/endian/conversion.hpp>
#include <cstring>
#include <tcptable/snapshot.hpp>
#include <tuple>

namespace tcptable {
namespace {

// The contract's order as one fixed-width key compared word by word. Loading the address bytes
// big-endian makes unsigned integer comparison equal to comparing the addresses as numbers,
// most significant byte first, which neither a host-order IPv4 word nor a network-order port
// would give.
struct sort_key {
    std::uint64_t w[6];
};

sort_key make_key(const tcp_row& r) noexcept {
    using boost::endian::load_big_u64;
    const auto& l = r.local_address.bytes();
    const auto& m = r.remote_address.bytes();
    sort_key k;
    k.w[0] = std::uint64_t(r.local_address.family()) << 56 | load_big_u64(l.data()) >> 8;
    k.w[1] = (load_big_u64(l.data()) & 0xff) << 56 | load_big_u64(l.data() + 8) >> 8;
    k.w[2] = (load_big_u64(l.data() + 8) & 0xff) << 56 |
             std::uint64_t(r.local_address.scope_id()) << 24 | std::uint64_t(r.local_port) << 8 |
             std::uint64_t(r.remote_address.family());
    k.w[3] = load_big_u64(m.data());
    k.w[4] = load_big_u64(m.data() + 8);
    k.w[5] = std::uint64_t(r.remote_address.scope_id()) << 16 | r.remote_port;
    return k;
}

bool key_less(const sort_key& a, const sort_key& b) noexcept {
    for (int i = 0; i < 6; ++i)
        if (a.w[i] != b.w[i]) return a.w[i] < b.w[i];
    return false;
}

}  // namespace

void sort_rows(std::span<tcp_row> rows) noexcept {
    if (rows.size() < 2) return;
    if (rows.size() < 64) {
        std::sort(rows.begin(), rows.end(), row_order{});
        return;
    }
    // Sort (key, index) pairs, then permute: comparing keys is a few integer compares, and the
    // 68-byte rows move once instead of at every swap.
    struct item {
        sort_key key;
        std::uint32_t index;
    };
    std::vector<item> items;
    try {
        items.resize(rows.size());
    } catch (...) {
        std::sort(rows.begin(), rows.end(), row_order{});
        return;
    }
    for (std::size_t i = 0; i < rows.size(); ++i) items[i] = {make_key(rows[i]), std::uint32_t(i)};
    std::sort(items.begin(), items.end(),
              [](const item& a, const item& b) { return key_less(a.key, b.key); });
    // Apply the permutation in place, cycle by cycle.
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].index == i || items[i].index == UINT32_MAX) continue;
        tcp_row tmp = rows[i];
        std::size_t j = i;
        for (;;) {
            std::size_t from = items[j].index;
            items[j].index = UINT32_MAX;
            if (from == i) {
                rows[j] = tmp;
                break;
            }
            rows[j] = rows[from];
            j = from;
        }
    }
}

}  // namespace tcptable
