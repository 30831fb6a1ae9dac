#!/bin/sh
# shellcheck shell=sh
# Method 1: one step of one target's Terraform run, in that target's own CodeBuild project.
#
#   install  download the pinned Terraform release and check its SHA-256
#   plan     plan with the target's read-only plan role (no state lock: the plan role cannot write),
#            save the plan, its JSON, its review and its SHA-256 as the action's output artifact
#   apply    with the target's deploy role: apply exactly the reviewed plan, after checking that the
#            artifact's SHA-256 is the one CodePipeline recorded for this run's plan action
#   drift    plan with the read-only role; when the plan is not empty, report it to the topic
#
# Environment (the cicd stack writes it on the project, from its validated config; never a variable
# someone can set for a run): TARGET_NAME TARGET_STACK TARGET_ACCOUNT_ID TARGET_ROLE_ARN
# TFSTATE_BUCKET TFSTATE_KEY TFSTATE_WORKSPACE_PREFIX TFSTATE_REGION TF_VERSION TF_SHA256
# PIPELINE_NAME REVIEW_BUCKET REVIEW_PREFIX, and per step REQUIRE_APPROVAL APPROVAL_POLICY TOPIC_ARN
# (plan, drift) or PLAN_STAGE PLAN_ACTION PLAN_ARTIFACT (apply). The pipeline action adds
# PIPELINE_EXECUTION_ID from #{codepipeline.PipelineExecutionId}.
set -eu
# The step scripts sit beside common.sh in the source archive (.pipeline/).
# shellcheck source-path=SCRIPTDIR source=../../scripts/common.sh
. "$(dirname "$0")/common.sh"

step=${1:-}
case "$step" in
    install | plan | apply | drift) ;;
    *) die "usage: tf-step.sh install|plan|apply|drift; got '$step'" ;;
esac

TF_DIR=terraform
OUT=.plan

install_terraform() {
    require_vars TF_VERSION TF_SHA256
    zip=$(mktemp -d)/terraform.zip
    curl -fsSL --retry 3 -o "$zip" \
        "https://releases.hashicorp.com/terraform/${TF_VERSION}/terraform_${TF_VERSION}_linux_amd64.zip"
    printf '%s  %s\n' "$TF_SHA256" "$zip" | sha256sum -c - >/dev/null ||
        die "terraform_${TF_VERSION}_linux_amd64.zip does not match its pinned SHA-256 $TF_SHA256"
    unzip -o -q "$zip" terraform -d /usr/local/bin
    terraform version
}

# Only the providers of the pinned lock file, only from their registry (.pipeline/terraformrc), and
# the lock file may not change (-lockfile=readonly): a provider that only the state or a module
# names fails here, before any of its code runs.
terraform_init() {
    TF_CLI_CONFIG_FILE="$PWD/.pipeline/terraformrc"
    export TF_CLI_CONFIG_FILE TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
    terraform -chdir="$TF_DIR" init -input=false -lockfile=readonly \
        -backend-config="bucket=$TFSTATE_BUCKET" \
        -backend-config="key=$TFSTATE_KEY" \
        -backend-config="region=$TFSTATE_REGION" \
        -backend-config="workspace_key_prefix=$TFSTATE_WORKSPACE_PREFIX"
}

classify() { # plan.json
    node .pipeline/cli.js terraform "$1" --target "$TARGET_NAME" --out "$OUT/review" \
        --require-approval "${REQUIRE_APPROVAL:-false}" --policy "${APPROVAL_POLICY:-changes}"
}

common_vars() {
    require_vars TARGET_NAME TARGET_STACK TARGET_ACCOUNT_ID TARGET_ROLE_ARN TFSTATE_BUCKET TFSTATE_KEY \
        TFSTATE_WORKSPACE_PREFIX TFSTATE_REGION PIPELINE_NAME REVIEW_BUCKET REVIEW_PREFIX PIPELINE_EXECUTION_ID
    check_execution_id
    test -f "$TF_DIR/targets/$TARGET_NAME.tfvars.json" ||
        die "No $TF_DIR/targets/$TARGET_NAME.tfvars.json in the source archive"
    mkdir -p "$OUT/review"
}

