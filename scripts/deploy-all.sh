#!/usr/bin/env bash
# Deploys the cross-account pipeline end to end, or tears it all down:
#   the `cicd` stack (pipelines, state and artifact buckets) in the CI/CD account, then the
#   `target` stack (deploy roles) in the target account. See docs/operations.md.
#
# Every step is idempotent: after a failure, fix the cause and run the same command again.
set -euo pipefail

PROJECT=cross-account-pipeline
PROG=${0##*/}
NS="$PROJECT"   # config namespace

usage() {
    cat <<EOF
Usage:
  $PROG -c CICD_PROFILE -t TARGET_PROFILE -n SUBNET_ID -g SECURITY_GROUP_ID
        [-s STACK_NAME] [-r REGION] [-m METHODS] [-o ORG] [-p] [-y]
  $PROG -d -c CICD_PROFILE -t TARGET_PROFILE [-r REGION] [-f] [-P] [-y]
  $PROG -h

Deploys the Pulumi stacks 'cicd' (CI/CD account) and 'target' (target account),
or tears everything down with -d.

  -c PROFILE   AWS CLI profile of the CI/CD account (required)
  -t PROFILE   AWS CLI profile of the target account (required)
  -n SUBNET    subnet of the sample workload in the target account, subnet-... (required to deploy)
  -g SG        security group of the sample workload, sg-... (required to deploy)
  -s NAME      CloudFormation stack name used by the cloudformation method
               (sets $NS:cfnStackName; default: the program's default)
  -r REGION    AWS region (default: the cicd stack's region if it exists, else the region of
               the CI/CD profile)
  -m METHODS   terraform, cloudformation or terraform,cloudformation (default: both)
  -o ORG       Pulumi organization in the target stack's reference to the cicd stack
               (default: organization, the name used by self-managed backends)
  -p           after deploying, start the pipelines and follow them until they end
  -d           tear down: destroy the workload (pipeline destroy runs), the target stack,
               empty the artifact bucket, destroy the cicd stack
  -f           with -d: go on even if a workload destroy run fails (may orphan the workload)
  -P           with -d: also empty and delete the Terraform state bucket (kept by default)
  -y           do not ask for confirmation (assumed when stdin is not a terminal)
  -h           show this help

Environment: PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (self-managed backends),
PULUMI_STATE_DIR (file backend directory, default <repo>/.pulumi-state), POLL_SECONDS (default 15).
EOF
}

usage_error() {
    echo "$PROG: $*" >&2
    echo >&2
    usage >&2
    exit 2
}
die() {
    echo "$PROG: error: $*" >&2
    exit 1
}
info() { echo "==> $*"; }
note() { echo "    $*"; }
warn() { echo "$PROG: warning: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------------------------
CICD_PROFILE="" TARGET_PROFILE="" SUBNET_ID="" SG_ID="" CFN_STACK_NAME="" REGION_FLAG=""
METHODS="" ORG="organization" ORG_GIVEN=0
FOLLOW=0 TEARDOWN=0 FORCE=0 PURGE_STATE=0 ASSUME_YES=0

while getopts ":c:t:n:g:s:r:m:o:pdfPyh" opt; do
    case $opt in
        c) CICD_PROFILE=$OPTARG ;;
        t) TARGET_PROFILE=$OPTARG ;;
        n) SUBNET_ID=$OPTARG ;;
        g) SG_ID=$OPTARG ;;
        s) CFN_STACK_NAME=$OPTARG ;;
        r) REGION_FLAG=$OPTARG ;;
        m) METHODS=$OPTARG
           [ -n "$METHODS" ] || usage_error "-m needs a value" ;;
        o) ORG=$OPTARG ORG_GIVEN=1 ;;
        p) FOLLOW=1 ;;
        d) TEARDOWN=1 ;;
        f) FORCE=1 ;;
        P) PURGE_STATE=1 ;;
        y) ASSUME_YES=1 ;;
        h) usage; exit 0 ;;
        :) usage_error "option -$OPTARG needs a value" ;;
        *) usage_error "unknown option -$OPTARG" ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage_error "unexpected argument(s): $*"

