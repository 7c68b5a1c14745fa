#!/usr/bin/env bash
# Where a study run's time goes: runs one configuration of the study (bench/StudySpeedBench.java,
# one thread) under async-profiler (tools.profiler:async-profiler from Maven Central, CPU samples
# every millisecond, all threads) and prints the top of the profile of the run itself
# (bench/profile_top.py): its share per part of the step and the frames with the most self time.
# Keeps the collapsed stacks in target/profile/ for a closer look (a flame graph, or grep).
#   bench/profile.sh [PART/CONFIG] [SEED...]        (default: rnn/gru_sgd0.2 0)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/notebook/classpath.jar ] || ./mvnw -q -B package -DskipTests
version=3.0
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
[ -f "$jar" ] || ./mvnw -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$version"
mkdir -p target/profile target/bench-classes
lib=target/profile/libasyncProfiler.so
[ -f "$lib" ] || unzip -p "$jar" linux-x64/libasyncProfiler.so > "$lib"
javac -nowarn -d target/bench-classes -cp target/notebook/classpath.jar bench/StudySpeedBench.java
config="${1:-rnn/gru_sgd0.2}"
shift || true
out="target/profile/$(echo "$config" | tr '/' '_').collapsed"
echo "profiling $config, load $(cut -d' ' -f1-3 /proc/loadavg)"
OMP_NUM_THREADS=1 java -agentpath:"$lib"=start,event=cpu,interval=1ms,threads,collapsed,file="$out" \
  -Xms8m -Xmx1g -XX:+UseSerialGC -Dorg.bytedeco.javacpp.maxBytes=0 -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 \
  -cp target/notebook/classpath.jar:target/bench-classes StudySpeedBench "$config" "${@:-0}"
/usr/bin/python3 bench/profile_top.py "$out" org/gradlab/experiment/engine/RunExecutor.run 12
