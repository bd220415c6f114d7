#!/usr/bin/env bash
# Run every test: all notebooks (slow cells included) and tests/ with pytest. Sets up first if
# needed. No test reaches the internet, and no API key is used even if one is set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
source .venv/bin/activate
unset ANTHROPIC_API_KEY ANTHROPIC_BATCH_API_KEY OPENAI_API_KEY OPENAI_BASE_URL
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false MSM_NB_NO_DOTENV=1
# nbs/run_msm.ipynb and nbs/run_aft.ipynb write here instead of data/, which contains the user's runs.
MSM_NB_TEST_OUT_DIR="$(mktemp -d)"
export MSM_NB_TEST_OUT_DIR
trap 'rm -rf "$MSM_NB_TEST_OUT_DIR"' EXIT

python tools/sync_index.py --check  # the docs home page mirrors README.md

start=$(date +%s)
# One notebook at a time: the embedded model's llama.cpp threads slow down badly when they share
# cores with another notebook's.
nbdev_test --flags slow --n_workers 1 --do_print
echo "Notebooks passed in $(( $(date +%s) - start )) s"

if ls tests/test_*.py >/dev/null 2>&1; then
  python -m pytest tests -q -p no:cacheprovider --durations=10
else
  echo "0 passed, 0 failed: no pytest files in tests/"
fi
