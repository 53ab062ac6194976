// Opening the state of one consume run: take the output's locks, load and
// check the state, apply --reset, refuse a rerun that asks for something
// else, and say in one line when a run resumes. The rules are the table in
// doc/state-format.md ("Where the state lives" and "Reruns").
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/env.h"
#include "core/base/status.h"
#include "core/consume/destination.h"
#include "core/consume/request.h"
#include "core/consume/state.h"

namespace slsflow {

struct SessionOptions {
  Destination destination;
  // Identity: a state of another project, endpoint or logstore list is
  // refused (exit 3).
  std::string project;
  std::string endpoint;
  std::vector<std::string> logstores;
  std::string name;  // --name
  std::string group;
  std::string consumer;
  RequestFlags given;  // the request flags given on this command line
  bool reset = false;
  // One line for the user (stderr), e.g. "resuming out/ (...)".
  std::function<void(const std::string&)> notice;
};

struct Session {
  std::unique_ptr<StateStore> store;  // null: this run keeps no state
  std::vector<std::unique_ptr<FileLock>> output_locks;
  ConsumeState state;    // identity filled in; positions when resumed
  RequestFlags request;  // what this run asks for: given, else recorded
  bool resumed = false;  // a state with positions was loaded
  // The output is already complete for the request (a bounded rerun with
  // no later --to): the caller says "nothing to do" if the run finds none.
  bool complete = false;
};

// kUsage (2) for a rerun with another request, kConfig (3) for a corrupt,
// foreign or mismatched state or output, kConflict (1) when another run
// holds the output. Every message names the way out.
Result<Session> OpenSession(Env* env, const SessionOptions& options);

// After the request is resolved: `to_unix` is this run's --to (nullopt to
// follow). Shards that a previous run finished at an earlier --to read on
// to this one. Returns true when nothing is left to read (see `complete`).
bool ApplyBounds(ConsumeState* state, std::optional<int64_t> to_unix);

// "3 of 4 shards done, 120431 records written"
std::string DescribeProgress(const ConsumeState& state);

}  // namespace slsflow
