#!/bin/sh
# shellcheck shell=sh
# Method 2: one step of one target's CloudFormation run, in the CodePipeline Commands action, with
# that target's own action role.
#
#   plan   with the target's plan role: create a change set named run-<execution id> with the
#          execution role (an empty one is deleted: "no changes"), describe it, classify its risk,
#          and export its digest; for a delete-stack run, describe what the deletion removes
#   apply  with the target's deploy role: execute exactly the reviewed change set, by its ID, after
#          checking that its digest is the one CodePipeline recorded for this run's plan action; for
#          a delete-stack run, delete the stack with the execution role
#   drift  with the plan role: detect drift, and report a drifted stack to the topic
#
# Environment (literals the cicd stack writes into the action's commands, from its validated config):
# TARGET_NAME TARGET_STACK TARGET_ACCOUNT_ID TARGET_ROLE_ARN STACK_NAME CFN_ROLE_ARN PIPELINE_NAME
# PIPELINE_EXECUTION_ID REVIEW_BUCKET REVIEW_PREFIX TEMPLATE_FILE PARAMETERS_FILE AMI_PARAMETER, and
# per step REQUIRE_APPROVAL APPROVAL_POLICY TOPIC_ARN (plan, drift) or PLAN_STAGE PLAN_ACTION (apply).
set -eu
# The step scripts sit beside common.sh in the source archive (.pipeline/).
# shellcheck source-path=SCRIPTDIR source=../../scripts/common.sh
. "$(dirname "$0")/common.sh"

step=${1:-}
case "$step" in
    plan | apply | drift) ;;
    *) die "usage: cfn-step.sh plan|apply|drift; got '$step'" ;;
esac

OUT=.review-$TARGET_NAME
mkdir -p "$OUT/review"
command -v node >/dev/null 2>&1 || die "node is not on this image's PATH: the review needs it (.pipeline/cli.js)"

# Only "does not exist" means there is no stack. Any other error (AccessDenied, throttling) stops the
# run: guessing "no stack" would try to create one over a stack we merely could not read.
stack_status() {
    if aws cloudformation describe-stacks --stack-name "$STACK_NAME" \
        --query 'Stacks[0].StackStatus' --output text >"$OUT/status" 2>"$OUT/status.err"; then
        cat "$OUT/status"
    elif grep -q "does not exist" "$OUT/status.err"; then
        printf 'NONE\n'
    else
        cat "$OUT/status.err" >&2
        die "Cannot read the state of stack $STACK_NAME, and the error is not 'does not exist': not guessing"
    fi
}

# The stack's failed events, then stop.
fail_with_events() {
    printf '%s\n' "error: $1" >&2
    aws cloudformation describe-stack-events --stack-name "$STACK_NAME" --max-items 25 \
        --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceStatus,ResourceStatusReason]" \
        --output text >&2 || true
    exit 1
}

# A state no run can act on: say what a human must do.
refuse_status() {
    case "$1" in
        *_IN_PROGRESS)
            [ "$1" = REVIEW_IN_PROGRESS ] && return 0
            die "Stack $STACK_NAME is busy ($1); run the pipeline again when it has settled"
            ;;
        DELETE_FAILED)
            die "Stack $STACK_NAME is DELETE_FAILED: some resources could not be deleted. Fix them (see the stack events), then run the pipeline with BUILD_ACTION=delete-stack again"
            ;;
        ROLLBACK_FAILED)
            die "Stack $STACK_NAME is ROLLBACK_FAILED: a failed create could not be rolled back. Delete the leftover resources, then run the pipeline with BUILD_ACTION=delete-stack"
            ;;
        UPDATE_ROLLBACK_FAILED)
            die "Stack $STACK_NAME is UPDATE_ROLLBACK_FAILED: fix the cause, then continue the rollback (aws cloudformation continue-update-rollback --stack-name $STACK_NAME, with the execution role) before the next run"
            ;;
    esac
}

