// SPDX-License-Identifier: MIT
#include "namespaces_output.hpp"

#include <fmt/format.h>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tcptable::cli {

void print_namespaces_text(std::FILE* out, const all_namespaces& all, const print_options& opts) {
    bool first = true;
    for (const auto& ns : all.namespaces) {
        std::string head =
            fmt::format("{}netns {} (inode {}", first ? "" : "\n", printable(ns.name), ns.inode);
        if (ns.pid != 0) head += fmt::format(", pid {}", ns.pid);
        if (!ns.unit.empty()) head += ", " + printable(ns.unit);
        if (ns.own) head += ", ours";
        head += fmt::format("): {} rows\n", ns.table.size());
        write_out(out, head);
        print_text(out, ns.table, opts);
        first = false;
    }
}

void print_namespaces_json(std::FILE* out, const all_namespaces& all) {
    fmt::memory_buffer buf;
    buf.push_back('[');
    bool first = true;
    for (const auto& ns : all.namespaces) {
        for (const tcp_row& r : ns.table) {
            nlohmann::json j = row_json(r);
            j["netns"] = ns.name;
            j["netns_inode"] = ns.inode;
            if (!first) buf.push_back(',');
            first = false;
            buf.append(std::string_view("\n  "));
            buf.append(json_text(j));
            if (buf.size() > 64 * 1024) {
                write_out(out, std::string_view(buf.data(), buf.size()));
                buf.clear();
            }
        }
    }
    buf.append(std::string_view(first ? "]\n" : "\n]\n"));
    write_out(out, std::string_view(buf.data(), buf.size()));
}

void warn_namespaces(std::FILE* err, const all_namespaces& all) {
    if (all.unreadable != 0) {
        std::string names;
        for (const auto& n : all.unreadable_names)
            names += (names.empty() ? "" : ", ") + printable(n);
        std::fprintf(err,
                     "tcptable: warning: %zu network namespace%s not readable (not allowed): %s\n",
                     all.unreadable, all.unreadable == 1 ? "" : "s", names.c_str());
    }
    if (all.vanished != 0)
        std::fprintf(err, "tcptable: warning: %zu network namespace%s vanished during the scan\n",
                     all.vanished, all.vanished == 1 ? "" : "s");
    if (all.hidden_processes != 0)
        std::fprintf(err,
                     "tcptable: warning: the network namespace of %zu process%s could not be "
                     "seen (not allowed)\n",
                     all.hidden_processes, all.hidden_processes == 1 ? "" : "es");
}

std::string write_file_atomically(const std::string& path, std::string_view text) {
#ifdef _WIN32
    (void)path;
    (void)text;
    return "--textfile is not available on Windows";
#else
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty()) return "'" + path + "' names a directory, not a file";
    // A dot first: node_exporter's textfile collector reads *.prom only, so it skips this one.
    std::string tmp = (slash == std::string::npos ? "" : dir) + "." + base + ".XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        return "cannot create a temporary file beside " + path + ": " + std::strerror(errno);
    auto fail = [&](const char* what) {
        std::string why = std::string(what) + " " + tmp + ": " + std::strerror(errno);
        ::close(fd);
        ::unlink(tmp.c_str());
        return why;
    };
    for (std::size_t done = 0; done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail("cannot write");
        done += std::size_t(n);
    }
    if (::fchmod(fd, 0644) != 0) return fail("cannot chmod");
    if (::fsync(fd) != 0) return fail("cannot fsync");
    if (::close(fd) != 0) {
        std::string why = "cannot close " + tmp + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return why;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string why = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return why;
    }
    return {};
#endif
}

}  // namespace tcptable::cli
