#!/usr/bin/env bash
# A walk through the replica engine on an embedded default: two replicas in a temporary
# folder, a district writing offline, an exchange by file, the hub's appraisal, the audit trail.
set -euo pipefail
bin=${1:-.build/debug/reformsync}
work=$(mktemp -d /tmp/reformsync-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "A replica for the hub (Sở Nội vụ) and one for huyện Sơn Dương"
"$bin" init --data-dir "$work/hub" --unit SNV --role hub
"$bin" init --data-dir "$work/sonduong" --unit SONDUONG

say "The hub enters reference data: the unit and a criterion"
"$bin" record put --data-dir "$work/hub" units '{"id":"SONDUONG","name":"UBND huyện Sơn Dương","group":"district"}'
"$bin" record put --data-dir "$work/hub" methodologies '{"id":"QD876","name":"876/QĐ-BNV","first_year":2022,"last_year":2030}'
"$bin" record put --data-dir "$work/hub" criteria '{"id":"C3.1","methodology":"QD876","level":"criterion","code":"3.1","name":"Cải cách thủ tục hành chính","max_points":3}'
"$bin" export-changes --data-dir "$work/hub" "$work/hub-to-sd.json.gz"
"$bin" import-changes --data-dir "$work/sonduong" "$work/hub-to-sd.json.gz"

say "Sơn Dương self-assesses, offline"
"$bin" record put --data-dir "$work/sonduong" assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","self_score":2.5,"evidence":"Báo cáo 12/BC-UBND"}'
"$bin" record put --data-dir "$work/sonduong" assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","self_score":2.75}'
"$bin" export-changes --data-dir "$work/sonduong" "$work/sd-to-hub.json.gz"

say "The hub imports the file and appraises the score"
"$bin" import-changes --data-dir "$work/hub" "$work/sd-to-hub.json.gz"
"$bin" record put --data-dir "$work/hub" assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","appraised_score":2.5,"appraisal_note":"Thiếu tài liệu kiểm chứng"}'
"$bin" export-changes --data-dir "$work/hub" "$work/hub-to-sd-2.json.gz"
"$bin" import-changes --data-dir "$work/sonduong" "$work/hub-to-sd-2.json.gz"

say "Both replicas now hold the same record"
"$bin" record get --data-dir "$work/sonduong" assessment_scores SONDUONG/2022/C3.1

say "The audit trail at Sơn Dương: every version of every field"
"$bin" history --data-dir "$work/sonduong" assessment_scores SONDUONG/2022/C3.1

say "Integrity and references"
"$bin" check --data-dir "$work/sonduong" || true
