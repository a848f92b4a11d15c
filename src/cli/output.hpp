// How the CLI prints a table: text like netstat/ss, or JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <tcptable/statistics.hpp>
#include <tcptable/tcp_table.hpp>
#include <vector>

namespace tcptable::cli {

struct print_options {
    bool show_pid = false;
    bool header = true;
};

// Writes the table as aligned text; `names` holds one process name per row when pids are shown.
void print_text(std::FILE* out, const tcp_table& table, const print_options& opts);

// One row as a JSON object with the documented keys ("pid", "inode", "uid" only when known).
nlohmann::json row_json(const tcp_row& r);

// Writes the table as a JSON array of row objects (keys documented in the README).
void print_json(std::FILE* out, const tcp_table& table, const print_options& opts);

// Writes the MIB_TCPSTATS counters, as "Name value" lines or as one JSON object.
void print_statistics(std::FILE* out, const tcp_statistics& s, bool json);

// The command name of a process (/proc/<pid>/comm), or "" when unknown.
std::string process_name(std::uint32_t pid);

}  // namespace tcptable::cli
