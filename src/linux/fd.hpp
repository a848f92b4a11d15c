// SPDX-License-Identifier: MIT
// A file descriptor owned by tcptable, closed exactly once; and opening the files readers
// expect to be regular.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <tcptable/error.hpp>
#include <utility>

namespace tcptable::inline v0_1::detail {

class unique_fd {
  public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

// What a file of this type is, for messages: "a FIFO", "a directory", ...
inline const char* file_kind(mode_t mode) noexcept {
    switch (mode & S_IFMT) {
        case S_IFREG:
            return "a regular file";
        case S_IFDIR:
            return "a directory";
        case S_IFIFO:
            return "a FIFO";
        case S_IFCHR:
            return "a character device";
        case S_IFBLK:
            return "a block device";
        case S_IFSOCK:
            return "a socket";
        default:
            return "of an unknown type";
    }
}

// Opens `path` read-only for a reader that expects a regular file, as /proc tables and
// namespace files are. O_NONBLOCK keeps a FIFO without a writer from blocking the open (the
// read would block next), O_NOCTTY a terminal from becoming ours; after fstat, anything but a
// regular file is closed again. Returns 0 with `fd` open (and blocking again), the errno of the
// call that failed, or -1 for a file that is not regular, its type in `mode`.
inline int open_regular(const char* path, unique_fd& fd, mode_t& mode) noexcept {
    fd = unique_fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd) return errno;
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
        int err = errno;
        fd.reset();
        return err;
    }
    mode = st.st_mode;
    if (!S_ISREG(st.st_mode)) {
        fd.reset();
        return -1;
    }
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int err = errno;
        fd.reset();
        return err;
    }
    return 0;
}

// open_regular with the failure in `info` (the path, and "cannot open: <strerror>" or "not a
// regular file (a FIFO)") and as an error code: the OS error; for a directory EISDIR, "cannot
// read: Is a directory", as a read of one gives; errc::invalid_argument for the other types.
inline std::error_code open_regular_file(const std::string& path, unique_fd& fd, error_info& info) {
    mode_t mode = 0;
    int r = open_regular(path.c_str(), fd, mode);
    if (r == 0) return {};
    info.file = path;
    info.line = 0;
    if (r > 0) {
        info.message = std::string("cannot open: ") + std::strerror(r);
        return {r, std::system_category()};
    }
    // A directory does not block: it fails as its read() would, as it always has.
    if (S_ISDIR(mode)) {
        info.message = std::string("cannot read: ") + std::strerror(EISDIR);
        return {EISDIR, std::system_category()};
    }
    info.message = std::string("not a regular file (") + file_kind(mode) + ")";
    return make_error_code(errc::invalid_argument);
}

}  // namespace tcptable::inline v0_1::detail