check_profile_flag() { # flag value
    [ -n "$2" ] || usage_error "$1 PROFILE is required"
    case $2 in -*) usage_error "$1 needs a profile name; got '$2'" ;; esac
}
check_profile_flag -c "$CICD_PROFILE"
check_profile_flag -t "$TARGET_PROFILE"

if [ "$TEARDOWN" -eq 1 ]; then
    [ "$FOLLOW" -eq 0 ] || usage_error "-p cannot be combined with -d"
    for ignored in "-n:$SUBNET_ID" "-g:$SG_ID" "-s:$CFN_STACK_NAME"; do
        [ -z "${ignored#*:}" ] || warn "${ignored%%:*} is ignored with -d"
    done
else
    [ "$PURGE_STATE" -eq 0 ] || usage_error "-P is only valid with -d"
    [ "$FORCE" -eq 0 ] || usage_error "-f is only valid with -d"
    [ -n "$SUBNET_ID" ] || usage_error "-n SUBNET_ID is required to deploy"
    [ -n "$SG_ID" ] || usage_error "-g SECURITY_GROUP_ID is required to deploy"
    [[ $SUBNET_ID =~ ^subnet-[0-9a-f]{8,17}$ ]] ||
        usage_error "-n: '$SUBNET_ID' is not a subnet id ('subnet-' and 8 to 17 lower-case hex digits)"
    [[ $SG_ID =~ ^sg-[0-9a-f]{8,17}$ ]] ||
        usage_error "-g: '$SG_ID' is not a security group id ('sg-' and 8 to 17 lower-case hex digits)"
    if [ -n "$CFN_STACK_NAME" ] && ! [[ $CFN_STACK_NAME =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]]; then
        usage_error "-s: '$CFN_STACK_NAME' is not a CloudFormation stack name (a letter, then up to 127 letters, digits or dashes)"
    fi
    case $METHODS in
        "" | terraform | cloudformation | terraform,cloudformation | cloudformation,terraform) ;;
        *) usage_error "-m: '$METHODS' is not one of terraform, cloudformation, terraform,cloudformation" ;;
    esac
fi
REGION_RE='^[a-z]{2}(-gov)?-[a-z]+-[0-9]$'
if [ -n "$REGION_FLAG" ] && ! [[ $REGION_FLAG =~ $REGION_RE ]]; then
    usage_error "-r: '$REGION_FLAG' is not an AWS region (e.g. eu-west-1)"
fi
[[ $ORG =~ ^[A-Za-z0-9_.-]+$ ]] || usage_error "-o: '$ORG' is not a Pulumi organization name"
POLL=${POLL_SECONDS:-15}
[[ $POLL =~ ^[0-9]+$ ]] || usage_error "POLL_SECONDS must be a whole number of seconds; got '$POLL'"

if [ "$ASSUME_YES" -eq 0 ] && ! [ -t 0 ]; then
    ASSUME_YES=1 # nobody to ask
fi
PULUMI_YES=()
[ "$ASSUME_YES" -eq 0 ] || PULUMI_YES=(--yes)

# ---------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"

missing=()
for tool in pulumi aws node npm; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "required tool(s) not found on PATH: ${missing[*]}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Static credentials in the environment would win over the profiles; the profiles must decide.
for var in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; do
    if [ -n "${!var+x}" ]; then
        warn "ignoring $var from the environment: the -c and -t profiles choose the accounts"
        unset "$var"
    fi
done
unset AWS_PROFILE AWS_DEFAULT_PROFILE

cicd_aws() { AWS_PROFILE="$CICD_PROFILE" aws "$@"; }

