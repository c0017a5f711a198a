// Where run and compare write, and how: a folder is written as a whole or not at all.
//
// Every file of a run (summary.json, the CSVs, report.html, charts/, compare.json and the
// variant folders) goes into a fresh staging folder beside the destination; commit() then
// moves the old folder aside, renames the staging folder into place and deletes the old one.
// So a run killed while writing leaves the previous folder untouched (plus a hidden staging
// folder, which the next run into the same destination removes once its process is gone:
// output_dir.cpp remove_abandoned says how a reused PID is told apart), and files of two runs never mix (an old compare.json or report.html cannot outlive
// the run that wrote it). The staging folder is new, so no file written there can be a
// symlink someone placed in advance; a destination that is itself a symlink is replaced as a
// link, never followed, unless the user named it with --out.
//
// A destination that exists must look like an archsim output folder (only names archsim
// writes) or be empty: replacing it must never delete the user's own files.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace archsim::cli {

// The scenario name as one safe path segment for out/<slug>: letters, digits, '.', '_' and
// '-' kept, runs of anything else become one '-', no leading '.' or '-', at most 100
// characters; "scenario" when nothing is left. "../../x" -> "x", "/etc" -> "etc".
std::string slugify(const std::string& name);

class OutputDir {
 public:
  // `dest` is --out when given (`explicit_out`), else out/<slug>. Prints a one-line reason
  // and returns nullopt when dest cannot be used (not a folder, holds foreign files, cannot
  // create the staging folder).
  static std::optional<OutputDir> open(const std::filesystem::path& dest, bool explicit_out);
  OutputDir(OutputDir&& other) noexcept;
  OutputDir& operator=(OutputDir&&) = delete;
  ~OutputDir();  // removes the staging folder when commit() did not happen

  const std::filesystem::path& staging() const { return staging_; }
  const std::filesystem::path& dest() const { return dest_; }
  // Puts the staging folder in place of dest. Prints why and returns false on failure.
  bool commit();

 private:
  OutputDir(std::filesystem::path dest, std::filesystem::path staging) : dest_(std::move(dest)), staging_(std::move(staging)) {}
  std::filesystem::path dest_, staging_;
  bool done_ = false;
};

// Whether what process `pid` wrote last at `modified` (a staging folder, a job's temporary
// file) is left over from a process that is gone: no process has the PID, or the one that has
// it started after that write (a reused PID). The current process's own are never abandoned.
bool abandoned_by(long pid, std::filesystem::file_time_type modified);

// Writes `text` to `file`, checking every step (open, write, flush, close). Prints
// "archsim: cannot write <file>: <reason>" and returns false on failure.
bool write_checked(const std::filesystem::path& file, const std::string& text);

}  // namespace archsim::cli