# deploy | delete, from this run's BUILD_ACTION (the seed's create-stack and update-stack mean deploy).
run_mode() {
    _action=$(run_variable BUILD_ACTION) || die "Cannot read this run's BUILD_ACTION from CodePipeline"
    case "$_action" in
        deploy | create-stack | update-stack) printf 'deploy\n' ;;
        delete-stack) printf 'delete\n' ;;
        *) die "BUILD_ACTION must be one of deploy, create-stack, update-stack, delete-stack; got '$_action'" ;;
    esac
}

classify() { # kind input.json
    node .pipeline/cli.js "$1" "$2" --target "$TARGET_NAME" --out "$OUT/review" \
        --require-approval "${REQUIRE_APPROVAL:-false}" --policy "${APPROVAL_POLICY:-changes}"
}

CHANGE_SET="run-$PIPELINE_EXECUTION_ID"

plan() {
    require_vars TARGET_NAME TARGET_STACK TARGET_ACCOUNT_ID TARGET_ROLE_ARN STACK_NAME CFN_ROLE_ARN PIPELINE_NAME \
        PIPELINE_EXECUTION_ID REVIEW_BUCKET REVIEW_PREFIX TEMPLATE_FILE PARAMETERS_FILE AMI_PARAMETER \
        REQUIRE_APPROVAL APPROVAL_POLICY
    check_execution_id
    mode=$(run_mode) || exit 1
    note "Planning a $mode of $STACK_NAME in target $TARGET_NAME ($TARGET_ACCOUNT_ID)"
    (
        assume_target_role "$TARGET_ROLE_ARN" "plan-$TARGET_NAME"
        status=$(stack_status) || exit 1
        refuse_status "$status"
        note "Stack $STACK_NAME is $status"
        if [ "$mode" = delete ]; then
            if [ "$status" = NONE ]; then
                printf '{"StackResources":[]}\n' >"$OUT/resources.json"
            else
                aws cloudformation describe-stack-resources --stack-name "$STACK_NAME" --output json >"$OUT/resources.json"
            fi
            exit 0
        fi
        if [ "$status" = ROLLBACK_COMPLETE ]; then
            die "Stack $STACK_NAME is ROLLBACK_COMPLETE (a failed first create, kept by an older version of this pipeline): run the pipeline once with BUILD_ACTION=delete-stack, then deploy"
        fi
        # Change sets of earlier runs that were never executed: they are stale, remove them.
        for old in $(aws cloudformation list-change-sets --stack-name "$STACK_NAME" \
            --query "Summaries[?starts_with(ChangeSetName, 'run-')].ChangeSetName" --output text 2>/dev/null || true); do
            [ "$old" = "$CHANGE_SET" ] || aws cloudformation delete-change-set --stack-name "$STACK_NAME" --change-set-name "$old" || true
        done
        # A first create takes the AMI that the public parameter names today; later updates keep the
        # stack's own (UsePreviousValue), so a new AMI release never replaces the instance by itself.
        # A configured amiId is in the parameters file already and wins.
        if [ "$status" = NONE ] || [ "$status" = REVIEW_IN_PROGRESS ]; then
            ami=$(aws ssm get-parameter --name "$AMI_PARAMETER" --query Parameter.Value --output text) ||
                die "Cannot read the AMI parameter $AMI_PARAMETER"
            node .pipeline/cli.js params "$PARAMETERS_FILE" "$OUT/parameters.json" ImageId "value:$ami"
            # On a failed first create, CloudFormation deletes the stack (OnStackFailure DELETE, valid for
            # CREATE change sets only), so no ROLLBACK_COMPLETE stack is left to block the next run.
            set -- --change-set-type CREATE --on-stack-failure DELETE
        else
            node .pipeline/cli.js params "$PARAMETERS_FILE" "$OUT/parameters.json" ImageId previous
            set -- --change-set-type UPDATE
        fi
        aws cloudformation create-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET" "$@" \
            --role-arn "$CFN_ROLE_ARN" --template-body "file://$TEMPLATE_FILE" \
            --parameters "file://$OUT/parameters.json" --capabilities CAPABILITY_NAMED_IAM \
            --query Id --output text >"$OUT/change-set-id"
        if ! aws cloudformation wait change-set-create-complete --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET"; then
            reason=$(aws cloudformation describe-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET" \
                --query StatusReason --output text)
            case "$reason" in
                *"didn't contain changes"* | *"No updates are to be performed"*)
                    aws cloudformation delete-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET"
                    printf '{"Changes":[],"Status":"FAILED","StatusReason":"No updates are to be performed."}\n' >"$OUT/change-set.json"
                    exit 0
                    ;;
            esac
            die "The change set for $STACK_NAME failed: $reason"
        fi
        aws cloudformation describe-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET" \
            --include-property-values --output json >"$OUT/change-set.json"
    )
    if [ "$mode" = delete ]; then
        classify cloudformation-delete "$OUT/resources.json"
    else
        classify cloudformation "$OUT/change-set.json"
    fi
    key="$REVIEW_PREFIX/$PIPELINE_EXECUTION_ID/report.md"
    {
        printf '# CloudFormation %s: stack %s in target %s (account %s)\n\n' "$mode" "$STACK_NAME" "$TARGET_NAME" "$TARGET_ACCOUNT_ID"
        # shellcheck disable=SC2016 # Markdown backticks, printed as they are
        printf 'Change set: `%s`; digest `%s` (the apply refuses any other)\n\n' "$CHANGE_SET" "$(cat "$OUT/review/digest")"
        cat "$OUT/review/report.md"
    } >"$OUT/report.md"
    put_report "$OUT/report.md" "$key"
    note "$(cat "$OUT/review/summary.txt")"
    note "Approval: $(cat "$OUT/review/approval"); report: $(report_link "$key")"
}

