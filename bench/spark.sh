#!/usr/bin/env bash
# The study on Spark beside the local engine, on this machine:
#   1. the study (default: ./gradlab study's, 144 runs; any study options, e.g. --quick, pass through)
#      on the local engine with 1 and 2 workers and on Spark's local[1] and local[2], each fresh,
#      timed by the study's own "done in" line (the runs and the report, not starting the JVM or
#      Spark) and by the wall clock of the whole command; then each engine's speedup from 1 to 2
#      cores and Spark's time over the local engine's;
#   2. the overhead of one Spark task, from tiny runs (bench/SparkOverhead.java).
# The load average is printed before each measurement: on a shared machine the numbers move with it.
#   bench/spark.sh [study options]      e.g. bench/spark.sh --quick
# Results go to runs/bench-spark/ (removed first). Builds what it needs through ./gradlab.
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/bench-spark
rm -rf "$out"
mkdir -p "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
# build what is missing or stale first, so no timing below includes a build
./gradlab study --spark 'local[1]' --help > /dev/null
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores; study options: ${*:-(the default study)}"

names=(engine-1 engine-2 spark-1 spark-2)
options=("--workers 1" "--workers 2" "--spark local[1]" "--spark local[2]")
declare -A study
for i in 0 1 2 3; do
  name=${names[$i]}
  echo "== ${options[$i]} (load $(load))"
  start=$(date +%s%N)
  # shellcheck disable=SC2086  # the engine's option and its value
  ./gradlab study ${options[$i]} --out "$out/$name" "$@" > "$out/$name.log" 2> "$out/$name.err" \
    || { echo "failed: see $out/$name.log and $out/$name.err"; exit 1; }
  end=$(date +%s%N)
  study[$name]=$(sed -n 's/^study: done in \([0-9.]*\) s$/\1/p' "$out/$name.log")
  awk -v s="${study[$name]}" -v w="$(( (end - start) / 1000000 ))" \
    'BEGIN { printf "   study %.1f s, the whole command %.1f s\n", s, w / 1000 }'
  # runs.csv without its wall times, to compare the engines' results
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i }
           { s = ""; for (i = 1; i <= NF; i++) if (i != c) s = s (s == "" ? "" : ",") $i; print s }' \
    "$out/$name/runs.csv" > "$out/$name.results.csv"
done
for name in engine-2 spark-1 spark-2; do
  if cmp -s "$out/engine-1.results.csv" "$out/$name.results.csv"; then
    echo "runs.csv of $name: the same as engine-1's, wall times aside"
  else
    echo "runs.csv of $name: DIFFERS from engine-1's"
  fi
done
awk -v l1="${study[engine-1]}" -v l2="${study[engine-2]}" -v s1="${study[spark-1]}" -v s2="${study[spark-2]}" 'BEGIN {
  printf "speedup from 1 to 2 cores: local engine %.2fx, Spark %.2fx\n", l1 / l2, s1 / s2
  printf "Spark time over the local engine time: 1 core %.3f, 2 cores %.3f\n", s1 / l1, s2 / l2 }'

echo "== overhead per task, tiny runs (load $(load))"
# the JVM options ./gradlab gives a driver on Spark (see the launcher)
opts=$(sed -n 's|.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*|\1|p' spark/pom.xml)
# shellcheck disable=SC2086  # the option list holds several options
OMP_NUM_THREADS=1 SPARK_LOCAL_IP=127.0.0.1 java -Xmx1g -XX:+UseSerialGC -Djava.awt.headless=true \
  -Dorg.bytedeco.javacpp.maxBytes=0 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dspark.ui.enabled=false $opts \
  -Dlog4j2.configurationFile=spark/conf/log4j2.properties \
  -cp "spark/target/gradlab-spark.jar:spark/target/lib/*" bench/SparkOverhead.java 200 3
echo "load after: $(load)"
