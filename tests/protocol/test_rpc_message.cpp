// JSON-RPC 2.0 lines (protocol/rpc_message.h): every kind of message survives encode + parse,
// the encoders write one compact line and never throw on invalid UTF-8, and every malformed line
// is refused with the right code (parse error or invalid request), keeping the id when it could
// be read.
#include <QtTest>
#include <string>

#include "protocol/rpc_message.h"

using glossa::protocol::encode_error;
using glossa::protocol::encode_notification;
using glossa::protocol::encode_request;
using glossa::protocol::encode_result;
using glossa::protocol::Message;
using glossa::protocol::parse_message;
using glossa::protocol::RpcError;
using glossa::protocol::RpcException;
using nlohmann::json;
namespace p = glossa::protocol;

namespace {

// The line without its '\n', checking that the encoder wrote exactly one, at the end.
std::string body(const std::string& line) {
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1)
    throw std::logic_error("not one line: " + line);
  return line.substr(0, line.size() - 1);
}

// The exception parse_message throws for `line`; a default one (code 0) when it throws none.
RpcException refusal(std::string_view line) {
  try {
    parse_message(line);
  } catch (const RpcException& e) {
    return e;
  }
  return RpcException(0, "accepted");
}

}  // namespace

class TestRpcMessage : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void requestRoundTrips() {
    for (const json& id :
         {json(7), json("c-1"), json(nullptr), json(-3), json(uint64_t(18446744073709551615ull))}) {
      const json params = {{"job", "corpus.stats"}, {"options", {{"files", {"/a/ko.jsonl"}}}}};
      const Message m = parse_message(body(encode_request(id, "job.submit", params)));
      QVERIFY(m.kind == Message::Kind::kRequest);
      QCOMPARE(m.id, id);
      QCOMPARE(m.method, std::string("job.submit"));
      QCOMPARE(m.params, params);
    }
  }

  void notificationRoundTrips() {
    const json params = {{"id", 12}, {"fraction", 0.42}, {"phase", "읽는 중"}};
    const std::string line = body(encode_notification("job.progress", params));
    QVERIFY2(line.find("\"id\":12") != std::string::npos, line.c_str());
    QVERIFY2(line.find("\"jsonrpc\":\"2.0\",\"method\"") != std::string::npos, line.c_str());
    const Message m = parse_message(line);
    QVERIFY(m.kind == Message::Kind::kNotification);
    QVERIFY(m.id.is_null());
    QCOMPARE(m.method, std::string("job.progress"));
    QCOMPARE(m.params, params);
  }

  void resultRoundTrips() {
    for (const json& result :
         {json({{"protocol", 1}, {"pid", 42}}), json(nullptr), json(3.5), json::array({1, "x"})}) {
      const Message m = parse_message(body(encode_result("r9", result)));
      QVERIFY(m.kind == Message::Kind::kResult);
      QCOMPARE(m.id, json("r9"));
      QCOMPARE(m.result, result);
    }
  }

  void errorRoundTripsWithAndWithoutData() {
    const RpcError with{p::kJobOptions,
                        "vocab_size must be at least 100",
                        {{"field", "vocab_size"}, {"doc", "docs/jobs.md"}}};
    Message m = parse_message(body(encode_error(4, with)));
    QVERIFY(m.kind == Message::Kind::kError);
    QCOMPARE(m.id, json(4));
    QCOMPARE(m.error.code, int(p::kJobOptions));
    QCOMPARE(m.error.message, with.message);
    QCOMPARE(m.error.data, with.data);

    const std::string line = body(encode_error(nullptr, {p::kLineTooLong, "line too long", {}}));
    QCOMPARE(line, std::string(R"({"error":{"code":-32000,"message":"line too long"},)"
                               R"("id":null,"jsonrpc":"2.0"})"));
    m = parse_message(line);
    QVERIFY(m.id.is_null());
    QVERIFY(m.error.data.is_null());
  }

  void encodesOneCompactLine() {
    QCOMPARE(encode_request(1, "version", json::object()),
             std::string("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"version\",\"params\":{}}\n"));
    QCOMPARE(encode_request(1, "version", nullptr), encode_request(1, "version", json::object()));
    // Text stays UTF-8 (not \u escapes), and a newline inside a string is escaped.
    QCOMPARE(
        encode_result(2, {{"phase", "한국어\nline"}}),
        std::string("{\"id\":2,\"jsonrpc\":\"2.0\",\"result\":{\"phase\":\"한국어\\nline\"}}\n"));
  }

  void absentParamsReadAsAnEmptyObject() {
    Message m = parse_message(R"({"jsonrpc":"2.0","id":1,"method":"run.list"})");
    QVERIFY(m.params.is_object() && m.params.empty());
    m = parse_message(R"({"jsonrpc":"2.0","method":"dropped"})");
    QVERIFY(m.kind == Message::Kind::kNotification);
    QVERIFY(m.params.is_object() && m.params.empty());
  }

  void encodersNeverThrowOnInvalidUtf8() {
    const std::string bad = "/home/ana/\xff\xfe.txt";
    const json result = {{"path", bad}, {bad, 1}};
    std::string line;
    line = encode_result(1, result);  // would throw json::type_error with the default handler
    const Message m = parse_message(body(line));
    QCOMPARE(m.result["path"].get<std::string>(), std::string("/home/ana/\uFFFD\uFFFD.txt"));
    QVERIFY(m.result.contains("/home/ana/\uFFFD\uFFFD.txt"));
    QVERIFY(!body(encode_error(1, {p::kInternalError, "bad \xc3", {{"field", bad}}})).empty());
    QVERIFY(!body(encode_notification("run.log", {{"lines", {bad}}})).empty());
    QVERIFY(!body(encode_request(bad, "job.get", {{"id", 1}})).empty());
  }

  void exceptionCarriesCodeMessageAndId() {
    const RpcException e(p::kNotFound, "no job with id 9", {{"id", 9}}, 5);
    QCOMPARE(std::string(e.what()), std::string("no job with id 9"));
    QCOMPARE(e.error().code, int(p::kNotFound));
    QCOMPARE(e.error().message, std::string("no job with id 9"));
    QCOMPARE(e.error().data, json({{"id", 9}}));
    QCOMPARE(e.id(), json(5));
  }

  void refusesWhatIsNotJson() {
    for (const char* line : {"hello", "{\"jsonrpc\":", "", "{\"jsonrpc\":\"2.0\"} x", "1e400",
                             "{\"a\":\"\\ud800\"}"}) {
      const RpcException e = refusal(line);
      QVERIFY2(e.error().code == p::kParseError, line);
      QVERIFY2(e.id().is_null(), line);
      QCOMPARE(std::string(e.what()), e.error().message);
    }
    QVERIFY(QByteArray(refusal("{\"jsonrpc\":").what()).contains("not valid JSON"));
  }

  void refusesInvalidUtf8AsAParseError() {
    for (const std::string& line :
         {std::string("\xff\xfe"), std::string("{\"jsonrpc\":\"2.0\",\"method\":\"a\xc3\"}"),
          std::string("{\"jsonrpc\":\"2.0\",\"method\":\"\xed\xa0\x80\"}"),
          std::string("{\"jsonrpc\":\"2.0\",\"method\":\"\xc0\xaf\"}")}) {
      const RpcException e = refusal(line);
      QCOMPARE(e.error().code, int(p::kParseError));
      QVERIFY2(QByteArray(e.what()).contains("UTF-8"), e.what());
    }
    QVERIFY(QByteArray(refusal("\xff\xfe").what()).contains("byte 0"));
    // Well-formed multibyte text is accepted.
    QCOMPARE(parse_message("{\"jsonrpc\":\"2.0\",\"method\":\"한\xf0\x9f\x98\x80\"}").method,
             std::string("한\xf0\x9f\x98\x80"));
  }

  // A parse error quotes little of the line: its error response must fit in a line.
  void parseErrorOfAHugeLineIsShort() {
    const std::string line = "{\"jsonrpc\":\"2.0\",\"method\":\"" + std::string(1 << 20, 'a');
    const RpcException e = refusal(line);
    QCOMPARE(e.error().code, int(p::kParseError));
    QVERIFY2(std::string(e.what()).size() < 300, e.what());
  }

  void refusesAWrongJsonrpcKeepingTheId() {
    for (const char* line :
         {R"({"jsonrpc":"1.0","id":5,"method":"version"})",
          R"({"jsonrpc":2.0,"id":5,"method":"version"})", R"({"id":5,"method":"version"})"}) {
      const RpcException e = refusal(line);
      QVERIFY2(e.error().code == p::kInvalidRequest, line);
      QVERIFY2(QByteArray(e.what()).contains("jsonrpc"), e.what());
      QCOMPARE(e.id(), json(5));
    }
  }

  void refusesANonStringMethod() {
    for (const char* line : {R"({"jsonrpc":"2.0","id":"a","method":42})",
                             R"({"jsonrpc":"2.0","id":"a","method":null})",
                             R"({"jsonrpc":"2.0","id":"a","method":["job.get"]})"}) {
      const RpcException e = refusal(line);
      QVERIFY2(e.error().code == p::kInvalidRequest, line);
      QVERIFY2(QByteArray(e.what()).contains("\"method\" must be a string"), e.what());
      QCOMPARE(e.id(), json("a"));
    }
  }

  void refusesParamsThatAreNotAnObject() {
    for (const char* params : {"[12]", "null", "\"x\"", "3"}) {
      const std::string line =
          std::string(R"({"jsonrpc":"2.0","id":1,"method":"job.get","params":)") + params + "}";
      const RpcException e = refusal(line);
      QVERIFY2(e.error().code == p::kInvalidRequest, line.c_str());
      QVERIFY2(QByteArray(e.what()).contains("\"params\" must be an object"), e.what());
      QCOMPARE(e.id(), json(1));
    }
  }

  void refusesBatches() {
    for (const char* line : {R"([{"jsonrpc":"2.0","id":1,"method":"version"}])", "[]"}) {
      const RpcException e = refusal(line);
      QCOMPARE(e.error().code, int(p::kInvalidRequest));
      QVERIFY2(QByteArray(e.what()).contains("batch"), e.what());
    }
  }

  void refusesIdsThatAreNeitherStringIntegerNorNull() {
    for (const char* id : {"{\"n\":1}", "1.5", "1.0", "true", "[1]", "1e3"}) {
      const std::string line =
          std::string(R"({"jsonrpc":"2.0","method":"version","id":)") + id + "}";
      const RpcException e = refusal(line);
      QVERIFY2(e.error().code == p::kInvalidRequest, line.c_str());
      QVERIFY2(QByteArray(e.what()).contains("\"id\""), e.what());
      QVERIFY(e.id().is_null());  // the id could not be read: the error goes back with null
    }
  }

  void refusesOtherMalformedMessages() {
    const char* lines[] = {
        "42",
        "\"version\"",
        "null",
        "{}",
        R"({"jsonrpc":"2.0","id":1})",                                 // neither kind
        R"({"jsonrpc":"2.0","id":1,"method":"version","extra":1})",    // unknown member
        R"({"jsonrpc":"2.0","id":1,"method":"version","result":{}})",  // both kinds
        R"({"jsonrpc":"2.0","result":{}})",                            // response without id
        R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})",
        R"({"jsonrpc":"2.0","id":1,"result":{},"params":{}})",
        R"({"jsonrpc":"2.0","id":1,"error":"broken"})",
        R"({"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}})",
        R"({"jsonrpc":"2.0","id":1,"error":{"code":4294967296,"message":"m"}})",
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000}})",
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"m","hint":"x"}})",
    };
    for (const char* line : lines) {
      const RpcException e = refusal(line);
      QVERIFY2(e.error().code == p::kInvalidRequest, line);
      QVERIFY2(std::string(e.what()) != "accepted", line);
    }
  }
};

QTEST_GUILESS_MAIN(TestRpcMessage)
#include "test_rpc_message.moc"
