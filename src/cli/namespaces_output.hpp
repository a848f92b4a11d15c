// SPDX-License-Identifier: MIT
// The CLI's output for --all-netns, and --textfile's atomic write.
#pragma once

#include <tcptable/namespaces.hpp>

#include <cstdio>
#include <string>
#include <string_view>

#include "output.hpp"

namespace tcptable::cli {

// Text: per namespace a "netns NAME (inode N, pid P, UNIT)" line, then its table as
// print_text writes it, a blank line between namespaces.
void print_namespaces_text(std::FILE* out, const all_namespaces& all, const print_options& opts);

// JSON: one array of row objects, as print_json's, each with "netns" (the name) and
// "netns_inode" added.
void print_namespaces_json(std::FILE* out, const all_namespaces& all);

// The warnings for namespaces that vanished or could not be read, on `err` (none when all
// were read).
void warn_namespaces(std::FILE* err, const all_namespaces& all);

// Writes `text` to `path` atomically: a temporary file in the same directory, flushed to disk,
// mode 0644, then renamed over `path` (rename(2)), so a reader (node_exporter's textfile
// collector) sees the old file or the new one, never a part. Returns "" or what failed.
std::string write_file_atomically(const std::string& path, std::string_view text);

}  // namespace tcptable::cli
