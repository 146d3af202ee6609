#!/usr/bin/env bash
# Remakes the pictures in docs/images: for each shipped scenario, `ecsnet test --json` (real
# packets; a lab named pic-NN, removed after), then its PNG at a projector's 1280x720 with the
# verdicts drawn; and screenshots of the HTML page of scenario 01 in Chromium, before and after
# a click (scripts/browser.sh installs Chromium and playwright-core). Run as root from a build:
#   cargo build --release && sudo scripts/pictures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ECSNET:-target/release/ecsnet}
out=docs/images
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in scenarios/*.yaml; do
  n=$(basename "$f" .yaml)
  num=${n%%-*}
  "$bin" test "$f" --json --name "pic-$num" > "$tmp/$n.json" || true
  "$bin" graph "$f" --results "$tmp/$n.json" --format png --size 1280x720 -o "$out/$n.png"
  echo "pictures: $out/$n.png"
done
# A running lab that changed by itself: scenario 28 once ECS has replaced its unhealthy tasks.
"$bin" up scenarios/28-service-health-replacement.yaml --name pic-28r >/dev/null
sleep 13
"$bin" graph pic-28r --format png --size 1280x720 -o "$out/28-running.png" || true
"$bin" down pic-28r >/dev/null
echo "pictures: $out/28-running.png"
"$bin" graph scenarios/01-bridge-vs-awsvpc.yaml --results "$tmp/01-bridge-vs-awsvpc.json" --format html -o "$tmp/01.html"
(cd tests/browser && node check.js "$tmp/01.html" "$PWD/../../$out/html-01.png" 1280x720 task_web_awsvpc >/dev/null)
echo "pictures: $out/html-01.png $out/html-01-clicked.png"
