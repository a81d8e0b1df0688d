#!/usr/bin/env bash
# Writes the load test's data as POST bodies (deterministic: fixed seeds, same files every run).
#   scaling/gen-data.sh DIR COURIERS ORDERS REGIONS [ORDERS_PER_FILE]
# DIR/couriers.json     {"data": [courier, ...]}  ids 1..COURIERS, types foot/bike/car 50/35/15 %,
#                       1-3 regions of 1..REGIONS, one or two working-hour windows
# DIR/orders-NNN.json   {"data": [order, ...]}    ids 1..ORDERS in files of ORDERS_PER_FILE (10000),
#                       weight 2-10 kg (90 %) or 5-50 kg, one region, one or two delivery windows, some
#                       crossing midnight. The engine packs the most orders, so lighter orders would make
#                       bundles of dozens (a foot courier carries 100 orders of 0.1 kg); these give bundles
#                       of about 5 (foot) to 25 (car) orders.
# Plain awk: no python or jq needed.
set -euo pipefail
dir=$1 couriers=$2 orders=$3 regions=$4 per_file=${5:-10000}
mkdir -p "$dir"

awk -v n="$couriers" -v regions="$regions" 'BEGIN {
  srand(7)
  printf "{\"data\":["
  for (id = 1; id <= n; id++) {
    r = rand(); type = r < 0.50 ? "foot" : (r < 0.85 ? "bike" : "car")
    k = 1 + int(rand() * 3); list = ""; split("", seen)
    for (j = 0; j < k; j++) {
      do r = 1 + int(rand() * regions); while (r in seen)
      seen[r] = 1; list = list (j ? "," : "") r
    }
    start = 6 + int(rand() * 4)
    if (rand() < 0.5) hours = sprintf("\"%02d:00-%02d:00\"", start, start + 10 + int(rand() * 4))
    else hours = sprintf("\"%02d:00-%02d:30\",\"%02d:00-%02d:00\"", start, start + 5, start + 7, start + 13)
    printf "%s{\"courier_id\":%d,\"courier_type\":\"%s\",\"regions\":[%s],\"working_hours\":[%s]}", \
      (id > 1 ? "," : ""), id, type, list, hours
  }
  print "]}"
}' >"$dir/couriers.json"

awk -v n="$orders" -v regions="$regions" -v per="$per_file" -v dir="$dir" 'BEGIN {
  srand(11)
  file = ""
  for (id = 1; id <= n; id++) {
    if ((id - 1) % per == 0) {
      if (file != "") { print "]}" > file; close(file) }
      file = sprintf("%s/orders-%03d.json", dir, int((id - 1) / per) + 1)
      printf "{\"data\":[" > file
      first = 1
    }
    # hundredths of a kg: mostly 2-10 kg, a tail up to 50 kg (the heaviest for cars only)
    cg = rand() < 0.90 ? 200 + int(rand() * 801) : 500 + int(rand() * 4501)
    region = 1 + int(rand() * regions)
    s = 6 + int(rand() * 15); len = 1 + int(rand() * 4)
    if (rand() < 0.05) hours = sprintf("\"%02d:00-%02d:00\"", 22 + int(rand() * 2), 1 + int(rand() * 3))
    else if (rand() < 0.3) hours = sprintf("\"%02d:00-%02d:30\",\"%02d:00-%02d:00\"", s, s, (s + 2) % 24, (s + 3) % 24)
    else hours = sprintf("\"%02d:%02d-%02d:00\"", s, 15 * int(rand() * 4), (s + len) % 24)
    printf "%s{\"order_id\":%d,\"weight\":%d.%02d,\"region\":%d,\"delivery_hours\":[%s]}", \
      (first ? "" : ","), id, int(cg / 100), cg % 100, region, hours > file
    first = 0
  }
  if (file != "") { print "]}" > file; close(file) }
}'
