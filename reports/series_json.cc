// SPDX-License-Identifier: MIT
// series.json: the whole recorded run, enough for `leakguard judge` to rebuild the RunResult and
// judge it again. Format documented in docs/outputs.md; bump kFormatVersion on any change that
// an older reader would misread.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "harness/base/fs.h"
#include "harness/base/safe_file.h"
#include "harness/verdict/check_type.h"
#include "reports/report.h"

namespace lg {

namespace {

using json = nlohmann::json;
constexpr int kFormatVersion = 1;

// NaN (not measured / does not apply) is null in JSON.
json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Shortest text that reads back as the same double (to_chars), null for NaN.
void put_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

// One column as a JSON array, from memory or from `full`, flushed to `f` as it grows.
bool put_column(AtomicFile& f, std::string& o, const std::vector<double>* mem, const ColumnSource* full, size_t col,
                std::string& err) {
  constexpr size_t kChunk = 65536;
  o += '[';
  size_t n = full ? full->rows() : mem ? mem->size() : 0;
  std::vector<double> chunk;
  for (size_t i = 0; i < n; i += kChunk) {
    size_t k = std::min(kChunk, n - i);
    const double* v;
    if (full) {
      chunk.resize(k);
      if (!full->read(col, i, k, chunk.data(), err)) return false;
      v = chunk.data();
    } else {
      v = mem->data() + i;
    }
    for (size_t j = 0; j < k; j++) {
      if (i + j) o += ',';
      put_number(o, v[j]);
    }
    bool ok = f.write(o);
    o.clear();
    if (!ok) return true;  // the error surfaces at commit
  }
  o += ']';
  return true;
}

// Target output may hold invalid UTF-8: replace it rather than fail the whole report.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json check_json(const Check& c) {
  return json{{"metric", c.metric},
              {"type", check_type(c.type).key},
              {"limit", num(c.limit)},
              {"per_event", c.per_event},
              {"per_event_scale", num(c.per_event_scale)},
              {"per_time_unit", c.per_time_unit},
              {"phases", c.phases},
              {"min_growth", num(c.min_growth)},
              {"required", c.required},
              {"text", c.text},
              {"line", c.line},
              {"col", c.col}};
}

json diagnosis_json(const Diagnosis& d) {
  json sites = json::array();
  for (const auto& s : d.sites) {
    json frames = json::array();
    for (const auto& f : s.frames)
      frames.push_back({{"function", f.function},
                        {"file", f.file},
                        {"line", f.line},
                        {"module", f.module},
                        {"build_id", f.build_id},
                        {"offset", f.offset},
                        {"target_code", f.target_code}});
    json t = json::array(), counts = json::array();
    for (double x : s.t) t.push_back(num(x));
    for (double x : s.counts) counts.push_back(num(x));
    sites.push_back({{"count", s.count},
                     {"headline", s.headline},
                     {"example", s.example},
                     {"frames", frames},
                     {"details", s.details},
                     {"t", t},
                     {"counts", counts}});
  }
  json unexplained = json::array();
  for (const auto& [why, n] : d.unexplained) unexplained.push_back({{"reason", why}, {"count", n}});
  return json{{"metric", d.metric},         {"title", d.title}, {"noun", d.noun},
              {"scope", d.scope},           {"total", d.total}, {"sites", sites},
              {"unexplained", unexplained}, {"notes", d.notes}};
}

// Reading: a missing or mistyped field is an error naming the field, never a silent default
// for the data that judging depends on.
struct Reader {
  std::string where;  // "series.json"
  std::string err;

