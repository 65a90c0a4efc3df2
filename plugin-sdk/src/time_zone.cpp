// time_zone.cpp — TZif reading and Go's zone lookup rules (see time_zone.h). The functions mirror Go's
// time/zoneinfo.go and zoneinfo_read.go step by step (same edge cases, same spans), because a cron schedule
// near a DST change fires where those rules say, not where another library's would.
// SPDX-License-Identifier: Apache-2.0
#include "time_zone.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>

namespace maelstrom::sdk::detail {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kSecondsPerHour = 3600;

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

constexpr std::array<int, 13> kDaysBefore = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

// ---- POSIX TZ strings (Go's tzsetName, tzsetOffset, tzsetNum, tzsetRule) ----

bool tzsetName(std::string_view& s) {
    if (s.empty())
        return false;
    if (s.front() != '<') {
        for (std::size_t i = 0; i < s.size(); ++i) {
            const char c = s[i];
            if ((c >= '0' && c <= '9') || c == ',' || c == '-' || c == '+') {
                if (i < 3)
                    return false;
                s.remove_prefix(i);
                return true;
            }
        }
        if (s.size() < 3)
            return false;
        s = {};
        return true;
    }
    const auto close = s.find('>');
    if (close == std::string_view::npos)
        return false;
    s.remove_prefix(close + 1);
    return true;
}

bool tzsetNum(std::string_view& s, int min, int max, int& num) {
    if (s.empty())
        return false;
    num = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') {
            if (i == 0 || num < min)
                return false;
            s.remove_prefix(i);
            return true;
        }
        num = num * 10 + (c - '0');
        if (num > max)
            return false;
    }
    if (num < min)
        return false;
    s = {};
    return true;
}

// "[+-]hh[:mm[:ss]]" in seconds, hours up to 24*7 as tzcode allows.
bool tzsetOffset(std::string_view& s, int& offset) {
    if (s.empty())
        return false;
    bool negative = false;
    if (s.front() == '+') {
        s.remove_prefix(1);
    } else if (s.front() == '-') {
        s.remove_prefix(1);
        negative = true;
    }
    int hours = 0;
    if (!tzsetNum(s, 0, 24 * 7, hours))
        return false;
    offset = hours * 3600;
    if (!s.empty() && s.front() == ':') {
        s.remove_prefix(1);
        int minutes = 0;
        if (!tzsetNum(s, 0, 59, minutes))
            return false;
        offset += minutes * 60;
        if (!s.empty() && s.front() == ':') {
            s.remove_prefix(1);
            int seconds = 0;
            if (!tzsetNum(s, 0, 59, seconds))
                return false;
            offset += seconds;
        }
    }
    if (negative)
        offset = -offset;
    return true;
}

bool tzsetRule(std::string_view& s, PosixTimeZone::Rule& rule) {
    using Kind = PosixTimeZone::RuleKind;
    if (s.empty())
        return false;
    if (s.front() == 'J') {
        s.remove_prefix(1);
        if (!tzsetNum(s, 1, 365, rule.day))
            return false;
        rule.kind = Kind::Julian;
    } else if (s.front() == 'M') {
        s.remove_prefix(1);
        if (!tzsetNum(s, 1, 12, rule.month) || s.empty() || s.front() != '.')
            return false;
        s.remove_prefix(1);
        if (!tzsetNum(s, 1, 5, rule.week) || s.empty() || s.front() != '.')
            return false;
        s.remove_prefix(1);
        if (!tzsetNum(s, 0, 6, rule.day))
            return false;
        rule.kind = Kind::MonthWeekDay;
    } else {
        if (!tzsetNum(s, 0, 365, rule.day))
            return false;
        rule.kind = Kind::DayOfYear;
    }
    if (s.empty() || s.front() != '/') {
        rule.time = 2 * 3600; // 02:00 is the default
        return true;
    }
    s.remove_prefix(1);
    return tzsetOffset(s, rule.time);
}

