#!/usr/bin/env bash
# Installs a Java Jupyter kernel under the name "java", the name gradlab's notebooks ask for,
# into the Jupyter that will run them.
#
#   notebooks/install-kernel.sh [rapaio|ijava|jjava] [--jupyter PATH] [--data-dir DIR] [--from FILE]
#
# rapaio (default)  rapaio-jupyter-kernel 3.0.1 from Maven Central (through the Maven wrapper),
#                   with notebooks/rapaio/LoopThread.java compiled before its jar on the class path
#                   (3.0.1 leaves a channel unserved, and the kernel silent, on about 1 start in 8).
# ijava             IJava 1.3.0, the zip of its GitHub release.
# jjava             JJava 1.0-a7, the kernelspec zip of its GitHub release.
#
# Every kernel gets OMP_NUM_THREADS=1 in its environment and the JVM options in JVM_OPTIONS below
# (in its argv; JJava's launcher passes JJAVA_JVM_OPTS to the kernel's JVM).
# --jupyter PATH    the jupyter command that will run the notebooks (default: `jupyter` on PATH).
#                   The kernel goes where that Jupyter looks: its Python's sys.prefix when that is
#                   a virtual or conda environment, otherwise the user's data folder
#                   (`jupyter --data-dir`).
# --data-dir DIR    a Jupyter data folder to install into instead: the kernel goes to
#                   DIR/kernels/java (Jupyter finds it with JUPYTER_PATH=DIR or JUPYTER_DATA_DIR=DIR).
# --from FILE       a file downloaded beforehand instead of the download: the rapaio jar, or the
#                   IJava/JJava zip (for machines that cannot reach GitHub or Maven Central).
#
# No pip and no Python packages are installed (so Debian's externally managed Python, PEP 668,
# is fine): a kernel is a folder with a kernel.json, copied into place. A failed install leaves
# no temporary files and keeps the kernel that was there. Ends by listing Jupyter's kernels.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
RAPAIO_VERSION=3.0.1
# headless charts; the serial collector, which keeps a notebook's memory small (see README, Notebooks)
JVM_OPTIONS=(-Djava.awt.headless=true -XX:+UseSerialGC)
IJAVA_URL=https://github.com/SpencerPark/IJava/releases/download/v1.3.0/ijava-1.3.0.zip
JJAVA_URL=https://github.com/dflib/jjava/releases/download/1.0-a7/jjava-1.0-a7-kernelspec.zip

die() { echo "install-kernel.sh: $1" >&2; exit "${2:-1}"; }
kind=rapaio jupyter="" data_dir="" from=""
while (($#)); do
  case "$1" in
    rapaio|ijava|jjava) kind=$1 ;;
    --jupyter|--data-dir|--from|--jar)
      (($# >= 2)) || die "$1 needs a value" 2
      case "$1" in --jupyter) jupyter=$2 ;; --data-dir) data_dir=$2 ;; *) from=$2 ;; esac
      shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//; s/^#$//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" 2 ;;
  esac
  shift
done

if [[ -n "$jupyter" ]]; then
  named=$jupyter
  jupyter=$(command -v "$named") || die "--jupyter $named: no such command"
else
  jupyter=$(command -v jupyter || true)
fi
if [[ -n "$data_dir" ]]; then
  mkdir -p "$data_dir/kernels" && dest="$(cd "$data_dir" && pwd)/kernels/java"
elif [[ -n "$jupyter" ]]; then
  # the Python behind this jupyter: in a venv or conda env, install there; else the user's folder
  python=$(head -1 "$jupyter" | sed -n 's/^#! *//p')
  prefix=$($python -c 'import sys; print(sys.prefix if sys.prefix != sys.base_prefix or __import__("os").path.isdir(sys.prefix + "/conda-meta") else "")' 2>/dev/null || true)
  if [[ -n "$prefix" && -w "$prefix" ]]; then
    dest="$prefix/share/jupyter/kernels/java"
  else
    dest="$("$jupyter" --data-dir)/kernels/java"
  fi
else
  die "no jupyter on PATH: install Jupyter, or name it with --jupyter PATH, or give --data-dir DIR"
fi
[[ -z "$from" || -f "$from" ]] || die "--from $from: no such file"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gradlab-kernel.XXXXXX")
trap 'rm -rf "$tmp" "$dest.new"' EXIT
spec="$tmp/spec"

# Unpacks a kernel zip (downloaded from URL, or --from) and puts the folder holding kernel.json at $spec.
unpack() {
  local zip="$from"
  if [[ -z "$zip" ]]; then
    zip="$tmp/kernel.zip"
    curl -fsSL "$1" -o "$zip" || die "could not download $1 (download it elsewhere and pass --from FILE)"
  fi
  mkdir "$tmp/zip"
  if command -v unzip >/dev/null; then
    unzip -q "$zip" -d "$tmp/zip" 2>/dev/null || die "$zip is not a readable zip"
  else
    (cd "$tmp/zip" && jar xf "$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")") || die "$zip is not a readable zip"
  fi
  local json
  json=$(find "$tmp/zip" -maxdepth 2 -name kernel.json | head -1)
  [[ -n "$json" ]] || die "$zip holds no kernel.json (is it the $kind kernel's release zip?)"
  mv "$(dirname "$json")" "$spec"
}

