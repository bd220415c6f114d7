#!/usr/bin/env bash
# Set up the environment, then run the main job: an MSM corpus from a shipped spec on the
# embedded model (no API key, no network). Extra arguments go to papermill, e.g. `-p n_ideas 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
source .venv/bin/activate
mkdir -p runs
# --log-output prints the notebook's log lines and outputs here as the run goes.
papermill --log-output nbs/run_msm.ipynb runs/run_msm.ipynb -p spec specs/candid_companion.md "$@"
echo "Executed notebook: runs/run_msm.ipynb"
echo "Corpus: data/midtrain/<dataset>/dataset.jsonl, with summary.json and README.md beside it (dataset: candid_companion unless -p dataset is given)"
