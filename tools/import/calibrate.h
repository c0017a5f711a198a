// What a set of traces says about a system: who calls whom with which route, in which order
// (sequential calls one after another, parallel ones when their spans overlap in most of the
// requests that made both), how long each service works on its own per operation (its span
// minus its calls), how often it fails on its own, which calls are retried (a failed call
// followed by another call to the same callee and route), the latency of each link, how many
// requests each service holds at once, and the load: the clients, their route mix and
// arrival rate. scenario_writer.cpp turns this into components and steps.
//
// Reading a trace as Jaeger builds its dependency graph (jaeger's in-memory store
// GetDependencies, spark-dependencies): a call wherever a span's service differs from its
// parent's, whatever the tags, through CHILD_OF and FOLLOWS_FROM references alike. Kinds and
// attributes refine it when present:
// - the caller's side of a call is the parent's span when it is its service's CLIENT or
//   PRODUCER span, or an untyped span (OpenTracing clients write no kind) whose child is in
//   another service; half its duration minus the callee's span's is the link's one-way latency
//   (archsim draws it for the request and for the reply);
// - a CLIENT or PRODUCER span with no child in another service went to something not
//   instrumented (a database, a cache, a broker): it is named by peer.service, db.system or
//   messaging.system (else its operation), and its whole duration is that callee's time;
// - a PRODUCER span, a FOLLOWS_FROM reference, a CONSUMER child, or a child that starts after
//   its parent span ended (fire and forget: what an OpenTracing-era RabbitMQ or Kafka client
//   leaves, no kind and CHILD_OF) is asynchronous: a publish to a queue (the broker's own
//   span when the traces have it, else one named by messaging.system, else
//   "<consumer>-queue") that the child's service consumes. One such child makes every call of
//   that caller to that callee and route asynchronous: a consumer's span shorter than its
//   sender's is moved into it by the clock-skew correction, as Jaeger's adjuster moves it;
//   each child of a calling span is a call of its own (a message consumed twice);
// - the same call group (a call, or a parallel block) or a unit of up to kMaxLoopUnit groups
//   repeated back to back is a loop, with its count per request (a call per item), and so is
//   one pass of a unit that loops in other requests of the operation; a parallel block of one
//   call made several times at once is a fan-out, with its width per request.
// A root that is a SERVER, CONSUMER or untyped span is a request from outside, sent by a
// client the importer adds ("users"); a CLIENT, PRODUCER or INTERNAL root is the client
// itself (a load generator's span, or archsim's own request span; an INTERNAL root that
// calls nothing is its service's own work, a request to it). INTERNAL spans that
// archsim marks as waits (queue, lock, replication) are not work. The gaps of a serving span
// not covered by calls or waits are its service's work, one slot before, between and after
// the calls: the work steps of the route.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tools/import/traces.h"

namespace archsim::import {

struct CallModel {
  std::string callee, route;
  bool one_way = false;             // a PRODUCER span: a publish
  std::uint64_t calls = 0, failed = 0;   // logical calls (retries folded in) and those that failed in the end
  std::uint64_t retried = 0;             // logical calls that took more than one attempt
  int max_attempts = 1;             // the most attempts one logical call took
  std::vector<double> backoffs;     // s, from a failed attempt's end to the next attempt
  std::vector<double> timeouts;     // s, durations of attempts that timed out
  std::set<std::string> retried_on; // the causes retried ("timeout", "error", ...)
};

struct StepModel {
  enum Kind { Work, Call, Parallel, Loop } kind = Work;
  std::vector<double> work;      // Work: own time samples, s
  std::vector<CallModel> calls;  // Call: one; Parallel: one per branch, or one for a fan-out
  // Parallel with counts: a fan-out, the same call made counts[i] times at once in request i
  // (an item list sent to one service on futures). Loop: how many times its body ran in each
  // request, one after the other (a call per item in the cart).
  std::vector<int> counts;
  // Loop: one pass, W G W G ...: the own time before each of its call groups (the first one's
  // from the end of the previous pass, or of the step before the loop), and the groups.
  std::vector<StepModel> body;
};

// One way an operation went (the same calls in the same order); an operation that took
// several ways (a cache hit or miss) has several shapes, weighted by how often each was seen.
struct ShapeModel {
  std::string signature;  // "W C(db/read) W"
  std::uint64_t count = 0;
  std::vector<StepModel> steps;
};

struct OperationModel {
  std::uint64_t count = 0, own_errors = 0;  // served; failed while every call succeeded
  std::map<std::string, ShapeModel> shapes;
};

struct ServiceModel {
  std::string name;
  std::string type;      // archsim's component type when the traces say (archsim.component.type,
                         // or cache/database/queue from db.system / messaging.system), else ""
  std::string type_why;  // what said so
  bool uninstrumented = false;  // known only from its callers' CLIENT spans
  std::map<std::string, OperationModel> ops;  // by route
  std::set<std::string> consumers;            // services a queue delivered to (route: consumer_route)
  std::string consumer_route;
  // Requests it held at once, by Little's law: the sum over its serving spans of their
  // duration, each span weighted by its trace's 1/sampling, over the traces' time window.
  double busy_s = 0;
  std::uint64_t served = 0;
  std::set<std::string> hosts;  // the hosts its spans came from (Jaeger's hostname / ip, OTLP host.name)
};

struct ClientModel {
  std::string name;
  bool added = false;     // synthesized for SERVER roots (no load generator in the traces)
  std::string target;
  std::map<std::string, std::uint64_t> routes;  // route -> requests
  std::uint64_t requests = 0;
  std::int64_t first_ns = 0, last_ns = 0;       // first and last request start
  double sampling = 1;                          // fraction of requests traced (the commonest)
  std::string sampling_from;                    // what said it: "--sampling", "sampler.type/param on root spans", ...
  double weight = 0;                            // requests each traced one stands for, summed (sum of 1/sampling)
  double rate = 0;                              // requests/s (0: unknown, one request)
  std::vector<double> durations;                // s, end to end
  CallModel call;                               // its calls to the target (retries, timeouts)
};

struct LinkModel {
  std::vector<double> latency;  // s, one way: half the call's span minus its SERVER child's
};

struct Calibration {
  std::vector<std::string> files;  // "traces.json (OTLP JSON, 1200 traces)"
  std::map<std::string, ServiceModel> services;
  std::map<std::string, ClientModel> clients;
  std::map<std::pair<std::string, std::string>, LinkModel> links;
  std::vector<std::string> notes;
  std::uint64_t traces = 0, spans = 0, skipped = 0;
  double window_s = 0;  // the traced requests' time span (first to last start), for Little's law
};

// A unit of at most this many call groups (calls, parallel blocks) repeated back to back in a
// request is a loop (a cart's items: GetProduct then Convert, once per item).
constexpr std::size_t kMaxLoopUnit = 3;

// Calls of one operation that overlapped in more than this share of the requests that made
// both are a parallel block, whatever they did in one request; a call joins a block only when
// it runs beside every call already in it (calls through a pool of workers are waves of blocks).
constexpr double kParallelShare = 0.5;

// `sampling`: the fraction of requests the traces hold, when given on the command line
// (--sampling; 0: as each trace's root span says, else its file, else 1).
Calibration calibrate(const std::vector<TraceFile>& files, double sampling);

}  // namespace archsim::import
