// SPDX-License-Identifier: MIT
// The project's JUnit schema (tests/schema/junit.xsd) is as strict as the dialect it follows:
// it accepts a minimal report and refuses each thing the strict Jenkins dialect refuses, so a
// writer change that breaks a strict reader fails here and not in somebody's CI.
#include <gtest/gtest.h>

#include <string>

#include "harness/base/fs.h"
#include "harness/base/safe_file.h"
#include "reports/fixtures.h"

namespace lg {
namespace {

using test::TempDir;

// A document with one suite holding `suite_extra` as its first children, one testcase with
// `case_attrs` and `case_body`, and `root_attrs` on <testsuites>.
std::string doc(const std::string& root_attrs = "", const std::string& suite_attrs = "",
                const std::string& case_attrs = "", const std::string& case_body = "",
                const std::string& suite_extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"leakguard\" tests=\"1\" failures=\"0\" "
         "errors=\"0\" time=\"1.5\"" +
         root_attrs + ">\n<testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"1.5\"" +
         suite_attrs + ">\n" + suite_extra + "<testcase name=\"c\" classname=\"s\" time=\"0.1\"" + case_attrs + ">" +
         case_body + "</testcase>\n</testsuite>\n</testsuites>\n";
}

std::string check(const std::string& xml) {
  static TempDir d;
  static int n = 0;
  std::string path = d.path + "/doc" + std::to_string(n++) + ".xml", err;
  EXPECT_TRUE(write_file(path, xml, err)) << err;
  return test::xmllint_errors(path);
}

TEST(JunitSchema, AcceptsAMinimalReportAndEveryPartWeWrite) {
  EXPECT_EQ(check(doc()), "");
  EXPECT_EQ(check(doc("", " timestamp=\"2026-11-22T03:15:55\" hostname=\"h\"", "",
                      "<failure type=\"leak\" message=\"m\">text</failure><system-out>o</system-out>"
                      "<system-err>e</system-err>",
                      "<properties><property name=\"a\" value=\"b\"/></properties>")),
            "");
  EXPECT_EQ(check(doc("", "", "", "<skipped message=\"why\"/>")), "");
  EXPECT_EQ(check(doc("", "", "", "<error type=\"check\" message=\"m\"/>")), "");
}

TEST(JunitSchema, RefusesWhatTheStrictDialectRefuses) {
  struct Bad {
    const char* what;
    std::string xml;
  };
  const Bad bad[] = {
      {"file on a testcase", doc("", "", " file=\"a.cc\"")},
      {"line on a testcase", doc("", "", " line=\"3\"")},
      {"timestamp on a testcase", doc("", "", " timestamp=\"2026-11-22T03:15:55\"")},
      {"properties in a testcase", doc("", "", "", "<properties><property name=\"a\" value=\"b\"/></properties>")},
      {"skipped on testsuites", doc(" skipped=\"0\"")},
      {"timestamp on testsuites", doc(" timestamp=\"2026-11-22T03:15:55\"")},
      {"a testcase without a name",
       "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\"><testcase/></testsuite>"
       "</testsuites>"},
      {"a testsuite without counts", "<testsuites><testsuite name=\"s\"/></testsuites>"},
      {"a property without a value", doc("", "", "", "", "<properties><property name=\"a\"/></properties>")},
      {"a count that is not a number", doc("", " skipped=\"some\"")},
      {"a time with a comma for the decimal point", doc("", "", " time=\"0,5\"")},
      {"an unknown element in a testcase", doc("", "", "", "<note>x</note>")},
  };
  for (const auto& b : bad) EXPECT_NE(check(b.xml), "") << "the schema accepted " << b.what;
}

}  // namespace
}  // namespace lg
