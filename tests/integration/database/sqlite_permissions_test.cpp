// sqlite_permissions_test.cpp — the sqlite plugin refuses to start on a database this process cannot write
// (a file another user created, a directory where it cannot create the file or its WAL journal files, a journal
// file of another user), with one line naming the path, owner, mode and the fix; a file that becomes read-only
// while the plugin runs is reported the same way; and maelstromd --check-config run as the service's user on a
// file root created exits 2 with that line.
// Root may write whatever a file's mode says, so when the test runs as root the "service's user" is uid/gid
// 65534 (nobody) in a forked child (setuid), and maelstromd runs under setpriv; otherwise the test's own user
// plays it and files are made read-only with chmod.
// SPDX-License-Identifier: Apache-2.0
#include "db_test_common.h"

#include "test_support.h"

#include <maelstrom/sdk/errors.h>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>

using namespace maelstrom;
using namespace maelstrom::testing;
namespace tdb = maelstrom::testing::db;
namespace fs = std::filesystem;

namespace {

constexpr uid_t kServiceUid = 65534; // nobody: the service's user when the test runs as root

bool runningAsRoot() { return ::geteuid() == 0; }

/// The uid the service's user has in this run.
uid_t serviceUid() { return runningAsRoot() ? kServiceUid : ::geteuid(); }

/// Runs `body` as the service's user: in a forked child switched to uid/gid 65534 when running as root (its
/// result comes back through a pipe), else in this process.
std::string asServiceUser(const std::function<std::string()>& body) {
    if (!runningAsRoot())
        return body();
    int fds[2];
    if (::pipe(fds) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        std::string result;
        if (::setgroups(0, nullptr) != 0 || ::setgid(kServiceUid) != 0 || ::setuid(kServiceUid) != 0) {
            result = std::string("setup: cannot switch to uid 65534: ") + std::strerror(errno);
        } else {
            try {
                result = body();
            } catch (const std::exception& e) {
                result = std::string("exception: ") + e.what();
            }
        }
        std::size_t written = 0;
        while (written < result.size()) {
            const auto n = ::write(fds[1], result.data() + written, result.size() - written);
            if (n <= 0)
                break;
            written += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string result;
    char buffer[4096];
    for (;;) {
        const auto n = ::read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        result.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "child failed (status " + std::to_string(status) + "): " + result;
    return result;
}

sdk::RawSettings pathSettings(const fs::path& file) {
    sdk::RawSettings raw;
    raw.scalars["path"] = file.string();
    return raw;
}

sdk::Component component(const std::string& name) {
    sdk::Component c;
    c.name = name;
    c.modifiedAt = 1700000000000;
    c.docker = sdk::DockerComponent{};
    c.docker->image = "nginx:latest";
    c.docker->httpPort = 80;
    return c;
}

/// Starts the plugin on `file` and writes one component: "ok", or the error's kind and message.
std::string startAndWrite(const fs::path& file) {
    try {
        auto db = tdb::createDatabase(pluginDir(), "sqlite", pathSettings(file));
        db->putComponent(component("probe-" + std::to_string(::getpid())));
        db->shutdown();
        return "ok";
    } catch (const sdk::Unavailable& e) {
        return std::string("Unavailable: ") + e.what();
    } catch (const std::exception& e) {
        return std::string("other: ") + e.what();
    }
}

/// Gives `path` to the service's user (no-op when the test's own user plays it).
void giveToServiceUser(const fs::path& path) {
    if (runningAsRoot() && ::chown(path.c_str(), kServiceUid, kServiceUid) != 0)
        throw std::runtime_error("chown " + path.string() + ": " + std::strerror(errno));
}

/// Makes `path` unwritable for the service's user: root-owned `rootMode` when running as root (the service's
/// user is someone else), else mode `ownMode` on the test user's own file.
void takeFromServiceUser(const fs::path& path, mode_t rootMode, mode_t ownMode) {
    if (::chmod(path.c_str(), runningAsRoot() ? rootMode : ownMode) != 0)
        throw std::runtime_error("chmod " + path.string() + ": " + std::strerror(errno));
}

std::string octal(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
    return text;
}

void assertContains(const std::string& text, const std::string& part) {
    CPPUNIT_ASSERT_MESSAGE("expected '" + part + "' in: " + text, text.find(part) != std::string::npos);
}

/// A database with the schema, created by the test's own user (root when running as root).
void createDatabaseFile(const fs::path& file) {
    auto db = tdb::createDatabase(pluginDir(), "sqlite", pathSettings(file));
    db->putComponent(component("created-by-admin"));
    db->shutdown();
}

std::string whoami() { return "uid " + std::to_string(serviceUid()); }

} // namespace

class SqlitePermissionsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SqlitePermissionsTest);
    CPPUNIT_TEST(testFileOfAnotherUserStopsTheStart);
    CPPUNIT_TEST(testMissingFileInUnwritableDirectory);
    CPPUNIT_TEST(testWritableFileInUnwritableDirectory);
    CPPUNIT_TEST(testJournalFileOfAnotherUser);
    CPPUNIT_TEST(testFileMadeReadOnlyWhileRunning);
    CPPUNIT_TEST(testCheckConfigAsTheServiceUser);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        dir_ = std::make_unique<TempDir>();
        fs::permissions(dir_->path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                          fs::perms::others_read | fs::perms::others_exec);
        state_ = dir_->path() / "state";
        fs::create_directory(state_);
        file_ = state_ / "maelstrom.db";
    }