account_of() { # flag profile -> prints the account id
    local out
    if ! out=$(AWS_PROFILE="$2" aws sts get-caller-identity --query Account --output text 2>"$WORK/sts.err"); then
        die "$1: profile '$2' does not resolve to AWS credentials (aws sts get-caller-identity failed: $(tr '\n' ' ' <"$WORK/sts.err"))." \
            "Check ~/.aws/config, or log in with: aws sso login --profile $2"
    fi
    [[ $out =~ ^[0-9]{12}$ ]] || die "$1: profile '$2': unexpected account id '$out' from aws sts get-caller-identity"
    echo "$out"
}

info "Checking AWS profiles"
CICD_ACCOUNT=$(account_of -c "$CICD_PROFILE")
TARGET_ACCOUNT=$(account_of -t "$TARGET_PROFILE")
note "CI/CD account:  $CICD_ACCOUNT (profile $CICD_PROFILE)"
note "target account: $TARGET_ACCOUNT (profile $TARGET_PROFILE)"
[ "$CICD_ACCOUNT" != "$TARGET_ACCOUNT" ] ||
    die "-c '$CICD_PROFILE' and -t '$TARGET_PROFILE' are the same account ($CICD_ACCOUNT): the pipeline deploys across accounts, so the target must be another account"

# ---------------------------------------------------------------------------------------------
# State backend
# ---------------------------------------------------------------------------------------------
STATE_DIR=${PULUMI_STATE_DIR:-$REPO_ROOT/.pulumi-state}
LOGIN_NEEDED=0
if whoami_out=$(pulumi whoami --verbose --non-interactive </dev/null 2>/dev/null); then
    BACKEND_URL=$(sed -n 's/^Backend URL:[[:space:]]*//p' <<<"$whoami_out" | head -n 1)
else
    LOGIN_NEEDED=1
    BACKEND_URL=""
fi
case $BACKEND_URL in
    https://* | http://*) SELF_MANAGED=0 ;;
    *) SELF_MANAGED=1 ;;
esac
if [ "$SELF_MANAGED" -eq 1 ] && [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE+x}" ]; then
    die "the self-managed Pulumi backend (${BACKEND_URL:-file://$STATE_DIR}) encrypts stack secrets with a passphrase:" \
        "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (keep the same passphrase for every run)"
fi
if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && ! [ -r "$PULUMI_CONFIG_PASSPHRASE_FILE" ]; then
    die "PULUMI_CONFIG_PASSPHRASE_FILE=$PULUMI_CONFIG_PASSPHRASE_FILE is not a readable file"
fi
if [ "$LOGIN_NEEDED" -eq 1 ]; then
    mkdir -p "$STATE_DIR"
    STATE_DIR=$(cd "$STATE_DIR" && pwd)
    BACKEND_URL="file://$STATE_DIR"
    info "Not logged in to a Pulumi backend: logging in to the local file backend $BACKEND_URL"
    note "(to use Pulumi Cloud or an S3 backend instead, run 'pulumi login ...' yourself and re-run)"
    pulumi login "$BACKEND_URL"
else
    note "Pulumi backend: ${BACKEND_URL:-unknown} (already logged in)"
fi
if [ "$SELF_MANAGED" -eq 0 ] && [ "$ORG_GIVEN" -eq 0 ] && [ "$TEARDOWN" -eq 0 ]; then
    warn "with a Pulumi Cloud backend the cicd stack is <your organization>/$PROJECT/cicd: pass -o ORG if it is not '$ORG'"
fi

