// SPDX-License-Identifier: MIT
// Merging the JUnit files of sharded runs (`leakguard merge`): every suite of every input in
// one <testsuites>, counts recomputed.
#include <pugixml.hpp>

#include <cstdlib>
#include <sstream>

#include "harness/base/fs.h"
#include "harness/base/safe_file.h"
#include "reports/junit_xml.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {

constexpr size_t kMaxJunitInput = 256 * 1024 * 1024;

struct Counts {
  long tests = 0, failures = 0, errors = 0, skipped = 0;
};

Counts recount_suite(pugi::xml_node suite) {
  Counts n;
  for (auto child : suite.children()) {
    std::string name = child.name();
    if (name == "testsuite") {
      Counts k = recount_suite(child);
      n.tests += k.tests, n.failures += k.failures, n.errors += k.errors, n.skipped += k.skipped;
    } else if (name == "testcase") {
      n.tests++;
      if (child.child("failure")) n.failures++;
      if (child.child("error")) n.errors++;
      if (child.child("skipped")) n.skipped++;
    }
  }
  auto set = [&](const char* attr, long v) {
    auto a = suite.attribute(attr);
    if (!a) a = suite.append_attribute(attr);
    a = (long long)v;
  };
  set("tests", n.tests);
  set("failures", n.failures);
  set("errors", n.errors);
  set("skipped", n.skipped);
  return n;
}

}  // namespace

void recount_junit(pugi::xml_node root) {
  Counts total;
  double time = 0;
  for (auto suite : root.children("testsuite")) {
    Counts k = recount_suite(suite);
    total.tests += k.tests, total.failures += k.failures, total.errors += k.errors;
    time += strtod(suite.attribute("time").as_string("0"), nullptr);
  }
  // <testsuites> may not carry `skipped` in junit-10.xsd.
  for (const char* attr : {"tests", "failures", "errors", "time"})
    if (!root.attribute(attr)) root.append_attribute(attr);
  root.attribute("tests") = (long long)total.tests;
  root.attribute("failures") = (long long)total.failures;
  root.attribute("errors") = (long long)total.errors;
  root.attribute("time") = junit_seconds(time).c_str();
}

pugi::xml_node new_junit(pugi::xml_document& doc) {
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("testsuites");
  root.append_attribute("name") = "leakguard";
  return root;
}

std::string junit_text(pugi::xml_document& doc) {
  recount_junit(doc.child("testsuites"));
  std::ostringstream o;
  doc.save(o, "  ", pugi::format_default, pugi::encoding_utf8);
  return o.str();
}

bool save_junit(pugi::xml_document& doc, const std::string& path, std::string& err) {
  return write_file(path, junit_text(doc), err);
}

bool merge_junit(const std::string& out, const std::vector<std::string>& inputs, std::string& err, bool* write_failed) {
  pugi::xml_document doc;
  pugi::xml_node root = new_junit(doc);
  for (const auto& in : inputs) {
    pugi::xml_document src;
    // Inputs are read as regular files only (a FIFO or a device would block or never end).
    std::string text, why;
    if (!read_regular_file(in, kMaxJunitInput, text, why)) {
      err = in + ": cannot read the file: " + why;
      return false;
    }
    pugi::xml_parse_result res = src.load_buffer(text.data(), text.size());
    if (res.status == pugi::status_file_not_found || res.status == pugi::status_io_error) {
      err = in + ": cannot read the file";
      return false;
    }
    if (!res) {
      err = in + ": not valid XML: " + res.description() + " at byte " + std::to_string(res.offset);
      return false;
    }
    auto top = src.document_element();
    std::string name = top.name();
    if (name == "testsuites") {
      for (auto suite : top.children("testsuite")) root.append_copy(suite);
    } else if (name == "testsuite") {
      root.append_copy(top);
    } else {
      err = in + ": not a JUnit report (root element <" + name + ">, expected <testsuites> or <testsuite>)";
      return false;
    }
  }
  bool ok = save_junit(doc, out, err);
  if (write_failed) *write_failed = !ok;
  return ok;
}

}  // namespace lg
