#!/usr/bin/env bash
# Milliseconds per training step of the article's model, gradlab beside PyTorch, one thread,
# same data, one run. Needs Debian's python3-torch. Usage: bench/step-time.sh [batch ...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/notebook/classpath.jar ] || ./mvnw -q -B package -DskipTests
export OMP_NUM_THREADS=1
batches=("${@:-32 256}")
# shellcheck disable=SC2068
{ java -cp target/notebook/classpath.jar bench/StepBench.java ${batches[@]}
  PYTHONPATH=bench /usr/bin/python3 bench/pytorch_step.py ${batches[@]}; } | tee /tmp/gradlab-step-time.txt
awk '{ms[$1" "$2]=$3; b[$2]=1} END {
  printf "\n%6s %12s %12s %8s\n", "batch", "gradlab ms", "pytorch ms", "ratio";
  for (k in b) printf "%6d %12.3f %12.3f %7.2fx\n", k, ms["gradlab "k], ms["pytorch "k], ms["gradlab "k]/ms["pytorch "k] }' \
  /tmp/gradlab-step-time.txt | sort -n