apply() {
    require_vars TARGET_NAME TARGET_STACK TARGET_ACCOUNT_ID TARGET_ROLE_ARN STACK_NAME CFN_ROLE_ARN PIPELINE_NAME \
        PIPELINE_EXECUTION_ID PLAN_STAGE PLAN_ACTION
    check_execution_id
    mode=$(run_mode) || exit 1
    changes=$(action_output "$PLAN_STAGE" "$PLAN_ACTION" CHANGES) || die "Cannot read the plan's result from CodePipeline"
    expected=$(action_output "$PLAN_STAGE" "$PLAN_ACTION" PLAN_SHA256) || die "Cannot read the plan's digest from CodePipeline"
    if [ "$changes" = no ]; then
        note "The reviewed plan of $TARGET_NAME has no changes: nothing to apply"
        return 0
    fi
    case "$expected" in
        *[!0-9a-f]* | "") die "CodePipeline holds no digest for $PLAN_STAGE/$PLAN_ACTION of this run (got '$expected')" ;;
    esac
    [ "${#expected}" -eq 64 ] || die "The recorded digest is not 64 hex digits: '$expected'"
    (
        assume_target_role "$TARGET_ROLE_ARN" "apply-$TARGET_NAME"
        status=$(stack_status) || exit 1
        refuse_status "$status"
        if [ "$mode" = delete ]; then
            [ "$status" = NONE ] && { note "Stack $STACK_NAME does not exist: nothing to delete"; exit 0; }
            aws cloudformation describe-stack-resources --stack-name "$STACK_NAME" --output json >"$OUT/resources.json"
            node .pipeline/cli.js cloudformation-delete "$OUT/resources.json" --target "$TARGET_NAME" --out "$OUT/now" >/dev/null
            [ "$(cat "$OUT/now/digest")" = "$expected" ] ||
                die "Stack $STACK_NAME changed since its deletion was reviewed: not deleting; run the pipeline again"
            aws cloudformation delete-stack --stack-name "$STACK_NAME" --role-arn "$CFN_ROLE_ARN"
            aws cloudformation wait stack-delete-complete --stack-name "$STACK_NAME" ||
                fail_with_events "Deleting $STACK_NAME failed"
            note "Stack $STACK_NAME deleted"
            exit 0
        fi
        aws cloudformation describe-change-set --stack-name "$STACK_NAME" --change-set-name "$CHANGE_SET" \
            --include-property-values --output json >"$OUT/change-set.json" ||
            die "The reviewed change set $CHANGE_SET of $STACK_NAME is gone: run the pipeline again"
        node .pipeline/cli.js cloudformation "$OUT/change-set.json" --target "$TARGET_NAME" --out "$OUT/now" >/dev/null
        [ "$(cat "$OUT/now/digest")" = "$expected" ] ||
            die "Change set $CHANGE_SET is not the one that was reviewed (digest $(cat "$OUT/now/digest"), reviewed $expected): not executing"
        cs_id=$(node .pipeline/cli.js field "$OUT/change-set.json" ChangeSetId)
        cs_status=$(node .pipeline/cli.js field "$OUT/change-set.json" Status)
        cs_execution=$(node .pipeline/cli.js field "$OUT/change-set.json" ExecutionStatus)
        if [ "$cs_status" != CREATE_COMPLETE ] || [ "$cs_execution" != AVAILABLE ]; then
            die "Change set $CHANGE_SET cannot be executed (status $cs_status, execution status $cs_execution)"
        fi
        note "Executing change set $cs_id"
        aws cloudformation execute-change-set --change-set-name "$cs_id"
        if [ "$status" = NONE ] || [ "$status" = REVIEW_IN_PROGRESS ]; then
            aws cloudformation wait stack-create-complete --stack-name "$STACK_NAME" || fail_with_events "Creating $STACK_NAME failed"
        else
            aws cloudformation wait stack-update-complete --stack-name "$STACK_NAME" || fail_with_events "Updating $STACK_NAME failed"
        fi
        note "Stack $STACK_NAME is up to date with the reviewed change set"
    )
}

