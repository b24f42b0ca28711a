// SPDX-License-Identifier: MIT
#pragma once
// Shared by the JUnit writers (junit.cc, compare_junit.cc) and merge.cc: the pieces of a JUnit
// document and the last step of writing one.
#include <pugixml.hpp>
#include <string>

namespace lg {

// Starts a JUnit document: the XML declaration and an empty <testsuites name="leakguard">.
pugi::xml_node new_junit(pugi::xml_document& doc);
// Recomputes tests/failures/errors/skipped of every <testsuite> from its testcases and the
// totals (and time) of the <testsuites> root, so a file never disagrees with itself.
void recount_junit(pugi::xml_node testsuites);
// Recounts, then the document as text: XML declaration, UTF-8, two-space indent.
std::string junit_text(pugi::xml_document& doc);
// junit_text written to a file the user named (safe_file.h: never through a planted link).
bool save_junit(pugi::xml_document& doc, const std::string& path, std::string& err);

// The pieces of a JUnit document. Every text goes through clean_line/clean_text.
// A <testsuite> with its name, time, timestamp and hostname (counts: save_junit fills them).
pugi::xml_node junit_suite(pugi::xml_node root, const std::string& name, double seconds, const std::string& timestamp,
                           const std::string& hostname);
pugi::xml_node junit_testcase(pugi::xml_node suite, const std::string& classname, const std::string& name,
                              double seconds);
// <failure>, <error> or <skipped> (element) with a one-line message and an optional body.
void junit_outcome(pugi::xml_node tc, const char* element, const char* type, const std::string& message,
                   const std::string& body = "");
// <system-out> or <system-err>, capped at 64 KiB (the front cut, with a line naming full_log).
void junit_stream(pugi::xml_node tc, const char* element, const std::string& text, const std::string& full_log);
void junit_property(pugi::xml_node props, const std::string& name, const std::string& value);

}  // namespace lg
