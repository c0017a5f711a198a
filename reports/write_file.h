// Every file the report writes, and every file an external tool (gnuplot, graphviz's dot)
// writes for it, is checked here: a write that fails (a full disk, a file size limit, a
// folder where the file must go) is a WriteError, never a truncated or empty file left as if
// whole. run and compare then fail (exit 1) and keep the previous output folder
// (tools/cli/output_dir.h); `archsim report DIR` fails (exit 1).
#pragma once
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace archsim::reports {

class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `text` to `file` (created or truncated), checking the open, every write, the flush
// and the close; throws WriteError "cannot write FILE: REASON" on any failure.
void write_file(const std::filesystem::path& file, std::string_view text);

// Copies `from` to `to` (overwritten), checked as write_file.
void copy_whole(const std::filesystem::path& from, const std::filesystem::path& to);

// Renames `from` to `to`; throws WriteError on failure.
void rename_file(const std::filesystem::path& from, const std::filesystem::path& to);

// What an external tool left in `file` after it exited 0: whole when an SVG ends with its
// closing </svg> tag and a PNG with its IEND chunk. The tools write with stdio and most do not
// check it: on a full disk gnuplot exits 0 with a truncated chart.
bool output_whole(const std::filesystem::path& file);

// Whether the tool's messages in `log` name a failed write (the C library's texts for a full
// disk, a file too large, a quota or an I/O error). A tool that failed for that reason is a WriteError; one that failed for another (a student's
// edit broke a chart script) is a chart not drawn, said on the page.
bool log_names_write_error(const std::filesystem::path& log);

}  // namespace archsim::reports
