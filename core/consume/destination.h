// Where the data of a consume run goes decides where its state lives, since
// exactly-once is a property of a source and a destination together. The
// table of rules is in doc/state-format.md ("Where the state lives") and in
// the STATE section of man/slsflow-consume.1.
#pragma once

#include <string>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"

namespace slsflow {

enum class OutputKind {
  kFiles,       // -o FILE, -o DIR/ or -o TEMPLATE
  kStdoutFile,  // stdout redirected to a regular file (> or >>)
  kStream,      // stdout as a pipe, terminal, socket or /dev/null
};

struct DestinationFlags {
  std::string output;          // -o as typed; "" for stdout
  bool output_is_dir = false;  // -o ends in '/' or names an existing directory
  // -o names a device, FIFO or socket (/dev/full, a named pipe): written to,
  // but like a pipe on stdout it keeps no state, and none is put beside it.
  bool output_is_stream = false;
  std::string extension;    // of -o DIR/ files: jsonl, csv, tsv or log
  std::string stdout_path;  // kStdoutFile: the path behind fd 1
  bool stdout_is_file = false;
  std::string state;     // --state (--name is a state path too, resolved by the caller)
  std::string consumer;  // --group member; "" when not in a group
};

struct Destination {
  OutputKind kind = OutputKind::kStream;
  // kFiles: the path template the sink writes, {consumer} already filled in.
  std::string path_template;
  // How messages name the output: "out/", "x.jsonl", or "state FILE" for a
  // named state of a pipe.
  std::string shown;
  // "" when the run keeps no state at all (a pipe or terminal without
  // --name/--state).
  std::string state_path;
  // The folder that holds the output's own state (`<fixed folder>/.slsflow`),
  // also when --state puts the state elsewhere: the lock there marks the
  // output as owned. "" for a stream.
  std::string output_state_dir;
  // The lock that marks the output as owned by one run, whatever --state says.
  std::string output_lock_path;
};

// The template that `-o DIR/` stands for: DIR/{logstore}-{shard}.EXT, or
// DIR/{logstore}-{shard}-{consumer}.EXT for a consumer-group member, whose
// files are its own.
std::string DirectoryTemplate(const std::string& dir, const std::string& extension, bool per_consumer);

// The longest leading folder of a template without a placeholder:
// "out/{date}/{shard}.jsonl" -> "out", "{date}.jsonl" -> ".", "/a/b.log" -> "/a".
std::string FixedFolder(const std::string& path_template);

// Fills in {consumer}; the other placeholders stay for the sink.
std::string WithConsumer(const std::string& path_template, const std::string& consumer);

// Decides where the state lives (see the table in doc/state-format.md).
// `consumer` in `flags` is used as given; AdoptConsumer may pick it first.
Result<Destination> ResolveDestination(const DestinationFlags& flags);

// The state file name for a label ("dir", "file.x.jsonl", ...) and an
// optional consumer: "<label>[@<consumer>].state", with anything outside
// [A-Za-z0-9._-] made safe.
std::string StateFileName(const std::string& label, const std::string& consumer);

// A --group member started without --consumer takes over the name of an
// earlier member of `group` that wrote this output (per-consumer files) and
// is not running now (its state is not locked), so that a restarted member
// resumes its own files exactly-once. "" when there is none.
std::string AdoptConsumer(Env* env, const DestinationFlags& flags, const std::string& group);

// Every existing file under the template's fixed folder that the template
// (with its rotated segments) could have produced. For --reset when the
// state that listed the files is unreadable.
std::vector<std::string> FilesMatchingTemplate(const std::string& path_template);

}  // namespace slsflow
