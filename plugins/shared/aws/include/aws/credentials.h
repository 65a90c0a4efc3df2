// credentials.h — aws: where the signing keys come from — the default chain of the AWS CLI and SDKs, reduced to
// what a container host needs: environment, shared credentials/config files, then the EC2 instance role (IMDS).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "aws/environment.h"
#include "aws/imds.h"
#include "aws/sigv4.h"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace maelstrom::aws {

class CredentialsProvider {
public:
    virtual ~CredentialsProvider();
    /// Current credentials; throws AwsError ("NoCredentials", or the IMDS failure) when there are none.
    virtual Credentials credentials() = 0;
};

/// Always the same credentials (tests, or keys handed over by configuration).
class StaticCredentialsProvider : public CredentialsProvider {
public:
    explicit StaticCredentialsProvider(Credentials credentials) : credentials_(std::move(credentials)) {}
    Credentials credentials() override { return credentials_; }

private:
    Credentials credentials_;
};

/// The default chain, tried in order at the first credentials() call (nothing is read before):
///   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
///   2. the profile (AWS_PROFILE, default "default") in AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials,
///      section [NAME]) then AWS_CONFIG_FILE (default ~/.aws/config, section [profile NAME], or [default])
///   3. the instance role from IMDS (/latest/meta-data/iam/security-credentials/<first role>)
/// The result is cached; credentials with an expiration are fetched again once within 5 minutes of it, and when
/// that fails the old ones are kept while they are still valid. Thread-safe.
std::shared_ptr<CredentialsProvider> defaultCredentialsChain(EnvLookup env, std::shared_ptr<ImdsClient> imds);

// The chain's steps, public for the tests and for region lookup (context.h).

/// Step 1; nullopt unless both key variables are set.
std::optional<Credentials> environmentCredentials(const EnvLookup& env);

/// Step 2; nullopt when neither file has both keys for the profile (missing files are not an error).
std::optional<Credentials> profileCredentials(const EnvLookup& env);

/// Step 3; throws AwsError when IMDS fails or the answer is not usable ("NoCredentials" when no role).
Credentials instanceRoleCredentials(ImdsClient& imds);

/// The selected profile's name: AWS_PROFILE, else "default".
std::string profileName(const EnvLookup& env);

/// The shared files' paths (the variable, else $HOME/.aws/credentials or $HOME/.aws/config; "" without HOME).
std::string sharedCredentialsFilePath(const EnvLookup& env);
std::string configFilePath(const EnvLookup& env);

/// An INI file as the AWS CLI reads it: section name → key → value (keys lowercased, values trimmed; '#' and ';'
/// comment lines). A missing file is an empty map.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections readIniFile(const std::string& path);
IniSections parseIni(const std::string& text);

/// One setting of the selected profile in the config file ([profile NAME], or [default]/[NAME] for "default"),
/// e.g. "region"; nullopt when absent.
std::optional<std::string> configFileSetting(const EnvLookup& env, const std::string& key);

} // namespace maelstrom::aws
