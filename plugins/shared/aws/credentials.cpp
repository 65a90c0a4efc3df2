// credentials.cpp — aws: the default credentials chain (environment, shared files, instance role) and its cache.
// SPDX-License-Identifier: Apache-2.0
#include "aws/credentials.h"

#include "aws/error.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>

namespace maelstrom::aws {

namespace {

// Credentials that expire are fetched again this long before, as the AWS SDKs do, so a request signed with them
// still has minutes to arrive, and a failing refresh has time to be retried while the old ones work.
constexpr std::chrono::minutes kRefreshMargin{5};

std::string trim(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) {
        return "";
    }
    const auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string expandHome(const EnvLookup& env, const std::string& path) {
    if (path == "~" || path.rfind("~/", 0) == 0) {
        return envValue(env, "HOME").value_or("") + path.substr(1);
    }
    return path;
}

std::string underHome(const EnvLookup& env, const std::string& relative) {
    const auto home = envValue(env, "HOME");
    return home ? *home + "/" + relative : std::string{};
}

std::optional<Credentials> credentialsIn(const std::map<std::string, std::string>& section) {
    const auto key = section.find("aws_access_key_id");
    const auto secret = section.find("aws_secret_access_key");
    if (key == section.end() || secret == section.end() || key->second.empty() || secret->second.empty()) {
        return std::nullopt;
    }
    Credentials out{key->second, secret->second, "", std::nullopt};
    if (const auto token = section.find("aws_session_token"); token != section.end()) {
        out.sessionToken = token->second;
    }
    return out;
}

// The config file's section of a profile: [profile NAME]; the default profile may be written [default] too.
const std::map<std::string, std::string>* configSection(const IniSections& config, const std::string& profile) {
    if (const auto it = config.find("profile " + profile); it != config.end()) {
        return &it->second;
    }
    if (profile == "default") {
        if (const auto it = config.find("default"); it != config.end()) {
            return &it->second;
        }
    }
    return nullptr;
}

std::chrono::system_clock::time_point parseExpiration(const std::string& text) {
    Poco::DateTime parsed;
    int timeZone = 0;
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, text, parsed, timeZone) &&
        !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, parsed, timeZone)) {
        throw AwsError("InvalidResponse", "instance role credentials with an unreadable Expiration '" + text + "'");
    }
    parsed.makeUTC(timeZone);
    return std::chrono::system_clock::from_time_t(parsed.timestamp().epochTime());
}

class DefaultChain : public CredentialsProvider {
public:
    DefaultChain(EnvLookup env, std::shared_ptr<ImdsClient> imds) : env_(std::move(env)), imds_(std::move(imds)) {}

    Credentials credentials() override {
        std::lock_guard lock(mutex_);
        const auto now = std::chrono::system_clock::now();
        if (cached_ && (!cached_->expiration || now < *cached_->expiration - kRefreshMargin)) {
            return *cached_;
        }
        try {
            cached_ = resolve();
            return *cached_;
        } catch (const AwsError&) {
            // A failed refresh is not a failure while the credentials in hand still work.
            if (cached_ && cached_->expiration && now < *cached_->expiration) {
                return *cached_;
            }
            throw;
        }
    }

private:
    Credentials resolve() {
        if (auto fromEnv = environmentCredentials(env_)) {
            return *fromEnv;
        }
        if (auto fromFiles = profileCredentials(env_)) {
            return *fromFiles;
        }
        std::string why = "no instance metadata client";
        if (imds_) {
            try {
                return instanceRoleCredentials(*imds_);
            } catch (const AwsError& e) {
                if (e.code() == "Aborted") {
                    throw;
                }
                why = e.what();
            }
        }
        throw AwsError("NoCredentials", "no AWS credentials: none in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, none for "
                                        "profile '" +
                                            profileName(env_) + "' in the shared files, none from the instance (" +
                                            why + ")");
    }

    EnvLookup env_;
    std::shared_ptr<ImdsClient> imds_;
    std::mutex mutex_;
    std::optional<Credentials> cached_;
};

} // namespace

CredentialsProvider::~CredentialsProvider() = default;

std::shared_ptr<CredentialsProvider> defaultCredentialsChain(EnvLookup env, std::shared_ptr<ImdsClient> imds) {
    return std::make_shared<DefaultChain>(std::move(env), std::move(imds));
}

std::optional<Credentials> environmentCredentials(const EnvLookup& env) {
    const auto key = envValue(env, "AWS_ACCESS_KEY_ID");
    const auto secret = envValue(env, "AWS_SECRET_ACCESS_KEY");
    if (!key || !secret) {
        return std::nullopt;
    }
    return Credentials{*key, *secret, envValue(env, "AWS_SESSION_TOKEN").value_or(""), std::nullopt};
}

