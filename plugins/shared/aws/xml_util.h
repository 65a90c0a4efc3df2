// xml_util.h — aws (private): the XML answers of the query-protocol services (SQS, Auto Scaling) read into a
// plain tree, namespace prefixes dropped, so the clients look elements up by their local names.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace maelstrom::aws::xml {

struct Node {
    std::string name; ///< local name (any "prefix:" removed)
    std::string text; ///< the concatenated text directly inside (entities decoded)
    std::vector<Node> children;

    /// The first element of that name in document order below this one (this one excluded), or nullptr.
    const Node* find(const std::string& localName) const;
    /// Every element of that name below this one, in document order.
    std::vector<const Node*> findAll(const std::string& localName) const;
    /// The text of find(localName), "" when absent.
    std::string textOf(const std::string& localName) const;
};

/// The document's root element; throws AwsError "InvalidResponse" when the text is not well-formed XML.
Node parse(const std::string& text);

/// The <Error><Code> and <Message> of an error answer ({"", ""} when not XML or no <Error>).
struct ErrorInfo {
    std::string code;
    std::string message;
};
ErrorInfo errorInfo(const std::string& text);

} // namespace maelstrom::aws::xml
