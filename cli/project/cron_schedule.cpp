// cron_schedule.cpp — see cron_schedule.h. Error texts follow the original scheduler's, prefixed with the
// field that is wrong, so a user can look them up.
#include "cron_schedule.h"

#include <maelstrom/sdk/duration.h>

#include <array>
#include <cctype>
#include <charconv>
#include <sys/stat.h>
#include <vector>

namespace maelstrom::cli {

namespace {

struct FieldRange {
    const char* label;
    std::uint64_t min;
    std::uint64_t max;
    const std::array<std::string_view, 12>* names; // index + namesBase = value; nullptr when none
    std::uint64_t namesBase;
    std::size_t nameCount;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const std::array<FieldRange, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, 0, 0},
    {"day-of-month", 1, 31, nullptr, 0, 0},
    {"month", 1, 12, &kMonthNames, 1, 12},
    {"day-of-week", 0, 6, &kDayNames, 0, 7},
}};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<std::string_view> splitFields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && isSpace(s[i]))
            ++i;
        const std::size_t start = i;
        while (i < s.size() && !isSpace(s[i]))
            ++i;
        if (i > start)
            out.push_back(s.substr(start, i - start));
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return out;
        start = at + 1;
    }
}

std::string str(std::string_view s) { return std::string(s); }

// strconv.Atoi semantics (optional sign, decimal digits, int64 range), then "not negative".
std::optional<std::uint64_t> parseNonNegative(std::string_view expr, std::string& error) {
    std::string_view digits = expr;
    bool negative = false;
    if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        value > (negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1)) {
        error = "failed to parse int from " + str(expr);
        return std::nullopt;
    }
    if (negative && value != 0) {
        error = "negative number (-" + std::to_string(value) + ") not allowed: " + str(expr);
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> parseIntOrName(std::string_view expr, const FieldRange& range, std::string& error) {
    if (range.names != nullptr) {
        std::string lower;
        for (char c : expr)
            lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        for (std::size_t i = 0; i < range.nameCount; ++i)
            if ((*range.names)[i] == lower)
                return range.namesBase + i;
    }
    return parseNonNegative(expr, error);
}

std::optional<std::string> checkRange(std::string_view expr, const FieldRange& range) {
    const auto rangeAndStep = split(expr, '/');
    const auto lowAndHigh = split(rangeAndStep[0], '-');
    const bool single = lowAndHigh.size() == 1;
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::string error;
    if (lowAndHigh[0] == "*" || lowAndHigh[0] == "?") {
        start = range.min; // quirk kept: "*-5" reads as "*"
        end = range.max;
    } else {
        const auto low = parseIntOrName(lowAndHigh[0], range, error);
        if (!low)
            return error;
        start = end = *low;
        if (lowAndHigh.size() == 2) {
            const auto high = parseIntOrName(lowAndHigh[1], range, error);
            if (!high)
                return error;
            end = *high;
        } else if (lowAndHigh.size() > 2) {
            return "too many hyphens: " + str(expr);
        }
    }
    std::uint64_t step = 1;
    if (rangeAndStep.size() == 2) {
        const auto parsed = parseNonNegative(rangeAndStep[1], error);
        if (!parsed)
            return error;
        step = *parsed;
        if (single)
            end = range.max; // "N/step" means "N-max/step"
    } else if (rangeAndStep.size() > 2) {
        return "too many slashes: " + str(expr);
    }
    if (start < range.min)
        return "beginning of range (" + std::to_string(start) + ") below minimum (" + std::to_string(range.min) +
               "): " + str(expr);
    if (end > range.max)
        return "end of range (" + std::to_string(end) + ") above maximum (" + std::to_string(range.max) +
               "): " + str(expr);
    if (start > end)
        return "beginning of range (" + std::to_string(start) + ") beyond end of range (" + std::to_string(end) +
               "): " + str(expr);
    if (step == 0)
        return "step of range should be a positive number: " + str(expr);
    return std::nullopt;
}

std::optional<std::string> checkField(std::string_view field, const FieldRange& range) {
    for (const auto item : split(field, ',')) {
        if (item.empty())
            continue; // strings.FieldsFunc drops empty items
        if (auto error = checkRange(item, range))
            return std::string(range.label) + " field: " + *error;
    }
    return std::nullopt;
}

std::optional<std::string> checkZone(std::string_view zone) {
    if (zone.empty() || zone == "UTC" || zone == "Local")
        return std::nullopt;
    const std::string name(zone);
    if (name.find("..") != std::string::npos || name.front() == '/' || name.front() == '\\')
        return "provided bad location " + name + ": invalid location name";
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' || c == '/'))
            return "provided bad location " + name + ": unknown time zone " + name;
    }
    struct stat st {};
    if (::stat("/usr/share/zoneinfo", &st) == 0 && S_ISDIR(st.st_mode)) {
        const std::string path = "/usr/share/zoneinfo/" + name;
        if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            return "provided bad location " + name + ": unknown time zone " + name;
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> checkCronSchedule(std::string_view spec) {
    if (spec.empty())
        return std::string("empty spec string");
    if (spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
        const auto space = spec.find(' ');
        if (space == std::string_view::npos)
            return "time zone prefix must be followed by a space and a schedule: " + str(spec);
        const auto eq = spec.find('=');
        if (auto error = checkZone(spec.substr(eq + 1, space - eq - 1)))
            return error;
        spec = spec.substr(space);
        while (!spec.empty() && isSpace(spec.front()))
            spec.remove_prefix(1);
        while (!spec.empty() && isSpace(spec.back()))
            spec.remove_suffix(1);
    }
    if (spec.starts_with("@")) {
        static constexpr std::string_view kDescriptors[] = {"@yearly", "@annually", "@monthly", "@weekly",
                                                            "@daily",  "@midnight", "@hourly"};
        for (const auto d : kDescriptors)
            if (spec == d)
                return std::nullopt;
        constexpr std::string_view kEvery = "@every ";
        if (spec.starts_with(kEvery)) {
            if (!sdk::parseGoDuration(spec.substr(kEvery.size())))
                return "failed to parse duration " + str(spec) + ": invalid duration \"" +
                       str(spec.substr(kEvery.size())) + "\" (Go syntax such as 90s, 1h30m, 1.5h)";
            return std::nullopt;
        }
        return "unrecognized descriptor: " + str(spec);
    }
    const auto fields = splitFields(spec);
    if (fields.size() != kFields.size())
        return "expected exactly 5 fields, found " + std::to_string(fields.size()) + ": " + str(spec);
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (auto error = checkField(fields[i], kFields[i]))
            return error;
    return std::nullopt;
}

} // namespace maelstrom::cli
