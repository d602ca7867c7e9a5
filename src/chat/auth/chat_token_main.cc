// chat-token: mints the chat's tokens for development and operations, and
// verifies one as the workers would.
//
//   chat-token --key PRIVATE_KEY_FILE --sub ID [--name NAME] [--rooms a,b-*]
//              [--roles moderator] [--ttl 3600] [--alg ALG] [--kid KID]
//              [--iss ISSUER] [--aud AUDIENCE]
//   chat-token verify --key PUBLIC_KEY_FILE [--alg A,B] [--iss ISSUER]
//              [--aud AUDIENCE] [--leeway 30] [TOKEN]     (TOKEN or stdin)
//
// Mint prints the token; verify prints the identity as JSON (exit 0) or
// {"error": code, "message": ...} (exit 1). Bad arguments: one line, exit 2.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chat/auth/jwt_verifier.h"
#include "chat/auth/signer.h"
#include "common/cjson_ptr.h"

namespace {

constexpr const char* kUsage =
    "usage: chat-token --key PRIVATE_KEY_FILE --sub ID [--name NAME] [--rooms a,b-*]\n"
    "                  [--roles moderator] [--ttl SECONDS] [--alg ALG] [--kid KID]\n"
    "                  [--iss ISSUER] [--aud AUDIENCE]\n"
    "       chat-token verify --key PUBLIC_KEY_FILE [--alg A,B] [--iss ISSUER] [--aud AUDIENCE]\n"
    "                  [--leeway SECONDS] [TOKEN]   (the token from stdin if not given)\n"
    "Keys: a PEM private key (RSA, EC P-256/P-384, Ed25519) or an HMAC secret file to mint;\n"
    "to verify, what CHAT_JWT_KEY_FILE takes (HMAC secret, PEM public key, JWK or JWKS).\n";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "chat-token: %s (see --help)\n", problem.c_str());
  return 2;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::optional<long long> ParseSeconds(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(text);
}

// --name value pairs; a positional argument is returned in `rest`.
bool ParseOptions(int argc, char** argv, int first, const std::vector<std::string>& known,
                  std::map<std::string, std::string>* options, std::vector<std::string>* rest,
                  std::string* problem) {
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      rest->push_back(arg);
      continue;
    }
    const std::string name = arg.substr(2);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      *problem = "unknown option " + arg;
      return false;
    }
    if (i + 1 >= argc) {
      *problem = arg + " needs a value";
      return false;
    }
    (*options)[name] = argv[++i];
  }
  return true;
}

cJSON* StringArray(const std::vector<std::string>& items) {
  cJSON* array = cJSON_CreateArray();
  for (const std::string& item : items)
    cJSON_AddItemToArray(array, cJSON_CreateString(item.c_str()));
  return array;
}

int Mint(int argc, char** argv) {
  std::map<std::string, std::string> options;
  std::vector<std::string> rest;
  std::string problem;
  if (!ParseOptions(argc, argv, 1,
                    {"key", "sub", "name", "rooms", "roles", "ttl", "alg", "kid", "iss", "aud"},
                    &options, &rest, &problem)) {
    return Usage(problem);
  }
  if (!rest.empty()) return Usage("unexpected argument " + rest.front());
  if (!options.count("key") || !options.count("sub") || options["sub"].empty()) {
    return Usage("--key and --sub are required");
  }
  const auto ttl = ParseSeconds(options.count("ttl") ? options["ttl"] : "3600");
  if (!ttl || *ttl == 0) return Usage("--ttl must be a number of seconds from 1 to 999999999");
  auto key = chat::auth::LoadSigningKeyFile(options["key"]);
  if (!key) return Usage(key.error());
  common::CjsonPtr claims(cJSON_CreateObject());
  cJSON_AddStringToObject(claims.get(), "sub", options["sub"].c_str());
  if (options.count("name")) cJSON_AddStringToObject(claims.get(), "name", options["name"].c_str());
  if (options.count("rooms"))
    cJSON_AddItemToObject(claims.get(), "rooms", StringArray(SplitList(options["rooms"])));
  if (options.count("roles"))
    cJSON_AddItemToObject(claims.get(), "roles", StringArray(SplitList(options["roles"])));
  if (options.count("iss")) cJSON_AddStringToObject(claims.get(), "iss", options["iss"].c_str());
  if (options.count("aud")) cJSON_AddStringToObject(claims.get(), "aud", options["aud"].c_str());
  const long long now = static_cast<long long>(std::time(nullptr));
  cJSON_AddNumberToObject(claims.get(), "iat", static_cast<double>(now));
  cJSON_AddNumberToObject(claims.get(), "exp", static_cast<double>(now + *ttl));
  auto token = chat::auth::MintToken(*key, options["alg"], options["kid"], *claims);
  if (!token) return Usage(token.error());
  std::printf("%s\n", token->c_str());
  return 0;
}

int Verify(int argc, char** argv) {
  std::map<std::string, std::string> options;
  std::vector<std::string> rest;
  std::string problem;
  if (!ParseOptions(argc, argv, 2, {"key", "alg", "iss", "aud", "leeway"}, &options, &rest,
                    &problem)) {
    return Usage(problem);
  }
  if (!options.count("key")) return Usage("--key is required");
  if (rest.size() > 1) return Usage("give one token");
  std::string token;
  if (rest.empty()) {
    std::getline(std::cin, token);
  } else {
    token = rest.front();
  }
  chat::auth::VerifierOptions verifier_options;
  verifier_options.algorithms = SplitList(options["alg"]);
  verifier_options.issuer = options["iss"];
  verifier_options.audience = options["aud"];
  if (options.count("leeway")) {
    const auto leeway = ParseSeconds(options["leeway"]);
    if (!leeway || *leeway > 600) return Usage("--leeway must be 0 to 600 seconds");
    verifier_options.leeway_s = *leeway;
  }
  auto keys = chat::auth::LoadKeySetFile(options["key"]);
  if (!keys) return Usage(keys.error());
  auto verifier = chat::auth::Verifier::Create(std::move(*keys), std::move(verifier_options));
  if (!verifier) return Usage(verifier.error());
  auto identity = verifier->Verify(token, static_cast<int64_t>(std::time(nullptr)));
  common::CjsonPtr out(cJSON_CreateObject());
  if (!identity) {
    cJSON_AddStringToObject(out.get(), "error", chat::auth::TokenErrorName(identity.error().code));
    cJSON_AddStringToObject(out.get(), "message", identity.error().message.c_str());
    std::printf("%s\n", common::PrintJson(*out).c_str());
    return 1;
  }
  cJSON_AddStringToObject(out.get(), "userId", identity->user_id.c_str());
  cJSON_AddStringToObject(out.get(), "name", identity->name.c_str());
  if (identity->rooms)
    cJSON_AddItemToObject(out.get(), "rooms", StringArray(*identity->rooms));
  else
    cJSON_AddNullToObject(out.get(), "rooms");
  cJSON_AddItemToObject(out.get(), "roles", StringArray(identity->roles));
  cJSON_AddNumberToObject(out.get(), "exp", static_cast<double>(identity->expires_at_s));
  std::printf("%s\n", common::PrintJson(*out).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc > 1 && std::string(argv[1]) == "verify") return Verify(argc, argv);
  return Mint(argc, argv);
}