# ---------------------------------------------------------------------------------------------
# Stack helpers
# ---------------------------------------------------------------------------------------------
stack_exists() { # stack
    local list
    list=$(pulumi stack ls --json 2>"$WORK/ls.err") || die "pulumi stack ls failed: $(cat "$WORK/ls.err")"
    node -e '
        const [want, text] = process.argv.slice(1);
        const stacks = JSON.parse(text || "[]");
        const found = stacks.some((s) => s.name === want || String(s.name).endsWith("/" + want));
        process.exit(found ? 0 : 1);
    ' -- "$1" "$list"
}
# A stack is live when it exists and holds resources (a destroyed stack is empty).
stack_live() { # stack
    stack_exists "$1" || return 1
    pulumi stack export --stack "$1" >"$WORK/export.json" 2>"$WORK/export.err" ||
        die "pulumi stack export --stack $1 failed: $(cat "$WORK/export.err")"
    node -e '
        const text = require("fs").readFileSync(process.argv[1], "utf8");
        const state = JSON.parse(text || "{}");
        const resources = (state.deployment && state.deployment.resources) || [];
        process.exit(resources.length > 0 ? 0 : 1);
    ' -- "$WORK/export.json"
}
config_get() { # stack key -> value, empty when unset
    pulumi config get --stack "$1" "$2" 2>/dev/null || true
}
output_get() { # name -> the cicd stack output, empty when absent
    pulumi stack output --stack cicd "$1" 2>/dev/null || true
}

confirm() { # question
    local answer=""
    read -r -p "$1 [y/N] " answer || return 1
    case $answer in y | Y | yes | Yes | YES) return 0 ;; esac
    return 1
}

# ---------------------------------------------------------------------------------------------
# Consistency with an existing cicd stack, and the region
# ---------------------------------------------------------------------------------------------
# Only a live cicd stack (one with resources) binds the target account, the region and the methods:
# the config of a stack that was torn down is stale.
CICD_LIVE_NOW=0
STACK_REGION="" STACK_METHODS=""
if stack_exists cicd; then
    [ -z "$(config_get cicd "$NS:targets")" ] ||
        die "the cicd stack uses the multi-target form ($NS:targets); this script handles the single-target form only" \
            "(pulumi config rm --stack cicd $NS:targets, if that stack is torn down)"
    ! stack_live cicd || CICD_LIVE_NOW=1
fi
if [ "$CICD_LIVE_NOW" -eq 1 ]; then
    configured_target=$(config_get cicd "$NS:targetAccountId")
    if [ -n "$configured_target" ] && [ "$configured_target" != "$TARGET_ACCOUNT" ]; then
        die "-t '$TARGET_PROFILE' is account $TARGET_ACCOUNT, but the cicd stack deploys into $NS:targetAccountId=$configured_target." \
            "Use the profile of account $configured_target (to move to another account, tear down with -d first)"
    fi
    STACK_REGION=$(config_get cicd aws:region)
    STACK_METHODS=$(config_get cicd "$NS:methods")
fi

# Without -m, a re-run keeps the methods the stack has; a new stack gets both.
DROPPED=()
if [ "$TEARDOWN" -eq 0 ]; then
    if [ -z "$METHODS" ]; then
        METHODS=${STACK_METHODS:-terraform,cloudformation}
    elif [ "$CICD_LIVE_NOW" -eq 1 ]; then
        for method in terraform cloudformation; do
            case ",$METHODS," in *",$method,"*) continue ;; esac
            [ -z "$(output_get "${method}PipelineName")" ] || DROPPED+=("$method")
        done
    fi
fi

if [ -n "$REGION_FLAG" ]; then
    if [ -n "$STACK_REGION" ] && [ "$STACK_REGION" != "$REGION_FLAG" ]; then
        die "-r $REGION_FLAG differs from the region of the existing cicd stack ($STACK_REGION): tear down with -d first to move regions"
    fi
    REGION=$REGION_FLAG
elif [ -n "$STACK_REGION" ]; then
    REGION=$STACK_REGION
else
    REGION=$(aws configure get region --profile "$CICD_PROFILE" 2>/dev/null || true)
    if [ -z "$REGION" ] && { [ "$TEARDOWN" -eq 0 ] || [ "$CICD_LIVE_NOW" -eq 1 ]; }; then
        die "no region: pass -r REGION, or set one for the CI/CD profile: aws configure set region eu-west-1 --profile $CICD_PROFILE"
    fi
