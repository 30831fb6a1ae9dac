/**
 * The plan's Mermaid picture: accounts, components, and who may assume whom, read from the recorded
 * trust policies; for a fleet, the rollout by wave instead. Pure functions.
 */
import type { Recorded } from "../mocks";
import {
    asArray,
    BUCKET,
    EVENT_RULE,
    EVENT_TARGET,
    isComponentType,
    LOG_GROUP,
    parseJson,
    parseParentUrn,
    PIPELINE,
    principalArnsOf,
    PROJECT,
    ROLE,
    ROLE_POLICY,
    shortType,
    STACK_REFERENCE,
    STACK_SET,
    statementsOf,
    TOPIC,
} from "./documents";
import { PlanStackRun } from "./types";

/* ---------------------------------------------------------------- Mermaid */

/** Escapes a label for a quoted Mermaid label. */
const label = (s: string): string =>
    s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\n/g, "<br/>");
const idOf = (...parts: string[]): string => parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");

interface DiagramNode {
    readonly id: string;
    readonly text: string;
    readonly shape: "box" | "role" | "bucket" | "service" | "round";
}

const shaped = (n: DiagramNode): string => {
    const t = `"${label(n.text)}"`;
    switch (n.shape) {
        case "role":
            return `${n.id}{{${t}}}`;
        case "bucket":
            return `${n.id}[(${t})]`;
        case "service":
            return `${n.id}([${t}])`;
        case "round":
            return `${n.id}(${t})`;
        default:
            return `${n.id}[${t}]`;
    }
};

/** The node a diagram draws for a resource, if it draws one (pipelines, projects, buckets, roles...). */
function nodeFor(stack: string, r: Recorded): DiagramNode | undefined {
    const id = idOf("n", stack, r.name);
    switch (r.type) {
        case ROLE:
            return { id, text: `role ${r.inputs.name}`, shape: "role" };
        case BUCKET:
            return { id, text: `bucket ${r.inputs.bucket}`, shape: "bucket" };
        case PIPELINE:
            return {
                id,
                text: `CodePipeline ${r.inputs.pipelineType ?? ""} ${r.inputs.name}`.replace(/\s+/g, " "),
                shape: "box",
            };
        case PROJECT:
            return { id, text: `CodeBuild ${r.inputs.name}\n${r.inputs.environment?.image ?? ""}`, shape: "box" };
        case TOPIC:
            return { id, text: `SNS ${r.inputs.name}`, shape: "round" };
        case EVENT_RULE:
            return { id, text: `EventBridge rule ${r.inputs.name ?? r.name}`, shape: "round" };
        case LOG_GROUP:
            return r.parent === undefined ? { id, text: `log group ${r.inputs.name}`, shape: "round" } : undefined;
        case STACK_REFERENCE:
            return { id, text: `StackReference\n${r.inputs.name}`, shape: "round" };
        case STACK_SET:
            return { id, text: `StackSet ${r.inputs.name} (${r.inputs.permissionModel ?? ""})`, shape: "box" };
        default:
            return undefined;
    }
}

export interface DiagramInput {
    readonly partition: string;
    /** The stacks to draw: the cicd stack and the target stack(s). */
    readonly runs: readonly PlanStackRun[];
    /** The stack the report is about; its account is marked. */
    readonly reportStack: string;
    readonly cicdPlaceholder: boolean;
}

/**
 * A Mermaid `flowchart LR`: one subgraph per account, one per component inside it, nodes for the
 * main resources and the roles. Edges: trust (from each captured trust policy's Service principal
 * or pinned aws:PrincipalArn), pipeline → CodeBuild / Commands action, project and Commands action →
 * the role they run as, iam:PassRole grants between drawn roles, and EventBridge → pipelines.
 */
