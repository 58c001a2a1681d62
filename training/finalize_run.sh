#!/bin/sh
# Used for the shipped run: the decoder fine-tune (finetune_decoder.py) was started by hand next to
# an older train.py that did not yet launch it itself. Waits for both, then re-exports with the
# fine-tuned decoder if it scores better on the held-out prompts, then checks the ONNX files.
# usage: sh training/finalize_run.sh <train_pid> <decoder_ft_pid>
cd "$(dirname "$0")/.." || exit 1
while kill -0 "$1" 2>/dev/null || kill -0 "$2" 2>/dev/null; do sleep 20; done
date -u
/usr/bin/python3 training/reexport.py --run-dir training/runs/main --out models/tiny-shapes --eval --only-if-better
node training/ort_check.mjs models/tiny-shapes training/runs/main/onnx_ref.json
du -b models/tiny-shapes | tail -1
date -u
echo FINALIZE DONE
