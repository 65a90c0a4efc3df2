// prometheus_exposition.h — a strict reader of the Prometheus text exposition format 0.0.4 for tests: every family
// declared once with # HELP and # TYPE before its samples, valid metric and label names, quoted and escaped label
// values, numeric sample values, histograms with cumulative buckets ending in le="+Inf" and a _count equal to it.
// Header-only. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace maelstrom::testing::prometheus {

struct Sample {
    std::string name;                          ///< as written (histograms: with _bucket, _sum, _count)
    std::map<std::string, std::string> labels; ///< unescaped values
    double value = 0;
};

struct Family {
    std::string help;
    std::string type;            ///< counter, gauge, histogram, summary, untyped
    std::vector<Sample> samples; ///< in order
};

struct Exposition {
    std::map<std::string, Family> families;
    std::vector<std::string> problems; ///< empty: the text is valid
};

/// [a-zA-Z_:][a-zA-Z0-9_:]* (colons only when `colons`).
inline bool validName(const std::string& name, bool colons) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
        if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
            return false;
        }
    }
    return true;
}

inline bool validMetricName(const std::string& name) { return validName(name, true); }

inline bool validLabelName(const std::string& name) { return validName(name, false) && name.rfind("__", 0) != 0; }

/// Parses `text`; every deviation from the format is one line in `problems`.
inline Exposition parse(const std::string& text) {
    Exposition out;
    std::set<std::string> helped;
    std::set<std::string> typed;
    std::size_t lineNo = 0;
    std::size_t pos = 0;
    auto problem = [&](const std::string& what, const std::string& line) {
        out.problems.push_back("line " + std::to_string(lineNo) + ": " + what + ": " + line);
    };
    if (!text.empty() && text.back() != '\n') {
        out.problems.push_back("the text does not end with a newline");
    }
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        pos = end == std::string::npos ? text.size() : end + 1;
        ++lineNo;
        if (line.empty()) {
            continue;
        }
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
            const bool help = line[2] == 'H';
            const std::string rest = line.substr(7);
            const std::size_t space = rest.find(' ');
            const std::string name = rest.substr(0, space);
            const std::string value = space == std::string::npos ? "" : rest.substr(space + 1);
            if (!validMetricName(name)) {
                problem("invalid metric name", line);
            }
            if (value.empty()) {
                problem(help ? "empty HELP text" : "no type", line);
            }
            auto& seen = help ? helped : typed;
            if (!seen.insert(name).second) {
                problem(std::string("family declared twice (") + (help ? "HELP" : "TYPE") + ")", line);
            }
            if (!out.families[name].samples.empty()) {
                problem("HELP/TYPE after the family's samples", line);
            }
            if (help) {
                out.families[name].help = value;
            } else {
                static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary", "untyped"};
                if (types.count(value) == 0) {
                    problem("unknown type", line);
                }
                out.families[name].type = value;
            }
            continue;
        }
        if (line[0] == '#') {
            continue; // a comment
        }
        Sample sample;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') {
            ++i;
        }
        sample.name = line.substr(0, i);
        if (!validMetricName(sample.name)) {
            problem("invalid metric name", line);
            continue;
        }
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const std::size_t eq = line.find('=', i);
                if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
                    problem("malformed label", line);
                    i = line.size();
                    break;
                }
                const std::string labelName = line.substr(i, eq - i);
                if (!validLabelName(labelName)) {
                    problem("invalid label name '" + labelName + "'", line);
                }
                std::string value;
                std::size_t j = eq + 2;
                bool closed = false;
                for (; j < line.size(); ++j) {
                    if (line[j] == '\\' && j + 1 < line.size()) {
                        const char next = line[++j];
                        if (next == 'n') {
                            value += '\n';
                        } else if (next == '\\' || next == '"') {
                            value += next;
                        } else {
                            problem("bad escape in a label value", line);
                        }
                    } else if (line[j] == '"') {
                        closed = true;
                        break;
                    } else {
                        value += line[j];
                    }
                }
                if (!closed) {
                    problem("unterminated label value", line);
                    i = line.size();
                    break;
                }
                if (!sample.labels.emplace(labelName, value).second) {
                    problem("label given twice", line);
                }
                i = j + 1;
                if (i < line.size() && line[i] == ',') {
                    ++i;
                }
            }
            if (i >= line.size()) {
                problem("unterminated label set", line);
                continue;
            }
            ++i; // '}'
        }
        if (i >= line.size() || line[i] != ' ') {
            problem("no value", line);
            continue;
        }
        const std::string valueText = line.substr(i + 1, line.find(' ', i + 1) - (i + 1));
        if (valueText == "+Inf" || valueText == "-Inf" || valueText == "NaN") {
            sample.value = valueText == "NaN" ? NAN : (valueText[0] == '-' ? -INFINITY : INFINITY);
        } else {
            char* parsedEnd = nullptr;
            sample.value = std::strtod(valueText.c_str(), &parsedEnd);
            if (valueText.empty() || *parsedEnd != '\0') {
                problem("value is not a number", line);
            }
        }
        // The family: the name itself, or the histogram/summary it is a _bucket/_sum/_count line of.
        std::string family = sample.name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            const std::string s = suffix;
            if (out.families.count(family) == 0 && sample.name.size() > s.size() &&
                sample.name.compare(sample.name.size() - s.size(), s.size(), s) == 0) {
                const std::string base = sample.name.substr(0, sample.name.size() - s.size());
                const auto it = out.families.find(base);
                if (it != out.families.end() && (it->second.type == "histogram" || it->second.type == "summary")) {
                    family = base;
                }
            }
        }
        const auto it = out.families.find(family);
        if (it == out.families.end() || helped.count(family) == 0 || typed.count(family) == 0) {
            problem("sample without # HELP and # TYPE of its family before it", line);
            continue;
        }
        if (it->second.type == "histogram" && sample.name == family) {
            problem("histogram sample without _bucket/_sum/_count", line);
        }
        if (it->second.type == "counter" && (sample.value < 0 || std::isnan(sample.value))) {
            problem("negative counter", line);
        }
        it->second.samples.push_back(std::move(sample));
    }
    // Histograms: per label set (without le), cumulative buckets ending in +Inf equal to _count.
    for (const auto& [name, family] : out.families) {
        if (family.help.empty() || family.type.empty()) {
            out.problems.push_back(name + ": HELP or TYPE missing");
        }
        if (family.type != "histogram") {
            continue;
        }
        std::map<std::map<std::string, std::string>, std::vector<std::pair<std::string, double>>> buckets;
        std::map<std::map<std::string, std::string>, double> counts;
        for (const auto& s : family.samples) {
            auto labels = s.labels;
            if (s.name == name + "_bucket") {
                const auto le = labels.find("le");
                if (le == labels.end()) {
                    out.problems.push_back(name + ": a bucket without le");
                    continue;
                }
                const std::string bound = le->second;
                labels.erase(le);
                buckets[labels].emplace_back(bound, s.value);
            } else if (s.name == name + "_count") {
                counts[labels] = s.value;
            }
        }
        for (const auto& [labels, list] : buckets) {
            double previous = 0;
            for (const auto& [bound, value] : list) {
                if (value < previous) {
                    out.problems.push_back(name + ": buckets not cumulative at le=" + bound);
                }
                previous = value;
            }
            if (list.empty() || list.back().first != "+Inf") {
                out.problems.push_back(name + ": last bucket is not le=\"+Inf\"");
            } else if (counts.count(labels) == 0 || counts[labels] != list.back().second) {
                out.problems.push_back(name + ": _count differs from the +Inf bucket");
            }
        }
    }
    return out;
}

/// Every problem of `exposition`, one per line ("" when valid).
inline std::string problems(const Exposition& exposition) {
    std::string text;
    for (const auto& p : exposition.problems) {
        text += p + "\n";
    }
    return text;
}

/// The series names a query may use for the families: each name, and for histograms name_bucket/_sum/_count.
inline std::set<std::string> seriesNames(const Exposition& exposition) {
    std::set<std::string> names;
    for (const auto& [name, family] : exposition.families) {
        names.insert(name);
        if (family.type == "histogram" || family.type == "summary") {
            names.insert(name + "_bucket");
            names.insert(name + "_sum");
            names.insert(name + "_count");
        }
    }
    return names;
}

} // namespace maelstrom::testing::prometheus
