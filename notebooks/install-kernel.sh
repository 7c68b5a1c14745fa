#!/usr/bin/env bash
# Installs a Java Jupyter kernel under the name "java", the name gradlab's notebooks ask for.
#
#   notebooks/install-kernel.sh [rapaio|ijava|jjava] [--data-dir DIR] [--jar FILE]
#
# rapaio (default): io.github.padreati:rapaio-jupyter-kernel from Maven Central, fetched with
#                   the Maven wrapper (or FILE given with --jar). Needs only a JDK 17+.
# ijava:            IJava 1.3.0 from its GitHub release, into Python's sys.prefix (needs GitHub;
#                   Binder has it).
# jjava:            JJava from PyPI (`pip install jjava`, which registers itself; needs PyPI).
# --data-dir DIR    (rapaio) Jupyter data folder to install into (default: the user's, from
#                   `jupyter --data-dir` or ~/.local/share/jupyter); kernels go to DIR/kernels/java.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
kind=rapaio
data_dir=""
jar=""
while (($#)); do
  case "$1" in
    rapaio|ijava|jjava) kind=$1 ;;
    --data-dir) data_dir=$2; shift ;;
    --jar) jar=$2; shift ;;
    *) echo "install-kernel.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$data_dir" ]]; then
  data_dir=$(jupyter --data-dir 2>/dev/null || echo "$HOME/.local/share/jupyter")
fi
mkdir -p "$data_dir" && data_dir=$(cd "$data_dir" && pwd)
dest="$data_dir/kernels/java"

case "$kind" in
  rapaio)
    version=3.0.1
    mkdir -p "$dest"
    if [[ -z "$jar" ]]; then
      "$root/mvnw" -q -B dependency:copy -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$version" \
        -DoutputDirectory="$dest" -Dmdep.overWriteReleases=true
      jar="$dest/rapaio-jupyter-kernel-$version.jar"
    else
      cp "$jar" "$dest/" && jar="$dest/$(basename "$jar")"
    fi
    # OMP_NUM_THREADS=1: small models are bound by per-op overhead (see DESIGN.md, Speed)
    cat > "$dest/kernel.json" <<JSON
{
  "argv": ["java", "-Djava.awt.headless=true", "-jar", "$jar", "{connection_file}"],
  "display_name": "Java (rapaio $version)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {"OMP_NUM_THREADS": "1", "RJK_TIMEOUT_MILLIS": "-1", "RJK_CLASSPATH": "", "RJK_COMPILER_OPTIONS": "",
          "RJK_INIT_SCRIPT": "", "RJK_MIMA_CACHE": "mima_cache"}
}
JSON
    ;;
  ijava)
    # IJava's own installer writes the kernel (named "java") into Python's sys.prefix
    tmp=$(mktemp -d)
    curl -fsSL https://github.com/SpencerPark/IJava/releases/download/v1.3.0/ijava-1.3.0.zip -o "$tmp/ijava.zip"
    (cd "$tmp" && unzip -q ijava.zip && python3 install.py --sys-prefix)
    rm -rf "$tmp"
    ;;
  jjava)
    # the jjava package on PyPI ships the kernel and registers its spec as "java"
    python3 -m pip install --user jjava
    ;;
esac
echo "installed the $kind kernel as 'java' in $dest"