// Go's tzruleTime: seconds after the start of the UTC year at which `rule` takes effect, given the offset in
// force before it (`offset`, seconds east of UTC).
std::int64_t ruleTime(std::int64_t year, const PosixTimeZone::Rule& rule, std::int64_t offset) {
    using Kind = PosixTimeZone::RuleKind;
    std::int64_t s = 0;
    switch (rule.kind) {
    case Kind::Julian:
        s = static_cast<std::int64_t>(rule.day - 1) * kSecondsPerDay;
        if (isLeapYear(year) && rule.day >= 60)
            s += kSecondsPerDay;
        break;
    case Kind::DayOfYear:
        s = static_cast<std::int64_t>(rule.day) * kSecondsPerDay;
        break;
    case Kind::MonthWeekDay: {
        // Zeller's congruence gives the weekday of the month's first day (Go's integer arithmetic, kept).
        const std::int64_t m1 = (rule.month + 9) % 12 + 1;
        std::int64_t yy0 = year;
        if (rule.month <= 2)
            --yy0;
        const std::int64_t yy1 = yy0 / 100;
        const std::int64_t yy2 = yy0 % 100;
        std::int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
        if (dow < 0)
            dow += 7;
        std::int64_t d = rule.day - dow;
        if (d < 0)
            d += 7;
        for (int i = 1; i < rule.week; ++i) {
            if (d + 7 >= daysInMonth(rule.month, year))
                break;
            d += 7;
        }
        d += kDaysBefore[static_cast<std::size_t>(rule.month - 1)];
        if (isLeapYear(year) && rule.month > 2)
            ++d;
        s = d * kSecondsPerDay;
        break;
    }
    }
    return s + rule.time - offset;
}

// ---- TZif (Go's LoadLocationFromTZData) ----

class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}
    bool read(std::uint64_t n, std::string_view& out) {
        if (failed_ || n > data_.size()) {
            failed_ = true;
            return false;
        }
        out = data_.substr(0, static_cast<std::size_t>(n));
        data_.remove_prefix(static_cast<std::size_t>(n));
        return true;
    }
    bool big4(std::uint32_t& n) {
        std::string_view p;
        if (!read(4, p))
            return false;
        n = 0;
        for (char c : p)
            n = (n << 8) | static_cast<unsigned char>(c);
        return true;
    }
    std::string_view rest() const { return failed_ ? std::string_view{} : data_; }
    bool failed() const { return failed_; }

private:
    std::string_view data_;
    bool failed_ = false;
};

std::uint64_t big(std::string_view p) {
    std::uint64_t n = 0;
    for (char c : p)
        n = (n << 8) | static_cast<unsigned char>(c);
    return n;
}

// ---- Files and the cache ----

// Go's platformZoneSources, in its order.
constexpr std::array<std::string_view, 4> kZoneDirs = {"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/",
                                                       "/usr/lib/locale/TZ/", "/etc/zoneinfo/"};
// Go refuses larger files too (readFile's maxFileSize); real ones are a few KiB.
constexpr std::size_t kMaxZoneFile = 10u << 20;

enum class FileStatus { Ok, Missing, Malformed };

// Reads a regular file; anything that cannot be opened or is not a regular file counts as missing, so a
// directory name ("America") reads as an unknown zone.
FileStatus readZoneFile(const std::string& path, std::string& out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FileStatus::Missing;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return FileStatus::Missing;
    }
    out.clear();
    char buffer[4096];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            ::close(fd);
            return FileStatus::Malformed;
        }
        if (n == 0)
            break;
        out.append(buffer, static_cast<std::size_t>(n));
        if (out.size() > kMaxZoneFile) {
            ::close(fd);
            return FileStatus::Malformed;
        }
    }
    ::close(fd);
    return FileStatus::Ok;
}

std::shared_ptr<const TimeZone> zoneFromFile(const std::string& path, FileStatus& status) {
    std::string data;
    status = readZoneFile(path, data);
    if (status != FileStatus::Ok)
        return nullptr;
    auto zone = TimeZone::fromTzif(data);
    if (!zone)
        status = FileStatus::Malformed;
    return zone;
}

// Names that are UTC under another spelling: answered without a file, so a system without tzdata still reads
// "CRON_TZ=Etc/UTC" (their files, when present, say offset 0 for all time anyway).
bool isUtcAlias(std::string_view name) {
    static constexpr std::string_view kAliases[] = {
        "Etc/UTC", "Etc/UCT",   "UCT",   "Etc/Universal", "Universal", "Etc/Zulu",
        "Zulu",    "Etc/GMT",   "GMT",   "Etc/GMT0",      "GMT0",      "Etc/GMT+0",
        "GMT+0",   "Etc/GMT-0", "GMT-0", "Etc/Greenwich", "Greenwich"};
    return std::find(std::begin(kAliases), std::end(kAliases), name) != std::end(kAliases);
}

