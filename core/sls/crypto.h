// Thin wrappers over OpenSSL: the digests and encodings SLS signing needs.
#pragma once

#include <string>
#include <string_view>

namespace slsflow {

std::string HmacSha1(std::string_view key, std::string_view data);    // raw 20 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string Sha256(std::string_view data);                            // raw 32 bytes
std::string Md5(std::string_view data);                               // raw 16 bytes
std::string HexLower(std::string_view raw);
std::string HexUpper(std::string_view raw);
// The bytes of an even-length hex string, either case; false on anything else.
bool HexDecode(std::string_view hex, std::string* out);
std::string Base64Encode(std::string_view raw);
// False on characters outside the standard alphabet or bad padding.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace slsflow
