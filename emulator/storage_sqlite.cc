// SQLite storage (WAL). One connection behind a mutex: SQLite has a single
// writer anyway, and every change is its own committed transaction before
// the request that made it is acknowledged.
#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/base/env.h"
#include "emulator/storage.h"

namespace slsflow::emulator {
namespace {

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS logstores(project TEXT NOT NULL, name TEXT NOT NULL, meta TEXT NOT NULL,
  PRIMARY KEY(project, name));
CREATE TABLE IF NOT EXISTS shards(project TEXT NOT NULL, logstore TEXT NOT NULL, id INTEGER NOT NULL,
  readonly INTEGER NOT NULL, begin_key TEXT NOT NULL, end_key TEXT NOT NULL, create_time INTEGER NOT NULL,
  PRIMARY KEY(project, logstore, id));
CREATE TABLE IF NOT EXISTS log_groups(project TEXT NOT NULL, logstore TEXT NOT NULL, shard INTEGER NOT NULL,
  offset INTEGER NOT NULL, receive_us INTEGER NOT NULL, log_count INTEGER NOT NULL, raw BLOB NOT NULL,
  PRIMARY KEY(project, logstore, shard, offset));
CREATE TABLE IF NOT EXISTS consumer_groups(project TEXT NOT NULL, logstore TEXT NOT NULL, name TEXT NOT NULL,
  timeout INTEGER NOT NULL, in_order INTEGER NOT NULL, PRIMARY KEY(project, logstore, name));
CREATE TABLE IF NOT EXISTS checkpoints(project TEXT NOT NULL, logstore TEXT NOT NULL, grp TEXT NOT NULL,
  shard INTEGER NOT NULL, checkpoint TEXT NOT NULL, update_us INTEGER NOT NULL, consumer TEXT NOT NULL,
  PRIMARY KEY(project, logstore, grp, shard));
)sql";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Text(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Blob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& Int(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  std::string ColText(int i) {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
  }
  std::string ColBlob(int i) {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
  }
  int64_t ColInt(int i) { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

std::string MetaJson(const LogStoreMeta& m) {
  nlohmann::json j = {{"ttl", m.ttl_days},
                      {"createTime", m.create_time_s},
                      {"lastModifyTime", m.last_modify_time_s},
                      {"autoSplit", m.auto_split},
                      {"maxSplitShard", m.max_split_shard},
                      {"appendMeta", m.append_meta},
                      {"enable_tracking", m.enable_tracking}};
  return j.dump();
}

LogStoreMeta ParseMeta(const std::string& name, const std::string& text) {
  LogStoreMeta m;
  m.name = name;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return m;
  m.ttl_days = j.value("ttl", m.ttl_days);
  m.create_time_s = j.value("createTime", m.create_time_s);
  m.last_modify_time_s = j.value("lastModifyTime", m.last_modify_time_s);
  m.auto_split = j.value("autoSplit", m.auto_split);
  m.max_split_shard = j.value("maxSplitShard", m.max_split_shard);
  m.append_meta = j.value("appendMeta", m.append_meta);
  m.enable_tracking = j.value("enable_tracking", m.enable_tracking);
  return m;
}

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(sqlite3* db, std::unique_ptr<FileLock> lock) : db_(db), lock_(std::move(lock)) {}
  ~SqliteStorage() override { sqlite3_close(db_); }

  Status Load(std::vector<LoadedProject>* out) override {
    std::lock_guard lock(mu_);
    out->clear();
    std::map<std::string, std::map<std::string, LoadedLogStore>> all;
    {
      Stmt s(db_, "SELECT project, name, meta FROM logstores");
      while (s.Step() == SQLITE_ROW) {
        auto& ls = all[s.ColText(0)][s.ColText(1)];
        ls.meta = ParseMeta(s.ColText(1), s.ColText(2));
      }
    }
    auto find = [&](const std::string& p, const std::string& l) -> LoadedLogStore* {
      auto pi = all.find(p);
      if (pi == all.end()) return nullptr;
      auto li = pi->second.find(l);
      return li == pi->second.end() ? nullptr : &li->second;
    };
    {
      Stmt s(db_, "SELECT project, logstore, id, readonly, begin_key, end_key, create_time FROM shards ORDER BY id");
      while (s.Step() == SQLITE_ROW) {
        LoadedLogStore* ls = find(s.ColText(0), s.ColText(1));
        if (!ls) continue;
        ShardMeta m;
        m.id = static_cast<int>(s.ColInt(2));
        m.readonly = s.ColInt(3) != 0;
        if (!ParseHashKey(s.ColText(4), &m.range.begin) || !ParseHashEnd(s.ColText(5), &m.range.end)) {
          return Status::Corruption("emulator data: bad hash range for shard " + std::to_string(m.id));
        }
        m.create_time_s = s.ColInt(6);
        ls->shards.push_back(m);
      }
    }
    {
      Stmt s(db_,
             "SELECT project, logstore, shard, offset, receive_us, log_count, raw FROM log_groups "
             "ORDER BY project, logstore, shard, offset");
      while (s.Step() == SQLITE_ROW) {
        LoadedLogStore* ls = find(s.ColText(0), s.ColText(1));
        if (!ls) continue;
        LoadedGroup g;
        g.shard = static_cast<int>(s.ColInt(2));
        g.offset = static_cast<uint64_t>(s.ColInt(3));
        g.group.receive_time_us = s.ColInt(4);
        g.group.log_count = static_cast<uint32_t>(s.ColInt(5));
        g.group.raw = s.ColBlob(6);
        ls->groups.push_back(std::move(g));
      }
    }
    {
      Stmt s(db_, "SELECT project, logstore, name, timeout, in_order FROM consumer_groups");
      while (s.Step() == SQLITE_ROW) {
        LoadedLogStore* ls = find(s.ColText(0), s.ColText(1));
        if (!ls) continue;
        ls->consumer_groups.push_back(ConsumerGroupMeta{s.ColText(2), static_cast<int>(s.ColInt(3)), s.ColInt(4) != 0});
      }
    }
    {
      Stmt s(db_, "SELECT project, logstore, grp, shard, checkpoint, update_us, consumer FROM checkpoints");
      while (s.Step() == SQLITE_ROW) {
        LoadedLogStore* ls = find(s.ColText(0), s.ColText(1));
        if (!ls) continue;
        CheckpointRecord r{static_cast<int>(s.ColInt(3)), s.ColText(4), s.ColInt(5), s.ColText(6)};
        ls->checkpoints.emplace_back(s.ColText(2), r);
      }
    }
    for (auto& [project, stores] : all) {
      LoadedProject p;
      p.name = project;
      for (auto& [name, ls] : stores) p.logstores.push_back(std::move(ls));
      out->push_back(std::move(p));
    }
    return Status::OK();
  }

  Status SaveLogStore(const std::string& project, const LogStoreMeta& meta,
                      const std::vector<ShardMeta>& shards) override {
    std::lock_guard lock(mu_);
    SLSFLOW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = [&]() -> Status {
      Stmt ins(db_, "INSERT OR REPLACE INTO logstores(project, name, meta) VALUES(?, ?, ?)");
      SLSFLOW_RETURN_IF_ERROR(Done(ins.Text(1, project).Text(2, meta.name).Text(3, MetaJson(meta)).Step()));
      Stmt del(db_, "DELETE FROM shards WHERE project = ? AND logstore = ?");
      SLSFLOW_RETURN_IF_ERROR(Done(del.Text(1, project).Text(2, meta.name).Step()));
      for (auto& m : shards) {
        Stmt s(db_,
               "INSERT INTO shards(project, logstore, id, readonly, begin_key, end_key, create_time) "
               "VALUES(?, ?, ?, ?, ?, ?, ?)");
        s.Text(1, project).Text(2, meta.name).Int(3, m.id).Int(4, m.readonly ? 1 : 0);
        s.Text(5, FormatHashKey(m.range.begin)).Text(6, FormatHashEnd(m.range.end)).Int(7, m.create_time_s);
        SLSFLOW_RETURN_IF_ERROR(Done(s.Step()));
      }
      return Status::OK();
    }();
    return Finish(st);
  }

  Status DeleteLogStore(const std::string& project, const std::string& logstore) override {
    std::lock_guard lock(mu_);
    SLSFLOW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = Status::OK();
    for (const char* table : {"logstores", "shards", "log_groups", "consumer_groups", "checkpoints"}) {
      std::string sql = std::string("DELETE FROM ") + table + " WHERE project = ? AND " +
                        (std::string(table) == "logstores" ? "name" : "logstore") + " = ?";
      Stmt s(db_, sql.c_str());
      st = Done(s.Text(1, project).Text(2, logstore).Step());
      if (!st.ok()) break;
    }
    return Finish(st);
  }

  Status AppendGroup(const std::string& project, const std::string& logstore, int shard, uint64_t offset,
                     const StoredGroup& group) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO log_groups(project, logstore, shard, offset, receive_us, log_count, raw) "
           "VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.Text(1, project).Text(2, logstore).Int(3, shard).Int(4, static_cast<int64_t>(offset));
    s.Int(5, group.receive_time_us).Int(6, group.log_count).Blob(7, group.raw);
    return Done(s.Step());
  }

  Status SaveConsumerGroup(const std::string& project, const std::string& logstore,
                           const ConsumerGroupMeta& g) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT OR REPLACE INTO consumer_groups(project, logstore, name, timeout, in_order) VALUES(?, ?, ?, ?, ?)");
    return Done(s.Text(1, project).Text(2, logstore).Text(3, g.name).Int(4, g.timeout_s).Int(5, g.order).Step());
  }

  Status DeleteConsumerGroup(const std::string& project, const std::string& logstore,
                             const std::string& group) override {
    std::lock_guard lock(mu_);
    SLSFLOW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Stmt a(db_, "DELETE FROM consumer_groups WHERE project = ? AND logstore = ? AND name = ?");
    Status st = Done(a.Text(1, project).Text(2, logstore).Text(3, group).Step());
    if (st.ok()) {
      Stmt b(db_, "DELETE FROM checkpoints WHERE project = ? AND logstore = ? AND grp = ?");
      st = Done(b.Text(1, project).Text(2, logstore).Text(3, group).Step());
    }
    return Finish(st);
  }

  Status SaveCheckpoint(const std::string& project, const std::string& logstore, const std::string& group,
                        const CheckpointRecord& r) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT OR REPLACE INTO checkpoints(project, logstore, grp, shard, checkpoint, update_us, consumer) "
           "VALUES(?, ?, ?, ?, ?, ?, ?)");
    s.Text(1, project).Text(2, logstore).Text(3, group).Int(4, r.shard).Text(5, r.checkpoint);
    return Done(s.Int(6, r.update_time_us).Text(7, r.consumer).Step());
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Status::IO(std::string("emulator database: ") + msg);
    }
    return Status::OK();
  }

 private:
  Status Done(int rc) {
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::OK();
    return Status::IO(std::string("emulator database: ") + sqlite3_errmsg(db_) +
                      (rc == SQLITE_FULL ? " (disk full: free space in the data dir)" : ""));
  }
  Status Finish(const Status& st) {
    if (!st.ok()) {
      Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  sqlite3* db_;
  std::unique_ptr<FileLock> lock_;  // one emulator per data dir
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<Storage>> OpenSqliteStorage(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IO("cannot create data dir " + dir + ": " + ec.message());
  auto lock = Env::Default()->LockFile(dir + "/LOCK");
  if (!lock.ok()) {
    if (lock.status().kind() == ErrorKind::kConflict) {
      return Status::Error(ErrorKind::kConflict,
                           "data dir " + dir + " is in use by another emulator; stop it or pick another --data-dir");
    }
    return lock.status();
  }
  std::string path = dir + "/emulator.db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IO("cannot open " + path + ": " + msg);
  }
  auto storage = std::make_unique<SqliteStorage>(db, std::move(lock).value());
  sqlite3_busy_timeout(db, 5000);
  // WAL + synchronous=NORMAL: a committed transaction survives a crash of
  // this process (the acknowledged-writes guarantee); fsync happens at
  // checkpoints only, which keeps PutLogs fast.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", kSchema}) {
    if (Status st = storage->Exec(sql); !st.ok()) return st.WithContext(path);
  }
  return std::unique_ptr<Storage>(std::move(storage));
}

}  // namespace slsflow::emulator
