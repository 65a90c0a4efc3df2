// yaml_tree.cpp — see yaml_tree.h. The builder is a yaml-cpp EventHandler: every event either starts a
// container (pushed on a stack), closes one, or adds a finished node to the innermost open container. Limits
// are checked at each event, and throwing from a handler unwinds yaml-cpp's parser cleanly.
#include "yaml_tree.h"

#include <maelstrom/sdk/utf8.h>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace maelstrom::cli {

const char* YamlNode::kindName() const noexcept {
    switch (kind) {
    case Kind::Null:
        return "null";
    case Kind::Scalar:
        return "scalar";
    case Kind::Sequence:
        return "sequence";
    case Kind::Map:
        return "mapping";
    }
    return "?";
}

namespace {

// The first byte YAML does not allow in a stream (invalid UTF-8, or a control character other than tab,
// newline and carriage return), with its 1-based line; yaml-cpp would pass such bytes through silently.
std::optional<std::pair<int, std::string>> findForbiddenByte(std::string_view text) {
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto [length, codePoint] = maelstrom::sdk::utf8::decode(text, i);
        if (length == 0) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(text[i]));
            return std::pair{line, std::string("the file is not valid UTF-8 (byte ") + hex + ")"};
        }
        if (codePoint == '\n')
            ++line;
        const bool control = (codePoint < 0x20 && codePoint != '\t' && codePoint != '\n' && codePoint != '\r') ||
                             codePoint == 0x7f || (codePoint >= 0x80 && codePoint < 0xa0 && codePoint != 0x85) ||
                             codePoint == 0xfffe || codePoint == 0xffff;
        if (control) {
            char name[16];
            std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(codePoint));
            return std::pair{line, std::string("control character ") + name + " is not allowed in YAML"};
        }
        i += length;
    }
    return std::nullopt;
}

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

class TreeBuilder : public YAML::EventHandler {
public:
    explicit TreeBuilder(const YamlLimits& limits) : limits_(limits) {}

    YamlNodePtr root() const { return root_ ? root_ : std::make_shared<YamlNode>(); }
    int lastLine() const { return lastLine_; }