fi
if [ -n "$REGION" ] && ! [[ $REGION =~ $REGION_RE ]]; then
    die "region '$REGION' (from the CI/CD profile or the cicd stack) is not an AWS region; pass -r REGION"
fi

# ---------------------------------------------------------------------------------------------
# Pipelines
# ---------------------------------------------------------------------------------------------
start_run() { # pipeline [variables] -> prints the execution id
    local args=(codepipeline start-pipeline-execution --region "$REGION" --name "$1")
    [ -z "${2:-}" ] || args+=(--variables "$2")
    cicd_aws "${args[@]}" --query pipelineExecutionId --output text
}

# A destroy run stops at the pipeline's destroy guard, the manual approval ApproveDestroy. When
# this execution is waiting there, says how to approve it, and offers to when there is a terminal.
GUARD=ApproveDestroy
handle_approval() { # pipeline execution-id -> 0 once the waiting approval was handled
    local state execution status token
    state=$(cicd_aws codepipeline get-pipeline-state --region "$REGION" --name "$1" \
        --query "stageStates[?stageName=='$GUARD'] | [0].[latestExecution.pipelineExecutionId, actionStates[0].latestExecution.status, actionStates[0].latestExecution.token]" \
        --output text 2>/dev/null) || return 1
    read -r execution status token <<<"$state" || true
    [ "$execution" = "$2" ] && [ "$status" = InProgress ] && [ -n "$token" ] && [ "$token" != None ] || return 1
    note "$1 is waiting for the manual approval $GUARD (the pipeline's guard against destroy runs)"
    if [ "$ASSUME_YES" -eq 0 ] && confirm "Approve destroying the workload with $1 now?"; then
        cicd_aws codepipeline put-approval-result --region "$REGION" --pipeline-name "$1" --stage-name "$GUARD" \
            --action-name "$GUARD" --token "$token" --result "summary=Approved by $PROG teardown,status=Approved" >/dev/null ||
            echo "$PROG: error: could not approve $GUARD of $1; approve it in the console" >&2
    else
        note "approve it in the console (pipeline $1, stage $GUARD), or with:"
        note "  aws codepipeline put-approval-result --profile $CICD_PROFILE --region $REGION --pipeline-name $1 --stage-name $GUARD --action-name $GUARD --token $token --result summary=teardown,status=Approved"
        note "(rejecting it fails the run, and the teardown stops); waiting..."
    fi
    return 0
}

# Follows one execution to its end; 0 when it succeeded.
wait_run() { # pipeline execution-id purpose
    local status last="" approval_seen=0
    note "console: https://$REGION.console.aws.amazon.com/codesuite/codepipeline/pipelines/$1/executions/$2/timeline?region=$REGION"
    while :; do
        if ! status=$(cicd_aws codepipeline get-pipeline-execution --region "$REGION" --pipeline-name "$1" \
            --pipeline-execution-id "$2" --query pipelineExecution.status --output text); then
            echo "$PROG: error: cannot read the status of $1 execution $2" >&2
            return 1
        fi
        if [ "$status" != "$last" ]; then
            note "$(date +%H:%M:%S) $1 $2: $status"
            last=$status
        fi
        case $status in
            Succeeded) return 0 ;;
            Failed | Stopped | Superseded | Cancelled) return 1 ;;
        esac
        if [ "$3" = destroy ] && [ "$approval_seen" -eq 0 ] && handle_approval "$1" "$2"; then
            approval_seen=1
        fi
        sleep "$POLL"
    done
}

