#!/usr/bin/env bash
# scripts/log-writer.sh FILE CAP_BYTES: copies standard input, line by line, to standard output and appends it to FILE
# (the lines of an earlier run stay). Once FILE reaches CAP_BYTES, at the end of a line, it becomes FILE.1 (replacing
# an older one) and a new FILE begins. ./run.sh writes the API's log with it. (mawk reads a pipe in blocks unless
# interactive; awk's `>` would empty FILE when it first opens it, hence `>>`.)
set -euo pipefail
log=$1 cap=$2
awk_stream=(awk)
awk -W version 2>/dev/null | grep -q mawk && awk_stream=(awk -W interactive)
LOG=$log exec "${awk_stream[@]}" -v cap="$cap" -v size="$(stat -c %s "$log" 2>/dev/null || echo 0)" '
  { print; fflush(); print >> ENVIRON["LOG"]; fflush(ENVIRON["LOG"]); size += length($0) + 1 }
  size >= cap { close(ENVIRON["LOG"]); system("mv -f -- \"$LOG\" \"$LOG.1\""); size = 0 }'