drift() {
    require_vars TARGET_NAME TARGET_STACK TARGET_ACCOUNT_ID TARGET_ROLE_ARN STACK_NAME PIPELINE_NAME \
        PIPELINE_EXECUTION_ID REVIEW_BUCKET REVIEW_PREFIX TOPIC_ARN
    check_execution_id
    (
        assume_target_role "$TARGET_ROLE_ARN" "drift-$TARGET_NAME"
        status=$(stack_status) || exit 1
        if [ "$status" = NONE ]; then
            note "Stack $STACK_NAME does not exist: no drift to detect"
            printf '{"StackResourceDrifts":[]}\n' >"$OUT/drifts.json"
            exit 0
        fi
        detection=$(aws cloudformation detect-stack-drift --stack-name "$STACK_NAME" --query StackDriftDetectionId --output text)
        tries=0
        while :; do
            detection_status=$(aws cloudformation describe-stack-drift-detection-status \
                --stack-drift-detection-id "$detection" --query DetectionStatus --output text)
            case "$detection_status" in
                DETECTION_COMPLETE) break ;;
                DETECTION_FAILED) die "Drift detection of $STACK_NAME failed" ;;
            esac
            tries=$((tries + 1))
            [ "$tries" -lt 120 ] || die "Drift detection of $STACK_NAME did not finish in 10 minutes"
            sleep 5
        done
        aws cloudformation describe-stack-resource-drifts --stack-name "$STACK_NAME" \
            --stack-resource-drift-status-filters MODIFIED DELETED --output json >"$OUT/drifts.json"
    )
    node .pipeline/cli.js cloudformation-drift "$OUT/drifts.json" --target "$TARGET_NAME" --out "$OUT/review"
    if [ "$(cat "$OUT/review/changes")" = no ]; then
        note "No drift: $STACK_NAME matches its template"
        return 0
    fi
    publish_drift "stack $STACK_NAME differs from its template"
}

case "$step" in
    plan) plan ;;
    apply) apply ;;
    drift) drift ;;
esac
