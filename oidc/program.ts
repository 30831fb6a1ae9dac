import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import {
    ConfigReader,
    environmentSubject,
    GITHUB_OIDC_URL,
    parseOidcConfig,
    previewTrustPolicy,
    readOnlyAccessArn,
    stateBackendPolicy,
    STS_AUDIENCE,
} from "./policies";

export interface OidcOutputs {
    /** Set it as the repository variable AWS_CICD_PREVIEW_ROLE_ARN or AWS_TARGET_PREVIEW_ROLE_ARN. */
    readonly previewRoleArn: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    /** The only token subject the role trusts: `repo:<owner>/<name>:environment:<githubEnvironment>`. */
    readonly trustedSubject: string;
}

/**
 * In one AWS account: GitHub's OIDC provider (unless an existing one is given) and a read-only
 * role that the repository's preview jobs may assume to run `pulumi preview`: jobs that reference
 * the GitHub environment `githubEnvironment`, which has required reviewers.
 */
export function oidcProgram(read: ConfigReader): OidcOutputs {
    const config = parseOidcConfig(read);
    const tags = {
        "managed-by": "pulumi",
        "pulumi-project": pulumi.getProject(),
        "github-repo": config.githubRepo,
        "github-environment": config.githubEnvironment,
    };
    const subject = environmentSubject(config);
    const partition = getPartitionOutput().partition;

    const providerArn: pulumi.Output<string> =
        config.existingProviderArn !== undefined
            ? pulumi.output(config.existingProviderArn)
            : new iam.OpenIdConnectProvider("github", {
                  url: GITHUB_OIDC_URL,
                  clientIdLists: [STS_AUDIENCE],
                  // No thumbprintLists: AWS trusts GitHub's issuer through its own CA library.
                  tags,
              }).arn;

    const role = new iam.Role("preview", {
        name: config.roleName,
        description:
            `pulumi preview of ${config.githubRepo} pull requests ` +
            `(GitHub Actions OIDC, environment ${config.githubEnvironment})`,
        assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(previewTrustPolicy(arn, config))),
        maxSessionDuration: 3600,
        tags,
    });

    new iam.RolePolicyAttachment("preview-read-only", {
        role: role.name,
        policyArn: partition.apply(readOnlyAccessArn),
    });

    const bucket = config.stateBucketName;
    if (bucket !== undefined) {
        new iam.RolePolicy("preview-pulumi-state", {
            role: role.name,
            policy: partition.apply((p) =>
                JSON.stringify(
                    stateBackendPolicy({
                        partition: p,
                        bucket,
                        keyPrefix: config.stateKeyPrefix,
                        lockWrites: config.stateLockWrites,
                    }),
                ),
            ),
        });
    }

    return {
        previewRoleArn: role.arn,
        oidcProviderArn: providerArn,
        trustedSubject: subject,
    };
}

/** Reads this project's config (`cross-account-pipeline-oidc:<name>`) from the Pulumi stack. */
export const pulumiConfigReader: ConfigReader = (name) => new pulumi.Config().get(name);
