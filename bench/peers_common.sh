# Shared by bench/peers_*.sh (sourced): the peer runtimes' set-up.
#  - ONNX Runtime: npm onnxruntime-node (its native CPU library) in bench/peers/node_modules, installed on first
#    use. ONNXRUNTIME_NODE_INSTALL=skip: the package's install step otherwise tries to download GPU binaries and
#    fails offline; the CPU library is inside the package.
#  - Python peers and converters: Debian's /usr/bin/python3 (python3-torch, python3-onnx, python3-flatbuffers).
py=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in bench/
peers_dir="$here/bench/peers"

ensure_peers() {
  if [ ! -f "$peers_dir/node_modules/onnxruntime-node/package.json" ]; then
    echo "peers: installing onnxruntime-node into $peers_dir/node_modules" >&2
    (cd "$peers_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --prefer-offline --loglevel=error)
  fi
  for m in onnx flatbuffers torch; do
    "$py" -c "import $m" 2>/dev/null || { echo "peers: $py lacks the '$m' module (scripts/install-deps.sh)" >&2; exit 1; }
  done
}
