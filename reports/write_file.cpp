#include "reports/write_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

namespace archsim::reports {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& file, int err) {
  throw WriteError("cannot write " + file.string() + ": " + std::strerror(err));
}

std::string tail_of(const fs::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  const std::size_t from = size > n ? size - n : 0;
  in.seekg(static_cast<std::streamoff>(from));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

void write_file(const fs::path& file, std::string_view text) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) fail(file, errno);
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_err = errno;
  const bool flushed = wrote && std::fflush(f) == 0;
  const int flush_err = errno;
  if (std::fclose(f) != 0) fail(file, errno);
  if (!wrote) fail(file, write_err);
  if (!flushed) fail(file, flush_err);
}

void copy_whole(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw WriteError("cannot read " + from.string());
  write_file(to, std::string(std::istreambuf_iterator<char>(in), {}));
}

void rename_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) throw WriteError("cannot write " + to.string() + ": " + ec.message());
}

bool output_whole(const fs::path& file) {
  std::string t = tail_of(file, 64);
  if (file.extension() == ".png") {
    static const std::string iend("IEND\xae\x42\x60\x82", 8);
    return t.size() >= iend.size() && t.compare(t.size() - iend.size(), iend.size(), iend) == 0;
  }
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t.size() >= 6 && t.compare(t.size() - 6, 6, "</svg>") == 0;
}

bool log_names_write_error(const fs::path& log) {
  std::error_code ec;
  if (!fs::exists(log, ec)) return false;
  std::ifstream in(log, std::ios::binary);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  for (int err : {ENOSPC, EFBIG, EDQUOT, EIO})
    if (text.find(std::strerror(err)) != std::string::npos) return true;
  // graphviz's device layer on a failed fwrite (lib/gvc/gvdevice.c).
  return text.find("gvwrite_no_z problem") != std::string::npos;
}

}  // namespace archsim::reports
