#!/usr/bin/env bash
# Installs a Java Jupyter kernel under the name "java", the name gradlab's notebooks ask for,
# into the Jupyter that will run them.
#
#   notebooks/install-kernel.sh [rapaio|ijava|jjava] [--jupyter PATH] [--data-dir DIR] [--from FILE]
#
# rapaio (default)  rapaio-jupyter-kernel 3.0.1 from Maven Central (through the Maven wrapper).
# ijava             IJava 1.3.0, the zip of its GitHub release.
# jjava             JJava 1.0-a7, the kernelspec zip of its GitHub release.
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
    # OMP_NUM_THREADS=1: small models are bound by per-op overhead (see DESIGN.md, Speed)
    cat > "$spec/kernel.json" <<JSON
{
  "argv": ["java", "-Djava.awt.headless=true", "-jar", "@KERNEL_INSTALL_DIRECTORY@/$jar", "{connection_file}"],
  "display_name": "Java (rapaio $RAPAIO_VERSION)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {"OMP_NUM_THREADS": "1", "RJK_TIMEOUT_MILLIS": "-1", "RJK_CLASSPATH": "", "RJK_COMPILER_OPTIONS": "",
          "RJK_INIT_SCRIPT": "", "RJK_MIMA_CACHE": "mima_cache"}
}
JSON
    ;;
  ijava) unpack "$IJAVA_URL" ;;   # install.py + java/ (kernel.json names @KERNEL_INSTALL_DIRECTORY@)
  jjava) unpack "$JJAVA_URL" ;;   # kernel.json + jars (kernel.json names {resource_dir})
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
