#!/usr/bin/env bash
# Train the shipped NER and relation models on one GPU in a single run (~8 minutes, H200).
#
# Inputs (prepared on any machine): BASE = the packaged MiniLM encoder directory,
#   NER_DATA = `medkg train ner --prepare DIR`, RE_DATA = `medkg train re --prepare DIR`.
# Steps, all on one GPU at once where they can be:
#   NER    the recipe chosen on dev by the previous build (schedule set by the time budget),
#          fitted on train+dev.
#   RE     two candidates on train, selected on dev (A: marker pooling, C: plus ATLOP
#          context pooling); the better one by tuned int8 dev F1 is then refitted on
#          train+dev for as many epochs as its own selection chose, keeping its dev-tuned
#          "none" biases. Without that final fit the selected run ships.
# Output: PACK (default $OUT) gets ner.tar.*, re.tar.* (shipped), held.tar.* (the selected
# held-out run) and logs.tgz, each part under 16 MiB.
set -uo pipefail
BASE=${BASE:-.carry/base}; NER_DATA=${NER_DATA:-.carry/ner_data}; RE_DATA=${RE_DATA:-.carry/re_data}
WORK=${WORK:-/tmp/medkg-train}; PY=${PY:-python3}; PACK=${PACK:-${OUT:-$WORK/pack}}
NER_SECONDS=${NER_SECONDS:-360}; RE_SELECT_MINUTES=${RE_SELECT_MINUTES:-2.5}
RE_FIT_MINUTES=${RE_FIT_MINUTES:-2.7}
# a CPU smoke test of this script: DEVICE=cpu NER_EXTRA='--tiny --max-steps 5' RE_EXTRA='--tiny 8 ...'
DEVICE=${DEVICE:-cuda}; NER_EXTRA=${NER_EXTRA:-}; RE_EXTRA=${RE_EXTRA:-}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$WORK" "$PACK"
nvidia-smi -L || true
t0=$(date +%s); stamp() { echo "[gpu_train +$(( $(date +%s) - t0 ))s] $*"; }

$PY -m extractors.ner.train --data "$NER_DATA" --base "$BASE" --out "$WORK/ner" --device "$DEVICE" \
    --train-splits train,dev --evals 0 --epochs 40 --time-budget "$NER_SECONDS" --threads 6 \
    $NER_EXTRA > "$WORK/ner.log" 2>&1 &
NER_PID=$!

re_train() {  # NAME [extra args]
    local name=$1; shift
    $PY -m extractors.relations.train --data "$RE_DATA" --base "$BASE" --out "$WORK/$name" \
        --device "$DEVICE" --threads 3 "$@" $RE_EXTRA > "$WORK/$name.log" 2>&1
    stamp "re $name rc=$?"
}
re_train re_a --epochs 40 --eval-every 2 --max-minutes "$RE_SELECT_MINUTES" &
A_PID=$!
re_train re_c --epochs 40 --eval-every 2 --max-minutes "$RE_SELECT_MINUTES" --context-pool &
C_PID=$!
wait $A_PID $C_PID

SHIP=""
if CHOICE=$($PY -m extractors.relations.select "$WORK/re_a" "$WORK/re_c"); then
    eval "$CHOICE"
    stamp "selected $RE_WINNER ($RE_EPOCHS epochs, flags '$RE_FLAGS')"
    SHIP=$RE_WINNER
    # shellcheck disable=SC2086  # RE_FLAGS: empty or one flag; *_EXTRA: word lists
    re_train re_fit --train-splits train,dev --epochs "$RE_EPOCHS" $RE_FLAGS \
        --none-bias-from "$RE_WINNER/labels.json" --max-minutes "$RE_FIT_MINUTES"
    [ -s "$WORK/re_fit/model.onnx" ] && [ -s "$WORK/re_fit/metrics.json" ] && SHIP=$WORK/re_fit
else
    stamp "no relation run finished"
fi
wait $NER_PID; stamp "ner rc=$?"

pack() {  # NAME DIR: the files to ship, split under the 16 MiB transfer limit
    [ -d "$2" ] || return 0
    tar -C "$2" -cf "$WORK/$1.tar" $(cd "$2" && ls model.onnx* labels.json metrics.json config.json 2>/dev/null)
    split -b 15M -d "$WORK/$1.tar" "$PACK/$1.tar."
}
pack ner "$WORK/ner"
[ -n "$SHIP" ] && pack re "$SHIP"
[ -n "$SHIP" ] && [ "$SHIP" != "${RE_WINNER:-}" ] && pack held "$RE_WINNER"
tar -C "$WORK" -czf "$PACK/logs.tgz" --exclude='*.onnx*' --exclude='*.tar' --exclude='vocab.txt' \
    --exclude='tokenizer*' --exclude='special_tokens_map.json' \
    $(cd "$WORK" && ls -d *.log re_*/ 2>/dev/null) ner/metrics.json ner/labels.json 2>/dev/null
tail -n 3 "$WORK"/*.log
ls -la "$PACK"
stamp done
