// certificate_files.cpp — reading and watching the static certificate files.
// SPDX-License-Identifier: Apache-2.0
#include "tls/certificate_files.h"

#include "config/config_error.h"

#include <Poco/Logger.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace maelstrom::core::tls {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("maelstrom.tls"); }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw TlsError("cannot read " + path + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

/// What tells a changed file: identity, size and modification time (nanoseconds).
struct FileMark {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    std::int64_t modifiedNs = 0;
    bool operator==(const FileMark&) const = default;
};

namespace {

FileMark markOf(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return {}; // missing (during a replace): a state of its own
    }
    return {st.st_dev, st.st_ino, st.st_size,
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

} // namespace

struct PairMark {
    FileMark cert;
    FileMark key;
    bool operator==(const PairMark&) const = default;
};

namespace {

std::string describe(const CertificateInfo& info) { return "'" + info.subject + "' issued by '" + info.issuer + "'"; }

} // namespace

CertificateInfo loadCertificateFiles(CertificateStore& store, const std::string& certFile, const std::string& keyFile) {
    try {
        store.setDefault(readFile(certFile), readFile(keyFile));
    } catch (const TlsError& e) {
        throw ConfigError("tls_cert_file " + certFile + " with tls_key_file " + keyFile + ": " + e.what());
    }
    const CertificateInfo info = store.list().front();
    if (info.notAfter > 0 && info.notAfter < static_cast<std::int64_t>(std::time(nullptr))) {
        logger().warning("tls_cert_file " + certFile + ": the certificate " + describe(info) +
                         " has expired; clients will refuse it");
    }
    return info;
}

CertificateFileWatcher::CertificateFileWatcher(std::shared_ptr<CertificateStore> store, std::string certFile,
                                               std::string keyFile, std::chrono::milliseconds period)
    : store_(std::move(store)), certFile_(std::move(certFile)), keyFile_(std::move(keyFile)), period_(period) {}

CertificateFileWatcher::~CertificateFileWatcher() { stop(); }

void CertificateFileWatcher::start() {
    if (thread_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = false;
    }
    // What the files hold now counts as loaded: marked here, before start() returns, not when the thread runs.
    thread_ = std::thread([this, initial = PairMark{markOf(certFile_), markOf(keyFile_)}] { run(initial); });
}

void CertificateFileWatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void CertificateFileWatcher::run(const PairMark& initial) {
    PairMark loaded = initial;
    PairMark seen = loaded;
    bool tried = true; // `seen` was tried (loaded, or logged as bad)
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
        lock.unlock();
        const PairMark now{markOf(certFile_), markOf(keyFile_)};
        if (now != seen) {
            seen = now; // changed: load it once it stays like this for one more poll
            tried = false;
        } else if (!tried && now != loaded) {
            tried = true;
            try {
                store_->setDefault(readFile(certFile_), readFile(keyFile_));
                loaded = now;
                reloads_.fetch_add(1);
                logger().information("tls_cert_file " + certFile_ + " reloaded: serving " +
                                     describe(store_->list().front()));
            } catch (const std::exception& e) {
                logger().warning("tls_cert_file " + certFile_ + " with tls_key_file " + keyFile_ +
                                 " changed but cannot be used (" + e.what() +
                                 "); still serving the certificate loaded before");
            }
        }
        lock.lock();
    }
}

} // namespace maelstrom::core::tls
