#!/bin/sh
# Times `runs ls` on a store of many runs: seeds it once (SeedRuns.java), then runs the launcher
# N times and prints min and median wall time.
#   runs-cli/bench/ls-timing.sh [RUNS] [REPEATS] [DB]
# Build the tool first: mvn -q -pl runs-cli -am package -DskipTests
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
runs_count=${1:-100000}
repeats=${2:-10}
db=${3:-/tmp/runs-ls-timing-$runs_count.db}
jar=$(ls "$here"/../target/runs-cli-*-all.jar | head -1)
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
if [ ! -f "$db" ]; then
  "$java" -cp "$jar" "$here/SeedRuns.java" "sqlite:$db" "$runs_count"
fi
# warm the page cache; with no class data archive yet, this run writes it (see the launcher)
rm -f "$jar.jsa"
"$here/../src/main/sh/runs" --store "sqlite:$db" ls >/dev/null
times=""
i=0
while [ "$i" -lt "$repeats" ]; do
  start=$(date +%s%N)
  "$here/../src/main/sh/runs" --store "sqlite:$db" ls >/dev/null
  end=$(date +%s%N)
  times="$times $(( (end - start) / 1000000 ))"
  i=$((i + 1))
done
sorted=$(printf '%s\n' $times | sort -n)
min=$(printf '%s\n' "$sorted" | head -1)
median=$(printf '%s\n' "$sorted" | sed -n "$(( (repeats + 1) / 2 ))p")
echo "runs ls on $runs_count runs (sqlite:$db), $repeats runs: min ${min} ms, median ${median} ms"
echo "all (ms):$times"