    void OnDocumentStart(const YAML::Mark& mark) override {
        ++documents_;
        lastLine_ = lineOf(mark);
        anchors_.clear();
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (documents_ > 1 && stack_.empty())
            return; // an empty second document (a trailing "---") is fine
        auto node = std::make_shared<YamlNode>();
        // An empty value ("key:" then a new line) is reported by yaml-cpp at the next token; the key's line is
        // where a user looks.
        node->line = pendingKeyLine().value_or(lineOf(mark));
        finish(node, anchor);
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        const int line = lineOf(mark);
        usedAlias_ = true;
        if (anchor >= anchors_.size() || !anchors_[anchor])
            throw YamlTreeError(line, "alias refers to a node that is not finished (recursive alias)");
        add(anchors_[anchor], line);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        auto node = std::make_shared<YamlNode>();
        node->kind = YamlNode::Kind::Scalar;
        node->line = lineOf(mark);
        node->column = mark.column < 0 ? 0 : mark.column;
        node->value = value;
        if (tag == "?") {
            node->style = YamlNode::Style::Plain;
        } else if (tag == "!") {
            node->style = YamlNode::Style::Literal;
        } else {
            const std::string_view type = coreTag(tag, node->line);
            if (type == "str" || type == "binary")
                node->style = YamlNode::Style::Literal;
            else if (type == "int" || type == "float" || type == "bool" || type == "null" || type == "timestamp")
                node->style = YamlNode::Style::Plain;
            else
                throw YamlTreeError(node->line, "tag !!" + std::string(type) + " cannot be used on a scalar");
        }
        finish(node, anchor);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, YamlNode::Kind::Sequence, "seq");
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, YamlNode::Kind::Map, "map");
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame {
        std::shared_ptr<YamlNode> node;
        YAML::anchor_t anchor = 0;
        YamlNodePtr pendingKey;                          // maps: the key waiting for its value
        std::unordered_map<std::string, int> keys;       // maps: explicit key → line
        std::vector<std::pair<YamlNodePtr, int>> merges; // maps: `<<` values and their lines
    };

    static int lineOf(const YAML::Mark& mark) { return mark.is_null() || mark.line < 0 ? 1 : mark.line + 1; }

    std::optional<int> pendingKeyLine() const {
        if (!stack_.empty() && stack_.back().node->kind == YamlNode::Kind::Map && stack_.back().pendingKey)
            return stack_.back().pendingKey->line;
        return std::nullopt;
    }

    std::string_view coreTag(const std::string& tag, int line) const {
        if (std::string_view(tag).starts_with(kCoreTagPrefix))
            return std::string_view(tag).substr(kCoreTagPrefix.size());
        throw YamlTreeError(line,
                            "unsupported tag " + quoted(tag) + " (only the YAML core tags such as !!str are allowed)");
    }

    void checkDocument(int line) {
        lastLine_ = line;
        if (documents_ > 1)
            throw YamlTreeError(line, "more than one YAML document: a project file holds exactly one");
    }

    void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, YamlNode::Kind kind,
              std::string_view expectedTag) {
        const int line = lineOf(mark);
        checkDocument(line);
        if (tag != "?" && tag != "!") {
            const std::string_view type = coreTag(tag, line);
            if (type != expectedTag)
                throw YamlTreeError(line, "tag !!" + std::string(type) + " cannot be used on a " +
                                              (kind == YamlNode::Kind::Map ? "mapping" : "sequence"));
        }
        if (static_cast<int>(stack_.size()) >= limits_.maxDepth)
            throw YamlTreeError(line, "nesting deeper than " + std::to_string(limits_.maxDepth) + " levels");
        auto node = std::make_shared<YamlNode>();
        node->kind = kind;
        node->line = line;
        node->column = mark.column < 0 ? 0 : mark.column;
        if (anchor != 0) {
            // Registered as "not finished" until closed, so an alias to it inside itself is caught.
            if (anchors_.size() <= anchor)
                anchors_.resize(anchor + 1);
            anchors_[anchor] = nullptr;
        }
        stack_.push_back(Frame{std::move(node), anchor, nullptr, {}, {}});
    }

    void close() {
        Frame frame = std::move(stack_.back());
        stack_.pop_back();
        if (frame.node->kind == YamlNode::Kind::Map)
            resolveMerges(frame);
        finish(frame.node, frame.anchor);
    }

    // Appends the entries of the `<<` maps whose keys are not set explicitly (earlier merged maps win).
    void resolveMerges(Frame& frame) {
        auto& node = *frame.node;
        for (const auto& [value, line] : frame.merges) {
            std::vector<YamlNodePtr> sources;
            if (value->kind == YamlNode::Kind::Map) {
                sources.push_back(value);
            } else if (value->kind == YamlNode::Kind::Sequence) {
                for (const auto& item : value->items) {
                    if (item->kind != YamlNode::Kind::Map)
                        throw YamlTreeError(line, "a merge key (<<) takes a mapping or a list of mappings");
                    sources.push_back(item);
                }
            } else {
                throw YamlTreeError(line, "a merge key (<<) takes a mapping or a list of mappings");
            }
            for (const auto& source : sources) {
                for (const auto& entry : source->entries) {
                    if (!frame.keys.emplace(entry.first->value, line).second)
                        continue;
                    node.entries.push_back(entry);
                    grow(node, entry.first->expandedSize + entry.second->expandedSize, line);
                }
            }
        }
    }

    void grow(YamlNode& node, std::uint64_t by, int line) {
        node.expandedSize += by;
        if (node.expandedSize > limits_.maxNodes) {
            throw YamlTreeError(
                line, usedAlias_ ? "the document expands to more than " + std::to_string(limits_.maxNodes) +
                                       " nodes through aliases (an alias bomb?)"
                                 : "the document has more than " + std::to_string(limits_.maxNodes) + " nodes");
        }
    }

    void finish(const std::shared_ptr<YamlNode>& node, YAML::anchor_t anchor) {
        if (anchor != 0) {
            if (anchors_.size() <= anchor)
                anchors_.resize(anchor + 1);
            anchors_[anchor] = node;
        }
        add(node, node->line);
    }

    void add(const YamlNodePtr& node, int line) {
        checkDocument(line);
        if (stack_.empty()) {
            if (documents_ == 1)
                root_ = node;
            grow(rootCounter_, node->expandedSize, line);
            return;
        }
        Frame& top = stack_.back();
        if (top.node->kind == YamlNode::Kind::Sequence) {
            top.node->items.push_back(node);
            grow(*top.node, node->expandedSize, line);
            return;
        }
        if (!top.pendingKey) {
            if (node->kind != YamlNode::Kind::Scalar)
                throw YamlTreeError(line, std::string("a mapping key must be a scalar, not a ") + node->kindName());
            top.pendingKey = node;
            return;
        }
        YamlNodePtr key = std::move(top.pendingKey);
        top.pendingKey = nullptr;
        if (key->style == YamlNode::Style::Plain && key->value == "<<") {
            top.merges.emplace_back(node, key->line);
            return;
        }
        const auto [it, inserted] = top.keys.emplace(key->value, key->line);
        if (!inserted)
            throw YamlTreeError(key->line, "duplicate key " + quoted(key->value) + " (first set on line " +
                                               std::to_string(it->second) + ")");
        grow(*top.node, key->expandedSize + node->expandedSize, line);
        top.node->entries.emplace_back(std::move(key), node);
    }

    YamlLimits limits_;
    std::vector<Frame> stack_;
    std::vector<YamlNodePtr> anchors_; // index = yaml-cpp anchor id; nullptr while the node is open
    YamlNodePtr root_;
    YamlNode rootCounter_; // counts the whole document against maxNodes
    int documents_ = 0;
    int lastLine_ = 1;
    bool usedAlias_ = false;
};

} // namespace

std::string quoted(std::string_view text, std::size_t maxBytes) { return "'" + printable(text, maxBytes) + "'"; }

std::string printable(std::string_view text, std::size_t maxBytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (i >= maxBytes) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        const auto [length, codePoint] = maelstrom::sdk::utf8::decode(text, i);
        if (length > 0 && codePoint >= 0x20 && codePoint != 0x7f && !(codePoint >= 0x80 && codePoint < 0xa0)) {
            out.append(text.substr(i, length));
            i += length;
            continue;
        }
        switch (c) {
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            out += "\\x";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
        ++i;
    }
    return out;
}

YamlNodePtr parseYamlTree(std::string_view text, const YamlLimits& limits) {
    if (const auto bad = findForbiddenByte(text))
        throw YamlTreeError(bad->first, bad->second);
    std::istringstream in{std::string(text)};
    TreeBuilder builder(limits);
    try {
        YAML::Parser parser(in);
        // The first document, then a look at the next one: content there is an error (checkDocument).
        if (parser.HandleNextDocument(builder))
            parser.HandleNextDocument(builder);
    } catch (const YAML::Exception& e) {
        const int line = e.mark.is_null() || e.mark.line < 0 ? builder.lastLine() : e.mark.line + 1;
        throw YamlTreeError(line, "YAML syntax error: " + e.msg);
    }
    return builder.root();
}

} // namespace maelstrom::cli
