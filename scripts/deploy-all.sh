#!/usr/bin/env bash
# Deploys the cross-account pipeline end to end, or tears it all down. This is only the entry point:
# it maps its flags onto the deploy CLI (cli/main.ts, on the Pulumi Automation API), which checks
# every flag, the targets file and every account before it changes anything. See docs/operations.md.
set -euo pipefail

PROG=${0##*/}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
Usage:
  $PROG -c CICD_PROFILE -t TARGET_PROFILE -n SUBNET_ID -g SECURITY_GROUP_ID
        [-s STACK_NAME] [-r REGION] [-m METHODS] [-o ORG] [-p] [-y] [-j]
  $PROG -c CICD_PROFILE -T TARGETS_FILE [-r REGION] [-m METHODS] [-o ORG] [-p] [-y] [-j]
  $PROG -c CICD_PROFILE -A ORG_PROFILE -O OU_IDS -T TARGETS_FILE [-r REGION] [-m METHODS] [-o ORG] [-p] [-y] [-j]
  $PROG -d -c CICD_PROFILE (-t TARGET_PROFILE | -T TARGETS_FILE | -A ORG_PROFILE) [-r REGION] [-f] [-P] [-y] [-j]
  $PROG -h

Deploys the Pulumi stacks 'cicd' (CI/CD account) and 'target' (target account); with -T, 'cicd'
and one 'target-<name>' stack per target account; with -A, 'cicd' and 'org' (the target roles as
one StackSet over organizational units). Or tears everything down with -d.

  -c PROFILE   AWS profile of the CI/CD account (required)
  -t PROFILE   AWS profile of the target account (required, unless -T or -A)
  -T FILE      several target accounts instead of -t, -n and -g: a JSON list of
               { "name", "profile", "subnetId", "securityGroupId", "requireApproval"?, "wave"? },
               deployed in list order (stacks target-<name>), torn down in reverse order;
               with -A each entry has "accountId" instead of "profile"
  -A PROFILE   org mode: AWS profile of the Organizations management account, or of a delegated
               StackSets administrator; deploys the stack 'org' instead of target stacks
  -O OU_IDS    org mode, to deploy: organizational unit or root IDs (ou-..., r-...), comma-separated
  -n SUBNET    subnet of the sample workload in the target account, subnet-... (required to deploy)
  -g SG        security group of the sample workload, sg-... (required to deploy)
  -s NAME      CloudFormation stack name used by the cloudformation method
               (sets cross-account-pipeline:cfnStackName; default: the program's default)
  -r REGION    AWS region (default: the cicd stack's region if it is deployed, else the region of
               the CI/CD profile)
  -m METHODS   terraform, cloudformation or terraform,cloudformation (default: the deployed
               stack's, else both)
  -o ORG       Pulumi organization in the target stacks' reference to the cicd stack
               (default: organization, the name used by self-managed backends)
  -p           after deploying, start the pipelines and follow them until they end, stage by
               stage; offers to approve each manual approval they wait at (never with -y)
  -d           tear down: destroy the workload (pipeline destroy runs), the target stacks (or
               'org'), empty the artifact bucket, destroy the cicd stack
  -f           with -d: go on even if a workload destroy run fails (may orphan the workload)
  -P           with -d: also empty and delete the Terraform state bucket (kept by default)
  -y           do not ask for confirmation (assumed when stdin is not a terminal)
  -j           print one JSON document with the results on stdout (the rest goes to stderr)
  -h           show this help

After --, the rest goes to the deploy CLI as is, e.g. -- --call-as DELEGATED_ADMIN --approval-policy risk
(its options: node -r ts-node/register/transpile-only cli/main.ts deploy -h).
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

command=deploy
args=()
while getopts ":c:t:T:A:O:n:g:s:r:m:o:pdfPyjh" opt; do
    case $opt in
        c) args+=(--cicd-profile "$OPTARG") ;;
        t) args+=(--target-profile "$OPTARG") ;;
        T) args+=(--targets-file "$OPTARG") ;;
        A) args+=(--org-profile "$OPTARG") ;;
        O) args+=(--org "$OPTARG") ;;
        n) args+=(--subnet-id "$OPTARG") ;;
        g) args+=(--security-group-id "$OPTARG") ;;
        s) args+=(--cfn-stack-name "$OPTARG") ;;
        r) args+=(--region "$OPTARG") ;;
        m) args+=(--methods "$OPTARG") ;;
        o) args+=(--pulumi-org "$OPTARG") ;;
        p) args+=(--follow) ;;
        d) command=teardown ;;
        f) args+=(--force) ;;
        P) args+=(--purge-state) ;;
        y) args+=(--yes) ;;
        j) args+=(--json) ;;
        h) usage; exit 0 ;;
        :) usage_error "option -$OPTARG needs a value" ;;
        *) usage_error "unknown option -$OPTARG" ;;
    esac
done
# After "--", the rest goes to the CLI as is: its options that have no letter here.
ended=0
if [ "$OPTIND" -gt 1 ]; then
    last=$((OPTIND - 1))
    [ "${!last}" != -- ] || ended=1
fi
shift $((OPTIND - 1))
[ $# -eq 0 ] || [ "$ended" -eq 1 ] || usage_error "unexpected argument(s): $*"
args+=("$@")

command -v node >/dev/null 2>&1 || { echo "$PROG: error: node (20 or later) is not on PATH" >&2; exit 1; }
if ! [ -d "$REPO/node_modules" ]; then
    echo "==> Installing dependencies (npm ci)" >&2
    (cd "$REPO" && npm ci) >&2
fi

# The CLI checks the values; it resolves a relative -T path from the current directory.
export TS_NODE_PROJECT="$REPO/tsconfig.json"
exec node -r "$REPO/node_modules/ts-node/register/transpile-only" "$REPO/cli/main.ts" \
    "$command" --prog "$PROG" ${args[@]+"${args[@]}"}
