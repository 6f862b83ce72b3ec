#include "vectorstore/file_store.h"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>

#include "common/files.h"
#include "common/json_text.h"
#include "common/unix_time.h"

namespace vsr::vectorstore {

namespace fs = std::filesystem;

namespace {
constexpr const char* kRecordName = "file.json";
}

std::unique_ptr<FileStore> FileStore::Open(const std::string& dir, std::string& error) {
  std::error_code ec;
  const fs::path files = fs::path(dir) / "files";
  fs::create_directories(files, ec);
  if (ec) {
    error = "failed to create file storage directory " + files.string() + ": " + ec.message();
    return nullptr;
  }
  auto store = std::unique_ptr<FileStore>(new FileStore(dir));
  for (const auto& entry : fs::directory_iterator(files, ec)) {
    std::string read_error;
    const auto text = ReadTextFile((entry.path() / kRecordName).string(), read_error);
    if (!text) continue;  // a folder without a record (an upload cut short) is ignored
    boost::system::error_code jec;
    const boost::json::value v = boost::json::parse(*text, jec);
    FileRecord r;
    if (!jec && v.is_object() && FromJson(v.as_object(), r) &&
        r.id == entry.path().filename().string()) {
      store->files_[r.id] = r;
    }
  }
  return store;
}

std::string FileStore::FolderOf(const std::string& id) const {
  return (fs::path(dir_) / "files" / id).string();
}

std::optional<FileRecord> FileStore::Save(const std::string& filename, const std::string& content,
                                          const std::string& purpose, std::string& error) {
  // The last path component only: "../../etc/passwd" is stored as "passwd".
  const std::string name = fs::path(filename).filename().string();
  if (name.empty() || name == "." || name == "..") {
    error = "invalid filename";
    return std::nullopt;
  }
  FileRecord r;
  r.id = NewId("file_");
  r.bytes = static_cast<int64_t>(content.size());
  r.created_at = UnixSeconds();
  r.filename = name;
  r.purpose = purpose;
  const fs::path folder = FolderOf(r.id);
  if (!WriteFileAtomically((folder / name).string(), content, error) ||
      !WriteFileAtomically((folder / kRecordName).string(), PrettyJson(ToJson(r)), error)) {
    std::error_code ec;
    fs::remove_all(folder, ec);
    return std::nullopt;
  }
  {
    std::lock_guard lock(mu_);
    files_[r.id] = r;
  }
  if (observer_) observer_(r, false);
  return r;
}

std::optional<FileRecord> FileStore::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(id);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

std::vector<FileRecord> FileStore::List() const {
  std::vector<FileRecord> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, r] : files_) out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(), [](const FileRecord& a, const FileRecord& b) {
    return a.created_at > b.created_at;
  });
  return out;
}

std::optional<std::string> FileStore::Read(const std::string& id, std::string& error) const {
  const std::optional<FileRecord> r = Get(id);
  if (!r) {
    error = "file not found: " + id;
    return std::nullopt;
  }
  return ReadTextFile((fs::path(FolderOf(id)) / r->filename).string(), error,
                      static_cast<size_t>(r->bytes) + 1);
}

bool FileStore::Delete(const std::string& id, std::string& error) {
  FileRecord record;
  {
    std::lock_guard lock(mu_);
    auto it = files_.find(id);
    if (it == files_.end()) {
      error = "file not found: " + id;
      return false;
    }
    record = std::move(it->second);
    files_.erase(it);
  }
  if (observer_) observer_(record, true);
  std::error_code ec;
  fs::remove_all(FolderOf(id), ec);
  if (ec) {
    error = "failed to delete file directory: " + ec.message();
    return false;
  }
  return true;
}

}  // namespace vsr::vectorstore
