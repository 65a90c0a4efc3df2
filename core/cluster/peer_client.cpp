// peer_client.cpp — see peer_client.h.
// SPDX-License-Identifier: Apache-2.0
#include "cluster/peer_client.h"

#include <maelstrom/sdk/poco/json_codec.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

namespace maelstrom::core {

namespace codec = sdk::json::codec;

namespace {

constexpr std::chrono::seconds kStatusCallTimeout{5};
constexpr std::chrono::minutes kPlacementCallTimeout{3};

std::string targetsJson(const std::vector<ComponentTarget>& targets) {
    std::string out = "[";
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (i) {
            out += ',';
        }
        out += codec::ObjectWriter()
                   .string("componentName", targets[i].componentName)
                   .integer("requiredMemoryMiB", targets[i].requiredMemoryMiB)
                   .integer("targetCount", targets[i].targetCount)
                   .text();
    }
    return out + "]";
}

} // namespace

std::string encodeAwsLifecycleHook(const AwsLifecycleHook& hook) {
    return codec::ObjectWriter()
        .string("QueueUrl", hook.queueUrl)
        .string("MessageReceiptHandle", hook.messageReceiptHandle)
        .string("AutoScalingGroupName", hook.autoScalingGroupName)
        .string("InstanceId", hook.instanceId)
        .string("LifecycleActionToken", hook.lifecycleActionToken)
        .string("LifecycleHookName", hook.lifecycleHookName)
        .text();
}

std::string encodeTerminateAnswer(const TerminateAnswer& answer) {
    return codec::ObjectWriter()
        .boolean("acceptedMessage", answer.acceptedMessage)
        .optionalString("nodeId", answer.nodeId)
        .optionalString("instanceId", answer.instanceId)
        .text();
}

std::string encodeStartStopRequest(const StartStopRequest& request) {
    return codec::ObjectWriter()
        .string("clientNodeId", request.clientNodeId)
        .integer("targetVersion", request.targetVersion)
        .raw("targetCounts", targetsJson(request.targetCounts))
        .boolean("returnStatus", request.returnStatus)
        .boolean("block", request.block)
        .text();
}

std::string encodeStartStopResult(const StartStopResult& result) {
    return codec::ObjectWriter()
        .boolean("targetVersionMismatch", result.targetVersionMismatch)
        .model("targetStatus", result.targetStatus)
        .raw("started", "[]")
        .raw("stopped", "[]")
        .raw("errors", "[]")
        .text();
}

std::string encodeDataChanges(const std::string& nodeId, const std::vector<DataChangeNotice>& changes) {
    std::string list = "[";
    for (std::size_t i = 0; i < changes.size(); ++i) {
        if (i) {
            list += ',';
        }
        codec::ObjectWriter change;
        if (changes[i].putComponent) {
            change.model("putComponent", *changes[i].putComponent);
        } else {
            change.raw("removeComponent", codec::ObjectWriter()
                                              .string("name", changes[i].removedName)
                                              .boolean("found", changes[i].removedFound)
                                              .text());
        }
        list += change.text();
    }
    list += "]";
    return codec::ObjectWriter().string("nodeId", nodeId).raw("changes", list).text();
}

StartStopResult decodeStartStopResult(const std::string& json) {
    const Poco::Dynamic::Var value = codec::parse(json);
    const codec::ObjectReader in(value, "result");
    StartStopResult result;
    result.targetVersionMismatch = in.getBool("targetVersionMismatch");
    in.getObject("targetStatus", result.targetStatus);
    return result;
}

PeerClient::PeerClient(std::shared_ptr<sdk::RpcTransport> transport, std::string privateToken)
    : transport_(std::move(transport)), token_(std::move(privateToken)) {}

std::string PeerClient::call(const std::string& peerUrl, const std::string& method, const std::string& input,
                             bool longCall) {
    if (!transport_) {
        throw sdk::RpcError(sdk::RpcCode::TransportError, "no rpc_transport to reach " + peerUrl);
    }
    std::shared_ptr<sdk::RpcClient> client;
    {
        std::lock_guard lock(mutex_);
        auto& slot = clients_[{peerUrl, longCall}];
        if (!slot) {
            sdk::RpcClientOptions options;
            options.bearerToken = token_;
            options.timeout = longCall ? std::chrono::milliseconds(kPlacementCallTimeout)
                                       : std::chrono::milliseconds(kStatusCallTimeout);
            slot = transport_->newClient(peerUrl, options);
        }
        client = slot;
    }
    return client->call(method, input);
}

sdk::NodeStatus PeerClient::getStatus(const std::string& peerUrl) {
    const std::string out = call(peerUrl, "NodeService.GetStatus", "{}", false);
    const Poco::Dynamic::Var value = codec::parse(out);
    sdk::NodeStatus status;
    codec::ObjectReader(value, "result").getObject("status", status, true);
    return status;
}

void PeerClient::statusChanged(const std::string& peerUrl, const std::string& nodeId, bool exiting,
                               const sdk::NodeStatus* status) {
    codec::ObjectWriter input;
    input.string("nodeId", nodeId).boolean("exiting", exiting);
    if (status) {
        input.model("status", *status);
    }
    call(peerUrl, "NodeService.StatusChanged", input.text(), false);
}

sdk::NodeStatus PeerClient::placeComponent(const std::string& peerUrl, const std::string& componentName) {
    const std::string out = call(peerUrl, "NodeService.PlaceComponent",
                                 codec::ObjectWriter().string("componentName", componentName).text(), true);
    const Poco::Dynamic::Var value = codec::parse(out);
    sdk::NodeStatus node;
    codec::ObjectReader(value, "result").getObject("node", node, true);
    return node;
}

StartStopResult PeerClient::startStopComponents(const std::string& peerUrl, const StartStopRequest& request) {
    return decodeStartStopResult(
        call(peerUrl, "NodeService.StartStopComponents", encodeStartStopRequest(request), true));
}

void PeerClient::notifyDataChanged(const std::string& peerUrl, const std::string& nodeId,
                                   const std::vector<DataChangeNotice>& changes) {
    call(peerUrl, "MaelstromService.NotifyDataChanged", encodeDataChanges(nodeId, changes), false);
}

TerminateAnswer PeerClient::terminateNode(const std::string& peerUrl, const AwsLifecycleHook& hook) {
    const std::string out =
        call(peerUrl, "NodeService.TerminateNode",
             codec::ObjectWriter().raw("awsLifecycleHook", encodeAwsLifecycleHook(hook)).text(), true);
    const Poco::Dynamic::Var value = codec::parse(out);
    const codec::ObjectReader in(value, "result");
    return TerminateAnswer{in.getBool("acceptedMessage"), in.getString("nodeId"), in.getString("instanceId")};
}

bool PeerClient::healthy(const std::string& peerUrl, std::chrono::milliseconds timeout) {
    try {
        const Poco::URI uri(peerUrl);
        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count() / 1000),
                                          static_cast<long>((timeout.count() % 1000) * 1000)));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/_mael_health_check",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response);
        return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace maelstrom::core
