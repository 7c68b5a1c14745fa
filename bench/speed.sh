#!/usr/bin/env bash
# gradlab beside PyTorch on one thread each: W1, W2 (article MLP, Adam, batch 32/256), W3 (16x256
# tanh MLP, SGD, clipping, batch 128), FIT (the article job's training) and MEM (its peak RSS), in
# one run of about two minutes; prints a table and the BLAS each side used. Needs Debian's
# python3-torch on OpenBLAS (it refuses to compare otherwise) and /usr/bin/time.
#   bench/speed.sh [--rounds N] [--fit-rounds N]
# JVM options: the launcher's (./gradlab --jvm-options, GRADLAB_JAVA_OPTS included); GRADLAB_JVM_OPTS
# replaces them all.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher_opts=$(./gradlab --jvm-options)    # the launcher builds the jar when it is out of date
jvm_opts="${GRADLAB_JVM_OPTS:-$launcher_opts}"
export OMP_NUM_THREADS=1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "system libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
exec /usr/bin/python3 bench/speed.py target/notebook/classpath.jar --jvm-opts "$jvm_opts" "$@"
