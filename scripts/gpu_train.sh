#!/usr/bin/env bash
# Adapt the encoder to biomedical text, then train NER and relation models on it, with
# same-run baselines on the packaged encoder to decide whether the adaptation helps.
# One GPU, one run (~8 minutes on an H200).
#
# Inputs (prepared on any machine): BASE = the packaged MiniLM encoder directory,
#   MLM_DATA = `medkg train mlm --prepare DIR`, NER_DATA = `medkg train ner --prepare DIR`,
#   RE_DATA = `medkg train re --prepare DIR`. `python scripts/gpu_prepare.py` writes all four
#   under .carry/ (the base in fp16) and says whether models/ must stay out of the call.
# Steps:
#   1. MLM   masked-LM adaptation of BASE on train/dev-split and PubMed text (no test text).
#   2. at once, sharing the GPU (so the pairs compare under the same contention):
#      ner_base / ner_adapt   NER on train, from BASE / from the adapted encoder (dev-scored)
#      ner_fit                NER on train+dev from the adapted encoder (the candidate to ship)
#      ner_aux / ner_aux_fit  with NER_AUX=jnlpba: as ner_adapt / ner_fit, plus the auxiliary
#                             corpus's own head (prepare it with --corpora ...,jnlpba); the
#                             other runs then train on NER_CORPORA alone
#      re_base / re_adapt     relations on train (context pooling), dev-selected epoch,
#                             int8 dev F1 with tuned "none" biases
#      re_fit                 relations on train+dev from the adapted encoder, 34 epochs
#                             (the epoch the previous selection chose); afterwards it takes
#                             re_adapt's dev-tuned biases, having no held-out data of its own
#   Which models ship is decided afterwards from the dev scores (model cards).
#   Without an adapted encoder (step 1 failed) every run starts from BASE.
# Output: PACK (default $OUT) gets ner.tar.*, ner_aux.tar.* and re.tar.* (the train+dev
# candidates) and logs.tgz (every run's metrics and log), each part under 16 MiB.
set -uo pipefail
BASE=${BASE:-.carry/base}; MLM_DATA=${MLM_DATA:-.carry/mlm_data}
NER_DATA=${NER_DATA:-.carry/ner_data}; RE_DATA=${RE_DATA:-.carry/re_data}
WORK=${WORK:-/tmp/medkg-train}; PY=${PY:-python3}; PACK=${PACK:-${OUT:-$WORK/pack}}
MLM_SECONDS=${MLM_SECONDS:-90}; NER_SECONDS=${NER_SECONDS:-240}; RE_MINUTES=${RE_MINUTES:-4}
NER_FIT_SECONDS=${NER_FIT_SECONDS:-$NER_SECONDS}  # the fits may run on once the dev-scored runs end
NER_AUX=${NER_AUX:-}; NER_CORPORA=${NER_CORPORA:-bc5cdr,ncbi,bc2gm,biored}
RE_FIT_EPOCHS=${RE_FIT_EPOCHS:-34}; STAGES=${STAGES:-ner,re,re_base}  # e.g. STAGES=re: the adapted relation runs only
# a CPU smoke test: DEVICE=cpu MLM_EXTRA='--max-steps 2 --batch-size 4' MLM_SECONDS=0
#   NER_EXTRA='--max-steps 3 --dev-limit 20' RE_EXTRA='--tiny 32 --max-steps 3 --train-limit 16 --dev-limit 16'
DEVICE=${DEVICE:-cuda}; MLM_EXTRA=${MLM_EXTRA:-}; NER_EXTRA=${NER_EXTRA:-}; RE_EXTRA=${RE_EXTRA:-}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$WORK" "$PACK"
# a warm machine keeps the last run's WORK: its outputs must not be packed as this run's
rm -rf "${WORK:?}"/{adapted,ner_base,ner_adapt,ner_fit,ner_aux,ner_aux_fit,re_base,re_adapt,re_fit} "$WORK"/*.log "$WORK"/*.tar
rm -f "$PACK"/ner.tar.* "$PACK"/ner_aux.tar.* "$PACK"/re.tar.* "$PACK"/logs.tgz
nvidia-smi -L || true
t0=$(date +%s); stamp() { echo "[gpu_train +$(( $(date +%s) - t0 ))s] $*"; }

# shellcheck disable=SC2086  # *_EXTRA: word lists
$PY -m extractors.mlm.train --data "$MLM_DATA" --base "$BASE" --out "$WORK/adapted" \
    --device "$DEVICE" --time-budget "$MLM_SECONDS" --threads 8 $MLM_EXTRA > "$WORK/mlm.log" 2>&1
stamp "mlm rc=$?"
ADAPTED=$WORK/adapted
[ -s "$ADAPTED/model.safetensors" ] || { ADAPTED=$BASE; stamp "no adapted encoder: all runs from BASE"; }

ner() {  # NAME BASE SECONDS CORPORA [extra args]
    local name=$1 base=$2 seconds=$3 corpora=$4; shift 4
    # shellcheck disable=SC2086
    $PY -m extractors.ner.train --data "$NER_DATA" --base "$base" --out "$WORK/$name" \
        --device "$DEVICE" --epochs 40 --time-budget "$seconds" --threads 2 --no-int8-check \
        --corpora "$corpora" "$@" $NER_EXTRA > "$WORK/$name.log" 2>&1
    stamp "$name rc=$?"
}
re_run() {  # NAME BASE [extra args]
    local name=$1 base=$2; shift 2
    # shellcheck disable=SC2086
    $PY -m extractors.relations.train --data "$RE_DATA" --base "$base" --out "$WORK/$name" \
        --device "$DEVICE" --threads 2 --context-pool --max-minutes "$RE_MINUTES" \
        "$@" $RE_EXTRA > "$WORK/$name.log" 2>&1
    stamp "$name rc=$?"
}
if [[ ,$STAGES, == *,ner,* ]]; then
    ner ner_base "$BASE" "$NER_SECONDS" "$NER_CORPORA" --evals 3 &
    ner ner_adapt "$ADAPTED" "$NER_SECONDS" "$NER_CORPORA" --evals 3 &
    ner ner_fit "$ADAPTED" "$NER_FIT_SECONDS" "$NER_CORPORA" --train-splits train,dev --evals 0 &
    if [ -n "$NER_AUX" ]; then
        ner ner_aux "$ADAPTED" "$NER_SECONDS" "$NER_CORPORA,$NER_AUX" --evals 3 &
        ner ner_aux_fit "$ADAPTED" "$NER_FIT_SECONDS" "$NER_CORPORA,$NER_AUX" --train-splits train,dev --evals 0 &
    fi
fi
if [[ ,$STAGES, == *,re,* ]]; then
    [[ ,$STAGES, == *,re_base,* ]] && re_run re_base "$BASE" --epochs 40 --eval-every 2 &
    re_run re_adapt "$ADAPTED" --epochs 40 --eval-every 2 &
    re_run re_fit "$ADAPTED" --train-splits train,dev --epochs "$RE_FIT_EPOCHS" &
fi
wait

# the fit keeps the biases its train-only twin tuned on dev (as the previous refit did)
if [ -s "$WORK/re_adapt/labels.json" ] && [ -s "$WORK/re_fit/labels.json" ]; then
    $PY - "$WORK/re_adapt/labels.json" "$WORK/re_fit/labels.json" <<'EOF' && stamp "re_fit biases from re_adapt"
import json, sys
src, dst = sys.argv[1:]
meta = json.load(open(dst))
meta["none_bias"] = json.load(open(src))["none_bias"]
json.dump(meta, open(dst, "w"), indent=1)
EOF
fi

pack() {  # NAME DIR: the files to ship, split under the 16 MiB transfer limit
    [ -s "$2/model.onnx" ] || return 0
    tar -C "$2" -cf "$WORK/$1.tar" $(cd "$2" && ls model.onnx* labels.json metrics.json config.json 2>/dev/null)
    split -b 15M -d "$WORK/$1.tar" "$PACK/$1.tar."
}
pack ner "$WORK/ner_fit"
pack ner_aux "$WORK/ner_aux_fit"
pack re "$WORK/re_fit"
tar -C "$WORK" -czf "$PACK/logs.tgz" \
    $(cd "$WORK" && ls -d *.log */metrics.json */labels.json adapted/adapt.json adapted/config.json 2>/dev/null)
tail -n 3 "$WORK"/*.log  # the int8 dev scores, own heads and served routing, then "wrote"
ls -la "$PACK"
stamp done
