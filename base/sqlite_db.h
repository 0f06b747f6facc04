// A thin RAII wrapper over SQLite's C API with errors that name the database file and statement.
// Each engine store (corpus statistics, vocabulary sessions, ...) owns its own tables and creates
// them with `CREATE TABLE IF NOT EXISTS`; all of them can live in one project file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace glossa {

class SqliteDb;

class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as in SQLite.
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_blob(int index, std::string_view bytes);
  SqliteStatement& bind_null(int index);

  // Runs one step: true while a row is available.
  bool step();
  // Steps to completion (INSERT/UPDATE/DELETE), then resets for reuse.
  void run();
  void reset();

  int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) a database file; WAL journal so readers never block the writer.
  explicit SqliteDb(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(std::string_view sql);
  int64_t last_insert_id() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  // RAII transaction: commits in commit(), rolls back if destroyed without it.
  class Transaction {
   public:
    explicit Transaction(SqliteDb& db);
    ~Transaction();
    void commit();

   private:
    SqliteDb& db_;
    bool done_ = false;
  };

  [[noreturn]] void raise(const std::string& context) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace glossa
