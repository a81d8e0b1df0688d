#!/bin/bash
# usage: prof.sh TREE NAME [PERF=1] [NAME=VALUE env for API...]
tree=$1; name=$2; shift 2
out=/tmp/prof22f/$name; mkdir -p $out
cd $tree
touch $out/start
perf=${PERF:-1}
if [[ $perf == 1 ]]; then export APIPERF=1 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_PerfMapShowOptimizationTiers=1; fi
env "$@" BENCH_OUT=$out bench/run.sh --quick --only=assign_concurrent > $out/bench.log 2>&1 &
bpid=$!
if [[ $perf == 1 ]]; then
  until grep -q "API (pid" $out/bench.log; do sleep 1; kill -0 $bpid 2>/dev/null || exit 1; done
  apipid=$(grep -o "API (pid [0-9]*" $out/bench.log | head -1 | grep -o "[0-9]*$")
  until grep -q "1,000 assigns…" $out/bench.log; do sleep 0.2; kill -0 $bpid 2>/dev/null || exit 1; done
  wc -l < /tmp/perf-$apipid.map > $out/map-start
  perf record -F 997 -g -p $apipid -o $out/perf.data 2>$out/perf.err &
  ppid=$!
  until grep -q "completes…" $out/bench.log; do sleep 0.1; done
  kill -INT $ppid; wait $ppid
  wc -l < /tmp/perf-$apipid.map > $out/map-end
  cp /tmp/perf-$apipid.map $out/ 2>/dev/null
  echo $apipid > $out/apipid
fi
wait $bpid
echo "exit $?" >> $out/bench.log
if [[ $perf == 1 ]]; then find /tmp -maxdepth 1 -name "perf-*.map" -newer $out/start -delete; fi
