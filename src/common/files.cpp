#include "common/files.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace vsr {

std::optional<std::string> ReadTextFile(const std::string& path, std::string& error,
                                        size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + " (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      error = path + " is larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  return text;
}

bool WriteFileAtomically(const std::string& path, const std::string& content, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) {
    error = "cannot create " + target.parent_path().string() + " (" + ec.message() + ")";
    return false;
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) {
      error = "cannot write " + tmp + " (" + std::strerror(errno) + ")";
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    error = "cannot replace " + path + " (" + ec.message() + ")";
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace vsr
