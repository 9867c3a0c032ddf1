#!/usr/bin/env bash
# A small offline check of Fluent Bit classic-mode configuration files (no fluent-bit binary in Debian 12 or
# npm, so no `--dry-run`): known section names, `Key value` lines inside sections, a Name in every
# INPUT/FILTER/OUTPUT, every Parser referenced is defined in a Parsers_File, @INCLUDE files exist, and
# parser sections carry a Format. Plugin options themselves are not checked.
# Usage: fluentbit-check.sh fluent-bit.conf
set -euo pipefail
main="$1"
dir="$(dirname "$main")"
files=("$main")
while read -r inc; do
  [ -f "$dir/$inc" ] || { echo "$main: @INCLUDE $inc: no such file"; exit 1; }
  files+=("$dir/$inc")
done < <(awk '/^@INCLUDE[ \t]/ {print $2}' "$main")
parsers=()
while read -r pf; do
  [ -f "$dir/$pf" ] || { echo "$main: Parsers_File $pf: no such file"; exit 1; }
  parsers+=("$dir/$pf")
done < <(awk 'tolower($1)=="parsers_file" {print $2}' "${files[@]}")

awk '
  function fail(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg; bad = 1 }
  function section_fail(msg) { printf "%s:%d: %s\n", sfile, sline, msg; bad = 1 }
  function close_section() {
    if (section ~ /^(INPUT|FILTER|OUTPUT)$/ && !has_name) section_fail("[" section "] without Name")
    if (section == "PARSER" && !has_format) section_fail("[PARSER] without Format")
    if (section == "PARSER" && pname == "") section_fail("[PARSER] without Name")
    if (pname != "") defined[pname] = 1
    section = ""; has_name = 0; has_format = 0; pname = ""
  }
  FNR == 1 && NR != 1 { close_section() }
  /^[ \t]*(#.*)?$/ { next }
  /^@(INCLUDE|SET)[ \t]/ { next }
  /^\[/ {
    close_section()
    if (!match($0, /^\[[A-Z_]+\][ \t]*$/)) { fail("malformed section header: " $0); next }
    section = substr($0, 2, index($0, "]") - 2)
    if (section !~ /^(SERVICE|INPUT|FILTER|OUTPUT|PARSER|MULTILINE_PARSER|PLUGINS|CUSTOM|UPSTREAM|NODE)$/)
      fail("unknown section [" section "]")
    sfile = FILENAME; sline = FNR; next
  }
  {
    if (section == "") { fail("line outside any section: " $0); next }
    if ($0 !~ /^[ \t]+[A-Za-z_][A-Za-z0-9_.-]*([ \t]+.+)?$/) { fail("expected an indented \"Key value\" line: " $0); next }
    if (NF < 2 && section != "UPSTREAM") fail("key without value: " $1)
    key = tolower($1)
    if (key == "name") { has_name = 1; if (section == "PARSER") pname = $2 }
    if (key == "format") has_format = 1
    if (key == "parser" && section != "PARSER") { used[$2] = FILENAME ":" FNR }
  }
  END {
    close_section()
    for (p in used) if (!(p in defined)) { printf "%s: Parser %s is not defined in any Parsers_File\n", used[p], p; bad = 1 }
    exit bad
  }
' "${parsers[@]}" "${files[@]}"
