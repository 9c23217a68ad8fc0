#!/usr/bin/env bash
# Trains the shipped ensemble on one GPU: three members in parallel (plus the vertical-flip
# ablation of resnet34_fer), then the SMOTE head comparison per member, then the per-class
# ensemble weights on val. Each member's raw model is copied to COPY_TO as soon as it exists.
#   ml/scripts/train_fer2013.sh TRAIN.npz VAL.npz OUT_DIR MINUTES [COPY_TO]
set -uo pipefail
train=$1 val=$2 out=$3 minutes=$4 copy_to=${5:-$3}
mkdir -p "$out" "$copy_to"
run() {  # name, then ml.train arguments
  local name=$1; shift
  python3 -m ml.train --train "$train" --val "$val" --out "$out/$name" --minutes "$minutes" --workers 3 "$@" \
    >"$out/$name.log" 2>&1 && cp "$out/$name/model.pt" "$copy_to/raw_$name.pt"
}
run resnet18_fer --arch resnet18_fer --seed 0 & p1=$!
run resnet34_fer --arch resnet34_fer --seed 1 & p2=$!
run mobilenetv2_fer --arch mobilenetv2_fer --pretrained --lr 0.03 --seed 2 & p3=$!
run ablation_vflip --arch resnet34_fer --vertical-flip --seed 1 & p4=$!
status=0
for p in $p1 $p2 $p3 $p4; do wait "$p" || status=1; done
echo "training done (status $status)"
for name in resnet18_fer resnet34_fer mobilenetv2_fer; do
  python3 -m ml.smote --member "$out/$name/model.pt" --train "$train" --val "$val" --out "$out/members" \
    >"$out/${name}_smote.log" 2>&1 &
done
wait
python3 -m ml.ensemble --members "$out"/members/*.pt --val "$val" --out "$out/weights"
exit $status