struct Cache {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const TimeZone>> byName;
    bool localResolved = false;
    std::optional<std::string> localKey; // the TZ value `local` was resolved for (nothing: TZ unset)
    std::shared_ptr<const TimeZone> local;
};

Cache& cache() {
    // Never destroyed: a thread still computing a firing time while the process exits must not find it gone.
    static Cache* instance = new Cache();
    return *instance;
}

// A zone by IANA name from the system folders (Go's loadLocation), cached. No special names here.
std::shared_ptr<const TimeZone> loadNamedZone(std::string_view name, std::string& error) {
    if (name.find("..") != std::string_view::npos || name.front() == '/' || name.front() == '\\') {
        error = "invalid location name";
        return nullptr;
    }
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' || c == '/')) {
            error = "unknown time zone " + std::string(name);
            return nullptr;
        }
    }
    if (isUtcAlias(name))
        return TimeZone::utc();
    Cache& c = cache();
    const std::lock_guard lock(c.mutex);
    if (const auto found = c.byName.find(std::string(name)); found != c.byName.end())
        return found->second;
    bool malformed = false;
    for (const auto dir : kZoneDirs) {
        FileStatus status = FileStatus::Missing;
        auto zone = zoneFromFile(std::string(dir) + std::string(name), status);
        if (zone) {
            c.byName.emplace(std::string(name), zone);
            return zone;
        }
        malformed = malformed || status == FileStatus::Malformed;
    }
    // Failures are not cached: installing tzdata later makes the name work without a restart.
    error = malformed ? "malformed time zone information" : "unknown time zone " + std::string(name);
    return nullptr;
}

std::shared_ptr<const TimeZone> resolveLocal(const std::optional<std::string>& tz) {
    FileStatus status = FileStatus::Missing;
    if (!tz) {
        auto zone = zoneFromFile("/etc/localtime", status);
        return zone ? zone : TimeZone::utc();
    }
    std::string_view name = *tz;
    if (!name.empty() && name.front() == ':')
        name.remove_prefix(1);
    if (!name.empty() && name.front() == '/') {
        auto zone = zoneFromFile(std::string(name), status);
        return zone ? zone : TimeZone::utc();
    }
    if (!name.empty() && name != "UTC") {
        std::string error;
        auto zone = loadNamedZone(name, error);
        return zone ? zone : TimeZone::utc();
    }
    return TimeZone::utc();
}

} // namespace

// ---- Calendar ----

