// The protocol's table (protocol/method_catalog.h) against the contract: exactly the methods and
// notifications of the protocol spec, each with a summary and an example that passes its own
// field lists; and the strict parameter check: unknown methods, and missing, unknown or mistyped
// fields, refused with the code and data that name them.
#include <QtTest>
#include <set>
#include <string>
#include <vector>

#include "protocol/method_catalog.h"
#include "protocol/rpc_message.h"

using glossa::protocol::all_methods;
using glossa::protocol::all_notifications;
using glossa::protocol::check_fields;
using glossa::protocol::check_request;
using glossa::protocol::Field;
using glossa::protocol::has_type;
using glossa::protocol::RpcException;
using glossa::protocol::type_words;
using nlohmann::json;
namespace p = glossa::protocol;

namespace {

// The names the contract lists (docs/protocol.md, "Methods" and "Notifications"), written out
// here independently of the table.
const std::vector<std::string> kSpecMethods = {"version",
                                               "job.submit",
                                               "job.list",
                                               "job.get",
                                               "job.cancel",
                                               "run.start",
                                               "run.plan",
                                               "run.pause",
                                               "run.resume",
                                               "run.checkpoint",
                                               "run.stop",
                                               "run.resume_from_checkpoint",
                                               "run.list",
                                               "run.get",
                                               "run.attach",
                                               "metrics.query",
                                               "metrics.series",
                                               "subscribe",
                                               "unsubscribe",
                                               "project.open",
                                               "vocab.candidates",
                                               "vocab.decide",
                                               "vocab.overrides",
                                               "vocab.preview"};
const std::vector<std::string> kSpecNotifications = {
    "job.state",   "job.progress", "job.warning", "job.finished",   "job.failed", "run.state",
    "run.metrics", "run.eval",     "run.stage",   "run.checkpoint", "run.log",    "dropped"};

// The exception `f` throws; code 0 when it throws none.
template <typename F>
RpcException refusal(F&& f) {
  try {
    f();
  } catch (const RpcException& e) {
    return e;
  }
  return RpcException(0, "accepted");
}

RpcException request_refusal(const std::string& method, const json& params) {
  return refusal([&] { check_request(method, params); });
}

void check_field_list(const std::vector<Field>& fields, const std::string& what) {
  std::set<std::string> names;
  for (const Field& f : fields) {
    QVERIFY2(names.insert(f.name).second, (what + ": field twice: " + f.name).c_str());
    QVERIFY2(!f.doc.empty(), (what + ": " + f.name + " has no doc").c_str());
    QVERIFY2(f.types != 0 && (f.types & ~unsigned(p::kAnyType)) == 0,
             (what + " " + f.name).c_str());
  }
}

}  // namespace

