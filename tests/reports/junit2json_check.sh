#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Test-only: parses a leakguard JUnit file with a consumer this project did not write, the npm
# package junit2json, and checks it sees the testcases, failures and errors we wrote.
# Usage: junit2json_check.sh FILE.xml TESTS FAILURES ERRORS
# Exit 0: parsed and counts match; 1: mismatch or parse error; 77: cannot run here (no npm/node,
# or the registry is unreachable): the calling test skips.
set -euo pipefail
xml=$1 want_tests=$2 want_failures=$3 want_errors=$4

command -v npm >/dev/null 2>&1 || { echo "npm not installed"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "node not installed"; exit 77; }
dir=$(mktemp -d /tmp/lg-junit2json-XXXXXX)
trap 'rm -rf "$dir"' EXIT
# Everything, the npm cache included, stays in the temp dir.
if ! timeout 120 npm install --prefix "$dir" --cache "$dir/cache" --no-audit --no-fund --silent junit2json \
    >"$dir/npm.log" 2>&1; then
  echo "npm install junit2json failed: $(tail -n 3 "$dir/npm.log" | tr '\n' ' ')"
  exit 77
fi

NODE_PATH="$dir/node_modules" node - "$xml" "$want_tests" "$want_failures" "$want_errors" <<'JS'
const fs = require('fs');
const { parse } = require('junit2json');
const [xml, wantTests, wantFailures, wantErrors] = process.argv.slice(2);
(async () => {
  const out = await parse(fs.readFileSync(xml, 'utf8'));
  if (!out || !Array.isArray(out.testsuite)) throw new Error('no <testsuite> parsed');
  let tests = 0, failures = 0, errors = 0, problems = [];
  const walk = (suite) => {
    for (const tc of suite.testcase || []) {
      tests++;
      if (!tc.name || !tc.classname) problems.push('testcase without name/classname');
      for (const f of tc.failure || []) { failures++; if (!f.message) problems.push(`failure without message in ${tc.name}`); }
      for (const e of tc.error || []) { errors++; if (!e.message) problems.push(`error without message in ${tc.name}`); }
    }
    for (const s of suite.testsuite || []) walk(s);
  };
  out.testsuite.forEach(walk);
  const got = { tests, failures, errors, suite_tests: out.tests, suite_failures: out.failures, suite_errors: out.errors };
  console.log(JSON.stringify(got));
  const want = [+wantTests, +wantFailures, +wantErrors];
  if (tests !== want[0] || failures !== want[1] || errors !== want[2]) problems.push(`counts ${tests}/${failures}/${errors}, want ${want.join('/')}`);
  if (out.tests !== tests || out.failures !== failures || out.errors !== errors) problems.push('totals disagree with testcases');
  if (problems.length) { console.log(problems.join('\n')); process.exit(1); }
})().catch((e) => { console.log(`junit2json: ${e.message}`); process.exit(1); });
JS
