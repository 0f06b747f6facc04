// Every method and notification of the protocol (docs/protocol.md): names, parameter and result
// fields with their JSON types, a one-line summary and a real example, and the validation both
// ends apply. One table for the backend (which checks requests before handling them), the GUI's
// client (which checks what it sends) and the documentation test (every entry documented with
// an example line). Qt-free.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glossa::protocol {

// JSON types a field accepts (a bit set: kString | kObject accepts either).
enum FieldType : unsigned {
  kString = 1u << 0,
  kInteger = 1u << 1,  // a JSON integer (not 1.5, not true)
  kNumber = 1u << 2,   // any JSON number, integers included
  kBoolean = 1u << 3,
  kObject = 1u << 4,
  kArray = 1u << 5,
  kNull = 1u << 6,
  kAnyType = kString | kInteger | kNumber | kBoolean | kObject | kArray | kNull,
};

struct Field {
  std::string name;
  unsigned types = kAnyType;
  bool required = false;
  std::string doc;  // one line
};

struct MethodDef {
  std::string name;      // "job.submit"
  std::string summary;   // one line
  std::vector<Field> params;
  std::vector<Field> result;  // top-level fields of the result object
  nlohmann::json example_params;
  nlohmann::json example_result;
};

struct NotificationDef {
  std::string name;     // "job.progress"
  std::string summary;
  std::vector<Field> params;
  nlohmann::json example_params;
};

const std::vector<MethodDef>& all_methods();
const std::vector<NotificationDef>& all_notifications();
// nullptr when there is no such method / notification.
const MethodDef* find_method(const std::string& name);
const NotificationDef* find_notification(const std::string& name);

// True when `value` has one of the JSON types in `types`.
bool has_type(const nlohmann::json& value, unsigned types);
// "string or object": the accepted types in words, for error messages and docs.
std::string type_words(unsigned types);

// Checks a params object against a field list: throws RpcException(kInvalidParams) naming the
// field (data: {"field": NAME, "expected": TYPES}) for a missing required field, an unknown
// field or a wrong type. `what` prefixes the message ("job.submit").
void check_fields(const std::vector<Field>& fields, const nlohmann::json& params,
                  const std::string& what);

// The method's parameters (unknown method: RpcException kMethodNotFound, data {"method": NAME}).
const MethodDef& check_request(const std::string& method, const nlohmann::json& params);

}  // namespace glossa::protocol
