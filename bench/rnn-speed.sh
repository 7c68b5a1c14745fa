#!/usr/bin/env bash
# Milliseconds per training step of a recurrent digit classifier (28 rows of 28 pixels, hidden
# 128, batch 32, last step into Linear(128, 10), cross-entropy, SGD), gradlab's Rnn/Gru/Lstm
# beside PyTorch's nn.RNN/nn.GRU/nn.LSTM, one thread each, same data, one run. Needs Debian's
# python3-torch. Times are medians of the calling thread's CPU time per step (steadier than wall
# time on a busy machine), wall time beside them. Usage: bench/rnn-speed.sh [rnn gru lstm]
set -euo pipefail
cd "$(dirname "$0")/.."
# JVM options: the launcher's (./gradlab --jvm-options, GRADLAB_JAVA_OPTS included; it builds the jar
# when it is out of date); GRADLAB_JVM_OPTS replaces them all. Shell-quoted, read back by eval.
launcher_opts=$(./gradlab --jvm-options)
eval "jvm=(${GRADLAB_JVM_OPTS:-$launcher_opts})"
export OMP_NUM_THREADS=1
cells=("${@:-rnn gru lstm}")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2068
{ java "${jvm[@]}" -cp target/notebook/classpath.jar bench/RnnSpeedBench.java ${cells[@]}
  PYTHONPATH=bench /usr/bin/python3 bench/pytorch_rnn_speed.py ${cells[@]}; } | tee "$out"
awk '{cpu[$1" "$2]=$3; wall[$1" "$2]=$4; if (!($2 in seen)) {seen[$2]=1; order[n++]=$2}} END {
  printf "\n%-6s %12s %12s %8s   %s\n", "cell", "gradlab ms", "pytorch ms", "ratio", "(cpu time; wall gradlab / pytorch ms)";
  for (i = 0; i < n; i++) { k = order[i]; g = "gradlab "k; p = "pytorch "k;
    printf "%-6s %12.3f %12.3f %7.2fx   (%.3f / %.3f)\n", k, cpu[g], cpu[p], cpu[g]/cpu[p], wall[g], wall[p] } }' "$out"
