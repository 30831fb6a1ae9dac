// The AwsClients port on the AWS SDK v3: each client reads its profile from ~/.aws (the client's
// `profile` option: @aws-sdk/credential-providers is not a dependency of this project).
import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsClients } from "./ports";

export function sdkClients(): AwsClients {
    return {
        sts: (profile, region) => new STSClient({ profile, ...(region !== undefined ? { region } : {}) }),
        codePipeline: (profile, region) => new CodePipelineClient({ profile, region }),
        s3: (profile, region) => new S3Client({ profile, region }),
        profileRegion: async (profile) => {
            try {
                return await new STSClient({ profile }).config.region();
            } catch {
                return undefined; // "Region is missing": neither AWS_REGION nor the profile has one
            }
        },
    };
}