# Adds OMP_NUM_THREADS=1 to an unpacked kernel.json's env (one thread per operation: the small models
# train faster, see DESIGN.md, Speed) and JVM_OPTIONS to its JVM: after "java" in argv, or for JJava,
# whose launcher starts the kernel's JVM, in JJAVA_JVM_OPTS.
settings() {
  local py="" candidate
  for candidate in "${python:-}" python3; do   # the Python behind the jupyter, or python3
    if [[ -n "$candidate" ]] && $candidate -c 'import json' >/dev/null 2>&1; then
      py=$candidate
      break
    fi
  done
  [[ -n "$py" ]] || die "python3 not found: it is needed to add gradlab's settings to the $kind kernel.json"
  $py - "$spec/kernel.json" "$kind" "${JVM_OPTIONS[@]}" <<'PY' || die "$spec/kernel.json: not a kernel.json this script can read"
import json, sys
path, kind, options = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(path) as f:
    spec = json.load(f)
env = spec.get("env") or {}
env["OMP_NUM_THREADS"] = "1"
argv = spec["argv"]
if kind == "jjava":
    env["JJAVA_JVM_OPTS"] = " ".join(options + [env.get("JJAVA_JVM_OPTS", "")]).strip()
elif argv[0] == "java":
    spec["argv"] = argv[:1] + options + argv[1:]
else:
    raise SystemExit(1)
spec["env"] = env
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
PY
}

case "$kind" in
  rapaio)
    mkdir -p "$spec"
    jar="rapaio-jupyter-kernel-$RAPAIO_VERSION.jar"
    if [[ -n "$from" ]]; then
      cp "$from" "$spec/$jar"
    else
      "$root/mvnw" -q -B dependency:copy -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$RAPAIO_VERSION" \
        -DoutputDirectory="$spec" || die "could not fetch rapaio-jupyter-kernel $RAPAIO_VERSION from Maven Central"
    fi
    [[ "$dest" != *:* ]] || die "$dest: a ':' in the kernel's folder would break its class path (choose another with --data-dir)"
    javac=$(command -v javac) || die "javac not found: the rapaio kernel needs a JDK 17 or later (JShell compiles every cell), not a JRE"
    "$javac" --release 17 -d "$spec/patch" "$here/rapaio/LoopThread.java" >/dev/null \
      || die "could not compile $here/rapaio/LoopThread.java with $javac"
    options=$(printf '"%s", ' "${JVM_OPTIONS[@]}")
    cat > "$spec/kernel.json" <<JSON
{
  "argv": ["java", $options"-cp", "@KERNEL_INSTALL_DIRECTORY@/patch:@KERNEL_INSTALL_DIRECTORY@/$jar",
           "org.rapaio.jupyter.kernel.MainApp", "{connection_file}"],
  "display_name": "Java (rapaio $RAPAIO_VERSION)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {"OMP_NUM_THREADS": "1", "RJK_TIMEOUT_MILLIS": "-1", "RJK_CLASSPATH": "", "RJK_COMPILER_OPTIONS": "",
          "RJK_INIT_SCRIPT": "", "RJK_MIMA_CACHE": "mima_cache"}
}
JSON
    ;;
  ijava) unpack "$IJAVA_URL" && settings ;;   # install.py + java/ (kernel.json names @KERNEL_INSTALL_DIRECTORY@)
  jjava) unpack "$JJAVA_URL" && settings ;;   # kernel.json + jars (kernel.json names {resource_dir})
esac

# Point the kernel at where it is installed (what IJava's install.py does), then swap it into
# place: the kernel that was there stays until the new one is complete.
json=$(printf '%s' "$dest" | sed 's/[\\"]/\\&/g')         # as a JSON string
escaped=$(printf '%s' "$json" | sed 's/[\\&|]/\\&/g')      # as a sed replacement
sed -i "s|@KERNEL_INSTALL_DIRECTORY@|$escaped|g; s|{resource_dir}|$escaped|g" "$spec/kernel.json"
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.new" && cp -R "$spec" "$dest.new"
rm -rf "$dest" && mv "$dest.new" "$dest"
echo "installed the $kind kernel as 'java' in $dest"

if [[ -n "$jupyter" ]]; then
  if [[ -n "$data_dir" ]]; then
    JUPYTER_PATH="$(dirname "$(dirname "$dest")")${JUPYTER_PATH:+:$JUPYTER_PATH}" "$jupyter" kernelspec list
  else
    "$jupyter" kernelspec list
  fi
else
  echo "(no jupyter on PATH to list the kernels; point Jupyter at it with JUPYTER_PATH=$(dirname "$(dirname "$dest")"))"
fi