class TestMethodCatalog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void holdsExactlyTheMethodsAndNotificationsOfTheSpec() {
    std::vector<std::string> methods, notifications;
    for (const auto& m : all_methods()) methods.push_back(m.name);
    for (const auto& n : all_notifications()) notifications.push_back(n.name);
    QCOMPARE(std::set<std::string>(methods.begin(), methods.end()),
             std::set<std::string>(kSpecMethods.begin(), kSpecMethods.end()));
    QCOMPARE(std::set<std::string>(notifications.begin(), notifications.end()),
             std::set<std::string>(kSpecNotifications.begin(), kSpecNotifications.end()));
    // Unique: as many names as distinct names.
    QCOMPARE(methods.size(), kSpecMethods.size());
    QCOMPARE(notifications.size(), kSpecNotifications.size());
    for (const std::string& name : methods) QCOMPARE(p::find_method(name)->name, name);
    for (const std::string& name : notifications) QCOMPARE(p::find_notification(name)->name, name);
    QVERIFY(p::find_method("job.progress") == nullptr);
    QVERIFY(p::find_notification("job.get") == nullptr);
  }

  void everyMethodHasASummaryAndAnExampleThatPassesItsOwnFields() {
    for (const auto& m : all_methods()) {
      QVERIFY2(!m.summary.empty(), m.name.c_str());
      check_field_list(m.params, m.name);
      check_field_list(m.result, m.name + " result");
      QVERIFY2(!m.result.empty(), m.name.c_str());
      QVERIFY2(m.example_params.is_object(), m.name.c_str());
      QVERIFY2(m.example_result.is_object(), m.name.c_str());
      QCOMPARE(&check_request(m.name, m.example_params), &m);
      check_fields(m.result, m.example_result, m.name + " result");
      // The example shows every result field (they are all always sent).
      for (const Field& f : m.result)
        QVERIFY2(m.example_result.contains(f.name), (m.name + " " + f.name).c_str());
    }
  }

  void everyNotificationHasASummaryAndAnExampleThatPassesItsFields() {
    for (const auto& n : all_notifications()) {
      QVERIFY2(!n.summary.empty(), n.name.c_str());
      QVERIFY2(!n.params.empty(), n.name.c_str());
      check_field_list(n.params, n.name);
      QVERIFY2(n.example_params.is_object(), n.name.c_str());
      check_fields(n.params, n.example_params, n.name);
      for (const Field& f : n.params)
        QVERIFY2(n.example_params.contains(f.name), (n.name + " " + f.name).c_str());
    }
  }

  void anUnknownMethodIsMethodNotFound() {
    for (const std::string name : {"job.delete", "job.progress", "", "VERSION"}) {
      const RpcException e = request_refusal(name, json::object());
      QCOMPARE(e.error().code, int(p::kMethodNotFound));
      QCOMPARE(e.error().data, json({{"method", name}}));
      QVERIFY2(QByteArray(e.what()).contains(("\"" + name + "\"").c_str()), e.what());
    }
  }

  void aMissingRequiredFieldIsNamed() {
    const RpcException e = request_refusal("job.get", json::object());
    QCOMPARE(e.error().code, int(p::kInvalidParams));
    QCOMPARE(std::string(e.what()), std::string("job.get: \"id\" is required (an integer)"));
    QCOMPARE(e.error().data, json({{"field", "id"}, {"expected", "integer"}}));
    const RpcException submit = request_refusal("job.submit", {{"job", "corpus.stats"}});
    QCOMPARE(submit.error().data["field"], json("options"));
  }

  void anUnknownFieldIsNamed() {
    RpcException e = request_refusal("job.get", {{"id", 12}, {"idd", 12}});
    QCOMPARE(e.error().code, int(p::kInvalidParams));
    QCOMPARE(e.error().data["field"], json("idd"));
    QVERIFY2(QByteArray(e.what()).startsWith("job.get: unknown field \"idd\""), e.what());
    // Reported before the required field it may be a misspelling of.
    e = request_refusal("job.get", {{"Id", 12}});
    QCOMPARE(e.error().data["field"], json("Id"));
    e = request_refusal("version", {{"verbose", true}});
    QCOMPARE(e.error().code, int(p::kInvalidParams));
    QCOMPARE(e.error().data, json({{"field", "verbose"}, {"expected", "no parameters"}}));
  }

  void aMistypedFieldIsNamed() {
    RpcException e = request_refusal("job.get", {{"id", "12"}});
    QCOMPARE(e.error().code, int(p::kInvalidParams));
    QCOMPARE(std::string(e.what()), std::string("job.get: \"id\" must be an integer (got string)"));
    QCOMPARE(e.error().data, json({{"field", "id"}, {"expected", "integer"}}));
    e = request_refusal("job.get", {{"id", 12.5}});
    QCOMPARE(std::string(e.what()), std::string("job.get: \"id\" must be an integer (got number)"));
    e = request_refusal("job.get", {{"id", true}});
    QCOMPARE(std::string(e.what()),
             std::string("job.get: \"id\" must be an integer (got boolean)"));
    e = request_refusal("job.get", {{"id", nullptr}});
    QCOMPARE(e.error().code, int(p::kInvalidParams));
    e = request_refusal("run.start", {{"config", 3}});
    QCOMPARE(e.error().data, json({{"field", "config"}, {"expected", "string or object"}}));
    QCOMPARE(std::string(e.what()),
             std::string("run.start: \"config\" must be a string or object (got integer)"));
  }

  void unionTypesAcceptEachAlternative() {
    check_request("run.start", {{"config", "/home/ana/runs/ko/RUN.json"}});
    check_request("run.start", {{"config", {{"name", "ko"}}}, {"base_dir", "/home/ana"}});
    check_request("subscribe", {{"jobs", true}, {"runs", {3, 4}}});
    check_request("subscribe", json::object());
    check_request("metrics.query", {{"runs", {3}}, {"series", "loss"}, {"from", 0}, {"to", 2.5}});
    QCOMPARE(request_refusal("subscribe", {{"jobs", 3}}).error().code, int(p::kInvalidParams));
  }

  void paramsThatAreNotAnObjectAreRefused() {
    const RpcException e =
        refusal([] { check_fields(p::find_method("job.get")->params, json::array(), "job.get"); });
    QCOMPARE(e.error().code, int(p::kInvalidParams));
  }

  void hasTypeTellsIntegersFromNumbers() {
    QVERIFY(has_type(json(3), p::kInteger));
    QVERIFY(has_type(json(uint64_t(1) << 63), p::kInteger));
    QVERIFY(has_type(json(-3), p::kNumber));
    QVERIFY(!has_type(json(1.5), p::kInteger));
    QVERIFY(!has_type(json(2.0), p::kInteger));
    QVERIFY(has_type(json(1.5), p::kNumber));
    QVERIFY(!has_type(json(true), p::kInteger | p::kNumber));
    QVERIFY(has_type(json(nullptr), p::kInteger | p::kNull));
    QVERIFY(!has_type(json(nullptr), p::kInteger));
    QVERIFY(has_type(json::array(), p::kArray));
    QVERIFY(!has_type(json::object(), p::kArray));
  }

  void typeWordsReadAsEnglish() {
    QCOMPARE(type_words(p::kString), std::string("string"));
    QCOMPARE(type_words(p::kString | p::kObject), std::string("string or object"));
    QCOMPARE(type_words(p::kInteger | p::kNumber), std::string("number"));
    QCOMPARE(type_words(p::kInteger | p::kNull), std::string("integer or null"));
    QCOMPARE(type_words(p::kString | p::kObject | p::kNull), std::string("string, object or null"));
    QCOMPARE(type_words(p::kAnyType), std::string("any JSON value"));
  }
};

QTEST_GUILESS_MAIN(TestMethodCatalog)
#include "test_method_catalog.moc"
