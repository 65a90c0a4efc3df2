// test_support.cpp — see test_support.h.
// SPDX-License-Identifier: Apache-2.0
#include "test_support.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace maelstrom::testing {

fs::path binDir() { return fs::path(MAELSTROM_TEST_BUILD_DIR) / "bin"; }
fs::path pluginDir() { return fs::path(MAELSTROM_TEST_BUILD_DIR) / "lib/maelstrom/plugins"; }
fs::path sourceDir() { return fs::path(MAELSTROM_TEST_SOURCE_DIR); }
fs::path buildDir() { return fs::path(MAELSTROM_TEST_BUILD_DIR); }

bool backendsRequired() {
    const char* v = std::getenv("MAELSTROM_REQUIRE_BACKENDS");
    return v && std::string(v) == "1";
}

std::uint64_t testSeed() {
    if (const char* v = std::getenv("MAELSTROM_TEST_SEED"); v != nullptr && *v != '\0') {
        return std::stoull(v);
    }
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) | device();
}

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "maelstrom-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
}

namespace {

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// fork + exec with stdout/stderr redirected to files; returns the pid.
int spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, const fs::path& outFile,
          const fs::path& errFile) {
    const pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        setpgid(0, 0);
        const int in = open("/dev/null", O_RDONLY);
        // Both appending: when stdout and stderr share one file, neither may write over what the other wrote.
        const int out = open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
        const int err = open(errFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        for (const auto& [k, v] : env) {
            if (v.empty() && k.front() == '-') {
                unsetenv(k.c_str() + 1); // "-NAME" unsets NAME
            } else {
                setenv(k.c_str(), v.c_str(), 1);
            }
        }
        std::vector<char*> args;
        for (const auto& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        execvp(args[0], args.data());
        std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    return pid;
}

int decodeStatus(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

} // namespace

ProcessResult runProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                         std::chrono::seconds timeout) {
    TempDir tmp;
    const fs::path out = tmp.path() / "out";
    const fs::path err = tmp.path() / "err";
    const int pid = spawn(argv, env, out, err);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    ProcessResult result;
    while (true) {
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            result.exitCode = decodeStatus(status);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            result.exitCode = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    result.out = readFile(out);
    result.err = readFile(err);
    return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env) {
    char tmpl[] = "/tmp/maelstrom-proc-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd >= 0) {
        close(fd);
    }
    logFile_ = tmpl;
    pid_ = spawn(argv, env, logFile_, logFile_);
}

BackgroundProcess::~BackgroundProcess() {
    if (running()) {
        stop(SIGTERM, std::chrono::seconds(10));
    }
    std::error_code ec;
    fs::remove(logFile_, ec);
}

bool BackgroundProcess::running() {
    if (exitCode_ != -1) {
        return false;
    }
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exitCode_ = decodeStatus(status);
        return false;
    }
    return r == 0;
}

int BackgroundProcess::stop(int signal, std::chrono::seconds timeout) {
    if (!running()) {
        return exitCode_;
    }
    kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(-pid_, SIGKILL);
            kill(pid_, SIGKILL);
            int status = 0;
            waitpid(pid_, &status, 0);
            exitCode_ = decodeStatus(status);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exitCode_;
}

std::string BackgroundProcess::output() const { return readFile(logFile_); }

int freePort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

int httpGetStatus(int port, const std::string& path, std::string* body) {
    try {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string text;
        Poco::StreamCopier::copyToString(in, text);
        if (body) {
            *body = text;
        }
        return response.getStatus();
    } catch (const Poco::Exception&) {
        return -1;
    }
}

bool waitUntil(const std::function<bool()>& probe, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (probe()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return probe();
}

} // namespace maelstrom::testing