  const json* field(const json& o, const char* key, bool required = true) {
    if (!o.is_object()) {
      fail(std::string("expected an object holding '") + key + "'");
      return nullptr;
    }
    auto it = o.find(key);
    if (it == o.end()) {
      if (required) fail(std::string("missing field '") + key + "'");
      return nullptr;
    }
    return &*it;
  }
  void fail(const std::string& m) {
    if (err.empty()) err = where + ": " + m;
  }
  double number(const json& o, const char* key, double def = kUnavailable, bool required = false) {
    const json* v = field(o, key, required);
    if (!v || v->is_null()) return def;  // null: not measured (NaN) unless a default says otherwise
    if (!v->is_number()) {
      fail(std::string("field '") + key + "' is not a number");
      return def;
    }
    return v->get<double>();
  }
  std::string str(const json& o, const char* key) {
    const json* v = field(o, key, false);
    if (!v || v->is_null()) return "";
    if (!v->is_string()) {
      fail(std::string("field '") + key + "' is not a string");
      return "";
    }
    return v->get<std::string>();
  }
  bool flag(const json& o, const char* key) {
    const json* v = field(o, key, false);
    if (!v || v->is_null()) return false;
    if (!v->is_boolean()) {
      fail(std::string("field '") + key + "' is not true/false");
      return false;
    }
    return v->get<bool>();
  }
  std::vector<std::string> strs(const json& o, const char* key) {
    std::vector<std::string> out;
    const json* v = field(o, key, false);
    if (!v || v->is_null()) return out;
    if (!v->is_array()) {
      fail(std::string("field '") + key + "' is not a list");
      return out;
    }
    for (const auto& x : *v) {
      if (!x.is_string()) return fail(std::string("field '") + key + "' holds a non-string"), out;
      out.push_back(x.get<std::string>());
    }
    return out;
  }
  std::vector<double> numbers(const json& o, const char* key, bool required = true) {
    std::vector<double> out;
    const json* v = field(o, key, required);
    if (!v) return out;
    if (!v->is_array()) return fail(std::string("field '") + key + "' is not a list"), out;
    out.reserve(v->size());
    for (const auto& x : *v) {
      if (x.is_null())
        out.push_back(kUnavailable);
      else if (x.is_number())
        out.push_back(x.get<double>());
      else
        return fail(std::string("field '") + key + "' holds a non-number"), out;
    }
    return out;
  }
};

}  // namespace

