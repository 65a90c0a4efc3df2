// env_file.cpp — see env_file.h.
#include "common/env_file.h"

#include <maelstrom/sdk/text.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace maelstrom::common {

namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

} // namespace

std::string readRegularFile(const std::string& path, std::size_t maxBytes) {
    // O_NONBLOCK so that opening a FIFO cannot hang; fstat then rejects anything but a regular file.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0)
        throw EnvFileError(path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw EnvFileError(path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throw EnvFileError(path + ": not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > maxBytes)
        throw EnvFileError(path + ": file is larger than " + std::to_string(maxBytes) + " bytes");
    std::string data;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw EnvFileError(path + ": " + std::strerror(errno));
        }
        if (n == 0)
            break;
        if (data.size() + static_cast<std::size_t>(n) > maxBytes) // the file grew while we read it
            throw EnvFileError(path + ": file is larger than " + std::to_string(maxBytes) + " bytes");
        data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
}

std::map<std::string, std::string> parseEnvFileText(std::string_view text) {
    std::map<std::string, std::string> vars;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        std::string_view line = sdk::trimSpace(text.substr(0, eol));
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0 || line.front() == '#')
            continue;
        const std::string_view key = sdk::trimSpace(line.substr(0, eq));
        if (key.empty())
            continue;
        vars[std::string(key)] = std::string(sdk::trimSpace(line.substr(eq + 1)));
    }
    return vars;
}

std::map<std::string, std::string> readEnvFile(const std::string& path, std::size_t maxBytes) {
    return parseEnvFileText(readRegularFile(path, maxBytes));
}

std::map<std::string, std::string> parseProjectEnvFile(std::string_view text) {
    std::map<std::string, std::string> vars;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto eol = text.find('\n', start);
        const std::string_view line =
            text.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
        if (const auto eq = line.find('='); eq != std::string_view::npos)
            vars[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
        if (eol == std::string_view::npos)
            break;
        start = eol + 1;
    }
    return vars;
}

void mergeEnvList(const std::vector<std::string>& entries, std::map<std::string, std::string>& into) {
    for (const auto& entry : entries) {
        const auto eq = entry.find('=');
        if (eq == std::string::npos)
            continue;
        into[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
}

std::map<std::string, std::string> processEnvironment() {
    std::map<std::string, std::string> vars;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string_view::npos)
            continue;
        vars[std::string(entry.substr(0, eq))] =
            std::string(entry.substr(eq + 1)); // a later duplicate wins, as in the original
    }
    return vars;
}

} // namespace maelstrom::common
