// xml_util.cpp — aws (private): Poco's DOM parser turned into the small tree of xml_util.h.
// SPDX-License-Identifier: Apache-2.0
#include "xml_util.h"

#include "aws/error.h"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/Node.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/Exception.h>
#include <Poco/SAX/SAXException.h>
#include <Poco/XML/XMLString.h>

namespace maelstrom::aws::xml {

namespace {

std::string localName(const std::string& name) {
    const auto colon = name.find(':');
    return colon == std::string::npos ? name : name.substr(colon + 1);
}

Node convert(const Poco::XML::Node* element) {
    Node out;
    out.name = localName(element->nodeName());
    for (auto* child = element->firstChild(); child != nullptr; child = child->nextSibling()) {
        switch (child->nodeType()) {
        case Poco::XML::Node::ELEMENT_NODE:
            out.children.push_back(convert(child));
            break;
        case Poco::XML::Node::TEXT_NODE:
        case Poco::XML::Node::CDATA_SECTION_NODE:
            out.text += child->nodeValue();
            break;
        default:
            break;
        }
    }
    return out;
}

void collect(const Node& node, const std::string& name, std::vector<const Node*>& out, bool firstOnly) {
    for (const auto& child : node.children) {
        if (firstOnly && !out.empty()) {
            return;
        }
        if (child.name == name) {
            out.push_back(&child);
        }
        collect(child, name, out, firstOnly);
    }
}

} // namespace

const Node* Node::find(const std::string& localName) const {
    std::vector<const Node*> found;
    collect(*this, localName, found, true);
    return found.empty() ? nullptr : found.front();
}

std::vector<const Node*> Node::findAll(const std::string& localName) const {
    std::vector<const Node*> found;
    collect(*this, localName, found, false);
    return found;
}

std::string Node::textOf(const std::string& localName) const {
    const auto* node = find(localName);
    return node == nullptr ? std::string{} : node->text;
}

Node parse(const std::string& text) {
    try {
        Poco::XML::DOMParser parser;
        // Namespaces off: AWS puts its answers in a default namespace that carries no meaning for us; external
        // entities off: nothing in an answer may make us read a file or another URL.
        parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, false);
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
        parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
        Poco::AutoPtr<Poco::XML::Document> document = parser.parseString(text);
        const auto* root = document->documentElement();
        if (root == nullptr) {
            throw AwsError("InvalidResponse", "XML answer without a root element");
        }
        return convert(root);
    } catch (const Poco::Exception& e) {
        throw AwsError("InvalidResponse", "answer is not well-formed XML: " + e.displayText());
    }
}

ErrorInfo errorInfo(const std::string& text) {
    if (text.find('<') == std::string::npos) {
        return {};
    }
    try {
        const auto root = parse(text);
        const Node* error = root.name == "Error" ? &root : root.find("Error");
        if (error == nullptr) {
            return {};
        }
        return {error->textOf("Code"), error->textOf("Message")};
    } catch (const AwsError&) {
        return {};
    }
}

} // namespace maelstrom::aws::xml
