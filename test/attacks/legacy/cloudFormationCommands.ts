// Legacy: this file is cloudFormationCommands.ts as it was at commit 46b8648, before the trust-boundary fixes, kept verbatim
// so that the attack tests can show each attack succeeding against the old code. Not used by the program.
/** Limits of the CodePipeline Commands action (action-reference-Commands). */
export const COMMANDS_LIMITS = { maxCommands: 50, maxLength: 1000 } as const;

/** Values of BUILD_ACTION. create-stack and update-stack are the seed's; both mean "deploy" here. */
export const BUILD_ACTIONS = ["deploy", "create-stack", "update-stack", "delete-stack"] as const;

export interface CloudFormationCommandsArgs {
    /** Pipeline variable suffix of this target ("" for the single-target form). */
    readonly suffix: string;
    readonly targetAccountId: string;
    /** Parameters file of this target inside the source archive. */
    readonly parametersFile: string;
    /** Template inside the source archive. */
    readonly templateFile: string;
}

/**
 * The Commands action's shell, one line per command (the action takes no multi-line commands).
 * It fixes the seed's fragile spots: create-or-update instead of a create that fails on a second
 * run; it waits for the stack and fails the action when the stack fails, printing the failed events;
 * a stack left in ROLLBACK_COMPLETE by a failed first create is deleted before it is created again.
 * Every stack operation passes the execution role; the deploy role itself cannot build anything.
 * POSIX sh: the action's shell is not ours to choose.
 */
export function cloudFormationCommands(a: CloudFormationCommandsArgs): string[] {
    const v = (name: string): string => `#{variables.${name}${a.suffix}}`;
    const stackOp = `--stack-name "$STACK_NAME" --role-arn "$CFN_ROLE_ARN"`;
    const templateArgs =
        `--template-body "file://${a.templateFile}" --parameters "file://${a.parametersFile}" ` +
        `--capabilities CAPABILITY_NAMED_IAM`;
    return [
        `cd "\${CODEBUILD_SRC_DIR:-.}" || exit 1`,
        `export TARGET_ROLE_ARN="${v("TARGET_ROLE_ARN")}" STACK_NAME="${v("BUILD_STACK_NAME")}" CFN_ROLE_ARN="${v("CFN_ROLE_ARN")}" ACTION="#{variables.BUILD_ACTION}" TARGET_ACCOUNT_ID="${a.targetAccountId}"`,
        `case "$ACTION" in ${BUILD_ACTIONS.join("|")}) ;; *) echo "BUILD_ACTION must be one of ${BUILD_ACTIONS.join(", ")}; got '$ACTION'" >&2; exit 1 ;; esac`,
        `fail_with_events() { echo "$1" >&2; aws cloudformation describe-stack-events --stack-name "$STACK_NAME" --max-items 25 --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceStatus,ResourceStatusReason]" --output text >&2 || true; exit 1; }`,
        `CROSS_ACCT_TOKENS=$(aws sts assume-role --role-arn "$TARGET_ROLE_ARN" --role-session-name codepipeline-cloudformation --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text) || { echo "Cannot assume $TARGET_ROLE_ARN. Has the target stack been deployed (pulumi up --stack target)?" >&2; exit 1; }`,
        `AWS_ACCESS_KEY_ID=$(echo "$CROSS_ACCT_TOKENS" | cut -f1) && AWS_SECRET_ACCESS_KEY=$(echo "$CROSS_ACCT_TOKENS" | cut -f2) && AWS_SESSION_TOKEN=$(echo "$CROSS_ACCT_TOKENS" | cut -f3) && export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`,
        `if ! CALLER_ACCOUNT=$(aws sts get-caller-identity --query Account --output text) || [ "$CALLER_ACCOUNT" != "$TARGET_ACCOUNT_ID" ]; then echo "Expected account $TARGET_ACCOUNT_ID, running as \${CALLER_ACCOUNT:-unknown}" >&2; exit 1; fi`,
        `STATUS=$(aws cloudformation describe-stacks --stack-name "$STACK_NAME" --query 'Stacks[0].StackStatus' --output text 2>/dev/null) || STATUS=NONE`,
        `echo "Stack $STACK_NAME is $STATUS; BUILD_ACTION is $ACTION"`,
        `case "$STATUS" in *_IN_PROGRESS) echo "Stack $STACK_NAME is busy ($STATUS); run the pipeline again when it has settled" >&2; exit 1 ;; esac`,
        `if [ "$STATUS" = ROLLBACK_COMPLETE ] && [ "$ACTION" != delete-stack ]; then echo "Removing the failed first create of $STACK_NAME"; if ! { aws cloudformation delete-stack ${stackOp} && aws cloudformation wait stack-delete-complete --stack-name "$STACK_NAME"; }; then fail_with_events "Could not remove $STACK_NAME"; fi; STATUS=NONE; fi`,
        `if [ "$ACTION" = delete-stack ] && [ "$STATUS" = NONE ]; then echo "Stack $STACK_NAME does not exist: nothing to delete"; fi`,
        `if [ "$ACTION" = delete-stack ] && [ "$STATUS" != NONE ]; then if ! { aws cloudformation delete-stack ${stackOp} && aws cloudformation wait stack-delete-complete --stack-name "$STACK_NAME"; }; then fail_with_events "Deleting $STACK_NAME failed"; fi; fi`,
        `if [ "$ACTION" != delete-stack ] && [ "$STATUS" = NONE ]; then if ! { aws cloudformation create-stack ${stackOp} ${templateArgs} && aws cloudformation wait stack-create-complete --stack-name "$STACK_NAME"; }; then fail_with_events "Creating $STACK_NAME failed"; fi; fi`,
        `if [ "$ACTION" != delete-stack ] && [ "$STATUS" != NONE ]; then if UPDATE_OUT=$(aws cloudformation update-stack ${stackOp} ${templateArgs} 2>&1); then aws cloudformation wait stack-update-complete --stack-name "$STACK_NAME" || fail_with_events "Updating $STACK_NAME failed"; elif echo "$UPDATE_OUT" | grep -q "No updates are to be performed"; then echo "Stack $STACK_NAME is up to date"; else echo "$UPDATE_OUT" >&2; exit 1; fi; fi`,
        `echo "BUILD_ACTION $ACTION on $STACK_NAME in $TARGET_ACCOUNT_ID done"`,
    ];
}
