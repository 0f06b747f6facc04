// Lookup and validation over the tables of method_table.cpp and notification_table.cpp.
#include "protocol/method_catalog.h"

#include <algorithm>

#include "protocol/json_words.h"
#include "protocol/rpc_message.h"

namespace glossa::protocol {

using nlohmann::json;

const MethodDef* find_method(const std::string& name) {
  const auto& methods = all_methods();
  const auto it = std::find_if(methods.begin(), methods.end(),
                               [&](const MethodDef& m) { return m.name == name; });
  return it == methods.end() ? nullptr : &*it;
}

const NotificationDef* find_notification(const std::string& name) {
  const auto& notifications = all_notifications();
  const auto it = std::find_if(notifications.begin(), notifications.end(),
                               [&](const NotificationDef& n) { return n.name == name; });
  return it == notifications.end() ? nullptr : &*it;
}

bool has_type(const json& value, unsigned types) {
  switch (value.type()) {
    case json::value_t::string:
      return types & kString;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return types & (kInteger | kNumber);
    case json::value_t::number_float:
      return types & kNumber;
    case json::value_t::boolean:
      return types & kBoolean;
    case json::value_t::object:
      return types & kObject;
    case json::value_t::array:
      return types & kArray;
    case json::value_t::null:
      return types & kNull;
    default:
      return false;  // binary values and the parser's "discarded" never come from a peer
  }
}

std::string type_words(unsigned types) {
  if ((types & kAnyType) == kAnyType) return "any JSON value";
  std::vector<std::string> words;
  if (types & kString) words.push_back("string");
  if ((types & kInteger) && !(types & kNumber)) words.push_back("integer");  // a number includes it
  if (types & kNumber) words.push_back("number");
  if (types & kBoolean) words.push_back("boolean");
  if (types & kObject) words.push_back("object");
  if (types & kArray) words.push_back("array");
  if (types & kNull) words.push_back("null");
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i];
  return out;
}

namespace {

// "an integer", "a string or object", "null".
std::string with_article(const std::string& words) {
  if (words.rfind("null", 0) == 0 || words.rfind("any", 0) == 0) return words;
  return (std::string("aeiou").find(words[0]) != std::string::npos ? "an " : "a ") + words;
}

[[noreturn]] void refuse_field(const std::string& message, const std::string& field,
                               const std::string& expected) {
  throw RpcException(kInvalidParams, message, {{"field", field}, {"expected", expected}});
}

std::string known_names(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

}  // namespace

void check_fields(const std::vector<Field>& fields, const json& params, const std::string& what) {
  if (!params.is_object())
    refuse_field(what + ": params must be an object (got " + json_kind(params) + ")", "", "object");
  // Unknown names first: a misspelt optional field is the likelier mistake, and reporting the
  // required field it hides as "missing" would point the wrong way.
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string& name = it.key();  // not a structured binding: lambdas capture it
    const json& value = it.value();
    const auto field =
        std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == name; });
    if (field == fields.end()) {
      const std::string known = known_names(fields);
      const std::string expected = known.empty() ? "no parameters" : "one of: " + known;
      refuse_field(what + ": unknown field \"" + clipped(name) + "\" (expected " + expected + ")",
                   clipped(name), expected);
    }
    if (!has_type(value, field->types)) {
      const std::string expected = type_words(field->types);
      refuse_field(what + ": \"" + name + "\" must be " + with_article(expected) + " (got " +
                       json_kind(value) + ")",
                   name, expected);
    }
  }
  for (const Field& f : fields)
    if (f.required && !params.contains(f.name))
      refuse_field(
          what + ": \"" + f.name + "\" is required (" + with_article(type_words(f.types)) + ")",
          f.name, type_words(f.types));
}

const MethodDef& check_request(const std::string& method, const json& params) {
  const MethodDef* def = find_method(method);
  if (def == nullptr)
    throw RpcException(kMethodNotFound,
                       "unknown method \"" + clipped(method) + "\" (docs/protocol.md)",
                       {{"method", clipped(method)}});
  check_fields(def->params, params, def->name);
  return *def;
}

}  // namespace glossa::protocol
