# shellcheck shell=sh
# Shared by the pipeline's step scripts (tf-step.sh, cfn-step.sh, review.sh), which source it. They
# run in CodeBuild and in the CodePipeline Commands action, each as ONE command (`sh <script>`), so
# these functions live as long as the script: a later command of the same action does not see them.
#
# The scripts reach the source archive as .pipeline/*, and every command text or buildspec that runs
# them first checks their SHA-256 against the values the cicd stack computed (methods/pinned.ts): a
# source upload cannot change what runs.
#
# Trust: nothing an operator types reaches a shell as code. A target's identity (account, roles,
# stack, state key) comes from the project's or the command's literals, which the cicd stack wrote
# from its validated config. The run's action (TF_ACTION / BUILD_ACTION) is read as DATA from
# CodePipeline's record of this execution and compared with a fixed list.

die() {
    printf '%s\n' "error: $*" >&2
    exit 1
}

note() { printf '%s\n' "==> $*"; }

# require_vars NAME...: each must be set and non-empty.
require_vars() {
    for _name in "$@"; do
        eval "_value=\${$_name:-}"
        # shellcheck disable=SC2154 # _value is assigned by the eval above
        [ -n "$_value" ] || die "$_name is not set (the cicd stack sets it on the project or in the command)"
    done
}

# The execution id comes from #{codepipeline.PipelineExecutionId}, which CodePipeline fills with a
# UUID; refuse anything else before it reaches an AWS CLI argument.
check_execution_id() {
    case "$PIPELINE_EXECUTION_ID" in
        *[!0-9a-f-]* | "") die "PIPELINE_EXECUTION_ID must be a pipeline execution id (a UUID); got '$PIPELINE_EXECUTION_ID'" ;;
    esac
    [ "${#PIPELINE_EXECUTION_ID}" -eq 36 ] || die "PIPELINE_EXECUTION_ID must be 36 characters (a UUID); got '$PIPELINE_EXECUTION_ID'"
}

# run_variable NAME: the value this execution resolved for the pipeline variable NAME, read from
# CodePipeline (GetPipelineExecution) as data. NAME is always a literal of these scripts.
run_variable() {
    aws codepipeline get-pipeline-execution \
        --pipeline-name "$PIPELINE_NAME" \
        --pipeline-execution-id "$PIPELINE_EXECUTION_ID" \
        --query "pipelineExecution.variables[?name=='$1'].resolvedValue | [0]" \
        --output text
}

# action_output STAGE ACTION VARIABLE: an output variable of an action of this execution, read from
# CodePipeline (ListActionExecutions) as data; the latest successful execution of that action wins.
action_output() {
    aws codepipeline list-action-executions \
        --pipeline-name "$PIPELINE_NAME" \
        --filter "pipelineExecutionId=$PIPELINE_EXECUTION_ID" \
        --query "sort_by(actionExecutionDetails[?stageName=='$1' && actionName=='$2' && status=='Succeeded'], &lastUpdateTime)[-1].output.outputVariables.$3" \
        --output text
}

# assume_target_role ARN SESSION: from here on, in this (sub)shell, every AWS call is the target
# role's. Role chaining caps the session at one hour, and so does the cicd stack's build timeout.
assume_target_role() {
    _creds=$(aws sts assume-role --role-arn "$1" --role-session-name "$2" --duration-seconds 3600 \
        --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text) ||
        die "Cannot assume $1. Has the target stack been deployed (pulumi up --stack $TARGET_STACK), and is this the principal it trusts?"
    AWS_ACCESS_KEY_ID=$(printf '%s' "$_creds" | cut -f1)
    AWS_SECRET_ACCESS_KEY=$(printf '%s' "$_creds" | cut -f2)
    AWS_SESSION_TOKEN=$(printf '%s' "$_creds" | cut -f3)
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    unset _creds
    _account=$(aws sts get-caller-identity --query Account --output text) || die "Cannot tell which account $1 is in"
    [ "$_account" = "$TARGET_ACCOUNT_ID" ] || die "Expected account $TARGET_ACCOUNT_ID, running as $_account"
}

# put_report FILE KEY: uploads a review report to the artifact bucket, with the build's own role.
put_report() {
    aws s3 cp "$1" "s3://$REVIEW_BUCKET/$2" --only-show-errors --content-type "text/markdown; charset=utf-8" ||
        die "Could not upload the review report to s3://$REVIEW_BUCKET/$2"
}

# report_link KEY: the S3 console page of an uploaded report (REVIEW_LINK_BASE ends in "prefix=").
report_link() {
    printf '%s%s' "$REVIEW_LINK_BASE" "$1"
}

# Publishes a drifted target's report to the notification topic. $1: what differs, in words.
publish_drift() {
    key="$REVIEW_PREFIX/drift/$PIPELINE_EXECUTION_ID/report.md"
    put_report "$OUT/review/report.md" "$key"
    {
        printf 'Drift in target %s (account %s): %s.\n\n' "$TARGET_NAME" "$TARGET_ACCOUNT_ID" "$1"
        printf '%s\n\nReport: %s\n' "$(cat "$OUT/review/summary.txt")" "$(report_link "$key")"
    } >"$OUT/drift-message.txt"
    aws sns publish --topic-arn "$TOPIC_ARN" --subject "Drift in target $TARGET_NAME" \
        --message "file://$OUT/drift-message.txt" >/dev/null || die "Could not publish the drift report to $TOPIC_ARN"
    note "Drift reported: $(cat "$OUT/review/summary.txt")"
}
