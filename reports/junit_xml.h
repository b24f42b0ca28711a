// SPDX-License-Identifier: MIT
#pragma once
// Shared by junit.cc and merge.cc: the last step of writing any JUnit document.
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

}  // namespace lg