export function mermaidDiagram(diagram: DiagramInput): string {
    // The same diagram whatever the engine's registration order.
    const byName = (a: Recorded, b: Recorded): number => a.name.localeCompare(b.name) || a.type.localeCompare(b.type);
    const input: DiagramInput = {
        ...diagram,
        runs: diagram.runs.map((r) => ({ ...r, resources: [...r.resources].sort(byName) })),
    };
    const lines: string[] = ["flowchart LR"];
    const edges: string[] = [];
    const roleNodes = new Map<string, string>(); // role ARN → node id
    const pipelineNodes = new Map<string, string>(); // `${account}:${pipeline name}` → node id
    const projectNodes = new Map<string, string>(); // project name → node id
    const externals = new Map<string, DiagramNode>();
    const edgeSet = new Set<string>();
    const edge = (s: string): void => {
        if (!edgeSet.has(s)) {
            edgeSet.add(s);
            edges.push(s);
        }
    };

    for (const run of input.runs) {
        for (const r of run.resources) {
            if (r.type === ROLE)
                roleNodes.set(
                    `arn:${input.partition}:iam::${run.accountId}:role/${r.inputs.name}`,
                    idOf("n", run.stack, r.name),
                );
            if (r.type === PIPELINE)
                pipelineNodes.set(`${run.accountId}:${r.inputs.name}`, idOf("n", run.stack, r.name));
            if (r.type === PROJECT) projectNodes.set(`${run.accountId}:${r.inputs.name}`, idOf("n", run.stack, r.name));
        }
    }
    const roleNode = (arn: string): string => {
        const known = roleNodes.get(arn);
        if (known !== undefined) return known;
        const id = idOf("ext", arn);
        externals.set(id, { id, text: arn, shape: /:role\//.test(arn) ? "role" : "box" });
        return id;
    };
    const serviceNode = (service: string): string => {
        const id = idOf("svc", service);
        externals.set(id, { id, text: service, shape: "service" });
        return id;
    };

    for (const run of input.runs) {
        const cicd = run.role === "cicd";
        const title = cicd
            ? `CI/CD account ${run.accountId}${input.cicdPlaceholder ? " (placeholder)" : ""} · stack ${run.stack}`
            : run.role === "org"
              ? `Management account ${run.accountId} (placeholder) · stack ${run.stack}`
              : `Target account ${run.accountId} · stack ${run.stack} (target ${run.targetName ?? "?"})`;
        const mark = run.stack === input.reportStack ? " · this report" : "";
        lines.push(`  subgraph ${idOf("acct", run.stack)}["${label(title + mark)}"]`);
        const components = run.resources.filter((r) => isComponentType(r.type));
        const childrenOf = (c: Recorded): Recorded[] =>
            run.resources.filter(
                (r) =>
                    r.parent !== undefined &&
                    parseParentUrn(r.parent).name === c.name &&
                    parseParentUrn(r.parent).type === c.type,
            );
        for (const c of components) {
            const nodes = childrenOf(c)
                .map((r) => nodeFor(run.stack, r))
                .filter((n): n is DiagramNode => n !== undefined);
            const cid = idOf("c", run.stack, shortType(c.type), c.name);
            lines.push(`    subgraph ${cid}["${label(`${shortType(c.type)} ${c.name}`)}"]`);
            if (nodes.length === 0) lines.push(`      ${idOf("e", cid)}["${label(`${shortType(c.type)} ${c.name}`)}"]`);
            for (const n of nodes) lines.push(`      ${shaped(n)}`);
            // The Commands actions of a pipeline run inside it, each as its own role.
            for (const p of childrenOf(c).filter((r) => r.type === PIPELINE)) {
                for (const stage of asArray<any>(p.inputs.stages)) {
                    for (const a of asArray<any>(stage.actions).filter((x) => x.provider === "Commands")) {
                        const aid = idOf("n", run.stack, p.name, stage.name, a.name);
                        lines.push(`      ${aid}["${label(`Commands action ${stage.name}/${a.name}`)}"]`);
                        edge(`  ${idOf("n", run.stack, p.name)} -- "Commands action" --> ${aid}`);
                        // The action's own role (one per target and step), or the pipeline's.
                        edge(`  ${aid} -. "runs as" .-> ${roleNode((a.roleArn ?? p.inputs.roleArn) as string)}`);
                    }
                }
            }
            lines.push("    end");
        }
        for (const r of run.resources.filter((x) => x.parent === undefined && !isComponentType(x.type))) {
            const n = nodeFor(run.stack, r);
            if (n !== undefined) lines.push(`    ${shaped(n)}`);
        }
        lines.push("  end");
    }

    const cicdRun = input.runs.find((r) => r.role === "cicd");
    for (const run of input.runs) {
        for (const r of run.resources) {
            const self = idOf("n", run.stack, r.name);
            if (r.type === ROLE) {
                const trust = parseJson(r.inputs.assumeRolePolicy);
                for (const s of statementsOf(trust)) {
                    if (s.Effect !== "Allow" || !asArray<string>(s.Action).some((a) => /^sts:AssumeRole$/i.test(a)))
                        continue;
                    for (const service of asArray<string>(s.Principal?.Service))
                        edge(`  ${serviceNode(service)} -- "may assume" --> ${self}`);
                    const pinned = principalArnsOf(s);
                    const from = pinned.length > 0 ? pinned : asArray<string>(s.Principal?.AWS);
                    for (const arn of from) {
                        const src = roleNode(arn);
                        const cross = !arn.includes(`::${run.accountId}:`);
                        edge(
                            cross
                                ? `  ${src} == "may assume (cross-account)" ==> ${self}`
                                : `  ${src} -- "may assume" --> ${self}`,
                        );
                    }
                }
            }
            if (r.type === ROLE_POLICY) {
                const ownerArn = `arn:${input.partition}:iam::${run.accountId}:role/${r.inputs.role}`;
                for (const s of statementsOf(parseJson(r.inputs.policy))) {
                    if (s.Effect !== "Allow" || !asArray<string>(s.Action).some((a) => /^iam:PassRole$/i.test(a)))
                        continue;
                    const to = asArray<string>(s.Condition?.StringEquals?.["iam:PassedToService"]);
                    for (const res of asArray<string>(s.Resource)) {
                        if (roleNodes.has(res) && roleNodes.has(ownerArn)) {
                            edge(
                                `  ${roleNodes.get(ownerArn)} -. "iam:PassRole${to.length > 0 ? ` to ${to.join(", ")}` : ""}" .-> ${roleNodes.get(res)}`,
                            );
                        }
                    }
                }
            }
            if (r.type === PIPELINE) {
                if (typeof r.inputs.roleArn === "string")
                    edge(`  ${self} -. "runs as" .-> ${roleNode(r.inputs.roleArn)}`);
                for (const stage of asArray<any>(r.inputs.stages)) {
                    for (const a of asArray<any>(stage.actions).filter((x) => x.provider === "CodeBuild")) {
                        const project = projectNodes.get(`${run.accountId}:${a.configuration?.ProjectName}`);
                        if (project !== undefined)
                            edge(`  ${self} -- "CodeBuild action ${label(`${stage.name}/${a.name}`)}" --> ${project}`);
                    }
                }
            }
            if (r.type === PROJECT && typeof r.inputs.serviceRole === "string") {
                edge(`  ${self} -. "runs as" .-> ${roleNode(r.inputs.serviceRole)}`);
            }
            if (r.type === EVENT_TARGET) {
                const m = /^arn:[^:]+:codepipeline:[^:]*:(\d+):(.+)$/.exec(String(r.inputs.arn));
                const rule = run.resources.find(
                    (x) => x.type === EVENT_RULE && (x.inputs.name ?? x.name) === r.inputs.rule,
                );
                const pipeline = m === null ? undefined : pipelineNodes.get(`${m[1]}:${m[2]}`);
                if (rule !== undefined && pipeline !== undefined)
                    edge(`  ${idOf("n", run.stack, rule.name)} -- "starts" --> ${pipeline}`);
            }
            if (r.type === STACK_REFERENCE && cicdRun !== undefined && run.role !== "cicd") {
                edge(`  ${idOf("acct", cicdRun.stack)} -. "stack outputs" .-> ${self}`);
            }
        }
    }
    for (const n of externals.values()) lines.push(`  ${shaped(n)}`);
    return [...lines, ...edges].join("\n");
}