bool write_series_json(const RunResult& r, AtomicFile& f, std::string& err, const ColumnSource* full) {
  const Series& s = r.series;
  // Small fields first, one per line, so `head` shows what the run was; the sample arrays
  // last, each on one line, written directly (a json array of a million numbers is slow) and
  // streamed to the file (a day-long run has tens of millions of numbers).
  std::string o;
  o += "{\n";
  auto field = [&](const char* key, const json& v) {
    o += '"';
    o += key;
    o += "\": ";
    o += dump(v);
    o += ",\n";
  };
  auto list = [&](const char* key, const json& items) {  // an array of objects, one per line
    o += '"';
    o += key;
    o += "\": [";
    for (size_t i = 0; i < items.size(); i++) o += (i ? ",\n  " : "\n  ") + dump(items[i]);
    o += items.empty() ? "],\n" : "\n],\n";
  };
  field("format", "leakguard-series");
  field("format_version", kFormatVersion);
  field("scenario", {{"name", r.scenario}, {"description", r.description}, {"file", r.scenario_file}});
  field("run", {{"timestamp", r.timestamp},
                {"duration", num(r.duration)},
                {"hostname", r.hostname},
                {"kernel", r.kernel},
                {"version", r.version},
                {"backend", r.backend},
                {"backend_note", r.backend_note},
                {"target_argv", r.target_argv},
                {"target_env", r.target_env},
                {"warnings", r.warnings},
                {"containment", r.containment},
                {"seed", r.seed},
                {"interrupted", r.interrupted},
                {"environment_error", r.environment_error},
                {"out_dir", r.out_dir},
                {"stdout_log", r.stdout_log},
                {"stderr_log", r.stderr_log},
                {"stdout_tail", r.stdout_tail},
                {"stderr_tail", r.stderr_tail},
                {"stdout_dropped", r.stdout_dropped},
                {"stderr_dropped", r.stderr_dropped},
                {"escapes", r.escapes},
                {"notes", r.notes}});
  field("launch", num(s.launch));
  field("stop", s.stop >= 0 ? num(s.stop) : json(nullptr));
  field("settle_end", s.settle_end >= 0 ? num(s.settle_end) : json(nullptr));
  field("unsettled", s.unsettled);
  json phases = json::array();
  for (const auto& p : s.phases)
    phases.push_back(
        {{"name", p.name}, {"start", num(p.start)}, {"end", num(p.end)}, {"has_workloads", p.has_workloads}});
  list("phases", phases);
  json checks = json::array(), verdicts = json::array();
  for (size_t i = 0; i < r.verdicts.size(); i++) {
    const Verdict& v = r.verdicts[i];
    checks.push_back(check_json(v.check));
    verdicts.push_back({{"check", i},
                        {"outcome", outcome_info(v.outcome).key},
                        {"sentence", v.sentence},
                        {"slope", num(v.slope)},
                        {"ci_low", num(v.ci_low)},
                        {"ci_high", num(v.ci_high)},
                        {"growth", num(v.growth)},
                        {"baseline", num(v.baseline)},
                        {"end_level", num(v.end_level)},
                        {"peak", num(v.peak)},
                        {"events", num(v.events)},
                        {"samples", v.samples},
                        {"window_start", num(v.window_start)},
                        {"window_end", num(v.window_end)}});
  }
  list("checks", checks);
  list("verdicts", verdicts);
  json lifecycle = json::array();
  for (const auto& l : r.lifecycle)
    lifecycle.push_back({{"name", l.name},
                         {"ok", l.ok},
                         {"skipped", l.skipped},
                         {"message", l.message},
                         {"detail", l.detail},
                         {"seconds", num(l.seconds)}});
  list("lifecycle", lifecycle);
  json workloads = json::array();
  for (const auto& w : r.workloads)
    workloads.push_back({{"phase", w.phase},
                         {"kind", w.kind},
                         {"name", w.label()},
                         {"requested", w.requested},
                         {"achieved", w.achieved},
                         {"requested_rate", num(w.requested_rate)},
                         {"achieved_rate", num(w.achieved_rate)},
                         {"seconds", num(w.seconds)},
                         {"error_errno", w.error_errno},
                         {"error", w.error},
                         {"warnings", w.warnings}});
  list("workloads", workloads);
  json maps = json::array();
  for (const auto& m : s.maps)
    maps.push_back({{"id", m.id},
                    {"name", m.name},
                    {"type", m.type},
                    {"max_entries", num(m.max_entries)},
                    {"peak_entries", num(m.peak_entries)},
                    {"peak_t", num(m.peak_t)},
                    {"full_at", m.full_at >= 0 ? num(m.full_at) : json(nullptr)},
                    {"can_fill", m.can_fill}});
  list("maps", maps);
  json diagnoses = json::array();
  for (const auto& d : r.diagnoses) diagnoses.push_back(diagnosis_json(d));
  list("diagnoses", diagnoses);
  o += "\"t\": ";
  if (!put_column(f, o, &s.t, full, ColumnSource::kTime, err)) return false;
  o += ",\n\"metrics\": [";
  static const std::vector<double> kNone;
  for (size_t i = 0; i < s.metrics.size(); i++) {
    json m{{"name", s.metrics[i]},
           {"unit", i < s.units.size() ? s.units[i] : ""},
           {"unavailable", i < s.unavailable.size() ? s.unavailable[i] : ""},
           {"pre_launch", i < s.pre_launch.size() ? num(s.pre_launch[i]) : json(nullptr)},
           {"post_settle", i < s.post_settle.size() ? num(s.post_settle[i]) : json(nullptr)}};
    std::string head = dump(m);
    head.pop_back();  // reopen the object for "values"
    o += (i ? ",\n  " : "\n  ") + head + ", \"values\": ";
    if (!put_column(f, o, i < s.values.size() ? &s.values[i] : &kNone, full, i, err)) return false;
    o += '}';
  }
  o += s.metrics.empty() ? "],\n" : "\n],\n";
  o += "\"events\": [";
  for (size_t i = 0; i < s.event_kinds.size(); i++) {
    o += (i ? ",\n  " : "\n  ") + std::string("{\"kind\": ") + dump(s.event_kinds[i]) + ", \"counts\": ";
    if (!put_column(f, o, i < s.events.size() ? &s.events[i] : &kNone, full, s.metrics.size() + i, err)) return false;
    o += '}';
  }
  o += s.event_kinds.empty() ? "]\n}\n" : "\n]\n}\n";
  f.write(o);
  return f.commit(err);
}

