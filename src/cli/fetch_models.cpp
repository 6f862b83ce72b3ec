#include "cli/fetch_models.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "hub/hub_download.h"
#include "hub/model_downloads.h"

namespace vsr::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string Bytes(uint64_t n) {
  char buf[32];
  if (n >= 1000ULL * 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(n) / 1e9);
  } else if (n >= 1000ULL * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
  } else if (n >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  }
  return buf;
}

// One line per file: redrawn in place on a terminal (at most 5 times a second), written once
// when the file is complete otherwise (logs stay short).
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(::isatty(STDOUT_FILENO) != 0) {}

  void operator()(const hub::FileProgress& p) {
    const auto now = Clock::now();
    if (p.file != file_) {
      file_ = p.file;
      file_start_ = now;
      first_bytes_ = p.done;  // resumed bytes do not count towards the speed
      last_draw_ = {};
    }
    if (!p.finished && (!tty_ || now - last_draw_ < std::chrono::milliseconds(200))) return;
    last_draw_ = now;
    std::string line = "    " + p.file + "  ";
    if (p.total > 0) {
      line +=
          std::to_string(p.done * 100 / p.total) + "%  " + Bytes(p.done) + " / " + Bytes(p.total);
    } else {
      line += Bytes(p.done);
    }
    const double secs = std::chrono::duration<double>(now - file_start_).count();
    if (secs > 0.5 && p.done > first_bytes_) {
      line += "  " + Bytes(static_cast<uint64_t>((p.done - first_bytes_) / secs)) + "/s";
    }
    if (tty_) {
      std::cout << "\r\033[K" << line << (p.finished ? "\n" : "") << std::flush;
    } else if (p.finished) {
      std::cout << line << "\n" << std::flush;
    }
  }

 private:
  bool tty_;
  std::string file_;
  Clock::time_point file_start_{}, last_draw_{};
  uint64_t first_bytes_ = 0;
};

}  // namespace

int FetchConfiguredModels(const config::Config& c) {
  const std::vector<hub::ModelDownload> missing = hub::ModelsToDownload(c);
  if (missing.empty()) return 0;
  const hub::HubOptions options = hub::HubOptionsFromEnv();
  if (hub::HubOffline()) {
    for (const hub::ModelDownload& m : missing) {
      std::cerr << "WARNING - HF_HUB_OFFLINE is set: not downloading " << m.repo << " for "
                << m.path << "; the signals that need it report 'model not loaded'\n";
    }
    return static_cast<int>(missing.size());
  }
  std::cout << "Downloading " << missing.size() << " model(s) from " << options.endpoint << " into "
            << options.cache_dir << std::endl;
  int failed = 0;
  for (size_t i = 0; i < missing.size(); ++i) {
    const hub::ModelDownload& m = missing[i];
    std::cout << "  " << m.repo << " (for " << m.path << ")" << std::endl;
    ProgressPrinter printer;
    const auto start = Clock::now();
    const hub::SnapshotResult r = hub::DownloadSnapshot(
        m.repo, "main", options, [&printer](const hub::FileProgress& p) { printer(p); });
    if (!r.error.empty()) {
      ++failed;
      std::cout << std::flush;
      std::cerr << "WARNING - cannot download " << m.repo << ": " << r.error
                << "; the signals that need " << m.path
                << " report 'model not loaded' until it is there\n";
      if (r.hub_unreachable && i + 1 < missing.size()) {  // the others would wait in vain
        const size_t rest = missing.size() - i - 1;
        failed += static_cast<int>(rest);
        std::cerr << "WARNING - not trying the other " << rest
                  << " model(s) while the Hub is unreachable\n";
        break;
      }
      continue;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", secs);
    std::cout << "  ready: " << r.folder << " (" << Bytes(r.downloaded) << " downloaded in " << took
              << ")" << std::endl;
  }
  return failed;
}

}  // namespace vsr::cli