plan() {
    common_vars
    require_vars REQUIRE_APPROVAL APPROVAL_POLICY
    action=$(run_variable TF_ACTION) || die "Cannot read this run's TF_ACTION from CodePipeline"
    case "$action" in
        apply) mode="" ;;
        destroy) mode="-destroy" ;;
        *) die "TF_ACTION must be apply or destroy; got '$action'" ;;
    esac
    note "Planning TF_ACTION=$action for target $TARGET_NAME ($TARGET_ACCOUNT_ID)"
    (
        assume_target_role "$TARGET_ROLE_ARN" "plan-$TARGET_NAME"
        terraform_init
        # -lock=false: the plan role may read the state but not write the lock. A plan never writes
        # state, and the apply (which locks) refuses a saved plan whose state has moved on.
        terraform -chdir="$TF_DIR" plan -input=false -lock=false ${mode:+"$mode"} \
            -var-file="targets/$TARGET_NAME.tfvars.json" -out="$PWD/$OUT/tfplan"
        terraform -chdir="$TF_DIR" show -json "$PWD/$OUT/tfplan" >"$OUT/plan.json"
    )
    classify "$OUT/plan.json"
    sha256sum "$OUT/tfplan" | cut -d' ' -f1 >"$OUT/sha256"
    key="$REVIEW_PREFIX/$PIPELINE_EXECUTION_ID/report.md"
    {
        printf '# Terraform plan: target %s (account %s), TF_ACTION=%s\n\n' "$TARGET_NAME" "$TARGET_ACCOUNT_ID" "$action"
        # shellcheck disable=SC2016 # Markdown backticks, printed as they are
        printf 'Plan SHA-256: `%s` (the apply refuses any other plan)\n\n' "$(cat "$OUT/sha256")"
        cat "$OUT/review/report.md"
    } >"$OUT/report.md"
    put_report "$OUT/report.md" "$key"
    note "$(cat "$OUT/review/summary.txt")"
    note "Approval: $(cat "$OUT/review/approval"); report: $(report_link "$key")"
}

apply() {
    common_vars
    require_vars PLAN_STAGE PLAN_ACTION PLAN_ARTIFACT
    plan_dir=$(printenv "CODEBUILD_SRC_DIR_$PLAN_ARTIFACT") ||
        die "The plan artifact $PLAN_ARTIFACT is not an input of this build"
    expected=$(action_output "$PLAN_STAGE" "$PLAN_ACTION" PLAN_SHA256) ||
        die "Cannot read the reviewed plan's SHA-256 from CodePipeline"
    case "$expected" in
        *[!0-9a-f]* | "") die "CodePipeline holds no SHA-256 for $PLAN_STAGE/$PLAN_ACTION of this run (got '$expected')" ;;
    esac
    [ "${#expected}" -eq 64 ] || die "The recorded plan SHA-256 is not 64 hex digits: '$expected'"
    actual=$(sha256sum "$plan_dir/tfplan" | cut -d' ' -f1)
    [ "$actual" = "$expected" ] ||
        die "The plan artifact (sha256 $actual) is not the plan that was reviewed (sha256 $expected): not applying"
    note "The plan artifact is the reviewed plan (sha256 $actual)"
    (
        assume_target_role "$TARGET_ROLE_ARN" "apply-$TARGET_NAME"
        terraform_init
        terraform -chdir="$TF_DIR" show -json "$plan_dir/tfplan" >"$OUT/plan.json"
        classify "$OUT/plan.json" >/dev/null
        if [ "$(cat "$OUT/review/changes")" = no ]; then
            note "The reviewed plan of $TARGET_NAME has no changes: nothing to apply"
            exit 0
        fi
        # Exactly the reviewed plan: Terraform itself refuses it when the state changed since.
        { terraform -chdir="$TF_DIR" apply -input=false "$plan_dir/tfplan" 2>&1 && echo 0 >"$OUT/apply.rc" || echo 1 >"$OUT/apply.rc"; } |
            tee "$OUT/apply.log"
        [ "$(cat "$OUT/apply.rc")" = 0 ] && exit 0
        if grep -q "Saved plan is stale" "$OUT/apply.log"; then
            die "The plan is stale: the state of $TARGET_NAME changed after it was planned and reviewed. Nothing was applied; run the pipeline again to plan afresh"
        fi
        die "terraform apply failed for $TARGET_NAME"
    )
}

drift() {
    common_vars
    require_vars TOPIC_ARN
    note "Checking target $TARGET_NAME ($TARGET_ACCOUNT_ID) for drift"
    set +e
    (
        assume_target_role "$TARGET_ROLE_ARN" "drift-$TARGET_NAME"
        terraform_init
        # Exit code 0: the real resources match the code; 2: they do not; anything else: an error.
        terraform -chdir="$TF_DIR" plan -input=false -lock=false -detailed-exitcode \
            -var-file="targets/$TARGET_NAME.tfvars.json" -out="$PWD/$OUT/tfplan"
        rc=$?
        [ "$rc" -eq 2 ] && terraform -chdir="$TF_DIR" show -json "$PWD/$OUT/tfplan" >"$OUT/plan.json"
        exit "$rc"
    )
    rc=$?
    set -e
    case "$rc" in
        0)
            note "No drift: $TARGET_NAME matches its code"
            printf 'no\n' >"$OUT/review/drift"
            return 0
            ;;
        2) ;;
        *) die "The drift plan of $TARGET_NAME failed (exit code $rc)" ;;
    esac
    classify "$OUT/plan.json"
    printf 'yes\n' >"$OUT/review/drift"
    publish_drift "its resources differ from its code"
}

case "$step" in
    install) install_terraform ;;
    plan) plan ;;
    apply) apply ;;
    drift) drift ;;
esac
