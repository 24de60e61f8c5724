#!/usr/bin/env bash
# Lists the functions longer than a limit (80 lines unless LIMIT says otherwise) in the C++ files of
# the code rooms: "file:line: name N lines", from its opening brace to its closing one. Lambdas and
# local classes count in the function that holds them. Functions the style allows to be long are
# named in ALLOWED below (a parser's state machine, the CLI11 declarations) and listed apart.
# Exit status 1 when another one is longer than the limit.
# Usage: scripts/long_functions.sh [FILE|FOLDER...]   (default: engine connectors diff store base emulator bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
limit=${LIMIT:-80}
# file:function pairs that may be long, and why.
ALLOWED=(
  "connectors/sources/csv_scanner.cpp:CsvScanner::next_row"  # the CSV parser's state machine
  "engine/cli/main.cpp:main"                                  # the CLI11 declarations
)
[[ $# -gt 0 ]] || set -- engine connectors diff store base emulator bench
mapfile -t files < <(find "$@" -name '*.cpp' -type f | sort)
[[ ${#files[@]} -gt 0 ]] || exit 0
awk -v limit="$limit" -v allowed="$(printf '%s\n' "${ALLOWED[@]%%  #*}")" '
BEGIN {
  n = split(allowed, list, "\n")
  for (i = 1; i <= n; i++) if (list[i] != "") ok[list[i]] = 1
  split("if for while switch catch return sizeof alignof decltype static_assert noexcept requires", kw, " ")
  for (i in kw) keyword[kw[i]] = 1
}
FNR == 1 { depth = 0; fn_depth = -1; pending = ""; in_block = 0 }
{
  line = $0; out = ""
  # Blank out comments, strings and character literals, keeping the code between them.
  for (i = 1; i <= length(line); i++) {
    c = substr(line, i, 1); two = substr(line, i, 2)
    if (in_block) { if (two == "*/") { in_block = 0; i++ } continue }
    if (two == "/*") { in_block = 1; i++; continue }
    if (two == "//") break
    if (c == "\"" || (c == "\x27" && !(substr(line, i - 1, 1) ~ /[0-9A-Za-z_]/))) {
      for (j = i + 1; j <= length(line) && substr(line, j, 1) != c; j++) if (substr(line, j, 1) == "\\") j++
      i = j; out = out " "; continue
    }
    out = out c
  }
  for (i = 1; i <= length(out); i++) {
    c = substr(out, i, 1)
    if (c == "{") {
      if (fn_depth < 0) {
        text = pending
        sub(/[ \t]+$/, "", text)
        # A body follows ")" and its qualifiers; the name is the word before the matching "(".
        if (match(text, /\)[ \t]*((const|override|final|noexcept|mutable)[ \t]*)*(->[^;{}()]*)?$/)) {
          head = substr(text, 1, RSTART); d = 0
          for (k = length(head); k > 0; k--) {
            ch = substr(head, k, 1)
            if (ch == ")") d++
            else if (ch == "(" && --d == 0) break
          }
          before = substr(head, 1, k - 1); sub(/[ \t]+$/, "", before)
          sub(/<[^<>()]*>$/, "", before)
          if (match(before, /[~A-Za-z_][A-Za-z_0-9:~]*$/)) {
            name = substr(before, RSTART)
            short = name; sub(/.*::/, "", short)
            if (!(short in keyword)) { fn_depth = depth; fn_line = FNR; fn_name = name }
          }
        }
      }
      depth++; pending = ""
    } else if (c == "}") {
      depth--; pending = ""
      if (fn_depth >= 0 && depth == fn_depth) {
        lines = FNR - fn_line + 1
        if (lines > limit) {
          key = FILENAME ":" fn_name
          if (key in ok) printf "%s:%d: %s %d lines (allowed)\n", FILENAME, fn_line, fn_name, lines
          else { printf "%s:%d: %s %d lines\n", FILENAME, fn_line, fn_name, lines; found = 1 }
        }
        fn_depth = -1
      }
    } else if (c == ";") {
      pending = ""
    } else {
      pending = pending c
    }
  }
  pending = pending " "
}
END { exit found ? 1 : 0 }
' "${files[@]}"