std::optional<Credentials> profileCredentials(const EnvLookup& env) {
    const auto profile = profileName(env);
    const auto credentialsFile = readIniFile(sharedCredentialsFilePath(env));
    if (const auto it = credentialsFile.find(profile); it != credentialsFile.end()) {
        if (auto found = credentialsIn(it->second)) {
            return found;
        }
    }
    const auto config = readIniFile(configFilePath(env));
    if (const auto* section = configSection(config, profile)) {
        return credentialsIn(*section);
    }
    return std::nullopt;
}

Credentials instanceRoleCredentials(ImdsClient& imds) {
    static const std::string kBase = "/latest/meta-data/iam/security-credentials/";
    const auto roles = imds.get(kBase);
    std::string role;
    if (roles) {
        std::istringstream lines(*roles);
        std::getline(lines, role);
        role = trim(role);
    }
    if (role.empty()) {
        throw AwsError("NoCredentials", "the instance has no IAM role (instance profile)");
    }
    const auto document = imds.get(kBase + role);
    if (!document) {
        throw AwsError("NoCredentials", "the instance's IAM role '" + role + "' has no credentials");
    }
    try {
        Poco::JSON::Parser parser;
        const auto object = parser.parse(*document).extract<Poco::JSON::Object::Ptr>();
        if (object->has("Code") && object->getValue<std::string>("Code") != "Success") {
            throw AwsError("NoCredentials", "instance role credentials: " + object->getValue<std::string>("Code"));
        }
        Credentials out;
        out.accessKeyId = object->optValue<std::string>("AccessKeyId", "");
        out.secretAccessKey = object->optValue<std::string>("SecretAccessKey", "");
        out.sessionToken = object->optValue<std::string>("Token", "");
        if (out.accessKeyId.empty() || out.secretAccessKey.empty()) {
            throw AwsError("InvalidResponse", "instance role credentials without AccessKeyId or SecretAccessKey");
        }
        if (object->has("Expiration")) {
            out.expiration = parseExpiration(object->getValue<std::string>("Expiration"));
        }
        return out;
    } catch (const Poco::Exception& e) {
        throw AwsError("InvalidResponse", "instance role credentials are not the expected JSON: " + e.displayText());
    }
}

std::string profileName(const EnvLookup& env) { return envValue(env, "AWS_PROFILE").value_or("default"); }

std::string sharedCredentialsFilePath(const EnvLookup& env) {
    if (const auto path = envValue(env, "AWS_SHARED_CREDENTIALS_FILE")) {
        return expandHome(env, *path);
    }
    return underHome(env, ".aws/credentials");
}

std::string configFilePath(const EnvLookup& env) {
    if (const auto path = envValue(env, "AWS_CONFIG_FILE")) {
        return expandHome(env, *path);
    }
    return underHome(env, ".aws/config");
}

IniSections readIniFile(const std::string& path) {
    if (path.empty()) {
        return {};
    }
    std::ifstream file(path);
    if (!file) {
        return {};
    }
    std::ostringstream text;
    text << file.rdbuf();
    return parseIni(text.str());
}

IniSections parseIni(const std::string& text) {
    IniSections out;
    std::map<std::string, std::string>* section = nullptr;
    bool nested = false; // inside "key =" followed by indented sub-settings (e.g. s3 =), which we do not use
    std::istringstream lines(text);
    std::string raw;
    while (std::getline(lines, raw)) {
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            continue;
        }
        const bool indented = raw.front() == ' ' || raw.front() == '\t';
        if (line.front() == '[' && line.back() == ']') {
            // "[profile  name]" and "[ name ]" are the same section to the AWS CLI.
            auto name = trim(line.substr(1, line.size() - 2));
            if (name.rfind("profile", 0) == 0 && name.size() > 7 && (name[7] == ' ' || name[7] == '\t')) {
                name = "profile " + trim(name.substr(8));
            }
            section = &out[name];
            nested = false;
            continue;
        }
        if (section == nullptr || (indented && nested)) {
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const auto key = lower(trim(line.substr(0, eq)));
        const auto value = trim(line.substr(eq + 1));
        nested = value.empty();
        (*section)[key] = value;
    }
    return out;
}

std::optional<std::string> configFileSetting(const EnvLookup& env, const std::string& key) {
    const auto config = readIniFile(configFilePath(env));
    if (const auto* section = configSection(config, profileName(env))) {
        if (const auto it = section->find(lower(key)); it != section->end() && !it->second.empty()) {
            return it->second;
        }
    }
    return std::nullopt;
}

} // namespace maelstrom::aws
