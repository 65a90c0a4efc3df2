// pruner.cpp — stopped containers (keeping pre-created ones), unregistered images, images/prune.
// SPDX-License-Identifier: Apache-2.0
#include "pruner.h"

#include "image_puller.h"

#include <maelstrom/sdk/errors.h>

#include <Poco/JSON/Array.h>

#include <chrono>
#include <set>

namespace maelstrom::plugins::docker {

namespace sdk = maelstrom::sdk;

bool matchesKeepGlob(const std::string& tag, const std::string& glob) {
    if (glob == "*")
        return true;
    if (glob.size() >= 2 && glob.front() == '*' && glob.back() == '*') {
        return tag.find(glob.substr(1, glob.size() - 2)) != std::string::npos;
    }
    if (!glob.empty() && glob.front() == '*') {
        std::string suffix = glob.substr(1);
        return tag.size() >= suffix.size() && tag.compare(tag.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    if (!glob.empty() && glob.back() == '*') {
        return tag.rfind(glob.substr(0, glob.size() - 1), 0) == 0;
    }
    return tag == glob;
}

namespace {

std::vector<std::string> strings(const Poco::JSON::Array::Ptr& a) {
    std::vector<std::string> out;
    if (!a)
        return out;
    for (std::size_t i = 0; i < a->size(); ++i) {
        out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
    }
    return out;
}

} // namespace

sdk::PruneReport prune(EngineClient& client, const sdk::PluginLogger& logger, const sdk::PruneOptions& options) {
    sdk::PruneReport report;

    // 1. Stopped containers (all of the host's, as the reference does), except managed containers that were
    //    created and never started: those are pre-created instances waiting for their start. Docker's
    //    containers/prune would take them too, so the containers are listed and removed one by one; a removal
    //    without force cannot take a container that was started meanwhile.
    std::string filters = R"({"status":["exited","dead","created"]})";
    auto stopped =
        client.json("GET", "/containers/json?all=1&size=1&filters=" + urlEncode(filters), "list stopped containers")
            .extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; stopped && i < stopped->size(); ++i) {
        auto c = stopped->getObject(static_cast<unsigned>(i));
        std::string id = jsonString(c, "Id");
        if (id.empty())
            continue;
        if (jsonString(c, "State") == "created" && jsonString(jsonObject(c, "Labels"), sdk::kLabelManaged) == "true")
            continue;
        std::string what = "remove container " + id.substr(0, 12);
        auto r =
            client.request("DELETE", "/containers/" + urlEncode(id) + "?v=1", what, {}, {}, std::chrono::seconds(120));
        if (r.status == 404)
            continue;
        if (r.status >= 400) {
            // Started meanwhile (409), or Docker could not remove it: the next prune tries again, as Docker's own
            // prune skips what it cannot remove.
            logger.information("prune: keeping container " + id.substr(0, 12) + ": " + dockerMessage(r.body) +
                               " (HTTP " + std::to_string(r.status) + ")");
            continue;
        }
        report.removedContainers.push_back(id);
        report.reclaimedBytes += jsonInt(c, "SizeRw");
    }

    // 2. Images no component refers to and no running container uses.
    if (options.removeUnregisteredImages) {
        std::set<std::string> registered;
        for (const auto& image : options.registeredImages) {
            registered.insert(image);
            registered.insert(normalizeImage(image));
        }
        std::set<std::string> inUse;
        auto running =
            client.json("GET", "/containers/json", "list running containers").extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; running && i < running->size(); ++i) {
            inUse.insert(jsonString(running->getObject(static_cast<unsigned>(i)), "ImageID"));
        }
        auto images = client.json("GET", "/images/json", "list images").extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; images && i < images->size(); ++i) {
            auto image = images->getObject(static_cast<unsigned>(i));
            std::string id = jsonString(image, "Id");
            if (inUse.count(id) != 0)
                continue;
            std::vector<std::string> tags;
            for (const auto& t : strings(jsonArray(image, "RepoTags"))) {
                if (t != "<none>:<none>")
                    tags.push_back(t);
            }
            bool keep = false;
            for (const auto& t : tags) {
                if (registered.count(t) != 0)
                    keep = true;
                for (const auto& g : options.keepGlobs) {
                    if (matchesKeepGlob(t, g))
                        keep = true;
                }
            }
            if (keep)
                continue;
            // Untag one tag at a time (the last untag deletes the image); an untagged image goes by id.
            std::vector<std::string> targets = tags.empty() ? std::vector<std::string>{id} : tags;
            bool removed = true;
            for (const auto& target : targets) {
                auto r = client.request("DELETE", "/images/" + urlEncode(target), "remove image '" + target + "'");
                if (r.status == 409) {
                    // Still used by a stopped container or a child image: not ours to force.
                    logger.information("prune: keeping image " + target + ": " + dockerMessage(r.body));
                    removed = false;
                    break;
                }
                if (r.status == 404)
                    continue;
                if (r.status >= 400)
                    throwEngineError(r.status, r.body, "remove image '" + target + "'");
            }
            if (removed) {
                report.removedImages.push_back(tags.empty() ? id : tags.front());
                report.reclaimedBytes += jsonInt(image, "Size");
            }
        }
    }

    // 3. Dangling images.
    auto dangling = client.json("POST", "/images/prune", "prune dangling images").extract<Poco::JSON::Object::Ptr>();
    auto deleted = jsonArray(dangling, "ImagesDeleted");
    for (std::size_t i = 0; deleted && i < deleted->size(); ++i) {
        auto d = deleted->getObject(static_cast<unsigned>(i));
        std::string id = jsonString(d, "Deleted");
        if (!id.empty())
            report.removedImages.push_back(id);
    }
    report.reclaimedBytes += jsonInt(dangling, "SpaceReclaimed");
    logger.information("prune: removed " + std::to_string(report.removedContainers.size()) + " containers and " +
                       std::to_string(report.removedImages.size()) + " images, reclaimed " +
                       std::to_string(report.reclaimedBytes) + " bytes");
    return report;
}

} // namespace maelstrom::plugins::docker
