// SPDX-License-Identifier: MIT
// What every owner path shares: reading /proc/<pid>/fd, and crediting a process as an owner
// of a table inode (the lowest pid holding it, and how many processes do).
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <tcptable/tcp_row.hpp>
#include <vector>

namespace tcptable::inline v0_1::detail::owners {

constexpr std::size_t dirent_buffer_size = 64 * 1024;

// Calls f(name) for every entry of the open directory `dirfd` whose name is all digits.
// getdents64 (glibc >= 2.30, <dirent.h> with _GNU_SOURCE) fills the caller's buffer with
// struct dirent64 records, each d_reclen bytes long; readdir() would allocate a DIR per process.
// False when getdents64 failed (the directory vanished under us: a process that exited).
template <class F>
bool for_each_numeric_entry(int dirfd, char* buf, F&& f) {
    for (;;) {
        ssize_t n = ::getdents64(dirfd, buf, dirent_buffer_size);
        if (n <= 0) return n == 0;
        for (ssize_t off = 0; off < n;) {
            auto* d = reinterpret_cast<const struct dirent64*>(buf + off);
            off += d->d_reclen;
            const char* name = d->d_name;
            if (name[0] < '0' || name[0] > '9') continue;
            f(name);
        }
    }
}

// All of [first, last) as a decimal number that fits 32 bits, or 0.
inline std::uint32_t parse_u32(const char* first, const char* last) noexcept {
    std::uint32_t v = 0;
    auto [next, ec] = std::from_chars(first, last, v);
    return ec == std::errc{} && next == last ? v : 0;
}

// "socket:[12345]" → 12345; anything else → 0.
inline std::uint32_t socket_inode(const char* link, std::size_t len) noexcept {
    constexpr char prefix[] = "socket:[";
    constexpr std::size_t plen = sizeof prefix - 1;
    if (len < plen + 2 || std::memcmp(link, prefix, plen) != 0 || link[len - 1] != ']') return 0;
    return parse_u32(link + plen, link + len - 1);
}

// The table's inodes, each with its row, in an open-addressing hash table (linear probing,
// multiplicative hash; twice as many buckets as inodes, at least): only these are looked up.
// Several rows with one inode are chained from the first.
class owner_index {
  public:
    static constexpr std::uint32_t npos = 0xffffffffu;

    // Clears pid and owner_count of every row.
    explicit owner_index(std::vector<tcp_row>& rows) : rows_(rows) {
        slots_.reserve(rows.size());
        std::size_t n = 0;
        for (tcp_row& r : rows) {
            r.pid = 0;
            r.owner_count = 0;
            n += r.inode != 0;
        }
        unsigned bits = 4;
        while ((std::size_t(1) << bits) < 2 * n) ++bits;
        shift_ = 32 - bits;
        buckets_.assign(std::size_t(1) << bits, npos);
        const std::size_t mask = buckets_.size() - 1;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const std::uint32_t ino = rows[i].inode;
            if (ino == 0) continue;
            const auto me = std::uint32_t(slots_.size());
            slots_.push_back({ino, std::uint32_t(i), 0, npos});
            for (std::size_t b = bucket(ino);; b = (b + 1) & mask) {
                std::uint32_t& head = buckets_[b];
                if (head == npos) {
                    head = me;
                    break;
                }
                if (slots_[head].inode == ino) {  // a second row of this inode: chained
                    std::uint32_t at = head;
                    while (slots_[at].next != npos) at = slots_[at].next;
                    slots_[at].next = me;
                    break;
                }
            }
        }
    }

    bool empty() const noexcept { return slots_.empty(); }

    // The first slot of `ino`, or npos.
    std::uint32_t find(std::uint32_t ino) const noexcept {
        const std::size_t mask = buckets_.size() - 1;
        for (std::size_t b = bucket(ino);; b = (b + 1) & mask) {
            const std::uint32_t head = buckets_[b];
            if (head == npos || slots_[head].inode == ino) return head;
        }
    }

    // Counts `pid` as an owner of the rows of slot `first` (as find() gave). The records of
    // one process must come together: one holding a socket in several fds counts once.
    void credit(std::uint32_t first, std::uint32_t pid) noexcept {
        for (std::uint32_t i = first; i != npos; i = slots_[i].next) {
            slot& s = slots_[i];
            if (s.last_pid == pid) continue;
            s.last_pid = pid;
            tcp_row& r = rows_[s.row];
            if (r.pid == 0 || pid < r.pid) r.pid = pid;
            if (r.owner_count < 255) ++r.owner_count;
        }
    }
    void credit_inode(std::uint32_t ino, std::uint32_t pid) noexcept {
        std::uint32_t first = find(ino);
        if (first != npos) credit(first, pid);
    }

    // Starts crediting again from nothing.
    void reset() noexcept {
        for (slot& s : slots_) {
            s.last_pid = 0;
            rows_[s.row].pid = 0;
            rows_[s.row].owner_count = 0;
        }
    }

    // How many processes hold slot `first`'s inode, as credited so far.
    std::uint8_t owners(std::uint32_t first) const noexcept {
        return rows_[slots_[first].row].owner_count;
    }

    std::size_t unmapped() const noexcept {
        std::size_t n = 0;
        for (const slot& s : slots_)
            if (rows_[s.row].pid == 0) ++n;
        return n;
    }
    // The inodes no process holds, sorted, each once.
    std::vector<std::uint32_t> unmapped_inodes() const {
        std::vector<std::uint32_t> out;
        for (const slot& s : slots_)
            if (rows_[s.row].pid == 0) out.push_back(s.inode);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

  private:
    struct slot {
        std::uint32_t inode;
        std::uint32_t row;
        std::uint32_t last_pid;  // the process that last counted as an owner
        std::uint32_t next;      // the next slot of the same inode, or npos
    };
    std::size_t bucket(std::uint32_t ino) const noexcept {
        return std::size_t(std::uint32_t(ino * 0x9E3779B1u) >> shift_);
    }
    std::vector<tcp_row>& rows_;
    std::vector<slot> slots_;
    std::vector<std::uint32_t> buckets_;  // slot of each bucket's first inode, or npos
    unsigned shift_ = 28;
};

}  // namespace tcptable::inline v0_1::detail::owners
