#include "util/system.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace gas {
namespace util {

std::string errno_message() { return std::strerror(errno); }

double peak_rss_mb() {
  // VmHWM, unlike getrusage's ru_maxrss, follows reset_peak_rss().
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    std::fclose(f);
    if (kib >= 0) return static_cast<double>(kib) / 1024.0;
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void rename_file(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw std::runtime_error("cannot rename '" + from + "' to '" + to + "': " + errno_message());
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("free_loopback_port: socket() failed: " + errno_message());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const std::string error = ok ? "" : errno_message();
  ::close(fd);
  if (!ok) throw std::runtime_error("free_loopback_port: no free port on 127.0.0.1: " + error);
  return ntohs(addr.sin_port);
}

void release_free_memory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

bool reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

int64_t physical_memory_bytes() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

std::string executable_dir() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  std::string path(buf.data(), static_cast<size_t>(n));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_directories(const std::string& path) {
  std::string partial;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    partial += part + "/";
    if (part.empty() || is_directory(partial)) continue;
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error("cannot create directory '" + partial + "': " + errno_message());
  }
  if (!is_directory(path)) throw std::runtime_error("cannot create directory '" + path + "'");
}

bool is_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write '" + tmp + "': " + errno_message());
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                  fsync(fileno(f)) == 0;
  const std::string write_error = ok ? "" : errno_message();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write '" + tmp + "': " + (ok ? errno_message() : write_error));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string error = errno_message();
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot replace '" + path + "': " + error);
  }
}

void probe_writable(const std::string& dir, const std::string& what, int64_t bytes_needed) {
  try {
    make_directories(dir);
    write_file_atomic(dir + "/.gas-probe", std::string(4096, 'x'));
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": '" + dir + "' is not writable (" + e.what() + ")");
  }
  std::remove((dir + "/.gas-probe").c_str());
  struct statvfs fs {};
  if (bytes_needed > 0 && statvfs(dir.c_str(), &fs) == 0) {
    const double free_bytes = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
    if (free_bytes < static_cast<double>(bytes_needed))
      throw std::runtime_error(what + ": '" + dir + "' has " + std::to_string(static_cast<int64_t>(free_bytes / 1048576)) +
                               " MiB free, about " + std::to_string(bytes_needed / 1048576) + " MiB are needed");
  }
}

void replace_directory(const std::string& staging, const std::string& path) {
  namespace fs = std::filesystem;
  const std::string old = path + ".old." + std::to_string(getpid());
  const bool had = fs::exists(path);
  if (had && std::rename(path.c_str(), old.c_str()) != 0)
    throw std::runtime_error("cannot move '" + path + "' aside: " + errno_message());
  if (std::rename(staging.c_str(), path.c_str()) != 0) {
    const std::string error = errno_message();
    if (had) (void)std::rename(old.c_str(), path.c_str());
    throw std::runtime_error("cannot move '" + staging + "' to '" + path + "': " + error);
  }
  std::error_code ignored;
  if (had) fs::remove_all(old, ignored);
}

}  // namespace util
}  // namespace gas
