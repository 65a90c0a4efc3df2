// certificate_files.h — the static certificate of the HTTPS port (node settings tls_cert_file, tls_key_file): read
// and checked at start, then watched and re-read when the files change, without a restart.
// SPDX-License-Identifier: Apache-2.0
//
// The watcher polls both files' modification time, size and inode (a rename over the file, as `mv`, certbot and
// Kubernetes' secret symlinks do, changes the inode) every second. A change is loaded once it has stayed the same for
// one more poll (copying the certificate and then the key one after the other is not taken for a bad pair). A pair
// that is bad is logged once as a warning and the certificate served stays the old one; the next change is tried
// again.
// Threads: start()/stop() from one thread; the watcher has its own.
#pragma once

#include "tls/certificate_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace maelstrom::core::tls {

/// Reads both files and installs them as the store's default certificate.
/// @throws ConfigError (one line naming both files and why) when a file cannot be read or the pair is bad.
CertificateInfo loadCertificateFiles(CertificateStore& store, const std::string& certFile, const std::string& keyFile);

struct PairMark; ///< what the watcher compares between polls

class CertificateFileWatcher {
public:
    CertificateFileWatcher(std::shared_ptr<CertificateStore> store, std::string certFile, std::string keyFile,
                           std::chrono::milliseconds period = std::chrono::milliseconds(1000));
    ~CertificateFileWatcher();
    CertificateFileWatcher(const CertificateFileWatcher&) = delete;
    CertificateFileWatcher& operator=(const CertificateFileWatcher&) = delete;

    /// Starts watching; what the files hold now counts as loaded (loadCertificateFiles ran just before).
    void start();
    void stop();
    /// Pairs loaded since start() (for tests).
    std::uint64_t reloads() const { return reloads_.load(); }

private:
    void run(const PairMark& initial);

    std::shared_ptr<CertificateStore> store_;
    std::string certFile_;
    std::string keyFile_;
    std::chrono::milliseconds period_;
    std::atomic<std::uint64_t> reloads_{0};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false; ///< guarded by mutex_
    std::thread thread_;
};

} // namespace maelstrom::core::tls