# Starts a run of every pipeline the cicd stack has, then follows each. 0 when all succeeded.
run_pipelines() { # purpose
    local purpose=$1 name id var i failed=0
    local names=() ids=()
    for output in terraformPipelineName cloudformationPipelineName; do
        name=$(output_get "$output")
        [ -n "$name" ] || continue
        case $purpose:$output in
            destroy:terraformPipelineName) var="name=TF_ACTION,value=destroy" ;;
            destroy:cloudformationPipelineName) var="name=BUILD_ACTION,value=delete-stack" ;;
            *) var="" ;;
        esac
        info "Starting pipeline $name${var:+ with $var}"
        if ! id=$(start_run "$name" "$var"); then
            echo "$PROG: error: could not start pipeline $name" >&2
            failed=1
            continue
        fi
        names+=("$name")
        ids+=("$id")
    done
    if [ ${#names[@]} -eq 0 ] && [ "$failed" -eq 0 ]; then
        note "the cicd stack has no pipeline outputs: nothing to run"
        return 0
    fi
    for i in "${!names[@]}"; do
        info "Following ${names[$i]} (execution ${ids[$i]}), polling every ${POLL}s"
        if wait_run "${names[$i]}" "${ids[$i]}" "$purpose"; then
            note "${names[$i]}: succeeded"
        else
            echo "$PROG: error: pipeline ${names[$i]} execution ${ids[$i]} did not succeed" >&2
            failed=1
        fi
    done
    return "$failed"
}

# ---------------------------------------------------------------------------------------------
# Buckets
# ---------------------------------------------------------------------------------------------
# Deletes every object version and delete marker of a versioned bucket, 1000 at a time.
empty_bucket() { # bucket
    local bucket=$1 count total=0
    [[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "refusing to empty '$bucket': not a bucket name"
    while :; do
        cicd_aws s3api list-object-versions --region "$REGION" --bucket "$bucket" --max-items 1000 --output json \
            >"$WORK/versions.json" || die "cannot list the object versions of s3://$bucket"
        count=$(node -e '
            const fs = require("fs");
            const [page, out] = process.argv.slice(1);
            const text = fs.readFileSync(page, "utf8").trim();
            const listing = text ? JSON.parse(text) : {};
            const objects = [...(listing.Versions || []), ...(listing.DeleteMarkers || [])]
                .slice(0, 1000)
                .map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
            fs.writeFileSync(out, JSON.stringify({ Objects: objects, Quiet: true }));
            console.log(objects.length);
        ' -- "$WORK/versions.json" "$WORK/delete.json") || die "cannot read the object versions of s3://$bucket"
        [ "$count" -gt 0 ] || break
        cicd_aws s3api delete-objects --region "$REGION" --bucket "$bucket" --delete "file://$WORK/delete.json" \
            --output json >"$WORK/deleted.json" || die "delete-objects failed on s3://$bucket"
        node -e '
            const text = require("fs").readFileSync(process.argv[1], "utf8").trim();
            const errors = (text ? JSON.parse(text) : {}).Errors || [];
            for (const e of errors.slice(0, 5)) console.error("  " + e.Key + " " + e.VersionId + ": " + e.Code + " " + e.Message);
            process.exit(errors.length > 0 ? 1 : 0);
        ' -- "$WORK/deleted.json" || die "some objects of s3://$bucket could not be deleted (see above)"
        total=$((total + count))
        note "deleted $total object version(s) and delete marker(s) so far"
    done
    note "s3://$bucket is empty ($total deleted)"
}

# ---------------------------------------------------------------------------------------------
# Summary and confirmation
# ---------------------------------------------------------------------------------------------
echo
if [ "$TEARDOWN" -eq 1 ]; then
    info "Teardown plan"
else
    info "Deployment plan"
fi
note "CI/CD account   $CICD_ACCOUNT (profile $CICD_PROFILE), stack cicd"
note "target account  $TARGET_ACCOUNT (profile $TARGET_PROFILE), stack target"
note "region          ${REGION:-unknown}"
note "backend         $BACKEND_URL"
if [ "$TEARDOWN" -eq 1 ]; then
    note "steps           workload destroy runs, destroy target, empty artifact bucket, destroy cicd"
    if [ "$PURGE_STATE" -eq 1 ]; then
        note "state bucket    PURGED (-P): every version of the Terraform state is deleted"
    else
        note "state bucket    kept, with its history"
    fi
else
    note "methods         $METHODS"
    note "workload        subnet $SUBNET_ID, security group $SG_ID${CFN_STACK_NAME:+, CloudFormation stack $CFN_STACK_NAME}"
    note "cicd reference  $ORG/$PROJECT/cicd"
    for method in ${DROPPED[@]+"${DROPPED[@]}"}; do
        warn "-m $METHODS drops the $method method: 'pulumi up' deletes its pipeline, and the workload it deployed in account $TARGET_ACCOUNT stays behind." \
            "To remove that workload, first run the $method pipeline with its destroy variable (see docs/operations.md), then re-run"
    done
fi
echo
if [ "$ASSUME_YES" -eq 0 ]; then
    confirm "Proceed?" || { echo "Aborted: nothing changed."; exit 1; }
fi

# ---------------------------------------------------------------------------------------------
# Teardown
# ---------------------------------------------------------------------------------------------
if [ "$TEARDOWN" -eq 1 ]; then
    CICD_LIVE=0 TARGET_LIVE=0
    ! stack_live cicd || CICD_LIVE=1
    ! stack_live target || TARGET_LIVE=1

    # 1. Destroy the workload through the pipelines while the target roles still exist.
    if [ "$CICD_LIVE" -eq 1 ] && [ "$TARGET_LIVE" -eq 1 ]; then
        info "Step 1/4: destroying the workload in account $TARGET_ACCOUNT through the pipelines"
        note "each destroy run waits at the manual approval $GUARD until someone approves it"
        if ! run_pipelines destroy; then
            if [ "$FORCE" -eq 1 ]; then
                warn "a workload destroy run failed; going on because of -f (the workload may be left in account $TARGET_ACCOUNT)"
            else
                die "a workload destroy run failed, so the stacks are NOT destroyed (that would orphan the workload in account $TARGET_ACCOUNT)." \
                    "Fix the cause (see the pipeline in the console) and re-run, or add -f to destroy the stacks anyway"
            fi
        fi
    elif [ "$TARGET_LIVE" -eq 1 ]; then
        [ "$FORCE" -eq 1 ] ||
            die "the target stack exists but the cicd stack is gone, so the workload cannot be destroyed through the pipelines." \
                "Delete the workload by hand, then re-run with -f"
        warn "no pipelines to destroy the workload with; going on because of -f"
    else
        note "Step 1/4: the target stack is already destroyed: no workload destroy runs"
    fi

    # 2. The target account's roles.
    if [ "$TARGET_LIVE" -eq 1 ]; then
        info "Step 2/4: destroying stack target in account $TARGET_ACCOUNT"
        AWS_PROFILE="$TARGET_PROFILE" pulumi destroy "${PULUMI_YES[@]}" --stack target
    else
        note "Step 2/4: stack target: nothing to destroy"
    fi

    # 3. The artifact bucket (versioned): only the one the stack names.
    ARTIFACT_BUCKET="" STATE_BUCKET=""
    if [ "$CICD_LIVE" -eq 1 ]; then
        ARTIFACT_BUCKET=$(output_get artifactBucketName)
        STATE_BUCKET=$(output_get stateBucketName) # read now: the outputs go with the stack
    fi
    if [ -n "$ARTIFACT_BUCKET" ]; then
        info "Step 3/4: emptying the artifact bucket s3://$ARTIFACT_BUCKET"
        empty_bucket "$ARTIFACT_BUCKET"
    else
        note "Step 3/4: no artifact bucket to empty"
    fi

    # 4. The CI/CD account's stack. The state bucket has retainOnDelete and survives.
    if [ "$CICD_LIVE" -eq 1 ]; then
        info "Step 4/4: destroying stack cicd in account $CICD_ACCOUNT"
        [ -z "$STATE_BUCKET" ] || note "the Terraform state bucket is s3://$STATE_BUCKET"
        AWS_PROFILE="$CICD_PROFILE" pulumi destroy "${PULUMI_YES[@]}" --stack cicd
    else
        note "Step 4/4: stack cicd: nothing to destroy"
    fi

    if [ -z "$STATE_BUCKET" ]; then
        if [ "$PURGE_STATE" -eq 1 ]; then
            warn "-P: the state bucket's name is not known any more (the cicd stack has no outputs)." \
                "If it still exists, empty and delete it by hand (aws s3api list-object-versions / delete-objects / delete-bucket)"
        fi
    elif [ "$PURGE_STATE" -eq 1 ]; then
        if [ "$ASSUME_YES" -eq 1 ] || confirm "Delete the state bucket s3://$STATE_BUCKET and every version of the Terraform state?"; then
            info "Purging the state bucket s3://$STATE_BUCKET"
            empty_bucket "$STATE_BUCKET"
            cicd_aws s3api delete-bucket --region "$REGION" --bucket "$STATE_BUCKET"
            note "s3://$STATE_BUCKET deleted"
        else
            note "kept the state bucket s3://$STATE_BUCKET"
        fi
    else
        info "Kept the Terraform state bucket s3://$STATE_BUCKET (retainOnDelete), with its history"
        note "to delete it later, re-run with -d -P before anything else removes its name, or by hand"
    fi
    echo
    info "Teardown complete"
    note "the stacks are empty but still listed (pulumi stack ls); 'pulumi stack rm cicd' / 'pulumi stack rm target' removes them and their config"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Deploy
# ---------------------------------------------------------------------------------------------
if ! [ -d node_modules ]; then
    info "Installing dependencies (npm ci)"
    npm ci
fi

info "Configuring stack cicd"
pulumi stack select --create cicd
pulumi config set --stack cicd aws:region "$REGION"
pulumi config set --stack cicd "$NS:targetAccountId" "$TARGET_ACCOUNT"
pulumi config set --stack cicd "$NS:subnetId" "$SUBNET_ID"
pulumi config set --stack cicd "$NS:securityGroupId" "$SG_ID"
pulumi config set --stack cicd "$NS:methods" "$METHODS"
[ -z "$CFN_STACK_NAME" ] || pulumi config set --stack cicd "$NS:cfnStackName" "$CFN_STACK_NAME"

info "Deploying stack cicd into account $CICD_ACCOUNT (profile $CICD_PROFILE)"
AWS_PROFILE="$CICD_PROFILE" pulumi up "${PULUMI_YES[@]}" --stack cicd

info "Configuring stack target"
pulumi stack select --create target
pulumi config set --stack target aws:region "$REGION"
pulumi config set --stack target "$NS:cicdStack" "$ORG/$PROJECT/cicd"

info "Deploying stack target into account $TARGET_ACCOUNT (profile $TARGET_PROFILE)"
AWS_PROFILE="$TARGET_PROFILE" pulumi up "${PULUMI_YES[@]}" --stack target

echo
info "Outputs of stack cicd"
pulumi stack output --stack cicd

if [ "$FOLLOW" -eq 1 ]; then
    echo
    info "Running the pipelines (the automatic first run of a new pipeline fails: the target roles did not exist yet)"
    run_pipelines deploy || die "a pipeline run did not succeed; see the pipeline in the console, then start it again"
    info "Deployment complete: the pipelines succeeded"
else
    echo
    info "Deployment complete. Next: run the pipelines (a new pipeline's automatic first run fails because the target roles did not exist yet):"
    for output in terraformPipelineName cloudformationPipelineName; do
        name=$(output_get "$output")
        [ -z "$name" ] ||
            note "aws codepipeline start-pipeline-execution --name $name --profile $CICD_PROFILE --region $REGION"
    done
    note "or re-run this command with -p to start them and follow them to the end"
fi