bool write_series_json(const RunResult& r, const std::string& path, std::string& err) {
  std::string dir, name;
  Dir d;
  AtomicFile f;
  if (!split_file_path(path, dir, name, err) || !Dir::open(dir, false, d, err) || !f.open(d, name, err)) return false;
  return write_series_json(r, f, err);
}

bool read_series_json(const std::string& path, RunResult& out, std::string& err) {
  // A regular file only (never a FIFO or a device a hostile directory holds), and bounded: a
  // day of samples at 100 ms is a few hundred MiB.
  constexpr size_t kMaxSeriesInput = size_t{1} << 30;
  std::string text, why;
  if (!read_regular_file(path, kMaxSeriesInput, text, why)) {
    err = path + ": " + why;
    return false;
  }
  if (text.empty()) {
    err = path + ": the file is empty";
    return false;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    err = path + ": not valid JSON";
    return false;
  }
  Reader rd{path, ""};
  if (!j.is_object() || j.value("format", "") != "leakguard-series") {
    err = path + ": not a leakguard series.json (no \"format\": \"leakguard-series\")";
    return false;
  }
  int version = j.value("format_version", 0);
  if (version != kFormatVersion) {
    err = path + ": format_version " + std::to_string(version) + " is not the one this leakguard reads (" +
          std::to_string(kFormatVersion) + ")";
    return false;
  }
  RunResult r;
  if (const json* sc = rd.field(j, "scenario")) {
    r.scenario = rd.str(*sc, "name");
    r.description = rd.str(*sc, "description");
    r.scenario_file = rd.str(*sc, "file");
  }
  if (const json* run = rd.field(j, "run")) {
    r.timestamp = rd.str(*run, "timestamp");
    r.duration = rd.number(*run, "duration", 0);
    r.hostname = rd.str(*run, "hostname");
    r.kernel = rd.str(*run, "kernel");
    r.version = rd.str(*run, "version");
    r.backend = rd.str(*run, "backend");
    r.backend_note = rd.str(*run, "backend_note");
    r.target_argv = rd.strs(*run, "target_argv");
    r.warnings = rd.strs(*run, "warnings");
    if (const json* env = rd.field(*run, "target_env", false); env && env->is_object())
      for (const auto& [k, v] : env->items())
        if (v.is_string()) r.target_env[k] = v.get<std::string>();
    r.containment = rd.str(*run, "containment");
    r.seed = (uint64_t)rd.number(*run, "seed", 0);
    if (const json* seed = rd.field(*run, "seed", false); seed && seed->is_number_unsigned())
      r.seed = seed->get<uint64_t>();  // exact beyond 2^53
    r.interrupted = rd.flag(*run, "interrupted");
    r.environment_error = rd.str(*run, "environment_error");
    r.out_dir = rd.str(*run, "out_dir");
    r.stdout_log = rd.str(*run, "stdout_log");
    r.stderr_log = rd.str(*run, "stderr_log");
    r.stdout_tail = rd.str(*run, "stdout_tail");
    r.stderr_tail = rd.str(*run, "stderr_tail");
    // Added later: absent in older files.
    r.stdout_dropped = (uint64_t)rd.number(*run, "stdout_dropped", 0);
    r.stderr_dropped = (uint64_t)rd.number(*run, "stderr_dropped", 0);
    if (rd.field(*run, "escapes", false)) r.escapes = rd.strs(*run, "escapes");
    if (rd.field(*run, "notes", false)) r.notes = rd.strs(*run, "notes");
  }
  Series& s = r.series;
  s.launch = rd.number(j, "launch", 0);
  s.stop = rd.number(j, "stop", -1);
  s.settle_end = rd.number(j, "settle_end", -1);
  if (const json* u = rd.field(j, "unsettled", false); u && u->is_string()) s.unsettled = u->get<std::string>();
  if (const json* phases = rd.field(j, "phases"))
    for (const auto& p : *phases)
      s.phases.push_back({rd.str(p, "name"), rd.number(p, "start", 0, true), rd.number(p, "end", 0, true),
                          rd.flag(p, "has_workloads")});
  s.t = rd.numbers(j, "t");
  if (const json* metrics = rd.field(j, "metrics")) {
    for (const auto& m : *metrics) {
      s.metrics.push_back(rd.str(m, "name"));
      s.units.push_back(rd.str(m, "unit"));
      s.unavailable.push_back(rd.str(m, "unavailable"));
      s.pre_launch.push_back(rd.number(m, "pre_launch"));
      s.post_settle.push_back(rd.number(m, "post_settle"));
      s.values.push_back(rd.numbers(m, "values"));
      if (s.values.back().size() != s.t.size())
        rd.fail("metric '" + s.metrics.back() + "' has " + std::to_string(s.values.back().size()) + " values for " +
                std::to_string(s.t.size()) + " sample times");
    }
  }
  if (const json* events = rd.field(j, "events")) {
    for (const auto& e : *events) {
      s.event_kinds.push_back(rd.str(e, "kind"));
      s.events.push_back(rd.numbers(e, "counts"));
      if (s.events.back().size() != s.t.size())
        rd.fail("event kind '" + s.event_kinds.back() + "' has " + std::to_string(s.events.back().size()) +
                " counts for " + std::to_string(s.t.size()) + " sample times");
    }
  }
  if (const json* maps = rd.field(j, "maps", false)) {
    for (const auto& m : *maps) {
      MapRecord x;
      x.id = (uint32_t)rd.number(m, "id", 0);
      x.name = rd.str(m, "name");
      x.type = rd.str(m, "type");
      x.max_entries = rd.number(m, "max_entries", 0);
      x.peak_entries = rd.number(m, "peak_entries", 0);
      x.peak_t = rd.number(m, "peak_t", 0);
      x.full_at = rd.number(m, "full_at", -1);
      x.can_fill = rd.flag(m, "can_fill");
      s.maps.push_back(x);
    }
  }
  std::vector<Check> checks;
  if (const json* cs = rd.field(j, "checks")) {
    for (const auto& c : *cs) {
      Check k;
      k.metric = rd.str(c, "metric");
      std::string type = rd.str(c, "type");
      if (const CheckTypeInfo* t = find_check_type(type))
        k.type = t->type;
      else
        rd.fail("check of '" + k.metric + "' has unknown type '" + type + "'");
      k.limit = rd.number(c, "limit", 0, true);
      k.per_event = rd.str(c, "per_event");
      k.per_event_scale = rd.number(c, "per_event_scale", 1);
      k.per_time_unit = rd.str(c, "per_time_unit");
      k.phases = rd.strs(c, "phases");
      k.min_growth = rd.number(c, "min_growth", -1);
      k.required = rd.flag(c, "required");
      k.text = rd.str(c, "text");
      k.line = (int)rd.number(c, "line", 0);
      k.col = (int)rd.number(c, "col", 0);
      checks.push_back(std::move(k));
    }
  }
  if (const json* vs = rd.field(j, "verdicts")) {
    for (const auto& v : *vs) {
      Verdict d;
      double ci = rd.number(v, "check", -1, true);
      if (!(ci >= 0 && ci < (double)checks.size())) {
        rd.fail("a verdict names check " + std::to_string((long)ci) + " of " + std::to_string(checks.size()));
        break;
      }
      d.check = checks[(size_t)ci];
      std::string o = rd.str(v, "outcome");
      if (const OutcomeInfo* oi = find_outcome_key(o))
        d.outcome = oi->outcome;
      else
        rd.fail("verdict with unknown outcome '" + o + "'");
      d.sentence = rd.str(v, "sentence");
      d.slope = rd.number(v, "slope");
      d.ci_low = rd.number(v, "ci_low");
      d.ci_high = rd.number(v, "ci_high");
      d.growth = rd.number(v, "growth");
      d.baseline = rd.number(v, "baseline");
      d.end_level = rd.number(v, "end_level");
      d.peak = rd.number(v, "peak");
      d.events = rd.number(v, "events");
      d.samples = (size_t)rd.number(v, "samples", 0);
      d.window_start = rd.number(v, "window_start");
      d.window_end = rd.number(v, "window_end");
      r.verdicts.push_back(std::move(d));
    }
  }
  if (const json* ds = rd.field(j, "diagnoses", false); ds && ds->is_array()) {
    auto count = [&](const json& o, const char* key) { return (uint64_t)std::max(0.0, rd.number(o, key, 0)); };
    for (const auto& dj : *ds) {
      Diagnosis d;
      d.metric = rd.str(dj, "metric");
      d.title = rd.str(dj, "title");
      d.noun = rd.str(dj, "noun");
      d.scope = rd.str(dj, "scope");
      d.total = count(dj, "total");
      d.notes = rd.strs(dj, "notes");
      if (const json* sites = rd.field(dj, "sites", false); sites && sites->is_array())
        for (const auto& sj : *sites) {
          Site site;
          site.count = count(sj, "count");
          site.headline = rd.str(sj, "headline");
          site.example = rd.str(sj, "example");
          site.details = rd.strs(sj, "details");
          site.t = rd.numbers(sj, "t", false);
          site.counts = rd.numbers(sj, "counts", false);
          if (const json* frames = rd.field(sj, "frames", false); frames && frames->is_array())
            for (const auto& fj : *frames) {
              Frame f;
              f.function = rd.str(fj, "function");
              f.file = rd.str(fj, "file");
              f.line = (int)rd.number(fj, "line", 0);
              f.module = rd.str(fj, "module");
              f.build_id = rd.str(fj, "build_id");
              if (const json* off = rd.field(fj, "offset", false); off && off->is_number_unsigned())
                f.offset = off->get<uint64_t>();
              f.target_code = rd.flag(fj, "target_code");
              site.frames.push_back(std::move(f));
            }
          d.sites.push_back(std::move(site));
        }
      if (const json* un = rd.field(dj, "unexplained", false); un && un->is_array())
        for (const auto& uj : *un) d.unexplained.emplace_back(rd.str(uj, "reason"), count(uj, "count"));
      r.diagnoses.push_back(std::move(d));
    }
  }
  // Checks recorded without a verdict (should not happen) still reach `judge`.
  for (size_t i = r.verdicts.size(); i < checks.size(); i++) {
    Verdict d;
    d.check = checks[i];
    d.sentence = "not judged";
    r.verdicts.push_back(std::move(d));
  }
  if (const json* ls = rd.field(j, "lifecycle", false))
    for (const auto& l : *ls)
      r.lifecycle.push_back({rd.str(l, "name"), !rd.field(l, "ok", false) || rd.flag(l, "ok"), rd.flag(l, "skipped"),
                             rd.str(l, "message"), rd.str(l, "detail"), rd.number(l, "seconds", 0)});
  if (const json* ws = rd.field(j, "workloads", false)) {
    for (const auto& w : *ws) {
      WorkloadReport x;
      x.phase = rd.str(w, "phase");
      x.kind = rd.str(w, "kind");
      x.name = rd.str(w, "name");  // absent in runs recorded before workloads had names
      x.requested = (uint64_t)rd.number(w, "requested", 0);
      x.achieved = (uint64_t)rd.number(w, "achieved", 0);
      x.requested_rate = rd.number(w, "requested_rate", 0);
      x.achieved_rate = rd.number(w, "achieved_rate", 0);
      x.seconds = rd.number(w, "seconds", 0);
      x.error_errno = (int)rd.number(w, "error_errno", 0);
      x.error = rd.str(w, "error");
      x.warnings = rd.strs(w, "warnings");
      r.workloads.push_back(std::move(x));
    }
  }
  if (!rd.err.empty()) {
    err = rd.err;
    return false;
  }
  out = std::move(r);
  return true;
}

}  // namespace lg
