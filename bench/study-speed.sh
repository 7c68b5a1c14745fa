#!/usr/bin/env bash
# One study run of each configuration kind (tanh RNN clipped, GRU, LSTM, the 12 x 128 deep MLP
# clipped, the article's MLP), gradlab beside PyTorch, one thread each, a fresh process per run,
# the two sides alternating; prints per-run process wall time, the run's own wall and CPU time and
# their ratios (bench/study_speed.py says what a run does). Needs Debian's python3-torch on
# OpenBLAS. About 3 minutes a round on the 2-core machine.
#   bench/study-speed.sh [--rounds N] [--kinds rnn,gru,lstm,deep,article] [--seeds 0,1,2]
# JVM options: the launcher's (./gradlab --jvm-options: its class-data archive and GRADLAB_JAVA_OPTS
# included); GRADLAB_JVM_OPTS replaces them all.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher_opts=$(./gradlab --jvm-options)    # the launcher builds the jar when it is out of date
jvm_opts="${GRADLAB_JVM_OPTS:-$launcher_opts}"
mkdir -p target/bench-classes
javac -nowarn -d target/bench-classes -cp target/notebook/classpath.jar bench/StudySpeedBench.java
export OMP_NUM_THREADS=1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "system libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
exec /usr/bin/python3 bench/study_speed.py target/notebook/classpath.jar:target/bench-classes --jvm-opts "$jvm_opts" "$@"
