import { oidcProgram, pulumiConfigReader } from "./program";

// Pulumi calls the exported function and uses its result as the stack's outputs:
// previewRoleArn, oidcProviderArn and trustedSubject.
export = () => oidcProgram(pulumiConfigReader);
