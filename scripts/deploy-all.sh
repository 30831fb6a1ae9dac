#!/usr/bin/env bash
# Deploys the cross-account pipeline end to end, or tears it all down:
#   the `cicd` stack (pipelines, state and artifact buckets) in the CI/CD account, then the
#   `target` stack (deploy roles) in the target account, or, with -T, one `target-<name>` stack per
#   entry of a targets file, each in its own account. See docs/operations.md.
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
  $PROG -c CICD_PROFILE -T TARGETS_FILE [-r REGION] [-m METHODS] [-o ORG] [-p] [-y]
  $PROG -d -c CICD_PROFILE -t TARGET_PROFILE [-r REGION] [-f] [-P] [-y]
  $PROG -d -c CICD_PROFILE -T TARGETS_FILE [-r REGION] [-f] [-P] [-y]
  $PROG -h

Deploys the Pulumi stacks 'cicd' (CI/CD account) and 'target' (target account), or with -T
'cicd' and one 'target-<name>' stack per target account; or tears everything down with -d.

  -c PROFILE   AWS CLI profile of the CI/CD account (required)
  -t PROFILE   AWS CLI profile of the target account (required, unless -T)
  -T FILE      several target accounts instead of -t, -n and -g: a JSON list of
               { "name", "profile", "subnetId", "securityGroupId", "requireApproval"? },
               deployed in list order (stacks target-<name>), torn down in reverse order
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
join() { # separator words... -> the words joined by the separator
    local sep=$1 out="" word
    shift
    for word in "$@"; do out+=${out:+$sep}$word; done
    echo "$out"
}
note() { echo "    $*"; }
warn() { echo "$PROG: warning: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------------------------
CICD_PROFILE="" TARGET_PROFILE="" SUBNET_ID="" SG_ID="" CFN_STACK_NAME="" REGION_FLAG=""
METHODS="" ORG="organization" ORG_GIVEN=0
FOLLOW=0 TEARDOWN=0 FORCE=0 PURGE_STATE=0 ASSUME_YES=0
TARGETS_FILE="" MULTI=0 SINGLE_FLAGS=() S_GIVEN=0

while getopts ":c:t:T:n:g:s:r:m:o:pdfPyh" opt; do
    case $opt in
        c) CICD_PROFILE=$OPTARG ;;
        t) TARGET_PROFILE=$OPTARG SINGLE_FLAGS+=(-t) ;;
        T) TARGETS_FILE=$OPTARG MULTI=1 ;;
        n) SUBNET_ID=$OPTARG SINGLE_FLAGS+=(-n) ;;
        g) SG_ID=$OPTARG SINGLE_FLAGS+=(-g) ;;
        s) CFN_STACK_NAME=$OPTARG S_GIVEN=1 ;;
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
if [ "$MULTI" -eq 1 ]; then
    [ ${#SINGLE_FLAGS[@]} -eq 0 ] ||
        usage_error "-T cannot be combined with ${SINGLE_FLAGS[*]}: with -T, each target's profile, subnet and security group come from TARGETS_FILE"
    [ "$S_GIVEN" -eq 0 ] ||
        usage_error "-s cannot be combined with -T: each target's CloudFormation stack is <namePrefix>-workload-<name>"
    [ -n "$TARGETS_FILE" ] || usage_error "-T needs a file name"
    case $TARGETS_FILE in
        /*) ;;
        *) TARGETS_FILE=$PWD/$TARGETS_FILE ;; # the script moves to the repository root below
    esac
    if ! [ -f "$TARGETS_FILE" ] || ! [ -r "$TARGETS_FILE" ]; then
        usage_error "-T: '$TARGETS_FILE' is not a readable file"
    fi
else
    [ -n "$TARGET_PROFILE" ] || usage_error "-t PROFILE is required (or -T TARGETS_FILE for several target accounts)"
    check_profile_flag -t "$TARGET_PROFILE"
fi

if [ "$TEARDOWN" -eq 1 ]; then
    [ "$FOLLOW" -eq 0 ] || usage_error "-p cannot be combined with -d"
    for ignored in "-n:$SUBNET_ID" "-g:$SG_ID" "-s:$CFN_STACK_NAME"; do
        [ -z "${ignored#*:}" ] || warn "${ignored%%:*} is ignored with -d"
    done
else
    [ "$PURGE_STATE" -eq 0 ] || usage_error "-P is only valid with -d"
    [ "$FORCE" -eq 0 ] || usage_error "-f is only valid with -d"
    if [ "$MULTI" -eq 0 ]; then
        [ -n "$SUBNET_ID" ] || usage_error "-n SUBNET_ID is required to deploy"
        [ -n "$SG_ID" ] || usage_error "-g SECURITY_GROUP_ID is required to deploy"
        [[ $SUBNET_ID =~ ^subnet-[0-9a-f]{8,17}$ ]] ||
            usage_error "-n: '$SUBNET_ID' is not a subnet id ('subnet-' and 8 to 17 lower-case hex digits)"
        [[ $SG_ID =~ ^sg-[0-9a-f]{8,17}$ ]] ||
            usage_error "-g: '$SG_ID' is not a security group id ('sg-' and 8 to 17 lower-case hex digits)"
    fi
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
        warn "ignoring $var from the environment: the profiles (-c, and -t or the -T file) choose the accounts"
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

# The targets, in deploy order. The single-target form is one target named `default`, stack `target`.
T_NAMES=() T_STACKS=() T_PROFILES=() T_SUBNETS=() T_SGS=() T_APPROVALS=() T_ACCOUNTS=()
if [ "$MULTI" -eq 1 ]; then
    # Checks the whole file; prints one line per entry: name, profile, subnet, sg, approval (- if unset).
    # shellcheck disable=SC2016 # ${...} in the JavaScript is a template literal, not a shell expansion
    if ! listing=$(node -e '
        const fs = require("fs");
        const fail = (msg) => { process.stderr.write(msg); process.exit(1); };
        const shape = "a non-empty JSON list of { \"name\", \"profile\", \"subnetId\", \"securityGroupId\", \"requireApproval\"? }";
        let list;
        try {
            list = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
        } catch (e) {
            fail(`not valid JSON (${e.message}); it must be ${shape}`);
        }
        if (!Array.isArray(list) || list.length === 0) fail(`must be ${shape}`);
        const known = ["name", "profile", "subnetId", "securityGroupId", "requireApproval"];
        const forms = {
            name: [/^[a-z][a-z0-9-]{0,19}$/, "a target name (1 to 20 lower-case letters, digits or dashes, starting with a letter)"],
            profile: [/^[^\s-]\S*$/, "an AWS CLI profile name (no spaces, not starting with -)"],
            subnetId: [/^subnet-[0-9a-f]{8,17}$/, "a subnet id (\u0027subnet-\u0027 and 8 to 17 lower-case hex digits)"],
            securityGroupId: [/^sg-[0-9a-f]{8,17}$/, "a security group id (\u0027sg-\u0027 and 8 to 17 lower-case hex digits)"],
        };
        const names = [];
        const lines = list.map((entry, i) => {
            let where = `entry [${i}]`;
            if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(`${where} must be an object; the file must be ${shape}`);
            const field = (k) => {
                const v = entry[k];
                if (typeof v !== "string") fail(`${where}: "${k}" is missing or not a string; it must be ${forms[k][1]}`);
                if (!forms[k][0].test(v)) fail(`${where}: ${k} ${JSON.stringify(v)} is not ${forms[k][1]}`);
                return v;
            };
            const name = field("name");
            where += ` (${name})`;
            if (name === "default") fail(`${where}: the name default is reserved for the single-target form (-t); choose another name`);
            const unknown = Object.keys(entry).filter((k) => !known.includes(k));
            if (unknown.length > 0) fail(`${where}: unknown field(s) ${unknown.join(", ")}; expected ${known.join(", ")}`);
            const first = names.indexOf(name);
            if (first >= 0) fail(`${where}: the name ${name} is used twice (also entry [${first}]); each target needs its own name`);
            names.push(name);
            const approval = entry.requireApproval;
            if (![undefined, true, false, "true", "false"].includes(approval)) {
                fail(`${where}: requireApproval must be true or false; got ${JSON.stringify(approval)}`);
            }
            return [name, field("profile"), field("subnetId"), field("securityGroupId"), approval === undefined ? "-" : String(approval)].join("\t");
        });
        console.log(lines.join("\n"));
    ' -- "$TARGETS_FILE" 2>"$WORK/targets.err"); then
        die "-T $TARGETS_FILE: $(cat "$WORK/targets.err")"
    fi
    while IFS=$'\t' read -r name profile subnet sg approval; do
        T_NAMES+=("$name") T_STACKS+=("target-$name") T_PROFILES+=("$profile")
        T_SUBNETS+=("$subnet") T_SGS+=("$sg") T_APPROVALS+=("$approval")
    done <<<"$listing"
else
    T_NAMES=(default) T_STACKS=(target) T_PROFILES=("$TARGET_PROFILE")
    T_SUBNETS=("$SUBNET_ID") T_SGS=("$SG_ID") T_APPROVALS=(-)
fi
target_flag() { # index -> how messages name where the target's profile came from
    if [ "$MULTI" -eq 1 ]; then echo "-T target ${T_NAMES[$1]}"; else echo "-t"; fi
}

info "Checking AWS profiles"
CICD_ACCOUNT=$(account_of -c "$CICD_PROFILE")
for i in "${!T_NAMES[@]}"; do
    T_ACCOUNTS+=("$(account_of "$(target_flag "$i")" "${T_PROFILES[$i]}")")
done
note "CI/CD account:  $CICD_ACCOUNT (profile $CICD_PROFILE)"
for i in "${!T_NAMES[@]}"; do
    if [ "$MULTI" -eq 1 ]; then
        note "target ${T_NAMES[$i]}: account ${T_ACCOUNTS[$i]} (profile ${T_PROFILES[$i]})"
    else
        note "target account: ${T_ACCOUNTS[$i]} (profile ${T_PROFILES[$i]})"
    fi
done
for i in "${!T_NAMES[@]}"; do
    if [ "${T_ACCOUNTS[$i]}" = "$CICD_ACCOUNT" ]; then
        if [ "$MULTI" -eq 1 ]; then
            die "-T target ${T_NAMES[$i]}: profile '${T_PROFILES[$i]}' is the CI/CD account ($CICD_ACCOUNT, -c '$CICD_PROFILE'): the pipeline deploys across accounts, so each target must be another account"
        fi
        die "-c '$CICD_PROFILE' and -t '$TARGET_PROFILE' are the same account ($CICD_ACCOUNT): the pipeline deploys across accounts, so the target must be another account"
    fi
    for ((j = 0; j < i; j++)); do
        [ "${T_ACCOUNTS[$j]}" != "${T_ACCOUNTS[$i]}" ] ||
            die "-T targets ${T_NAMES[$j]} (profile '${T_PROFILES[$j]}') and ${T_NAMES[$i]} (profile '${T_PROFILES[$i]}') are the same account (${T_ACCOUNTS[$i]}): each target needs its own account"
    done
done
TARGET_ACCOUNT=${T_ACCOUNTS[0]}
if [ "$MULTI" -eq 1 ]; then
    described=()
    for i in "${!T_NAMES[@]}"; do described+=("${T_ACCOUNTS[$i]} (${T_NAMES[$i]})"); done
    TARGET_DESC="accounts $(join ", " "${described[@]}")"
else
    TARGET_DESC="account $TARGET_ACCOUNT"
fi
TARGETS_JSON=""
if [ "$MULTI" -eq 1 ]; then
    # $NS:targets for the cicd stack: the file's entries, in order, with the accounts of their profiles.
    entries=()
    for i in "${!T_NAMES[@]}"; do
        entries+=("${T_NAMES[$i]}" "${T_ACCOUNTS[$i]}" "${T_SUBNETS[$i]}" "${T_SGS[$i]}" "${T_APPROVALS[$i]}")
    done
    TARGETS_JSON=$(node -e '
        const a = process.argv.slice(1);
        const targets = [];
        for (let i = 0; i < a.length; i += 5) {
            const t = { name: a[i], accountId: a[i + 1], subnetId: a[i + 2], securityGroupId: a[i + 3] };
            if (a[i + 4] !== "-") t.requireApproval = a[i + 4] === "true";
            targets.push(t);
        }
        process.stdout.write(JSON.stringify(targets));
    ' -- "${entries[@]}")
fi

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
config_has() { # stack key -> 0 when the key is set (even to an empty value)
    pulumi config get --stack "$1" "$2" >/dev/null 2>&1
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
STACK_REGION="" STACK_METHODS="" STACK_TARGETS=""
# Targets of the live cicd stack that the -T file does not list: names and accounts.
DROPPED_NAMES=() DROPPED_ACCOUNTS=() DROPPED_EMPTY=()
if stack_exists cicd; then
    STACK_TARGETS=$(config_get cicd "$NS:targets")
    if [ "$MULTI" -eq 0 ] && [ -n "$STACK_TARGETS" ]; then
        die "the cicd stack uses the multi-target form ($NS:targets): give its targets with -T TARGETS_FILE instead of -t" \
            "(or, if that stack is torn down and you want the single-target form: pulumi config rm --stack cicd $NS:targets)"
    fi
    ! stack_live cicd || CICD_LIVE_NOW=1
fi
if [ "$CICD_LIVE_NOW" -eq 1 ] && [ "$MULTI" -eq 0 ]; then
    configured_target=$(config_get cicd "$NS:targetAccountId")
    if [ -n "$configured_target" ] && [ "$configured_target" != "$TARGET_ACCOUNT" ]; then
        die "-t '$TARGET_PROFILE' is account $TARGET_ACCOUNT, but the cicd stack deploys into $NS:targetAccountId=$configured_target." \
            "Use the profile of account $configured_target (to move to another account, tear down with -d first)"
    fi
elif [ "$CICD_LIVE_NOW" -eq 1 ] && [ -z "$STACK_TARGETS" ]; then
    die "the cicd stack is deployed with the single-target form ($NS:targetAccountId=$(config_get cicd "$NS:targetAccountId")):" \
        "-T would replace its stack 'target' with target-<name> stacks and leave 'target' and its workload behind." \
        "Keep using -t, or tear it down with -d -t first"
elif [ "$CICD_LIVE_NOW" -eq 1 ]; then
    # Each target the file shares with the live stack must be the same account.
    if ! stack_list=$(node -e '
        const list = JSON.parse(process.argv[1]);
        if (!Array.isArray(list)) throw new Error("not a list");
        for (const t of list) {
            if (!/^[a-z][a-z0-9-]{0,19}$/.test(t.name) || !/^[0-9]{12}$/.test(t.accountId)) throw new Error("malformed entry " + JSON.stringify(t));
            console.log(t.name + "\t" + t.accountId);
        }
    ' -- "$STACK_TARGETS" 2>"$WORK/stack-targets.err"); then
        die "cannot read the cicd stack's $NS:targets ($(head -c 300 "$WORK/stack-targets.err" | tr '\n' ' ')); fix it with pulumi config set --stack cicd $NS:targets"
    fi
    while IFS=$'\t' read -r name account; do
        [ -n "$name" ] || continue
        found=""
        for i in "${!T_NAMES[@]}"; do
            [ "${T_NAMES[$i]}" != "$name" ] || found=$i
        done
        if [ -z "$found" ]; then
            DROPPED_NAMES+=("$name") DROPPED_ACCOUNTS+=("$account")
        elif [ "${T_ACCOUNTS[$found]}" != "$account" ]; then
            die "-T target $name: profile '${T_PROFILES[$found]}' is account ${T_ACCOUNTS[$found]}, but the cicd stack deploys $name into account $account ($NS:targets)." \
                "Use the profile of account $account for $name (to move a target to another account, tear down with -d first)"
        fi
    done <<<"$stack_list"
    if [ "$TEARDOWN" -eq 1 ]; then
        # A target the file does not list cannot be destroyed (no profile): refuse rather than orphan it.
        for ((i = 0; i < ${#DROPPED_NAMES[@]}; i++)); do
            if stack_live "target-${DROPPED_NAMES[$i]}"; then
                die "the cicd stack also deploys the target ${DROPPED_NAMES[$i]} (account ${DROPPED_ACCOUNTS[$i]}), which $TARGETS_FILE does not list," \
                    "and its stack target-${DROPPED_NAMES[$i]} is not destroyed: add ${DROPPED_NAMES[$i]} with its profile to the file so that the teardown destroys it too"
            fi
            DROPPED_EMPTY+=("target-${DROPPED_NAMES[$i]}")
        done
    fi
fi
if [ "$CICD_LIVE_NOW" -eq 1 ]; then
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
if [ "$MULTI" -eq 1 ]; then
    for i in "${!T_NAMES[@]}"; do
        note "target $((i + 1))/${#T_NAMES[@]}      ${T_NAMES[$i]}: account ${T_ACCOUNTS[$i]} (profile ${T_PROFILES[$i]}), stack ${T_STACKS[$i]}"
    done
else
    note "target account  $TARGET_ACCOUNT (profile $TARGET_PROFILE), stack target"
fi
note "region          ${REGION:-unknown}"
note "backend         $BACKEND_URL"
REVERSED_STACKS=()
for ((i = ${#T_STACKS[@]} - 1; i >= 0; i--)); do REVERSED_STACKS+=("${T_STACKS[$i]}"); done
if [ "$TEARDOWN" -eq 1 ]; then
    note "steps           workload destroy runs, destroy $(join ", " "${REVERSED_STACKS[@]}"), empty artifact bucket, destroy cicd"
    if [ "$PURGE_STATE" -eq 1 ]; then
        note "state bucket    PURGED (-P): every version of the Terraform state is deleted"
    else
        note "state bucket    kept, with its history"
    fi
else
    note "methods         $METHODS"
    if [ "$MULTI" -eq 1 ]; then
        for i in "${!T_NAMES[@]}"; do
            approval=""
            [ "${T_APPROVALS[$i]}" != true ] || approval=", manual approval first"
            note "workload        ${T_NAMES[$i]}: subnet ${T_SUBNETS[$i]}, security group ${T_SGS[$i]}$approval"
        done
    else
        note "workload        subnet $SUBNET_ID, security group $SG_ID${CFN_STACK_NAME:+, CloudFormation stack $CFN_STACK_NAME}"
    fi
    note "cicd reference  $ORG/$PROJECT/cicd"
    for method in ${DROPPED[@]+"${DROPPED[@]}"}; do
        warn "-m $METHODS drops the $method method: 'pulumi up' deletes its pipeline, and the workload it deployed in $TARGET_DESC stays behind." \
            "To remove that workload, first run the $method pipeline with its destroy variable (see docs/operations.md), then re-run"
    done
    for ((i = 0; i < ${#DROPPED_NAMES[@]}; i++)); do
        warn "$TARGETS_FILE drops the target ${DROPPED_NAMES[$i]} (account ${DROPPED_ACCOUNTS[$i]}): 'pulumi up' removes its pipeline stages," \
            "and its stack target-${DROPPED_NAMES[$i]} (deploy roles) and the workload the pipelines deployed there stay behind." \
            "To remove them, tear down (-d) with a file that still lists ${DROPPED_NAMES[$i]}, then deploy again"
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
    CICD_LIVE=0
    ! stack_live cicd || CICD_LIVE=1
    T_LIVE=() LIVE_STACKS=() EMPTY_STACKS=(${DROPPED_EMPTY[@]+"${DROPPED_EMPTY[@]}"})
    for i in "${!T_STACKS[@]}"; do
        if stack_live "${T_STACKS[$i]}"; then
            T_LIVE+=(1) LIVE_STACKS+=("${T_STACKS[$i]}")
        else
            T_LIVE+=(0) EMPTY_STACKS+=("${T_STACKS[$i]}")
        fi
    done

    # 1. Destroy the workload through the pipelines while the target roles still exist. A destroy run
    #    needs the roles of every target the pipelines deploy into.
    if [ "$CICD_LIVE" -eq 1 ] && [ ${#LIVE_STACKS[@]} -gt 0 ] && [ ${#EMPTY_STACKS[@]} -eq 0 ]; then
        info "Step 1/4: destroying the workload in $TARGET_DESC through the pipelines"
        note "each destroy run waits at the manual approval $GUARD until someone approves it"
        if ! run_pipelines destroy; then
            if [ "$FORCE" -eq 1 ]; then
                warn "a workload destroy run failed; going on because of -f (the workload may be left in $TARGET_DESC)"
            else
                die "a workload destroy run failed, so the stacks are NOT destroyed (that would orphan the workload in $TARGET_DESC)." \
                    "Fix the cause (see the pipeline in the console) and re-run, or add -f to destroy the stacks anyway"
            fi
        fi
    elif [ ${#LIVE_STACKS[@]} -gt 0 ] && [ "$CICD_LIVE" -eq 0 ]; then
        if [ "$FORCE" -eq 0 ]; then
            [ "$MULTI" -eq 1 ] ||
                die "the target stack exists but the cicd stack is gone, so the workload cannot be destroyed through the pipelines." \
                    "Delete the workload by hand, then re-run with -f"
            die "the stack(s) $(join ", " "${LIVE_STACKS[@]}") exist but the cicd stack is gone, so the workload cannot be destroyed through the pipelines." \
                "Delete the workload by hand, then re-run with -f"
        fi
        warn "no pipelines to destroy the workload with; going on because of -f"
    elif [ ${#LIVE_STACKS[@]} -gt 0 ]; then
        # Only -T: target stacks are destroyed (last first) only after every destroy run succeeded, so
        # an already destroyed one means an earlier teardown got that far.
        note "Step 1/4: $(join ", " "${EMPTY_STACKS[@]}") already destroyed: an earlier teardown ran the workload destroy runs; no destroy runs"
    elif [ "$MULTI" -eq 1 ]; then
        note "Step 1/4: every target stack is already destroyed: no workload destroy runs"
    else
        note "Step 1/4: the target stack is already destroyed: no workload destroy runs"
    fi

    # 2. The target accounts' roles, the last target first.
    for ((i = ${#T_STACKS[@]} - 1; i >= 0; i--)); do
        if [ "${T_LIVE[$i]}" -eq 1 ]; then
            info "Step 2/4: destroying stack ${T_STACKS[$i]} in account ${T_ACCOUNTS[$i]} (profile ${T_PROFILES[$i]})"
            AWS_PROFILE="${T_PROFILES[$i]}" pulumi destroy "${PULUMI_YES[@]}" --stack "${T_STACKS[$i]}"
        else
            note "Step 2/4: stack ${T_STACKS[$i]}: nothing to destroy"
        fi
    done

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
    note "the stacks are empty but still listed (pulumi stack ls); 'pulumi stack rm <stack>' removes one and its config:"
    note "  ${T_STACKS[*]} cicd"
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
if [ "$MULTI" -eq 1 ]; then
    # The program refuses the list together with any single-target key (left from an earlier,
    # torn-down single-target deployment, or from Pulumi.cicd.yaml).
    for key in targetAccountId subnetId securityGroupId cfnStackName requireApproval; do
        ! config_has cicd "$NS:$key" || pulumi config rm --stack cicd "$NS:$key"
    done
    pulumi config set --stack cicd "$NS:targets" "$TARGETS_JSON"
else
    pulumi config set --stack cicd "$NS:targetAccountId" "$TARGET_ACCOUNT"
    pulumi config set --stack cicd "$NS:subnetId" "$SUBNET_ID"
    pulumi config set --stack cicd "$NS:securityGroupId" "$SG_ID"
fi
pulumi config set --stack cicd "$NS:methods" "$METHODS"
[ -z "$CFN_STACK_NAME" ] || pulumi config set --stack cicd "$NS:cfnStackName" "$CFN_STACK_NAME"

info "Deploying stack cicd into account $CICD_ACCOUNT (profile $CICD_PROFILE)"
AWS_PROFILE="$CICD_PROFILE" pulumi up "${PULUMI_YES[@]}" --stack cicd

# The targets in list order: a later target's stage runs after an earlier one's in the pipelines.
for i in "${!T_STACKS[@]}"; do
    stack=${T_STACKS[$i]}
    info "Configuring stack $stack"
    pulumi stack select --create "$stack"
    pulumi config set --stack "$stack" aws:region "$REGION"
    pulumi config set --stack "$stack" "$NS:cicdStack" "$ORG/$PROJECT/cicd"

    info "Deploying stack $stack into account ${T_ACCOUNTS[$i]} (profile ${T_PROFILES[$i]})"
    AWS_PROFILE="${T_PROFILES[$i]}" pulumi up "${PULUMI_YES[@]}" --stack "$stack"
done

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
