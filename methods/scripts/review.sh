#!/bin/sh
# shellcheck shell=sh
# The Review action of a wave of several targets: reads the results of this run's plan actions in
# the wave's Plan stage from CodePipeline (as data), sums them up into the wave's gate (CHANGES,
# APPROVAL, SUMMARY for the approval) and writes the wave's report. It assumes no role in any target.
#
# Environment (literals of the action's commands): PIPELINE_NAME PIPELINE_EXECUTION_ID PLAN_STAGE
# WAVE_NAME REVIEW_BUCKET REVIEW_PREFIX REVIEW_LINK_BASE TARGET_REPORT_BASE.
set -eu
# The step scripts sit beside common.sh in the source archive (.pipeline/).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

require_vars PIPELINE_NAME PIPELINE_EXECUTION_ID PLAN_STAGE WAVE_NAME REVIEW_BUCKET REVIEW_PREFIX REVIEW_LINK_BASE \
    TARGET_REPORT_BASE
check_execution_id
OUT=.review-wave
mkdir -p "$OUT"
aws codepipeline list-action-executions --pipeline-name "$PIPELINE_NAME" \
    --filter "pipelineExecutionId=$PIPELINE_EXECUTION_ID" --output json >"$OUT/actions.json" ||
    die "Cannot read this run's plan results from CodePipeline"
node .pipeline/cli.js review-wave "$OUT/actions.json" --stage "$PLAN_STAGE" --wave "$WAVE_NAME" --out "$OUT" \
    --execution "$PIPELINE_EXECUTION_ID" --target-report-base "$TARGET_REPORT_BASE"
key="$REVIEW_PREFIX/$PIPELINE_EXECUTION_ID/report.md"
put_report "$OUT/report.md" "$key"
note "$(cat "$OUT/summary.txt")"
note "Approval: $(cat "$OUT/approval"); report: $(report_link "$key")"