    void tearDown() override {
        // the test's own user may have taken write access away from itself: give it back so the dir is removed
        std::error_code ec;
        fs::permissions(state_, fs::perms::owner_all, fs::perm_options::add, ec);
        dir_.reset();
    }

    // The install problem: root created the file (0644), the state directory belongs to the service's user.
    void testFileOfAnotherUserStopsTheStart() {
        createDatabaseFile(file_);
        giveToServiceUser(state_);
        takeFromServiceUser(file_, 0644, 0444);
        const std::string outcome = asServiceUser([&] { return startAndWrite(file_); });
        assertContains(outcome, "Unavailable: SQLite database " + file_.string() + " is not writable by " + whoami());
        assertContains(outcome, "mode " + octal(runningAsRoot() ? 0644 : 0444));
        assertContains(outcome, runningAsRoot() ? "(owner root, mode 0644)" : "owner ");
        assertContains(outcome, ": chown it to the user maelstromd runs as (the packaged service does this before "
                                "starting)");
        CPPUNIT_ASSERT_MESSAGE(outcome, outcome.find('\n') == std::string::npos);
        // the fix the message names: the file belongs to the service's user again
        giveToServiceUser(file_);
        takeFromServiceUser(file_, 0644, 0644);
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), asServiceUser([&] { return startAndWrite(file_); }));
    }

    void testMissingFileInUnwritableDirectory() {
        takeFromServiceUser(state_, 0755, 0555);
        const std::string outcome = asServiceUser([&] { return startAndWrite(file_); });
        assertContains(outcome, "Unavailable: SQLite database " + file_.string() +
                                    " cannot be created: its directory " + state_.string() + " is not writable by " +
                                    whoami());
        assertContains(outcome, "mode " + octal(runningAsRoot() ? 0755 : 0555));
        CPPUNIT_ASSERT(!fs::exists(file_));
    }

    // WAL needs <file>-wal and <file>-shm next to the file; the last connection removes them again.
    void testWritableFileInUnwritableDirectory() {
        createDatabaseFile(file_);
        giveToServiceUser(file_);
        takeFromServiceUser(state_, 0755, 0555);
        const std::string outcome = asServiceUser([&] { return startAndWrite(file_); });
        assertContains(outcome, "Unavailable: SQLite database " + file_.string() + ": its directory " +
                                    state_.string() + " is not writable by " + whoami());
        assertContains(outcome, "creates its journal files (maelstrom.db-wal, -shm) there");
        CPPUNIT_ASSERT(!fs::exists(file_.string() + "-wal"));
    }

    void testJournalFileOfAnotherUser() {
        createDatabaseFile(file_);
        giveToServiceUser(state_);
        giveToServiceUser(file_);
        const fs::path wal = file_.string() + "-wal";
        std::ofstream(wal).close(); // an empty journal, left by a run as another user
        takeFromServiceUser(wal, 0644, 0444);
        const std::string outcome = asServiceUser([&] { return startAndWrite(file_); });
        assertContains(outcome, "Unavailable: SQLite journal file " + wal.string() + " is not writable by " + whoami());
        assertContains(outcome, "chown it to the user maelstromd runs as");
    }

    // Sessions opened later (after an idle close) find the file read-only: the calls name the cause.
    void testFileMadeReadOnlyWhileRunning() {
        giveToServiceUser(state_);
        const std::string outcome = asServiceUser([&]() -> std::string {
            auto db = tdb::createDatabase(pluginDir(), "sqlite", pathSettings(file_));
            db->putComponent(component("before"));
            db->shutdown(); // closes the pooled sessions; the next call opens a new one
            if (::chmod(file_.c_str(), 0444) != 0)
                return std::string("chmod: ") + std::strerror(errno);
            try {
                db->putComponent(component("after"));
                return "the write succeeded";
            } catch (const sdk::Unavailable& e) {
                return std::string("Unavailable: ") + e.what();
            } catch (const std::exception& e) {
                return std::string("other: ") + e.what();
            }
        });
        assertContains(outcome, "Unavailable: ");
        assertContains(outcome, "SQLite opened " + file_.string() + " read-only: it is not writable by " + whoami());
        assertContains(outcome, "mode 0444): chown it to the user maelstromd runs as");
    }

    // End to end: an admin's --check-config run creates the file; the service's user's run then exits 2 with
    // the one line (and passes once the file is handed over).
    void testCheckConfigAsTheServiceUser() {
        const auto registry = dir_->write("maelstromd.yml", "plugin_dir: " + pluginDir().string() +
                                                                "\nservices:\n  database:\n    plugin: sqlite\n"
                                                                "    settings:\n      path: \"" +
                                                                file_.string() + "\"\n");
        const std::vector<std::string> check = {(binDir() / "maelstromd").string(), "--config", registry.string(),
                                                "--check-config"};
        const auto admin = runProcess(check);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(admin.out + admin.err, 0, admin.exitCode);
        CPPUNIT_ASSERT(fs::exists(file_));
        giveToServiceUser(state_);
        takeFromServiceUser(file_, 0644, 0444);
        std::vector<std::string> asService = check;
        if (runningAsRoot()) {
            asService.insert(asService.begin(), {"setpriv", "--reuid=" + std::to_string(kServiceUid),
                                                 "--regid=" + std::to_string(kServiceUid), "--clear-groups"});
        }
        const auto refused = runProcess(asService);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(refused.out + refused.err, 2, refused.exitCode);
        std::string err = refused.err;
        while (!err.empty() && err.back() == '\n')
            err.pop_back();
        const std::string line = err.substr(err.rfind('\n') == std::string::npos ? 0 : err.rfind('\n') + 1);
        assertContains(line, "maelstromd: database plugin 'sqlite' failed to start: SQLite database " + file_.string() +
                                 " is not writable by " + whoami());
        assertContains(line, "chown it to the user maelstromd runs as");
        CPPUNIT_ASSERT_MESSAGE(refused.out, refused.out.find("configuration OK") == std::string::npos);
        giveToServiceUser(file_);
        takeFromServiceUser(file_, 0644, 0644);
        const auto accepted = runProcess(asService);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(accepted.out + accepted.err, 0, accepted.exitCode);
        assertContains(accepted.out, "configuration OK");
    }

private:
    std::unique_ptr<TempDir> dir_;
    fs::path state_;
    fs::path file_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqlitePermissionsTest);
