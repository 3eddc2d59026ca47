#!/usr/bin/env bash
# Train the shipped NER and relation models on one GPU in a single run.
# Inputs (prepared on any machine): BASE = the packaged MiniLM encoder directory,
#   NER_DATA = `medkg train ner --prepare DIR`, RE_DATA = `medkg train re --prepare DIR`.
# Output: OUT/ner and OUT/re, ready to copy into models/.
set -uo pipefail
BASE=${BASE:-.carry/base}; NER_DATA=${NER_DATA:-.carry/ner_data}; RE_DATA=${RE_DATA:-.carry/re_data}
WORK=${WORK:-/tmp/medkg-train}; PY=${PY:-python3}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$WORK"
nvidia-smi -L || true
$PY -m extractors.ner.train --data "$NER_DATA" --base "$BASE" --out "$WORK/ner" --device cuda \
    --epochs "${NER_EPOCHS:-12}" --time-budget "${NER_SECONDS:-270}" > "$WORK/ner.log" 2>&1 &
NER_PID=$!
$PY -m extractors.relations.train --data "$RE_DATA" --base "$BASE" --out "$WORK/re" --device cuda \
    --epochs "${RE_EPOCHS:-20}" --max-minutes "${RE_MINUTES:-4.5}" > "$WORK/re.log" 2>&1
echo "re rc=$?"
wait $NER_PID; echo "ner rc=$?"
tail -n 4 "$WORK/ner.log" "$WORK/re.log"