bool isLeapYear(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int daysInMonth(int month, std::int64_t year) {
    if (month == 2 && isLeapYear(year))
        return 29;
    return kDaysBefore[static_cast<std::size_t>(month)] - kDaysBefore[static_cast<std::size_t>(month - 1)];
}

// Howard Hinnant's days_from_civil / civil_from_days, on a March-based year.
std::int64_t daysFromCivil(std::int64_t year, int month) {
    const std::int64_t y = year - (month <= 2 ? 1 : 0);
    const std::int64_t era = floorDiv(y, 400);
    const std::int64_t yearOfEra = y - era * 400;
    const std::int64_t dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5; // of the 1st
    const std::int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

CivilTime civilFromSeconds(std::int64_t localSeconds) {
    CivilTime c;
    const std::int64_t days = floorDiv(localSeconds, kSecondsPerDay);
    const std::int64_t secondOfDay = localSeconds - days * kSecondsPerDay;
    c.hour = static_cast<int>(secondOfDay / 3600);
    c.minute = static_cast<int>(secondOfDay / 60 % 60);
    c.second = static_cast<int>(secondOfDay % 60);
    c.weekday = static_cast<int>(days + 4 - floorDiv(days + 4, 7) * 7); // 1970-01-01 was a Thursday

    const std::int64_t z = days + 719468;
    const std::int64_t era = floorDiv(z, 146097);
    const std::int64_t dayOfEra = z - era * 146097;
    const std::int64_t yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const std::int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const std::int64_t mp = (5 * dayOfYear + 2) / 153;
    c.day = static_cast<int>(dayOfYear - (153 * mp + 2) / 5 + 1);
    c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    c.year = yearOfEra + era * 400 + (c.month <= 2 ? 1 : 0);
    c.yearDay = static_cast<int>(days - daysFromCivil(c.year, 1));
    return c;
}

// ---- PosixTimeZone ----

std::optional<PosixTimeZone> PosixTimeZone::parse(std::string_view s) {
    PosixTimeZone tz;
    int offset = 0;
    if (!tzsetName(s) || !tzsetOffset(s, offset))
        return std::nullopt;
    tz.stdOffset = -offset; // the string gives what to add to local time to get UTC
    if (s.empty() || s.front() == ',')
        return tz; // no daylight saving time (Go ignores what follows a comma here)
    if (!tzsetName(s))
        return std::nullopt;
    if (s.empty() || s.front() == ',') {
        tz.dstOffset = tz.stdOffset + kSecondsPerHour;
    } else {
        if (!tzsetOffset(s, offset))
            return std::nullopt;
        tz.dstOffset = -offset;
    }
    tz.hasDst = true;
    if (s.empty())
        s = ",M3.2.0,M11.1.0"; // tzcode's default rules
    if (s.front() != ',' && s.front() != ';')
        return std::nullopt;
    s.remove_prefix(1);
    if (!tzsetRule(s, tz.start) || s.empty() || s.front() != ',')
        return std::nullopt;
    s.remove_prefix(1);
    if (!tzsetRule(s, tz.end) || !s.empty())
        return std::nullopt;
    return tz;
}

ZoneOffset PosixTimeZone::lookup(std::int64_t lastTransition, std::int64_t sec) const {
    if (!hasDst)
        return {stdOffset, lastTransition, kOmega};
    // Go works in the UTC year of `sec`, with its yday and a truncating remainder (kept for equal spans).
    const CivilTime utc = civilFromSeconds(sec);
    const std::int64_t ysec = static_cast<std::int64_t>(utc.yearDay) * kSecondsPerDay + sec % kSecondsPerDay;
    const std::int64_t yearStart = daysFromCivil(utc.year, 1) * kSecondsPerDay;
    std::int64_t startSec = ruleTime(utc.year, start, stdOffset);
    std::int64_t endSec = ruleTime(utc.year, end, dstOffset);
    std::int64_t standard = stdOffset;
    std::int64_t daylight = dstOffset;
    if (endSec < startSec) { // southern hemisphere: the year starts in DST
        std::swap(startSec, endSec);
        std::swap(standard, daylight);
    }
    if (ysec < startSec)
        return {standard, yearStart, startSec + yearStart};
    if (ysec >= endSec)
        return {standard, endSec + yearStart, yearStart + 365 * kSecondsPerDay};
    return {daylight, startSec + yearStart, endSec + yearStart};
}

// ---- TimeZone ----

std::shared_ptr<const TimeZone> TimeZone::utc() {
    static const auto instance = std::make_shared<const TimeZone>();
    return instance;
}

std::shared_ptr<const TimeZone> TimeZone::fromTzif(std::string_view data) {
    Reader d(data);
    std::string_view p;
    if (!d.read(4, p) || p != "TZif" || !d.read(16, p))
        return nullptr;
    const char version = p[0];
    if (version != 0 && (version < '2' || version > '4'))
        return nullptr;
    enum { UtcLocal, StdWall, Leap, Time, Zone, Char };
    std::array<std::uint64_t, 6> n{};
    const auto readCounts = [&] {
        for (auto& count : n) {
            std::uint32_t v = 0;
            if (!d.big4(v))
                return false;
            count = v;
        }
        return true;
    };
    if (!readCounts())
        return nullptr;
    std::uint64_t size = 4;
    if (version != 0) {
        // Skip the 32-bit block and the second header: the 64-bit block that follows covers all time.
        const std::uint64_t skip =
            n[Time] * 4 + n[Time] + n[Zone] * 6 + n[Char] + n[Leap] * 8 + n[StdWall] + n[UtcLocal] + 4 + 16;
        if (!d.read(skip, p) || !readCounts())
            return nullptr;
        size = 8;
    }
    std::string_view times, indices, types, abbreviations;
    d.read(n[Time] * size, times);
    d.read(n[Time], indices);
    d.read(n[Zone] * 6, types);
    d.read(n[Char], abbreviations);
    d.read(n[Leap] * (size + 4), p);
    d.read(n[StdWall], p);
    d.read(n[UtcLocal], p);
    if (d.failed() || n[Zone] == 0)
        return nullptr;

    auto zone = std::make_shared<TimeZone>();
    for (std::uint64_t i = 0; i < n[Zone]; ++i) {
        const auto entry = types.substr(static_cast<std::size_t>(i * 6), 6);
        if (static_cast<unsigned char>(entry[5]) >= abbreviations.size())
            return nullptr;
        zone->types_.push_back(
            {static_cast<std::int32_t>(static_cast<std::uint32_t>(big(entry.substr(0, 4)))), entry[4] != 0});
    }
    for (std::uint64_t i = 0; i < n[Time]; ++i) {
        const std::uint64_t raw = big(times.substr(static_cast<std::size_t>(i * size), static_cast<std::size_t>(size)));
        const std::int64_t when =
            size == 4 ? static_cast<std::int32_t>(static_cast<std::uint32_t>(raw)) : static_cast<std::int64_t>(raw);
        const auto type = static_cast<unsigned char>(indices[static_cast<std::size_t>(i)]);
        if (type >= zone->types_.size())
            return nullptr;
        zone->transitions_.push_back({when, type});
    }
    if (zone->transitions_.empty())
        zone->transitions_.push_back({kAlpha, 0}); // a fixed zone ("Etc/GMT+5"): one span for all time

    const auto rest = d.rest();
    if (rest.size() > 2 && rest.front() == '\n' && rest.back() == '\n')
        zone->footer_ = PosixTimeZone::parse(rest.substr(1, rest.size() - 2));
    return zone;
}

// Go's lookupFirstZone (from tzcode's localtime.c): the zone for instants before the first transition.
std::size_t TimeZone::firstZone() const {
    const bool firstUsed =
        std::any_of(transitions_.begin(), transitions_.end(), [](const Transition& t) { return t.type == 0; });
    if (!firstUsed)
        return 0;
    if (types_[transitions_.front().type].isDst) {
        for (std::size_t i = transitions_.front().type; i-- > 0;)
            if (!types_[i].isDst)
                return i;
    }
    for (std::size_t i = 0; i < types_.size(); ++i)
        if (!types_[i].isDst)
            return i;
    return 0;
}

ZoneOffset TimeZone::lookup(std::int64_t sec) const {
    if (types_.empty())
        return {};
    if (sec < transitions_.front().when)
        return {types_[firstZone()].offset, kAlpha, transitions_.front().when};
    // The last transition at or before `sec` (Go's binary search, which also tracks the span's end).
    std::size_t lo = 0;
    std::size_t hi = transitions_.size();
    std::int64_t end = kOmega;
    while (hi - lo > 1) {
        const std::size_t m = lo + (hi - lo) / 2;
        if (sec < transitions_[m].when) {
            end = transitions_[m].when;
            hi = m;
        } else {
            lo = m;
        }
    }
    if (lo == transitions_.size() - 1 && footer_)
        return footer_->lookup(transitions_[lo].when, sec);
    return {types_[transitions_[lo].type].offset, transitions_[lo].when, end};
}

// ---- Loading ----

std::shared_ptr<const TimeZone> loadTimeZone(std::string_view name, std::string& error) {
    if (name.empty() || name == "UTC")
        return TimeZone::utc();
    if (name == "Local")
        return localTimeZone();
    return loadNamedZone(name, error);
}

std::shared_ptr<const TimeZone> localTimeZone() {
    std::optional<std::string> key;
    if (const char* tz = std::getenv("TZ"))
        key = tz;
    Cache& c = cache();
    {
        const std::lock_guard lock(c.mutex);
        if (c.localResolved && c.localKey == key)
            return c.local;
    }
    auto zone = resolveLocal(key); // takes the lock itself for named zones
    const std::lock_guard lock(c.mutex);
    c.localResolved = true;
    c.localKey = std::move(key);
    c.local = zone;
    return zone;
}

} // namespace maelstrom::sdk::detail
