// yaml_tree.h — a bounded YAML document tree built from yaml-cpp's event parser, for strict decoding of
// untrusted project files.
// SPDX-License-Identifier: Apache-2.0
//
// Why not YAML::Load: yaml-cpp's node API keeps only one of two duplicate keys when looked up, gives no
// way to bound alias expansion (a "billion laughs" document is a few hundred bytes that expand to 10^9
// nodes when walked), and keeps no line for a missing value. This builder:
//   * rejects duplicate keys in every mapping (naming both lines);
//   * counts the nodes of the document with every alias expanded, and stops as soon as the count passes
//     `maxNodes` — so a billion-laughs document fails after a few hundred events, in microseconds;
//   * rejects nesting deeper than `maxDepth` while parsing (before yaml-cpp's own recursion gets deep);
//   * rejects recursive aliases (an alias to a node that is still open), tags other than the YAML core ones,
//     non-scalar keys, and a second non-empty document;
//   * resolves merge keys (`<<: *base`, `<<: [*a, *b]`): explicit keys win, earlier merged maps win.
// Aliased nodes are shared (std::shared_ptr), never copied. Lines are 1-based lines of the text parsed.
// Pure function; thread-safe (yaml-cpp's parser is used on one thread per call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maelstrom::cli {

struct YamlNode;
using YamlNodePtr = std::shared_ptr<const YamlNode>;

struct YamlNode {
    enum class Kind { Null, Scalar, Sequence, Map };
    /// How a scalar's type is decided: Plain scalars resolve by YAML 1.1 rules (`10` is an int, `yes` a
    /// bool); Literal ones (quoted, block, or tagged !!str) are strings whatever they look like.
    enum class Style { Plain, Literal };

    Kind kind = Kind::Null;
    Style style = Style::Plain;
    std::string value;                                        ///< scalars only
    int line = 1;                                             ///< 1-based line in the parsed text
    int column = 0;                                           ///< 0-based byte column in that line
    std::vector<YamlNodePtr> items;                           ///< sequences
    std::vector<std::pair<YamlNodePtr, YamlNodePtr>> entries; ///< mappings, keys are scalars, merges resolved
    std::uint64_t expandedSize = 1;                           ///< nodes in this subtree, aliases expanded

    const char* kindName() const noexcept; ///< "null", "scalar", "sequence", "mapping"
};

struct YamlLimits {
    std::uint64_t maxNodes = 100000; ///< nodes with aliases expanded
    int maxDepth = 64;               ///< nested sequences/mappings
};

/// A syntax error or a limit hit. `line()` is 1-based in the parsed text; message() has no location.
class YamlTreeError : public std::runtime_error {
public:
    YamlTreeError(int line, const std::string& message) : std::runtime_error(message), line_(line) {}
    int line() const noexcept { return line_; }

private:
    int line_;
};

/// `text` in single quotes for an error message: control characters and invalid UTF-8 escaped (\n, \xNN),
/// cut after `maxBytes` with "...", so a message stays one readable line whatever the input holds.
std::string quoted(std::string_view text, std::size_t maxBytes = 80);
/// The same without the quotes.
std::string printable(std::string_view text, std::size_t maxBytes = 80);

/// Parses the first document of `text` (a Null node for an empty document). Throws YamlTreeError.
YamlNodePtr parseYamlTree(std::string_view text, const YamlLimits& limits);

} // namespace maelstrom::cli
